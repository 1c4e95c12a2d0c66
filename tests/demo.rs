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
