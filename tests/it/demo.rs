//! `jirad demo`: a daemon with the embedded fake Jira, reachable by any client, that cleans up.

#![cfg(unix)]

use crate::support;

use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use support::demo::{start_demo, start_demo_in};
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

/// Counts and sizes the docs state are the daemon's: typed by hand, they drift.
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

fn state_dir(banner: &str) -> PathBuf {
    banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("state"))
        .and_then(|l| l.split_whitespace().next())
        .map(PathBuf::from)
        .expect("state line")
}

fn modes(dir: &Path, out: &mut Vec<(PathBuf, u32)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let meta = std::fs::symlink_metadata(&p).unwrap();
        out.push((p.clone(), meta.permissions().mode() & 0o777));
        if meta.is_dir() {
            modes(&p, out);
        }
    }
}

/// The demo's state (a config with the fake app's client secret, a token store) is private: the
/// directory 0700, every file 0600, every directory in it 0700; no warning about its own config.
/// A demo that is killed leaves it behind, and the next demo removes it.
#[test]
fn demo_state_is_private_and_removed_at_exit_and_after_a_kill() {
    let (mut d, banner) = start_demo();
    let state = state_dir(&banner);
    assert_eq!(
        std::fs::metadata(&state).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let mut all = Vec::new();
    modes(&state, &mut all);
    assert!(
        all.iter().any(|(p, _)| p.ends_with("config.toml")),
        "{all:?}"
    );
    assert!(all.iter().any(|(p, _)| p.ends_with("demo.json")), "{all:?}");
    for (p, mode) in &all {
        let want = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(*mode, want, "{} is {mode:o}", p.display());
    }
    d.signal(libc::SIGKILL);
    d.wait_exit();
    assert!(state.exists(), "a killed demo cannot clean up");

    let dir = std::mem::replace(&mut d.dir, tempfile::tempdir().unwrap());
    std::thread::sleep(std::time::Duration::from_millis(2100)); // older than a starting demo
    let (mut again, banner) = start_demo_in(dir);
    assert!(!state.exists(), "{} left behind", state.display());
    let fresh = state_dir(&banner);
    assert!(fresh.exists());
    again.signal(libc::SIGTERM);
    let st = again.wait_exit();
    assert!(st.success(), "{st:?}");
    assert!(!fresh.exists());
}
