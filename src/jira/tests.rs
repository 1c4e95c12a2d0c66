//! Every converter of content against hostile input: 100,000 levels deep and megabytes long, on a
//! thread with a connection thread's stack, and linear cost (allocations counted at n and 4n).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use proptest::prelude::*;
use serde_json::{json, Value};

use super::adf::tests::assert_valid;
use super::adf::{self, json_depth, MAX_DOCUMENT_DEPTH};
use super::budget::{Budget, Halt, Stop, BASE_UNITS, UNITS_PER_BYTE};
use super::{jql, wiki};

/// Counts what the current thread allocates, so one test's cost is not blurred by another's.
struct Counting;

// The initializer is const already; clippy 1.96 (scripts/windows-check.sh) still flags it.
#[allow(clippy::missing_const_for_thread_local)]
mod allocated {
    use std::cell::Cell;
    thread_local! {
        pub(super) static ALLOCATED: Cell<u64> = const { Cell::new(0) };
    }
}
use allocated::ALLOCATED;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + layout.size() as u64 + 64));
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATED.try_with(|a| a.set(a.get() + new_size as u64 + 64));
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Bytes the current thread allocates while `f` runs (each allocation also counts 64, so a flood
/// of small ones shows as clearly as one large copy).
fn allocated(f: impl FnOnce()) -> u64 {
    let before = ALLOCATED.with(Cell::get);
    f();
    ALLOCATED.with(Cell::get) - before
}

/// The stack of a connection thread: a converter must fit in it whatever the input.
const CONNECTION_STACK: usize = 2 << 20;

fn on_connection_stack(f: impl FnOnce() + Send + 'static) {
    let t = std::thread::Builder::new()
        .stack_size(CONNECTION_STACK)
        .spawn(f)
        .expect("spawn");
    if let Err(panic) = t.join() {
        std::panic::resume_unwind(panic);
    }
}

/// A converter of content, named, from text to whatever it makes.
type Converter = (&'static str, fn(&str));

/// Every converter of content.
fn converters() -> Vec<Converter> {
    vec![
        ("markdown → ADF", |s| check_adf(&adf::markdown_to_adf(s))),
        ("markdown → ADF → markdown", |s| {
            let _ = adf::adf_to_markdown(&adf::markdown_to_adf(s));
        }),
        ("markdown → wiki", |s| {
            let _ = wiki::markdown_to_wiki(s);
        }),
        ("wiki → ADF", |s| check_adf(&wiki::wiki_to_adf(s))),
        ("wiki → markdown", |s| {
            let _ = wiki::wiki_to_markdown(s);
        }),
        ("wiki → ADF → wiki", |s| {
            let _ = wiki::adf_to_wiki(&wiki::wiki_to_adf(s));
        }),
        ("what markdown would lose from wiki", |s| {
            let _ = wiki::inexpressible(s);
        }),
        ("JQL value", |s| {
            let _ = jql::quote(s);
        }),
        ("JQL ordering", |s| {
            let _ = jql::order_by(s);
        }),
    ]
}

/// A converter of content that spends a [`Budget`], named.
type Budgeted = (&'static str, fn(&str, &mut Budget) -> Result<(), Halt>);

/// Every converter of content, spending a budget (the JQL ones are single loops over their text).
fn budgeted() -> Vec<Budgeted> {
    vec![
        ("markdown → ADF", |s, b| {
            adf::markdown_to_adf_within(s, b).map(drop)
        }),
        ("markdown → ADF → markdown", |s, b| {
            let doc = adf::markdown_to_adf_within(s, b)?;
            adf::adf_to_markdown_within(&doc, b).map(drop)
        }),
        ("markdown → wiki", |s, b| {
            wiki::markdown_to_wiki_within(s, b).map(drop)
        }),
        ("wiki → ADF", |s, b| {
            wiki::wiki_to_adf_within(s, b).map(drop)
        }),
        ("wiki → markdown", |s, b| {
            wiki::wiki_to_markdown_within(s, b).map(drop)
        }),
        ("wiki → ADF → wiki", |s, b| {
            let doc = wiki::wiki_to_adf_within(s, b)?;
            wiki::adf_to_wiki_within(&doc, b).map(drop)
        }),
        ("what markdown would lose from wiki", |s, b| {
            wiki::inexpressible_within(s, b).map(drop)
        }),
    ]
}

/// Units of work a whole conversion of `input` spends.
fn units(convert: fn(&str, &mut Budget) -> Result<(), Halt>, input: &str) -> u64 {
    let mut budget = Budget::unlimited();
    assert_eq!(convert(input, &mut budget), Ok(()));
    budget.spent()
}

#[test]
fn every_converter_spends_linear_work_within_its_budget() {
    on_connection_stack(|| {
        let (small, large) = (hostile(4_000), hostile(16_000));
        for ((what, s), (_, l)) in small.iter().zip(&large) {
            for (name, convert) in budgeted() {
                let (at_n, at_4n) = (units(convert, s), units(convert, l));
                assert!(
                    at_4n * 2 <= at_n * 9,
                    "{name} on {what}: {at_n} units at n, {at_4n} at 4n"
                );
                let mut budget = Budget::new(&Stop::default(), l.len());
                assert_eq!(convert(l, &mut budget), Ok(()), "{name} on {what}");
            }
        }
    });
}

#[test]
fn every_converter_stops_part_way_when_its_caller_goes() {
    on_connection_stack(|| {
        let mut stopped = std::collections::HashSet::new();
        for (what, input) in hostile(20_000) {
            for (name, convert) in budgeted() {
                let whole = units(convert, &input);
                if whole < 64 * 1024 {
                    continue;
                }
                // The caller leaves a quarter of the way through.
                let mut budget = Budget::stopping_after(whole / 4);
                assert_eq!(convert(&input, &mut budget), Err(Halt::Stopped), "{name}");
                assert!(
                    budget.spent() <= whole / 2,
                    "{name} on {what}: {} of {whole} units before stopping",
                    budget.spent()
                );
                stopped.insert(name);
            }
        }
        assert_eq!(stopped.len(), budgeted().len(), "{stopped:?}");
    });
}

#[test]
fn a_conversion_over_its_work_limit_is_refused_naming_the_limit() {
    let input = "- *[_a|http://x]* {{c}} > ".repeat(100_000);
    for (name, convert) in budgeted() {
        // Budgeted as if the input were 100 bytes: far more work than that allows.
        let mut budget = Budget::new(&Stop::default(), 100);
        let limit = 100 * UNITS_PER_BYTE + BASE_UNITS;
        let halt = convert(&input, &mut budget);
        assert_eq!(halt, Err(Halt::OverBudget { limit, input: 100 }), "{name}");
        assert!(budget.spent() < limit + 64 * 1024, "{name} ran on");
        let message = halt.err().map(|h| h.to_string()).unwrap_or_default();
        assert!(message.contains(&limit.to_string()), "{message}");
    }
}

#[test]
fn adf_from_jira_as_deep_as_json_allows_renders_within_its_budget() {
    // Two JSON levels per container: 60 of them and the text stay under serde_json's 128.
    let text =
        json!([{"type": "paragraph", "content": [{"type": "text", "text": "a ".repeat(50_000)}]}]);
    for (outer, inner) in [("blockquote", None), ("bulletList", Some("listItem"))] {
        let mut content = text.clone();
        for level in 0..60 {
            let kind = match inner {
                Some(item) if level % 2 == 0 => item,
                _ => outer,
            };
            content = json!([{"type": kind, "content": content}]);
        }
        let doc = json!({"type": "doc", "version": 1, "content": content});
        let weight = adf::json_weight(&doc);
        let mut markdown = Budget::new(&Stop::default(), weight);
        let mut wiki = Budget::new(&Stop::default(), weight);
        assert!(
            adf::adf_to_markdown_within(&doc, &mut markdown).is_ok(),
            "{outer}"
        );
        assert!(wiki::adf_to_wiki_within(&doc, &mut wiki).is_ok(), "{outer}");
        let per_unit = markdown.spent().max(wiki.spent()) / weight as u64;
        assert!(
            per_unit * 4 <= UNITS_PER_BYTE,
            "{outer}: {per_unit} units per unit of ADF"
        );
    }
}

/// A converted document stays within the nesting every reader of it handles.
fn check_adf(doc: &Value) {
    let depth = json_depth(doc);
    assert!(depth <= MAX_DOCUMENT_DEPTH, "ADF {depth} levels deep");
}

/// Inputs that once took a converter deep, quadratic or both, `n` units long.
fn hostile(n: usize) -> Vec<(String, String)> {
    let rep = |s: &str| s.repeat(n);
    vec![
        ("nested bullets".into(), rep("- ") + "x"),
        ("nested ordered".into(), rep("1. ") + "x"),
        ("nested quotes".into(), rep("> ") + "x"),
        ("quotes and lists".into(), rep("> - ") + "x"),
        (
            "indented lists".into(),
            (0..n.min(20_000))
                .map(|i| format!("{}- x\n", "  ".repeat(i % 200)))
                .collect(),
        ),
        ("wiki list marker".into(), rep("*") + " x"),
        ("wiki ordered marker".into(), rep("#") + " x"),
        ("stars".into(), rep("*")),
        ("emphasis".into(), rep("*a ")),
        ("nested emphasis".into(), rep("*_") + "x" + &rep("_*")),
        ("effects".into(), rep("*_-+")),
        ("brackets".into(), rep("[")),
        ("closed brackets".into(), rep("[") + "]"),
        ("links".into(), rep("[a](")),
        ("wiki links".into(), rep("[a|") + "]"),
        ("mentions".into(), rep("[~")),
        ("code spans".into(), rep("`")),
        ("wiki code".into(), rep("{{")),
        ("braces".into(), rep("{")),
        ("angles".into(), rep("<")),
        ("backslashes".into(), rep("\\")),
        ("pipes".into(), rep("|")),
        ("table".into(), "|a|b|\n".repeat(n / 4 + 1)),
        ("quote macros".into(), rep("{quote}\n")),
        ("code macros".into(), rep("{code}\n")),
        ("lines".into(), rep("a\n")),
        ("plain".into(), rep("a")),
        (
            "realistic".into(),
            "## Steps\n\n1. Open the *settings* page\n2. Click **Save** twice\n   - see [the log](https://example.com/log)\n\n```rust\nfn main() {}\n```\n\n> It fails with `E42`.\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\nh2. Steps\n# Open *it*\n## see [the log|https://example.com/log]\n{code}\nx\n{code}\nbq. {{E42}}\n||a||b||\n|1|2|\n\n"
                .repeat(n / 100 + 1),
        ),
        // A tenth as many units: each is 26 bytes, and megabytes are tried on their own below.
        ("mixed".into(), "- *[_a|http://x]* {{c}} > ".repeat(n / 10)),
    ]
}

#[test]
fn every_converter_survives_inputs_100k_levels_deep_and_megabytes_long() {
    on_connection_stack(|| {
        for (what, input) in hostile(100_000).into_iter().chain(
            [
                ("plain 4 MB", "a".repeat(4 << 20)),
                ("mixed 2 MB", "- *x* [a](b) ".repeat(160_000)),
            ]
            .map(|(w, s)| (w.to_string(), s)),
        ) {
            for (name, convert) in converters() {
                let input = input.as_str();
                if std::panic::catch_unwind(|| convert(input)).is_err() {
                    panic!("{name} failed on {what}");
                }
            }
        }
    });
}

/// A minimal valid body for a container of `kind`, standing in for its real (deeper) content.
fn stub_content(kind: &str) -> Option<Value> {
    let paragraph = json!([{"type": "paragraph"}]);
    let item = json!([{"type": "listItem", "content": paragraph}]);
    Some(match kind {
        "doc" | "blockquote" | "listItem" | "panel" | "expand" | "nestedExpand" | "tableCell"
        | "tableHeader" | "layoutColumn" => paragraph,
        "bulletList" | "orderedList" => item,
        "tableRow" => json!([{"type": "tableCell", "content": paragraph}]),
        "table" => {
            json!([{"type": "tableRow", "content": [{"type": "tableCell", "content": paragraph}]}])
        }
        "taskList" => json!([{"type": "taskItem", "attrs": {"localId": "t", "state": "TODO"}}]),
        _ => return None,
    })
}

/// Checks a document against the ADF schema one node at a time: each node with its children, the
/// children's own content stubbed, inside the parent that may hold it. The schema validator takes
/// exponential time in nested lists (2.5x per level: 11 levels take 7 s), and a tree is valid when
/// every node is valid with its children, so this is the same check in linear time.
fn assert_valid_by_node(doc: &Value) {
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![doc];
    while let Some(node) = stack.pop() {
        let Some(children) = node.get("content").and_then(Value::as_array) else {
            continue;
        };
        stack.extend(children);
        let mut local = node.clone();
        for child in local["content"].as_array_mut().into_iter().flatten() {
            let kind = child["type"].as_str().unwrap_or_default().to_string();
            if let Some(stub) = stub_content(&kind) {
                child["content"] = stub;
            }
        }
        let wrapped = match node["type"].as_str().unwrap_or_default() {
            "doc" => local,
            "listItem" => {
                json!({"type": "doc", "version": 1, "content": [{"type": "bulletList", "content": [local]}]})
            }
            "taskItem" => {
                json!({"type": "doc", "version": 1, "content": [{"type": "taskList", "attrs": {"localId": "l"}, "content": [local]}]})
            }
            "tableRow" => {
                json!({"type": "doc", "version": 1, "content": [{"type": "table", "content": [local]}]})
            }
            "tableCell" | "tableHeader" => {
                json!({"type": "doc", "version": 1, "content": [{"type": "table", "content": [{"type": "tableRow", "content": [local]}]}]})
            }
            "paragraph" | "heading" => continue, // inline content, checked with the parent
            _ => json!({"type": "doc", "version": 1, "content": [local]}),
        };
        if seen.insert(wrapped.to_string()) {
            assert_valid(&wrapped);
        }
    }
}

#[test]
fn converted_documents_of_deep_input_are_valid_adf() {
    on_connection_stack(|| {
        for (_, input) in hostile(2_000) {
            assert_valid_by_node(&adf::markdown_to_adf(&input));
            assert_valid_by_node(&wiki::wiki_to_adf(&input));
        }
    });
}

/// What a linear converter may allocate on `large` (4n) given `cost_n` at n: 6x, plus what
/// pulldown-cmark itself allocates when the converter reads Markdown. The parser is mildly
/// superlinear on runs of `[` and `*` (1.6x over linear from 4,000 to 16,000); our part must not be.
fn linear_budget(converter: &str, cost_n: u64, large: &str) -> u64 {
    let parser = if converter.starts_with("markdown") {
        allocated(|| pulldown_cmark::Parser::new(large).for_each(drop))
    } else {
        0
    };
    6 * cost_n + parser + 4096
}

#[test]
fn every_converter_costs_linear_allocation() {
    on_connection_stack(|| {
        let (small, large) = (hostile(4_000), hostile(16_000));
        for ((what, s), (_, l)) in small.iter().zip(&large) {
            for (name, convert) in converters() {
                let (cost_n, cost_4n) = (allocated(|| convert(s)), allocated(|| convert(l)));
                assert!(
                    cost_4n <= linear_budget(name, cost_n, l),
                    "{name} on {what}: {cost_n} bytes at n, {cost_4n} at 4n"
                );
            }
        }
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    /// Random mixes of the markup's special tokens, repeated: cost at 4n stays within 6x of n.
    #[test]
    fn any_mix_of_special_tokens_converts_in_linear_allocation(
        unit in proptest::collection::vec(
            prop_oneof![
                Just("*"), Just("_"), Just("-"), Just("+"), Just("["), Just("]"), Just("|"),
                Just("{{"), Just("}}"), Just("{quote}"), Just("("), Just(")"), Just("`"),
                Just("> "), Just("- "), Just("# "), Just("\n"), Just("a"), Just(" "), Just("\\"),
                Just("~"), Just("!"), Just("://"), Just("<"),
            ],
            1..12,
        )
    ) {
        let unit: String = unit.concat();
        let small = unit.repeat(2_000 / unit.len() + 1);
        let large = small.repeat(4);
        for (name, convert) in converters() {
            let (cost_n, cost_4n) = (allocated(|| convert(&small)), allocated(|| convert(&large)));
            prop_assert!(
                cost_4n <= linear_budget(name, cost_n, &large),
                "{} on {:?}: {} bytes at n, {} at 4n", name, unit, cost_n, cost_4n
            );
        }
    }
}

#[test]
fn the_node_by_node_check_finds_a_bad_node_deep_down() {
    let mut doc = adf::markdown_to_adf(&("- ".repeat(10) + "x"));
    let mut node = &mut doc;
    while node["content"][0].get("content").is_some() {
        node = &mut node["content"][0];
    }
    // A blockquote is not allowed inside a paragraph.
    node["content"] = json!([{"type": "blockquote", "content": [{"type": "paragraph"}]}]);
    assert!(std::panic::catch_unwind(|| assert_valid_by_node(&doc)).is_err());
}
