//! `jirad mcp` least privilege, through the real binary against `jirad demo`: administration off
//! by default, read-only sessions, allow lists and exclusions from flags and the config file, a
//! pinned profile, and irreversible calls confirmed by the user (form elicitation) or refused.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use support::demo::{start_demo, Mcp};

const ADMIN: [&str; 5] = [
    "auth_complete",
    "auth_login",
    "auth_logout",
    "auth_selectSite",
    "cache_clear",
];

fn session(args: &[&str]) -> (support::Daemon, Mcp) {
    let (d, _) = start_demo();
    let sock = d.socket.display().to_string();
    let mut all = vec!["--socket", sock.as_str(), "--no-spawn"];
    all.extend(args);
    let mcp = Mcp::start(d.dir.path(), &all);
    (d, mcp)
}

fn summary(mcp: &mut Mcp, key: &str) -> Value {
    mcp.tool("issues_get", json!({ "key": key }))["structuredContent"]["summary"].clone()
}

#[test]
fn administration_is_neither_listed_nor_callable_unless_enabled() {
    let (d, mut mcp) = session(&[]);
    mcp.handshake("2025-11-25");
    let names = mcp.tool_names();
    for admin in ADMIN {
        assert!(!names.contains(&admin.to_owned()), "{admin} in {names:?}");
    }
    let r = mcp.call(
        "tools/call",
        Some(json!({ "name": "auth_logout", "arguments": {} })),
    );
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let why = r["error"]["message"].as_str().unwrap();
    assert!(
        why.contains("administers accounts") && why.contains("--tools auth_logout"),
        "{why}"
    );
    // The demo profile is still authorized: nothing was logged out.
    let status = mcp.tool("auth_status", json!({}));
    assert_eq!(
        status["structuredContent"]["state"], "authorized",
        "{status}"
    );

    // Enabled by name, or as a toolset.
    let sock = d.socket.display().to_string();
    let mut named = Mcp::start(
        d.dir.path(),
        &[
            "--socket",
            &sock,
            "--no-spawn",
            "--tools",
            "issues_get,auth_status,cache_clear",
        ],
    );
    named.handshake("2025-11-25");
    assert_eq!(
        named.tool_names(),
        ["auth_status", "cache_clear", "issues_get"]
    );
    let mut admin = Mcp::start(
        d.dir.path(),
        &["--socket", &sock, "--no-spawn", "--toolsets", "admin"],
    );
    admin.handshake("2025-11-25");
    let mut expected = ADMIN.map(str::to_owned).to_vec();
    expected.sort();
    assert_eq!(admin.tool_names(), expected);
}

#[test]
fn a_read_only_session_cannot_change_the_fake() {
    let (_d, mut mcp) = session(&["--read-only", "--toolsets", "all"]);
    mcp.handshake("2025-11-25");
    let tools = mcp.call("tools/list", None)["result"]["tools"].clone();
    for t in tools.as_array().unwrap() {
        assert_eq!(t["annotations"]["readOnlyHint"], true, "{t}");
    }
    let before = summary(&mut mcp, "DEMO-3");
    for (tool, args) in [
        (
            "issues_update",
            json!({ "key": "DEMO-3", "summary": "changed" }),
        ),
        ("issues_delete", json!({ "key": "DEMO-3", "confirm": true })),
        (
            "issues_create",
            json!({ "project": "DEMO", "type": "Task", "summary": "new" }),
        ),
        (
            "issues_addComment",
            json!({ "key": "DEMO-3", "body": "hi" }),
        ),
        ("auth_logout", json!({})),
    ] {
        let r = mcp.call(
            "tools/call",
            Some(json!({ "name": tool, "arguments": args })),
        );
        assert_eq!(r["error"]["code"], -32602, "{tool}: {r}");
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .contains("read-only"),
            "{r}"
        );
    }
    assert_eq!(summary(&mut mcp, "DEMO-3"), before);
    let list = mcp.tool("issues_list", json!({ "project": "DEMO", "text": "new" }));
    assert_eq!(list["isError"], false, "{list}");
}

#[test]
fn exclusions_and_the_config_file_table_apply() {
    let (d, _) = start_demo();
    let sock = d.socket.display().to_string();
    let config = d.dir.path().join("mcp.toml");
    support::write_private(
        &config,
        "[mcp]\ntoolsets = [\"issues\"]\nexclude_tools = [\"issues_delete\"]\n",
    );
    let cfg = config.display().to_string();
    let mut mcp = Mcp::start(
        d.dir.path(),
        &[
            "--socket",
            &sock,
            "--no-spawn",
            "--config",
            &cfg,
            "--exclude-tools",
            "issues_create",
        ],
    );
    mcp.handshake("2025-11-25");
    let names = mcp.tool_names();
    assert!(names.iter().all(|n| n.starts_with("issues_")), "{names:?}");
    assert!(names.contains(&"issues_get".to_owned()));
    assert!(!names.contains(&"issues_delete".to_owned()));
    assert!(!names.contains(&"issues_create".to_owned()));
    let r = mcp.call(
        "tools/call",
        Some(json!({ "name": "issues_delete", "arguments": { "key": "DEMO-1" } })),
    );
    assert!(
        r["error"]["message"].as_str().unwrap().contains("excluded"),
        "{r}"
    );
}

#[test]
fn a_setting_that_names_nothing_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let out = support::jirad(dir.path())
        .args(["mcp", "--no-spawn", "--toolsets", "isues"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown toolset `isues`"), "{err}");
}

#[test]
fn a_pinned_profile_takes_no_profile_argument() {
    let (_d, mut mcp) = session(&["--profile", "demo"]);
    mcp.handshake("2025-11-25");
    let tools = mcp.call("tools/list", None)["result"]["tools"].clone();
    for t in tools.as_array().unwrap() {
        assert!(
            t["inputSchema"]["properties"].get("profile").is_none(),
            "{t}"
        );
    }
    let got = mcp.tool("issues_get", json!({ "key": "DEMO-1" }));
    assert_eq!(got["isError"], false, "{got}");
    let other = mcp.tool("issues_get", json!({ "key": "DEMO-1", "profile": "work" }));
    assert_eq!(other["isError"], true, "{other}");
    assert!(
        other["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("pinned to profile `demo`"),
        "{other}"
    );
}

/// Answers the `elicitation/create` the server sends for `id`'s call, then returns the call's
/// result.
fn answer_elicitation(mcp: &mut Mcp, id: i64, answer: Value) -> (Value, Value) {
    let ask = mcp.recv();
    assert_eq!(ask["method"], "elicitation/create", "{ask}");
    mcp.send_line(&json!({ "jsonrpc": "2.0", "id": ask["id"], "result": answer }).to_string());
    let reply = mcp.recv();
    assert_eq!(reply["id"], id, "{reply}");
    (ask["params"].clone(), reply["result"].clone())
}

#[test]
fn an_irreversible_call_runs_only_when_the_user_accepts_the_form() {
    let (_d, mut mcp) = session(&[]);
    mcp.handshake_with("2025-11-25", json!({ "elicitation": { "form": {} } }));
    let created = mcp.tool(
        "issues_create",
        json!({ "project": "DEMO", "type": "Task", "summary": "Doomed" }),
    );
    let key = created["structuredContent"]["key"]
        .as_str()
        .unwrap()
        .to_owned();

    // Declined (even with the agent's own confirm): nothing happens.
    let id = mcp.start_tool("issues_delete", json!({ "key": key, "confirm": true }));
    let (ask, declined) = answer_elicitation(&mut mcp, id, json!({ "action": "decline" }));
    let message = ask["message"].as_str().unwrap();
    assert!(
        message.contains(&key) && message.contains("cannot be undone"),
        "{message}"
    );
    assert_eq!(
        ask["requestedSchema"]["properties"]["confirm"]["type"],
        "boolean"
    );
    assert_eq!(declined["isError"], true, "{declined}");
    assert_eq!(summary(&mut mcp, &key), "Doomed");

    // Accepted without ticking the box: still nothing.
    let id = mcp.start_tool("issues_delete", json!({ "key": key }));
    let (_, unticked) = answer_elicitation(
        &mut mcp,
        id,
        json!({ "action": "accept", "content": { "confirm": false } }),
    );
    assert_eq!(unticked["isError"], true, "{unticked}");
    assert_eq!(summary(&mut mcp, &key), "Doomed");

    let id = mcp.start_tool("issues_delete", json!({ "key": key }));
    let (_, accepted) = answer_elicitation(
        &mut mcp,
        id,
        json!({ "action": "accept", "content": { "confirm": true } }),
    );
    assert_eq!(accepted["isError"], false, "{accepted}");
    let gone = mcp.tool("issues_get", json!({ "key": key }));
    assert_eq!(gone["isError"], true, "{gone}");
}
