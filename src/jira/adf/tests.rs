//! Markdown ↔ ADF: examples, schema validation of every emitted document, and round-trip properties.

use super::*;
use proptest::prelude::*;
use serde_json::json;
use std::sync::OnceLock;

/// The official ADF schema from `../shared/jira/adf-schema.json` (or `$ADF_SCHEMA`); never copied here.
pub(crate) fn assert_valid(doc: &Value) {
    static SCHEMA: OnceLock<jsonschema::Validator> = OnceLock::new();
    let v = SCHEMA.get_or_init(|| {
        let path = std::env::var("ADF_SCHEMA").unwrap_or_else(|_| {
            format!(
                "{}/../shared/jira/adf-schema.json",
                env!("CARGO_MANIFEST_DIR")
            )
        });
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
        let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .build(&schema)
            .expect("schema compiles")
    });
    // `is_valid` stops at the first match of each `anyOf`; listing errors walks every branch,
    // exponential in nesting depth, so it is only done for a document already known bad.
    if v.is_valid(doc) {
        return;
    }
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path))
        .take(3)
        .collect();
    assert!(errors.is_empty(), "invalid ADF {doc}: {errors:?}");
}

#[test]
fn converts_the_subset() {
    let md = "# Title\n\nSome *em* **strong** ~~gone~~ `code` [link](https://x.io \"t\").\\\nnext\n\n- a\n  - b\n1. one\n2. two\n\n- [ ] todo\n- [x] done\n\n```rust\nfn main() {}\n```\n\n> quoted\n\n---\n\n| h | i |\n| --- | --- |\n| c | d |\n";
    let doc = markdown_to_adf(md);
    assert_valid(&doc);
    let c = doc["content"].as_array().unwrap();
    let kinds: Vec<&str> = c.iter().map(|n| n["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "heading",
            "paragraph",
            "bulletList",
            "orderedList",
            "taskList",
            "codeBlock",
            "blockquote",
            "rule",
            "table"
        ]
    );
    assert_eq!(c[5]["attrs"]["language"], "rust");
    assert_eq!(c[5]["content"][0]["text"], "fn main() {}");
    assert_eq!(c[4]["content"][1]["attrs"]["state"], "DONE");
    assert_eq!(c[1]["content"][0], json!({"type": "text", "text": "Some "}));
    assert_eq!(c[1]["content"][1]["marks"], json!([{"type": "em"}]));
    assert_eq!(c[8]["content"][0]["content"][0]["type"], "tableHeader");
    let back = adf_to_markdown(&doc);
    assert_eq!(markdown_to_adf(&back), doc, "{back}");
}

#[test]
fn containers_degrade_to_what_the_schema_allows() {
    for md in [
        "- # heading in item\n- > quote in item\n",
        "> # h\n> > nested\n> - [ ] task\n",
        "- | a |\n  | - |\n  | b |\n",
        "![alt](http://i/x.png)",
        "",
        "-\n-\n",
        "| a |\n| - |\n|  |\n",
    ] {
        assert_valid(&markdown_to_adf(md));
    }
}

#[test]
fn renders_unknown_nodes_safely() {
    let doc = json!({"type":"doc","version":1,"content":[
        {"type":"paragraph","content":[
            {"type":"mention","attrs":{"id":"abc","text":"@Mia"}},{"type":"text","text":" "},
            {"type":"emoji","attrs":{"shortName":":smile:"}},{"type":"text","text":" "},
            {"type":"status","attrs":{"text":"IN REVIEW","color":"blue"}},{"type":"text","text":" "},
            {"type":"inlineCard","attrs":{"url":"https://x.io/a"}},{"type":"text","text":" "},
            {"type":"date","attrs":{"timestamp":"1700000000000"}},
            {"type":"text","text":"u","marks":[{"type":"underline"}]}]},
        {"type":"panel","attrs":{"panelType":"info"},"content":[{"type":"paragraph","content":[{"type":"text","text":"note"}]}]},
        {"type":"mediaSingle","content":[{"type":"media","attrs":{"id":"1","type":"file","collection":"c","alt":"shot.png"}}]}]});
    let md = adf_to_markdown(&doc);
    assert_eq!(md, "@Mia :smile: IN REVIEW [https://x.io/a](https://x.io/a) 2023-11-14u\n\n> note\n\n\\[attachment: shot.png\\]\n");
    assert_eq!(
        inexpressible(&doc),
        [
            "date",
            "emoji",
            "inlineCard",
            "media",
            "mediaSingle",
            "mention",
            "panel",
            "status",
            "underline"
        ]
    );
    assert!(inexpressible(&markdown_to_adf("# a\n\n- [ ] b\n\n| x |\n| - |\n")).is_empty());
}

#[test]
fn text_that_looks_like_markdown_stays_text() {
    let doc = json!({"type":"doc","version":1,"content":[{"type":"paragraph","content":[
        {"type":"text","text":"# 1. *not* [a](b) <x> snake_case & &amp; ~~s~~ `c` \\"}]}]});
    let md = adf_to_markdown(&doc);
    assert_eq!(markdown_to_adf(&md), doc, "{md}");
}

#[test]
fn adjacent_lists_stay_apart() {
    let doc = json!({"type":"doc","version":1,"content":[
        {"type":"bulletList","content":[{"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"a"}]}]}]},
        {"type":"bulletList","content":[{"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"b"}]}]}]},
        {"type":"orderedList","attrs":{"order":3},"content":[{"type":"listItem","content":[{"type":"paragraph","content":[{"type":"text","text":"c"}]}]}]}]});
    let md = adf_to_markdown(&doc);
    assert_eq!(markdown_to_adf(&md), doc, "{md}");
}

// A small Markdown grammar for the round-trip property.
fn word() -> impl Strategy<Value = String> {
    "[a-z]{1,6}"
}

fn span() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => word(),
        1 => word().prop_map(|w| format!("*{w}*")),
        1 => word().prop_map(|w| format!("**{w}**")),
        1 => word().prop_map(|w| format!("~~{w}~~")),
        1 => word().prop_map(|w| format!("`{w}`")),
        1 => (word(), word()).prop_map(|(a, b)| format!("[{a}](https://e.com/{b})")),
        1 => (word(), word()).prop_map(|(a, b)| format!("**{a} *{b}***")),
        1 => Just("a \\* b".to_string()),
    ]
}

fn line() -> impl Strategy<Value = String> {
    prop::collection::vec(span(), 1..5).prop_map(|v| v.join(" "))
}

fn item() -> impl Strategy<Value = String> {
    (
        line(),
        prop::option::of(prop::collection::vec(line(), 1..3)),
    )
        .prop_map(|(l, sub)| match sub {
            Some(s) => format!(
                "{l}\n{}",
                s.iter()
                    .map(|x| format!("  - {x}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            None => l,
        })
}

/// Markdown documents of the supported subset; `tasks` adds what wiki markup lacks
/// (task lists, code in list items, list start numbers).
pub(crate) fn markdown_doc(tasks: bool) -> impl Strategy<Value = String> {
    prop::collection::vec(block(tasks), 0..6).prop_map(|b| b.join("\n\n"))
}

fn block(tasks: bool) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(line(), 1..3).prop_map(|v| v.join("\\\n")),
        1 => (1..=6usize, line()).prop_map(|(l, t)| format!("{} {t}", "#".repeat(l))),
        2 => prop::collection::vec(item(), 1..4).prop_map(|v| v.iter().map(|i| format!("- {i}")).collect::<Vec<_>>().join("\n")),
        1 => prop::collection::vec(line(), 1..4).prop_map(|v| v.iter().enumerate().map(|(i, l)| format!("{}. {l}", i + 1)).collect::<Vec<_>>().join("\n")),
        1 => prop::collection::vec((any::<bool>(), line()), 1..4).prop_map(move |v| {
            let mark = |d: bool| if !tasks { String::new() } else if d { "[x] ".into() } else { "[ ] ".into() };
            v.iter().map(|(d, l)| format!("- {}{l}", mark(*d))).collect::<Vec<_>>().join("\n")
        }),
        1 => (prop_oneof![Just(""), Just("rust"), Just("python")], prop::collection::vec("[a-z(){};= ]{0,12}", 1..4)).prop_map(|(lang, ls)| format!("```{lang}\n{}\n```", ls.join("\n"))),
        1 => line().prop_map(|l| format!("> {l}")),
        1 => (line(), prop::collection::vec(line(), 1..3)).prop_map(|(l, items)| format!("> {l}\n>\n{}", items.iter().map(|i| format!("> - {i}")).collect::<Vec<_>>().join("\n"))),
        // Wiki lists can't hold code blocks: the plain variant keeps the code after the list.
        1 => (line(), word()).prop_map(move |(l, c)| if tasks { format!("1. {l}\n\n   ```sh\n   {c}\n   ```\n2. {c}") } else { format!("1. {l}\n\n```sh\n{c}\n```") }),
        // Wiki lists always start at 1.
        1 => (line(), line()).prop_map(move |(a, b)| format!("{}. {a}\n   - {b}", if tasks { 3 } else { 1 })),
        1 => Just("---".to_string()),
        1 => (1..4usize, 1..4usize).prop_flat_map(|(cols, rows)| prop::collection::vec(word(), cols * (rows + 1)).prop_map(move |w| {
            let row = |r: usize| format!("| {} |", w[r * cols..(r + 1) * cols].join(" | "));
            let mut t = vec![row(0), format!("|{}", " --- |".repeat(cols))];
            t.extend((1..=rows).map(row));
            t.join("\n")
        })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn markdown_adf_markdown_is_stable(md in markdown_doc(true)) {
        let adf1 = markdown_to_adf(&md);
        assert_valid(&adf1);
        let md1 = adf_to_markdown(&adf1);
        let adf2 = markdown_to_adf(&md1);
        prop_assert_eq!(&adf1, &adf2, "md:\n{}\nmd1:\n{}", md, md1);
        prop_assert_eq!(adf_to_markdown(&adf2), md1);
        prop_assert!(inexpressible(&adf1).is_empty());
    }

    #[test]
    fn any_text_is_valid_adf_and_survives(s in "\\PC{0,40}") {
        let adf = markdown_to_adf(&s);
        assert_valid(&adf);
        let md = adf_to_markdown(&adf);
        let again = markdown_to_adf(&md);
        assert_valid(&again);
    }
}

proptest! {
    #[test]
    fn any_text_node_stays_text(t in "[!-~]([ !-~]{0,30}[!-~])?") {
        prop_assume!(!t.contains("  "));
        let doc = json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": t}]}]});
        let md = adf_to_markdown(&doc);
        prop_assert_eq!(markdown_to_adf(&md), doc, "{}", md);
    }
}

// Fuzz: Markdown made of syntax characters, and ADF-shaped JSON of any node and mark types.
fn markdown_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\n"),
        Just("\n\n"),
        Just("  "),
        Just("# "),
        Just("- "),
        Just("1. "),
        Just("> "),
        Just("```"),
        Just("`"),
        Just("*"),
        Just("**"),
        Just("~~"),
        Just("_"),
        Just("|"),
        Just("---"),
        Just("[x] "),
        Just("["),
        Just("]("),
        Just(")"),
        Just("<"),
        Just(">"),
        Just("\\"),
        Just("!"),
        Just("&amp;"),
        Just("    "),
        Just("\t"),
        Just("a"),
        Just("é"),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

fn adf_node() -> impl Strategy<Value = Value> {
    let types = prop::sample::select(vec![
        "doc",
        "paragraph",
        "text",
        "heading",
        "bulletList",
        "orderedList",
        "listItem",
        "taskList",
        "taskItem",
        "codeBlock",
        "blockquote",
        "rule",
        "hardBreak",
        "table",
        "tableRow",
        "tableHeader",
        "tableCell",
        "mention",
        "panel",
        "mediaSingle",
        "status",
        "emoji",
        "x",
    ]);
    let marks = prop::collection::vec(
        prop::sample::select(vec![
            "strong",
            "em",
            "strike",
            "code",
            "link",
            "underline",
            "x",
        ])
        .prop_map(|m| json!({"type": m, "attrs": {"href": "https://e.com"}})),
        0..3,
    );
    let leaf = (types.clone(), "\\PC{0,8}", marks.clone(), any::<u8>()).prop_map(|(t, text, marks, level)| {
        json!({"type": t, "text": text, "marks": marks, "attrs": {"level": level, "order": level, "state": "DONE"}})
    });
    leaf.prop_recursive(4, 40, 5, move |inner| {
        (
            types.clone(),
            prop::collection::vec(inner, 0..5),
            marks.clone(),
            any::<bool>(),
        )
            .prop_map(|(t, content, marks, odd)| {
                if odd {
                    json!({"type": t, "content": content, "marks": marks, "text": 5, "attrs": null})
                } else {
                    json!({"type": t, "content": content})
                }
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn markdown_soup_gives_valid_adf(md in markdown_soup()) {
        let adf = markdown_to_adf(&md);
        assert_valid(&adf);
        assert_valid(&markdown_to_adf(&adf_to_markdown(&adf)));
    }

    #[test]
    fn any_adf_shaped_json_renders_and_converts_back_to_valid_adf(n in adf_node()) {
        let doc = json!({"type": "doc", "version": 1, "content": [n.clone()]});
        for v in [&n, &doc] {
            let md = adf_to_markdown(v);
            assert_valid(&markdown_to_adf(&md));
            let _ = inexpressible(v);
        }
    }
}
