//! Any text as Jira wiki markup (Data Center rich text): it converts to shallow ADF, to Markdown and
//! back to wiki without panicking, whatever its nesting.
#![no_main]
use jirad::jira::adf::{adf_to_markdown, is_adf, MAX_BLOCK_NESTING};
use jirad::jira::wiki::{adf_to_wiki, inexpressible, wiki_to_adf, wiki_to_markdown};
use libfuzzer_sys::fuzz_target;

fn depth(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        serde_json::Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let adf = wiki_to_adf(s);
    assert!(is_adf(&adf), "{adf}");
    assert!(depth(&adf) <= 2 * MAX_BLOCK_NESTING + 12, "too deep");
    let _ = adf_to_markdown(&adf);
    let _ = adf_to_wiki(&adf);
    let _ = wiki_to_markdown(s);
    let _ = inexpressible(s);
});
