//! `sprints/watch`, the live board, against the fake on Cloud and Data Center: a client watching
//! the active sprint hears, at its next poll, that another client moved an issue into it (with
//! the issue's column), that someone moved an issue across columns in Jira, and that an issue
//! left for the backlog; a backlog watch sees the same issue arrive; a kanban board has no
//! active sprint to watch.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use support::jira::JiraWorld;
use support::{Framing, SocketClient};

/// Polls fast so a change shows within a fraction of a second.
const FAST: &str =
    "[cache]\nwatch_min_interval_ms = 20\n[limits]\nwatch_requests_per_second = 1000\n";

/// The next `sprints/didChange` (a watching client gets nothing else unasked).
fn next_change(c: &mut SocketClient) -> Value {
    let msg = c.recv().expect("connection closed");
    assert_eq!(msg["method"], "sprints/didChange", "{msg}");
    msg["params"].clone()
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|i| i["key"].as_str().unwrap_or_default())
        .collect()
}

#[test]
fn a_watched_active_sprint_hears_issues_enter_move_column_and_leave() {
    for profile in ["cloud", "dc"] {
        let world = JiraWorld::start();
        let d = support::Daemon::start_with(&[], Some(&world.config(profile, FAST)));
        let mut watcher = d.client(Framing::Ndjson);
        let mut other = d.client(Framing::Lsp);

        let w = watcher.result(
            "sprints/watch",
            json!({"boardId": 1, "sprint": "active", "intervalSeconds": 0.05}),
        );
        assert_eq!(w["sprint"]["id"], 2, "{profile}: {w}");
        assert_eq!(w["sprint"]["state"], "active");
        assert_eq!(w["columns"], json!(["To Do", "In Progress", "Done"]));
        let listed = keys(&w["issues"]);
        assert!(
            listed.contains(&"DEMO-4") && !listed.contains(&"DEMO-18"),
            "{profile}: {listed:?}"
        );
        for i in w["issues"].as_array().unwrap() {
            let column = i["column"].as_str().unwrap_or_default();
            assert_eq!(
                column,
                i["status"]["name"].as_str().unwrap(),
                "{profile}: {i}"
            );
        }
        let watch_id = w["watchId"].clone();

        // Another client moves a backlog issue into the sprint.
        let moved = other.result(
            "sprints/moveIssues",
            json!({"sprintId": 2, "issues": ["DEMO-18"]}),
        );
        assert_eq!(moved["moved"], 1, "{profile}: {moved}");
        let change = next_change(&mut watcher);
        assert_eq!(change["watchId"], watch_id);
        assert_eq!(keys(&change["entered"]), ["DEMO-18"], "{profile}: {change}");
        assert_eq!(change["entered"][0]["column"], "To Do");
        assert!(change["left"].as_array().unwrap().is_empty());

        // Someone starts work on it in Jira: it changes column.
        let (status, body) = world.control(
            "PATCH",
            "/issues/DEMO-18",
            json!({"fields": {"status": "In Progress"}}),
        );
        assert_eq!(status, 200, "{body}");
        let change = next_change(&mut watcher);
        assert_eq!(keys(&change["changed"]), ["DEMO-18"], "{profile}: {change}");
        assert_eq!(
            change["moved"],
            json!([{"key": "DEMO-18", "fromStatus": "To Do", "toStatus": "In Progress",
                    "fromColumn": "To Do", "toColumn": "In Progress"}]),
            "{profile}"
        );

        // And sends it back to the backlog: it leaves the sprint.
        let back = other.result("backlog/moveIssues", json!({"issues": ["DEMO-18"]}));
        assert_eq!(back["moved"], 1, "{profile}: {back}");
        let change = next_change(&mut watcher);
        assert_eq!(keys(&change["left"]), ["DEMO-18"], "{profile}: {change}");

        // The backlog, watched too, has it.
        let b = watcher.result(
            "sprints/watch",
            json!({"boardId": 1, "sprint": "backlog", "intervalSeconds": 0.05}),
        );
        assert!(b.get("sprint").is_none());
        assert!(keys(&b["issues"]).contains(&"DEMO-18"), "{profile}: {b}");
        // The same issues, in the same order, as boards/backlog reads from Jira Software.
        let listed = watcher.result("boards/backlog", json!({"boardId": 1, "limit": 100}));
        assert_eq!(keys(&b["issues"]), keys(&listed["issues"]), "{profile}");
        assert_eq!(
            watcher.result("issues/unwatch", json!({"watchId": watch_id})),
            json!(null)
        );
    }
}

#[test]
fn with_parallel_sprints_a_board_runs_two_and_its_live_board_shows_both() {
    for profile in ["cloud", "dc"] {
        let world = JiraWorld::start();
        let d = support::Daemon::start_with(&[], Some(&world.config(profile, FAST)));
        let mut c = d.client(Framing::Ndjson);
        // By default Jira refuses a second active sprint on the board.
        let refused = c.call("sprints/start", json!({"sprintId": 3}));
        assert_eq!(
            refused["error"]["data"]["reason"], "oneActiveSprint",
            "{profile}: {refused}"
        );
        let (status, body) = world.control("POST", "/config", json!({"parallelSprints": true}));
        assert_eq!(status, 200, "{body}");
        let started = c.result("sprints/start", json!({"sprintId": 3}));
        assert_eq!(started["state"], "active", "{profile}: {started}");
        let active = c.result("sprints/list", json!({"boardId": 1, "state": ["active"]}));
        let ids: Vec<u64> = active["sprints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_u64().unwrap())
            .collect();
        assert_eq!(ids, [2, 3], "{profile}");

        let w = c.result(
            "sprints/watch",
            json!({"boardId": 1, "sprint": "active", "intervalSeconds": 0.05}),
        );
        assert_eq!(w["sprint"]["id"], 2, "the oldest names the board: {w}");
        let shown = keys(&w["issues"]);
        for sprint in [2, 3] {
            let issues = c.result("sprints/issues", json!({"sprintId": sprint, "limit": 100}));
            let of_sprint = keys(&issues["issues"]);
            assert!(
                !of_sprint.is_empty(),
                "{profile}: sprint {sprint} has issues"
            );
            for key in of_sprint {
                assert!(
                    shown.contains(&key),
                    "{profile}: {key} of sprint {sprint}: {shown:?}"
                );
            }
        }
    }
}

#[test]
fn a_kanban_board_has_no_active_sprint_to_watch() {
    let world = JiraWorld::start();
    let d = support::Daemon::start_with(&[], Some(&world.config("cloud", FAST)));
    let mut c = d.client(Framing::Ndjson);
    let e = c.call("sprints/watch", json!({"boardId": 2}))["error"].clone();
    assert_eq!(e["data"]["reason"], "boardHasNoSprints", "{e}");
    let e = c.call("sprints/watch", json!({"boardId": 1, "sprint": 99}))["error"].clone();
    assert_eq!(e["data"]["kind"], "notFound", "{e}");
}
