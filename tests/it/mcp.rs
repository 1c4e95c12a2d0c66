//! `jirad mcp`: the MCP stdio framing, handshake and version negotiation, `tools/list` derived from
//! the protocol, protocol errors, and tool calls forwarded to a `jirad demo` daemon.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use support::demo::{start_demo, Mcp};

/// The daemon methods the MCP face offers by default: every request of the OpenRPC document
/// except the lifecycle family, internal names, the watch subscriptions and administration.
/// The tools a session offers by default: every method of the default toolsets but the
/// administration ones.
fn expected_tools() -> Vec<String> {
    let defaults = jirad::mcp::policy::DEFAULT_TOOLSETS;
    tools_of(|n| defaults.iter().any(|t| n.split('/').next() == Some(*t)))
}

/// Every tool but administration, as `--toolsets all` less `admin` offers them.
fn all_tools() -> Vec<String> {
    tools_of(|_| true)
}

fn tools_of(wanted: impl Fn(&str) -> bool) -> Vec<String> {
    let mut lifecycle: Vec<&str> = jirad_protocol::lifecycle::docs()
        .iter()
        .map(|m| m.name)
        .collect();
    lifecycle.extend(jirad::mcp::tools::NOT_TOOLS);
    let doc = jirad_protocol::openrpc::document();
    let mut names: Vec<String> = doc["methods"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m.get("result").is_some() && m["x-annotations"]["admin"] == false)
        .map(|m| m["name"].as_str().unwrap())
        .filter(|n| !lifecycle.contains(n) && !n.starts_with("$/") && !n.starts_with("rpc."))
        .filter(|n| wanted(n))
        .map(|n| n.replace('/', "_"))
        .collect();
    names.sort();
    names
}

#[test]
fn handshake_negotiates_the_version_and_notifications_get_no_reply() {
    let (d, _) = start_demo();
    let sock = d.socket.display().to_string();
    let mut mcp = Mcp::start(d.dir.path(), &["--socket", &sock, "--no-spawn"]);
    let init = mcp.handshake("2025-06-18");
    assert_eq!(init["protocolVersion"], "2025-06-18");
    assert_eq!(init["serverInfo"]["name"], "jirad");
    assert_eq!(init["capabilities"]["tools"]["listChanged"], false);
    // `call` checks the next message is the ping's reply: the notification got none.
    assert_eq!(mcp.call("ping", None)["result"], json!({}));
    // An unknown version is answered with the newest one we speak.
    let again = mcp.call(
        "initialize",
        Some(json!({ "protocolVersion": "2024-01-01", "capabilities": {},
                      "clientInfo": { "name": "old" } })),
    );
    assert_eq!(again["result"]["protocolVersion"], "2025-11-25");
    assert!(mcp.finish().success());
}

#[test]
fn protocol_errors_are_json_rpc_errors() {
    let (d, _) = start_demo();
    let sock = d.socket.display().to_string();
    let mut mcp = Mcp::start(d.dir.path(), &["--socket", &sock, "--no-spawn"]);
    mcp.handshake("2025-11-25");
    assert_eq!(mcp.call("prompts/list", None)["error"]["code"], -32601);
    let unknown = mcp.call(
        "tools/call",
        Some(json!({ "name": "no_such_tool", "arguments": {} })),
    );
    assert_eq!(unknown["error"]["code"], -32602);
    mcp.send_line("{not json");
    assert_eq!(mcp.recv()["error"]["code"], -32700);
    // A cancellation of a request that is not running is a notification: no reply either.
    mcp.send_line(
        r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}}"#,
    );
    assert_eq!(mcp.call("ping", None)["result"], json!({}));
}

#[test]
fn tools_are_the_protocol_methods_with_self_contained_schemas() {
    let (d, _) = start_demo();
    let sock = d.socket.display().to_string();
    let mut mcp = Mcp::start(d.dir.path(), &["--socket", &sock, "--no-spawn"]);
    mcp.handshake("2025-11-25");
    let tools = mcp.call("tools/list", None)["result"]["tools"].clone();
    let mut names: Vec<String> = tools
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, expected_tools());
    // The other families are toolsets a host names; `all` offers every one but administration.
    let mut every = Mcp::start(
        d.dir.path(),
        &[
            "--socket",
            &sock,
            "--no-spawn",
            "--toolsets",
            "all",
            "--exclude-tools",
            "auth_login,auth_complete,auth_logout,auth_selectSite,cache_clear",
        ],
    );
    every.handshake("2025-11-25");
    let mut all: Vec<String> = every.call("tools/list", None)["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    all.sort();
    assert_eq!(all, all_tools());
    let doc = jirad_protocol::openrpc::document();
    for t in tools.as_array().unwrap() {
        let method = doc["methods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"].as_str().unwrap().replace('/', "_") == t["name"])
            .unwrap();
        // The hints are the protocol's, declared once on the method.
        for hint in [
            "title",
            "readOnlyHint",
            "destructiveHint",
            "idempotentHint",
            "openWorldHint",
        ] {
            assert_eq!(t["annotations"][hint], method["x-annotations"][hint], "{t}");
        }
        assert_eq!(t["outputSchema"]["type"], "object", "{t}");
        let schema: &Value = &t["inputSchema"];
        assert_eq!(schema["type"], "object", "{t}");
        assert!(!schema.to_string().contains("$ref"), "{t}");
        // The daemon refuses other keys; the host and the model are told up front.
        assert_eq!(schema["additionalProperties"], false, "{t}");
        assert!(
            t["description"].as_str().is_some_and(|s| !s.is_empty()),
            "{t}"
        );
    }
}

#[test]
fn tools_get_list_create_update_and_delete_issues() {
    let (d, _) = start_demo();
    let sock = d.socket.display().to_string();
    let mut mcp = Mcp::start(d.dir.path(), &["--socket", &sock, "--no-spawn"]);
    mcp.handshake("2025-11-25");

    // A misspelt argument fails the tool, naming the argument meant, and changes nothing.
    let typo = mcp.tool("issues_update", json!({ "key": "DEMO-1", "sumary": "x" }));
    assert_eq!(typo["isError"], true, "{typo}");
    assert_eq!(
        typo["content"][0]["text"],
        "Invalid params: unknown field `sumary`; did you mean `summary`? (invalidParams)"
    );

    let got = mcp.tool("issues_get", json!({ "key": "DEMO-1" }));
    assert_eq!(got["isError"], false, "{got}");
    assert_ne!(got["structuredContent"]["summary"], "x");
    assert_eq!(got["structuredContent"]["key"], "DEMO-1");
    let text = got["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("DEMO-1 | "), "{text}");

    let list = mcp.tool("issues_list", json!({ "project": "DEMO", "limit": 3 }));
    assert_eq!(
        list["structuredContent"]["issues"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "{list}"
    );

    let created = mcp.tool(
        "issues_create",
        json!({ "project": "DEMO", "type": "Task", "summary": "From an agent" }),
    );
    assert_eq!(created["isError"], false, "{created}");
    let key = created["structuredContent"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let updated = mcp.tool("issues_update", json!({ "key": key, "summary": "Renamed" }));
    assert_eq!(
        updated["structuredContent"]["summary"], "Renamed",
        "{updated}"
    );
    // A host that cannot ask the user gets a refusal until the agent passes the user's yes.
    let refused = mcp.tool("issues_delete", json!({ "key": key }));
    assert_eq!(refused["isError"], true, "{refused}");
    let why = refused["content"][0]["text"].as_str().unwrap();
    assert!(
        why.contains("cannot be undone") && why.contains("\"confirm\": true"),
        "{why}"
    );
    let still = mcp.tool("issues_get", json!({ "key": key }));
    assert_eq!(still["isError"], false, "{still}");
    let deleted = mcp.tool("issues_delete", json!({ "key": key, "confirm": true }));
    assert_eq!(deleted["isError"], false, "{deleted}");

    // A failed call is a tool error the agent can read, not a protocol error.
    let gone = mcp.tool("issues_get", json!({ "key": key }));
    assert_eq!(gone["isError"], true, "{gone}");
    assert!(
        gone["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("notFound"),
        "{gone}"
    );
}

#[test]
fn authorization_needed_is_a_tool_error_with_the_link() {
    let world = support::jira::JiraWorld::start();
    let d = world.daemon("oauth");
    let sock = d.socket.display().to_string();
    let mut mcp = Mcp::start(d.dir.path(), &["--socket", &sock, "--no-spawn"]);
    mcp.handshake("2025-11-25");
    let r = mcp.tool("issues_get", json!({ "key": "DEMO-1" }));
    assert_eq!(r["isError"], true, "{r}");
    let text = r["content"][0]["text"].as_str().unwrap();
    let url = r["structuredContent"]["error"]["data"]["authorizationUrl"]
        .as_str()
        .unwrap();
    assert!(
        url.starts_with(&format!("{}/authorize?", world.s(&["url"]))),
        "{url}"
    );
    assert!(text.contains(url) && text.contains("`oauth`"), "{text}");
}

#[test]
fn without_a_daemon_and_no_spawn_tools_fail_readably() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("none.sock").display().to_string();
    let mut mcp = Mcp::start(dir.path(), &["--socket", &sock, "--no-spawn"]);
    mcp.handshake("2025-11-25");
    let r = mcp.tool("issues_get", json!({ "key": "DEMO-1" }));
    assert_eq!(r["isError"], true);
    assert!(
        r["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("not reachable"),
        "{r}"
    );
}

#[test]
fn calls_in_flight_are_answered_after_stdin_closes() {
    let (d, _) = start_demo();
    let sock = d.socket.display().to_string();
    let mut mcp = Mcp::start(d.dir.path(), &["--socket", &sock, "--no-spawn"]);
    mcp.handshake("2025-11-25");
    mcp.send_line(
        r#"{"jsonrpc":"2.0","id":"last","method":"tools/call","params":{"name":"issues_get","arguments":{"key":"DEMO-2"}}}"#,
    );
    mcp.close_stdin();
    let reply = mcp.recv();
    assert_eq!(reply["id"], "last");
    assert_eq!(reply["result"]["structuredContent"]["key"], "DEMO-2");
    assert!(mcp.finish().success());
}

#[test]
fn a_host_that_opens_links_gets_the_consent_and_the_call_continues() {
    let world = support::jira::JiraWorld::start();
    let d = world.daemon("oauth");
    let sock = d.socket.display().to_string();
    let mut mcp = Mcp::start(d.dir.path(), &["--socket", &sock, "--no-spawn"]);
    mcp.handshake_with(
        "2025-11-25",
        json!({ "elicitation": { "form": {}, "url": {} } }),
    );
    let id = mcp.start_tool("issues_get", json!({ "key": "DEMO-1" }));
    let ask = mcp.recv();
    assert_eq!(ask["method"], "elicitation/create", "{ask}");
    assert_eq!(ask["params"]["mode"], "url");
    let url = ask["params"]["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("{}/authorize?", world.s(&["url"]))),
        "{url}"
    );
    // The user agrees to open the link, then approves in the browser.
    mcp.send_line(
        &json!({ "jsonrpc": "2.0", "id": ask["id"], "result": { "action": "accept" } }).to_string(),
    );
    let landing = support::auth::browse(&url);
    assert_eq!(landing.status, 200, "{}", landing.body);
    let done = mcp.recv();
    assert_eq!(
        done["method"], "notifications/elicitation/complete",
        "{done}"
    );
    assert_eq!(
        done["params"]["elicitationId"],
        ask["params"]["elicitationId"]
    );
    let reply = mcp.recv();
    assert_eq!(reply["id"], id, "{reply}");
    assert_eq!(reply["result"]["isError"], false, "{reply}");
    assert_eq!(reply["result"]["structuredContent"]["key"], "DEMO-1");
}

#[test]
fn a_declined_consent_gives_the_link_to_open_later() {
    let world = support::jira::JiraWorld::start();
    let d = world.daemon("oauth");
    let sock = d.socket.display().to_string();
    let mut mcp = Mcp::start(d.dir.path(), &["--socket", &sock, "--no-spawn"]);
    mcp.handshake_with("2025-11-25", json!({ "elicitation": { "url": {} } }));
    let id = mcp.start_tool("issues_get", json!({ "key": "DEMO-1" }));
    let ask = mcp.recv();
    assert_eq!(ask["params"]["mode"], "url", "{ask}");
    mcp.send_line(
        &json!({ "jsonrpc": "2.0", "id": ask["id"], "result": { "action": "decline" } })
            .to_string(),
    );
    let reply = mcp.recv();
    assert_eq!(reply["id"], id, "{reply}");
    assert_eq!(reply["result"]["isError"], true, "{reply}");
    let text = reply["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains(ask["params"]["url"].as_str().unwrap()),
        "{text}"
    );
}
