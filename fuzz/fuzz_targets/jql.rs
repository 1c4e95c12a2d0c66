//! Any text as a JQL value: one quoted literal with no raw quote or control character inside, and
//! `orderBy` parsing never panics.
#![no_main]
use jirad::jira::jql::{build, order_by, quote, Filters};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let q = quote(s);
    let inner = &q[1..q.len() - 1];
    let mut escaped = false;
    for c in inner.chars() {
        assert!(!c.is_control(), "{q}");
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else {
            assert_ne!(c, '"', "{q}");
        }
    }
    assert!(!escaped, "{q}");
    let _ = order_by(s);
    let _ = build(&Filters { jql: Some(s.to_owned()), text: Some(s.to_owned()), order_by: Some(s.to_owned()), ..Filters::default() });
});
