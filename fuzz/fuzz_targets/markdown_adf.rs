//! Any text as Markdown: the ADF has the document shape, and rendering it back does not panic.
#![no_main]
use jirad::jira::adf::{adf_to_markdown, is_adf, markdown_to_adf};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let adf = markdown_to_adf(s);
    assert!(is_adf(&adf), "{adf}");
    let md = adf_to_markdown(&adf);
    assert!(is_adf(&markdown_to_adf(&md)));
});
