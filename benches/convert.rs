//! The converters of content on realistic and on hostile inputs: throughput (MB/s of input), the
//! cost of 4n against n (1.0-ish is linear; quadratic shows as 4x), and the peak of memory
//! allocated while converting, against the input's size.
//! Run: `cargo bench --bench convert`.
//!
//! With `CONVERT_ONE="CONVERTER INPUT BYTES"` (indexes into the lists below; `CONVERT_ONE=list`
//! prints them) it converts that one input once, inside `convert_once`, and exits: what
//! `benches/convert-instructions.sh` counts under callgrind.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use jirad::jira::{adf, wiki};

/// Tracks the bytes live on the heap and their peak.
struct Peak;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Peak {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(l.size(), Relaxed) + l.size();
        PEAK.fetch_max(live, Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        if n >= l.size() {
            let live = LIVE.fetch_add(n - l.size(), Relaxed) + n - l.size();
            PEAK.fetch_max(live, Relaxed);
        } else {
            LIVE.fetch_sub(l.size() - n, Relaxed);
        }
        System.realloc(p, l, n)
    }
}

#[global_allocator]
static ALLOC: Peak = Peak;

type Convert = fn(&str);

fn converters() -> [(&'static str, Convert); 6] {
    [
        // The Markdown parser alone, for reference: what the converters add over it.
        ("pulldown-cmark events", |s| {
            pulldown_cmark::Parser::new(s).for_each(drop)
        }),
        ("markdown → ADF", |s| drop(adf::markdown_to_adf(s))),
        ("ADF → markdown", |s| {
            drop(adf::adf_to_markdown(&adf::markdown_to_adf(s)))
        }),
        ("markdown → wiki", |s| drop(wiki::markdown_to_wiki(s))),
        ("wiki → ADF", |s| drop(wiki::wiki_to_adf(s))),
        ("wiki → markdown", |s| drop(wiki::wiki_to_markdown(s))),
    ]
}

/// An issue description as people write them: headings, lists, code, links, a table.
const REALISTIC_MD: &str = "## Steps\n\n1. Open the *settings* page\n2. Click **Save** twice\n   - see [the log](https://example.com/log)\n\n```rust\nfn main() { println!(\"hi\"); }\n```\n\n> It fails with `E42`.\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n";
const REALISTIC_WIKI: &str = "h2. Steps\n# Open the *settings* page\n# Click *Save* twice\n## see [the log|https://example.com/log]\n{code:rust}\nfn main() {}\n{code}\nbq. It fails with {{E42}}.\n||a||b||\n|1|2|\n\n";

fn inputs(bytes: usize) -> Vec<(&'static str, String)> {
    let fill = |unit: &str| unit.repeat(bytes / unit.len().max(1));
    vec![
        ("realistic markdown", fill(REALISTIC_MD)),
        ("realistic wiki", fill(REALISTIC_WIKI)),
        ("plain text", fill("lorem ipsum ")),
        ("nested bullets", fill("- ")),
        ("nested quotes", fill("> ")),
        ("wiki list marker", fill("*") + " x"),
        ("effects", fill("*_-+")),
        ("brackets", fill("[")),
        ("links", fill("[a](")),
        ("wiki links", fill("[a|")),
    ]
}

/// Median time of `runs` conversions, and the peak heap above the start while converting.
fn measure(convert: Convert, input: &str, runs: usize) -> (Duration, usize) {
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    for _ in 0..runs {
        let t = Instant::now();
        convert(input);
        times.push(t.elapsed());
    }
    times.sort();
    (times[runs / 2], PEAK.load(Relaxed) - base)
}

/// One conversion, the only code `benches/convert-instructions.sh` has callgrind count.
#[inline(never)]
fn convert_once(convert: Convert, input: &str) {
    convert(std::hint::black_box(input));
}

/// The `CONVERT_ONE` mode: lists the converters and inputs, or converts one input once.
fn convert_one(spec: &str) {
    if spec == "list" {
        for (c, (name, _)) in converters().iter().enumerate() {
            for (i, (what, _)) in inputs(1).iter().enumerate() {
                println!("{c}\t{i}\t{name}\t{what}");
            }
        }
        return;
    }
    let numbers: Vec<usize> = spec
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    let [c, i, bytes] = numbers[..] else {
        panic!("CONVERT_ONE=\"CONVERTER INPUT BYTES\" or list, not {spec:?}");
    };
    let input = inputs(bytes).swap_remove(i).1;
    convert_once(converters()[c].1, &input);
}

fn main() {
    if let Ok(spec) = std::env::var("CONVERT_ONE") {
        return convert_one(&spec);
    }
    let (n, runs) = (256 << 10, 5);
    let (small, large) = (inputs(n), inputs(4 * n));
    println!(
        "Converters on {} KiB and {} KiB inputs, median of {runs} runs",
        n >> 10,
        (4 * n) >> 10
    );
    println!("| converter | input | MB/s at 1 MiB | time 4n / n | peak heap / input |");
    println!("|---|---|---|---|---|");
    for (name, convert) in converters() {
        for ((what, s), (_, l)) in small.iter().zip(&large) {
            let (t1, _) = measure(convert, s, runs);
            let (t4, peak) = measure(convert, l, runs);
            println!(
                "| {name} | {what} | {:.0} | {:.2} | {:.1}x |",
                l.len() as f64 / t4.as_secs_f64() / 1e6,
                t4.as_secs_f64() / t1.as_secs_f64(),
                peak as f64 / l.len() as f64
            );
        }
    }
}
