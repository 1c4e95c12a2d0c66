//! Wiki markup ↔ ADF: examples and the Markdown → wiki → Markdown property.

use super::*;
use crate::jira::adf::tests::{assert_valid, markdown_doc};
use proptest::prelude::*;
use serde_json::json;

/// Marks sorted, so nesting order (`*[a|u]*` vs `[*a*|u]`) doesn't count as a difference.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let mut x = canonical(x);
                    if k == "marks" {
                        if let Some(a) = x.as_array_mut() {
                            a.sort_by_key(|m| m["type"].as_str().unwrap_or("").to_string());
                        }
                    }
                    (k.clone(), x)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        x => x.clone(),
    }
}

#[test]
fn renders_wiki() {
    let md = "# Title\n\nSome *em* **strong** ~~gone~~ `code` [link](https://x.io) snake_case a-b.\\\nnext\n\n- a\n  - b\n1. one\n\n```rust\nfn main() {}\n```\n\n> quoted\n\n---\n\n| h | i |\n| --- | --- |\n| c | d |";
    let wiki = markdown_to_wiki(md);
    assert_eq!(
        wiki,
        "h1. Title\n\nSome _em_ *strong* -gone- {{code}} [link|https://x.io] snake_case a-b.\nnext\n\n* a\n** b\n\n# one\n\n{code:rust}\nfn main() {}\n{code}\n\n{quote}\nquoted\n{quote}\n\n----\n\n||h||i||\n|c|d|"
    );
    assert_eq!(
        canonical(&wiki_to_adf(&wiki)),
        canonical(&adf::markdown_to_adf(md))
    );
}

#[test]
fn parses_wiki_from_jira() {
    let w = "h2. Steps\n# first *bold*\n## sub\n* [~jdoe] said [see|http://x.io/a]\n{code:language=java|title=T}\nint a;\n{code}\nbq. cited\n||A||B||\n|1|2|\n{noformat}\nraw *x*\n{noformat}\nline\\\\break -not strike- a-b";
    let doc = wiki_to_adf(w);
    assert_valid(&doc);
    let md = adf::adf_to_markdown(&doc);
    assert_eq!(
        md,
        "## Steps\n\n1. first **bold**\n   1. sub\n\n- @jdoe said [see](http://x.io/a)\n\n```java\nint a;\n```\n\n> cited\n\n| A | B |\n| --- | --- |\n| 1 | 2 |\n\n```\nraw *x*\n```\n\nline\\\nbreak ~~not strike~~ a-b\n"
    );
}

#[test]
fn text_that_looks_like_wiki_stays_text() {
    let doc = json!({"type":"doc","version":1,"content":[{"type":"paragraph","content":[
        {"type":"text","text":"h1. *not* _em_ -x- {{c}} [a|http://b] {code} !img! a|b #1"}]}]});
    let wiki = adf_to_wiki(&doc);
    assert_eq!(wiki_to_adf(&wiki), doc, "{wiki}");
}

#[test]
fn reports_what_markdown_would_lose() {
    assert_eq!(
        inexpressible("hi [~jdoe], see !shot.png! {color:red}x{color} +u+"),
        ["media", "mention", "textColor", "underline"]
    );
    assert!(inexpressible("h1. T\n* a\n{code}x{code} wow! ok!").is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn markdown_wiki_markdown_keeps_the_document(md in markdown_doc(false)) {
        let adf1 = adf::markdown_to_adf(&md);
        let wiki = adf_to_wiki(&adf1);
        let adf2 = wiki_to_adf(&wiki);
        assert_valid(&adf2);
        prop_assert_eq!(canonical(&adf1), canonical(&adf2), "md:\n{}\nwiki:\n{}", md, wiki);
    }
}

proptest! {
    #[test]
    fn wiki_special_characters_stay_text(t in "[a-z][a-z *_+{}!#^~|?.-]{0,20}[a-z]") {
        prop_assume!(!t.contains("  "));
        let doc = json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": t}]}]});
        let wiki = adf_to_wiki(&doc);
        prop_assert_eq!(wiki_to_adf(&wiki), doc, "{}", wiki);
    }
}

proptest! {
    #[test]
    fn any_wiki_parses_to_valid_adf(w in "(\\PC|\n|[*#|{}\\[\\]\\\\_-]){0,60}") {
        assert_valid(&wiki_to_adf(&w));
        let _ = wiki_to_markdown(&w);
    }
}
