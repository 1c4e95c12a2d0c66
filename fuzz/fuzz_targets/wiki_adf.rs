//! Any text as Jira wiki markup (Data Center rich text): it converts to shallow ADF, to Markdown and
//! back to wiki without panicking, whatever its nesting.
#![no_main]
use jirad::jira::adf::{adf_to_markdown, is_adf, json_depth, MAX_DOCUMENT_DEPTH};
use jirad::jira::wiki::{adf_to_wiki, inexpressible, wiki_to_adf, wiki_to_markdown};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let adf = wiki_to_adf(s);
    assert!(is_adf(&adf), "{adf}");
    assert!(json_depth(&adf) <= MAX_DOCUMENT_DEPTH, "too deep");
    let _ = adf_to_markdown(&adf);
    let _ = adf_to_wiki(&adf);
    let _ = wiki_to_markdown(s);
    let _ = inexpressible(s);
});
