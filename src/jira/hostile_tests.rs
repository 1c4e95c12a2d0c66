//! Every converter of content against hostile input: 100,000 levels deep and megabytes long, on a
//! thread with a connection thread's stack, and linear cost (allocations counted at n and 4n).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use proptest::prelude::*;
use serde_json::Value;

use super::adf::tests::assert_valid;
use super::adf::{self, MAX_BLOCK_NESTING};
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

/// A converter's name and a run of it on some text.
type Converter = (&'static str, fn(&str));

/// Every converter of content, from text to whatever it makes.
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

/// A converted document stays within the nesting every reader of it handles.
fn check_adf(doc: &Value) {
    let depth = json_depth(doc);
    assert!(
        depth <= 2 * MAX_BLOCK_NESTING + 12,
        "ADF {depth} levels deep"
    );
}

fn json_depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(json_depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(json_depth).max().unwrap_or(0),
        _ => 0,
    }
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
        ("mixed".into(), rep("- *[_a|http://x]* {{c}} > ")),
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

#[test]
fn converted_documents_of_deep_input_are_valid_adf() {
    on_connection_stack(|| {
        for (_, input) in hostile(2_000) {
            assert_valid(&adf::markdown_to_adf(&input));
            assert_valid(&wiki::wiki_to_adf(&input));
        }
    });
}

#[test]
fn every_converter_costs_linear_allocation() {
    on_connection_stack(|| {
        let (small, large) = (hostile(4_000), hostile(16_000));
        for ((what, s), (_, l)) in small.iter().zip(&large) {
            for (name, convert) in converters() {
                let (cost_n, cost_4n) = (allocated(|| convert(s)), allocated(|| convert(l)));
                assert!(
                    cost_4n <= 6 * cost_n + 4096,
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
                cost_4n <= 6 * cost_n + 4096,
                "{} on {:?}: {} bytes at n, {} at 4n", name, unit, cost_n, cost_4n
            );
        }
    }
}
