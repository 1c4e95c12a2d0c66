//! Any text as Markdown written for Data Center: it converts to wiki markup, and that wiki reads
//! back as shallow ADF.
#![no_main]
use jirad::jira::adf::{is_adf, MAX_BLOCK_NESTING};
use jirad::jira::wiki::{markdown_to_wiki, wiki_to_adf};
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
    let adf = wiki_to_adf(&markdown_to_wiki(s));
    assert!(is_adf(&adf), "{adf}");
    assert!(depth(&adf) <= 2 * MAX_BLOCK_NESTING + 12, "too deep");
});
