//! `jirad demo`: a daemon with the embedded fake Jira, reachable by any client, that cleans up.

#![cfg(unix)]

mod support;

use serde_json::json;
use support::demo::start_demo;
use support::Framing;

#[test]
fn demo_prints_how_to_connect_and_serves_the_socket() {
    let (mut d, banner) = start_demo();
    let socket = d.socket.display().to_string();
    assert!(
        banner.contains(&format!("export JIRAD_SOCKET={socket}")),
        "{banner}"
    );
    assert!(
        banner.contains(r#"jirad call issues/get '{"key":"DEMO-1"}'"#),
        "{banner}"
    );
    assert!(banner.contains("jirad mcp"), "{banner}");
    let status = d
        .client(Framing::Ndjson)
        .result("daemon/status", json!(null));
    assert_eq!(status["socketPath"], socket.as_str());

    // The private state (config, tokens) is deleted when the demo stops.
    let state = banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("state"))
        .and_then(|l| l.split_whitespace().next())
        .expect("state line")
        .to_owned();
    assert!(std::path::Path::new(&state).join("config.toml").exists());
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit().success());
    assert!(
        !std::path::Path::new(&state).exists(),
        "{state} left behind"
    );
}

#[test]
fn demo_serves_issues_with_its_pre_authorized_oauth_profile() {
    let (d, _) = start_demo();
    let mut c = d.client(Framing::Ndjson);
    let issue = c.result("issues/get", json!({ "key": "DEMO-1" }));
    assert_eq!(issue["key"], "DEMO-1");
    let status = c.result("auth/status", json!({}));
    assert_eq!(
        (
            &status["name"],
            &status["kind"],
            &status["authorization"],
            &status["state"]
        ),
        (
            &json!("demo"),
            &json!("oauth"),
            &json!("pre"),
            &json!("authorized")
        )
    );
}

/// The first number before `suffix` in `text` (`"with 32 sample issues"` → 32).
fn number_before(text: &str, suffix: &str) -> Option<u64> {
    let at = text.find(suffix)?;
    let head = text[..at].trim_end();
    let digits: String = head
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.chars().rev().collect::<String>().parse().ok()
}

/// Counts and sizes the docs state are the daemon's (issue 20: they had drifted to 22 sample
/// issues and an 11 KB discovery document).
#[test]
fn the_docs_state_the_demos_counts_and_the_discovery_size() {
    let (d, _) = start_demo();
    let mut c = d.client(Framing::Ndjson);
    let all = c.result(
        "issues/list",
        json!({"all": true, "fields": ["summary"], "limit": 1000}),
    );
    let issues = all["issues"].as_array().map(Vec::len).unwrap_or_default() as u64;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).expect("doc");
    let demo_doc = read("docs/demo-and-mcp.md");
    assert_eq!(
        number_before(&demo_doc, " sample issues"),
        Some(issues),
        "docs/demo-and-mcp.md's count of sample issues"
    );
    let discover = c.call("rpc.discover", json!(null));
    let bytes = discover["result"].to_string().len() as u64;
    let kb = (bytes + 512) / 1024;
    for (doc, suffix) in [
        ("README.md", " KB discovery document"),
        ("docs/reliability.md", " KB replies"),
    ] {
        assert_eq!(
            number_before(&read(doc), suffix),
            Some(kb),
            "{doc}: rpc.discover is {bytes} bytes"
        );
    }
}
