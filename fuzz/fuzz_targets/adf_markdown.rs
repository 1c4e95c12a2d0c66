//! Any JSON as an ADF document: rendering to Markdown does not panic, and that Markdown converts back.
#![no_main]
use jirad::jira::adf::{adf_to_markdown, inexpressible, is_adf, markdown_to_adf};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let md = adf_to_markdown(&v);
    let _ = inexpressible(&v);
    assert!(is_adf(&markdown_to_adf(&md)));
});
