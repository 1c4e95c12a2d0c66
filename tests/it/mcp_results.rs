//! What `jirad mcp` returns to agents, through the real binary against `jirad demo`: compact
//! rows and issues with structured content, the description budget, issues as resources with
//! subscriptions, and progress of whole-list reads.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use support::demo::{start_demo, Mcp};

fn session() -> (support::Daemon, Mcp) {
    let (d, _) = start_demo();
    let sock = d.socket.display().to_string();
    let mut mcp = Mcp::start(d.dir.path(), &["--socket", &sock, "--no-spawn"]);
    mcp.handshake("2025-11-25");
    (d, mcp)
}

#[test]
fn a_list_is_compact_rows_unless_asked_for_more() {
    let (_d, mut mcp) = session();
    let list = mcp.tool("issues_list", json!({ "project": "DEMO", "limit": 3 }));
    let text = list["content"][0]["text"].as_str().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[0].starts_with("3 issue(s); more with pageToken"),
        "{text}"
    );
    for (line, issue) in lines[1..]
        .iter()
        .zip(list["structuredContent"]["issues"].as_array().unwrap())
    {
        assert!(line.starts_with(issue["key"].as_str().unwrap()), "{line}");
        let mut fields: Vec<&str> = issue
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        fields.sort_unstable();
        for extra in ["description", "labels", "priority", "reporter", "type"] {
            assert!(!fields.contains(&extra), "{fields:?}");
        }
        assert!(
            fields.contains(&"summary") && fields.contains(&"updated"),
            "{fields:?}"
        );
    }
    let full = mcp.tool(
        "issues_list",
        json!({ "project": "DEMO", "limit": 3, "detail": "full" }),
    );
    let first = &full["structuredContent"]["issues"][0];
    assert!(
        first.get("type").is_some() && first.get("reporter").is_some(),
        "{first}"
    );
    assert!(full["content"][0]["text"]
        .as_str()
        .unwrap()
        .starts_with('{'));
}

#[test]
fn a_get_cuts_the_description_and_says_how_to_have_it_all() {
    let (_d, mut mcp) = session();
    let long = "A long description. ".repeat(100);
    let created = mcp.tool(
        "issues_create",
        json!({ "project": "DEMO", "type": "Task", "summary": "Wordy", "description": long }),
    );
    let key = created["structuredContent"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let got = mcp.tool("issues_get", json!({ "key": key }));
    let text = got["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with(&format!("{key} | Wordy | ")), "{text}");
    assert!(
        text.contains("description cut at 600 of 2000 characters; fullDescription: true"),
        "{text}"
    );
    assert!(text.len() < 1200, "{}", text.len());
    let whole = mcp.tool("issues_get", json!({ "key": key, "fullDescription": true }));
    assert_eq!(
        whole["structuredContent"]["description"]
            .as_str()
            .unwrap()
            .trim(),
        long.trim()
    );
}

#[test]
fn an_issue_is_a_resource_and_a_subscription_hears_its_changes() {
    let (_d, mut mcp) = session();
    let templates = mcp.call("resources/templates/list", None);
    assert_eq!(
        templates["result"]["resourceTemplates"][0]["uriTemplate"],
        "jira://issue/{key}"
    );
    let read = mcp.call(
        "resources/read",
        Some(json!({ "uri": "jira://issue/DEMO-4" })),
    );
    let contents = &read["result"]["contents"][0];
    assert_eq!(contents["uri"], "jira://issue/DEMO-4");
    assert!(
        contents["text"].as_str().unwrap().starts_with("DEMO-4 | "),
        "{read}"
    );
    let missing = mcp.call(
        "resources/read",
        Some(json!({ "uri": "jira://issue/DEMO-9999" })),
    );
    assert_eq!(missing["error"]["code"], -32002, "{missing}");

    let sub = mcp.call(
        "resources/subscribe",
        Some(json!({ "uri": "jira://issue/DEMO-4" })),
    );
    assert_eq!(sub["result"], json!({}), "{sub}");
    let updated = mcp.tool(
        "issues_update",
        json!({ "key": "DEMO-4", "summary": "Changed under a subscription" }),
    );
    assert_eq!(updated["isError"], false, "{updated}");
    // The daemon's watch notices the change on its next check.
    let note = mcp.recv();
    assert_eq!(note["method"], "notifications/resources/updated", "{note}");
    assert_eq!(note["params"]["uri"], "jira://issue/DEMO-4");
    let unsub = mcp.call(
        "resources/unsubscribe",
        Some(json!({ "uri": "jira://issue/DEMO-4" })),
    );
    assert_eq!(unsub["result"], json!({}), "{unsub}");
}

#[test]
fn a_whole_list_read_reports_progress_to_a_host_that_asks() {
    let (_d, mut mcp) = session();
    mcp.send_line(
        &json!({ "jsonrpc": "2.0", "id": "all", "method": "tools/call", "params": {
            "name": "issues_list", "_meta": { "progressToken": "p1" },
            "arguments": { "project": "DEMO", "all": true, "limit": 5 } } })
        .to_string(),
    );
    let mut progress: Vec<Value> = Vec::new();
    let reply = loop {
        let msg = mcp.recv();
        if msg["method"] == "notifications/progress" {
            progress.push(msg["params"].clone());
            continue;
        }
        break msg;
    };
    assert_eq!(reply["id"], "all", "{reply}");
    let total = reply["result"]["structuredContent"]["issues"]
        .as_array()
        .unwrap()
        .len();
    assert!(total > 5, "{total}");
    assert!(!progress.is_empty());
    assert!(
        progress.iter().all(|p| p["progressToken"] == "p1"),
        "{progress:?}"
    );
    let done: Vec<u64> = progress
        .iter()
        .map(|p| p["progress"].as_u64().unwrap())
        .collect();
    assert!(done.windows(2).all(|w| w[0] < w[1]), "{done:?}");
}

#[test]
fn inline_attachments_reach_the_model_as_an_image_or_as_text() {
    use base64::Engine;
    let (d, _) = start_demo();
    let sock = d.socket.display().to_string();
    let mut mcp = Mcp::start(
        d.dir.path(),
        &["--socket", &sock, "--no-spawn", "--toolsets", "attachments"],
    );
    mcp.handshake("2025-11-25");
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    // The smallest PNG: one transparent pixel.
    let png = b64(&[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
        0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00,
        0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ]);
    let log = "2026-12-07 build failed: exit 101\n";
    let mut c = d.client(support::Framing::Ndjson);
    let mut upload = |name: &str, content: &str| {
        let r = c.result(
            "attachments/upload",
            json!({"key": "DEMO-1", "filename": name, "content": content}),
        );
        r[0]["id"].as_str().unwrap().to_owned()
    };
    let (image, text, binary) = (
        upload("screen.png", &png),
        upload("build.log", &b64(log.as_bytes())),
        upload("core.bin", &b64(&[0, 159, 146, 150])),
    );

    let got = mcp.tool("attachments_download", json!({"id": image, "inline": true}));
    assert_eq!(got["isError"], false, "{got}");
    let blocks = got["content"].as_array().unwrap();
    assert_eq!(blocks[1]["type"], "image", "{got}");
    assert_eq!(blocks[1]["mimeType"], "image/png");
    assert_eq!(blocks[1]["data"], png.as_str());
    // The bytes travel once: not again in the structured result or its text.
    assert!(got["structuredContent"].get("content").is_none(), "{got}");
    assert_eq!(got["structuredContent"]["filename"], "screen.png");
    assert!(!blocks[0]["text"].as_str().unwrap().contains(&png));

    let got = mcp.tool("attachments_download", json!({"id": text, "inline": true}));
    assert_eq!(got["content"][1]["type"], "text", "{got}");
    assert_eq!(got["content"][1]["text"], log);

    let got = mcp.tool(
        "attachments_download",
        json!({"id": binary, "inline": true}),
    );
    assert_eq!(got["content"].as_array().unwrap().len(), 1, "{got}");
    assert_eq!(
        got["structuredContent"]["content"],
        b64(&[0, 159, 146, 150]).as_str()
    );
}

#[test]
fn boards_are_resources_a_host_can_read_and_subscribe_to() {
    let (d, _) = start_demo();
    let sock = d.socket.display().to_string();
    let mut mcp = Mcp::start(
        d.dir.path(),
        &[
            "--socket",
            &sock,
            "--no-spawn",
            "--toolsets",
            "default,agile",
        ],
    );
    mcp.handshake("2025-11-25");
    let templates = mcp.call("resources/templates/list", None);
    let uris: Vec<&str> = templates["result"]["resourceTemplates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["uriTemplate"].as_str().unwrap())
        .collect();
    assert!(uris.contains(&"jira://board/{boardId}/sprint"), "{uris:?}");
    let listed = mcp.call("resources/list", None);
    let names: Vec<&str> = listed["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    // The scrum board has a sprint and a backlog; the kanban board only a backlog.
    assert_eq!(
        names,
        [
            "jira://board/1/sprint",
            "jira://board/1/backlog",
            "jira://board/2/backlog"
        ]
    );

    let read = mcp.call(
        "resources/read",
        Some(json!({ "uri": "jira://board/1/sprint" })),
    );
    let text = read["result"]["contents"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("DEMO Sprint 2 (active"), "{text}");
    assert!(text.contains("Ship the audit log"), "the goal: {text}");
    assert!(
        text.contains("\n## To Do\n") && text.contains("\n## Done"),
        "{text}"
    );

    // Another client moves a backlog issue into the sprint: the subscriber hears of it.
    let mut c = d.client(support::Framing::Ndjson);
    let backlog = c.result("boards/backlog", json!({ "boardId": 1, "limit": 1 }));
    let key = backlog["issues"][0]["key"].as_str().unwrap().to_owned();
    assert!(!text.contains(&key), "{key} is not in the sprint yet");
    let sub = mcp.call(
        "resources/subscribe",
        Some(json!({ "uri": "jira://board/1/sprint" })),
    );
    assert_eq!(sub["result"], json!({}), "{sub}");
    let moved = c.result(
        "sprints/moveIssues",
        json!({ "sprintId": 2, "issues": [key] }),
    );
    assert_eq!(moved["results"][0]["status"], "moved", "{moved}");
    let note = mcp.recv();
    assert_eq!(note["method"], "notifications/resources/updated", "{note}");
    assert_eq!(note["params"]["uri"], "jira://board/1/sprint");
    let read = mcp.call(
        "resources/read",
        Some(json!({ "uri": "jira://board/1/sprint" })),
    );
    assert!(read["result"]["contents"][0]["text"]
        .as_str()
        .unwrap()
        .contains(&key));

    // Without the agile tools, boards are no resources.
    let mut plain = Mcp::start(d.dir.path(), &["--socket", &sock, "--no-spawn"]);
    plain.handshake("2025-11-25");
    let refused = plain.call(
        "resources/read",
        Some(json!({ "uri": "jira://board/1/sprint" })),
    );
    assert_eq!(refused["error"]["code"], -32002, "{refused}");
}
