//! Any text as Markdown written for Data Center: it converts to wiki markup, and that wiki reads
//! back as shallow ADF.
#![no_main]
use jirad::jira::adf::{is_adf, json_depth, MAX_DOCUMENT_DEPTH};
use jirad::jira::wiki::{markdown_to_wiki, wiki_to_adf};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let adf = wiki_to_adf(&markdown_to_wiki(s));
    assert!(is_adf(&adf), "{adf}");
    assert!(json_depth(&adf) <= MAX_DOCUMENT_DEPTH, "too deep");
});
