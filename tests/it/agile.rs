//! Boards, sprints, the backlog and epics through the real daemon, on Jira Cloud and Data
//! Center: the sample board's columns and sprints, the kanban board that has none, a sprint's
//! life (created, filled, ranked, started, closed, deleted) as the lists a user reads show it,
//! Jira's refusals with their `reason`, and moves of more than Jira's 50 issues a request.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use support::jira::JiraWorld;
use support::Framing;

fn keys(list: &Value) -> Vec<String> {
    list["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .filter_map(|i| i["key"].as_str().map(str::to_owned))
        .collect()
}

fn names<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    list[field]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect()
}

fn error(reply: &Value) -> (&str, &str) {
    let data = &reply["error"]["data"];
    (
        data["kind"].as_str().unwrap_or("no error"),
        data["reason"].as_str().unwrap_or(""),
    )
}

fn statuses(result: &Value) -> Vec<&str> {
    result["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["status"].as_str())
        .collect()
}

#[test]
fn boards_sprints_backlog_and_epics_read_alike_on_both_flavours() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for profile in ["cloud", "dc"] {
        let all = c.result_as(profile, "boards/list", json!({}));
        assert_eq!(names(&all, "boards"), ["DEMO board", "OPS board"], "{all}");
        for (filter, want) in [
            (json!({"type": "kanban"}), "OPS board"),
            (json!({"project": "DEMO"}), "DEMO board"),
            (json!({"name": "ops"}), "OPS board"),
        ] {
            let got = c.result_as(profile, "boards/list", filter.clone());
            assert_eq!(names(&got, "boards"), [want], "{profile} {filter}");
        }

        let board = c.result_as(profile, "boards/get", json!({"boardId": 1}));
        assert_eq!(names(&board, "columns"), ["To Do", "In Progress", "Done"]);
        assert_eq!(board["estimation"]["fieldId"], "customfield_10011");
        assert_eq!(board["estimation"]["displayName"], "Story Points");
        assert_eq!(board["project"], "DEMO", "{board}");
        let none = c.call_as(profile, "boards/get", json!({"boardId": 99}));
        assert_eq!(error(&none).0, "notFound", "{none}");

        let sprints = c.result_as(profile, "sprints/list", json!({"boardId": 1}));
        let states: Vec<&str> = sprints["sprints"]
            .as_array()
            .expect("sprints")
            .iter()
            .filter_map(|s| s["state"].as_str())
            .collect();
        assert_eq!(states, ["closed", "active", "future"], "{sprints}");
        let active = c.result_as(
            profile,
            "sprints/list",
            json!({"boardId": 1, "state": ["active"]}),
        );
        assert_eq!(names(&active, "sprints"), ["DEMO Sprint 2"]);
        let kanban = c.call_as(profile, "sprints/list", json!({"boardId": 2}));
        assert_eq!(
            error(&kanban),
            ("invalidFields", "boardHasNoSprints"),
            "{kanban}"
        );
        let unknown = c.call_as(profile, "sprints/list", json!({"boardId": 99}));
        assert_eq!(error(&unknown).0, "notFound", "{unknown}");

        let sprint = c.result_as(profile, "sprints/get", json!({"sprintId": 2}));
        assert_eq!(
            (sprint["state"].as_str(), sprint["goal"].as_str()),
            (Some("active"), Some("Ship the audit log"))
        );
        assert!(sprint["startDate"].is_string() && sprint["endDate"].is_string());
        for method in ["sprints/get", "sprints/issues"] {
            let gone = c.call_as(profile, method, json!({"sprintId": 99}));
            assert_eq!(error(&gone).0, "notFound", "{method}: {gone}");
        }

        // The sprint's issues, a page at a time, are those of one whole read.
        let whole = keys(&c.result_as(profile, "sprints/issues", json!({"sprintId": 2})));
        assert!(whole.len() > 3, "{whole:?}");
        let (mut paged, mut token) = (Vec::new(), Value::Null);
        loop {
            let mut params = json!({"sprintId": 2, "limit": 3});
            if !token.is_null() {
                params["pageToken"] = token.clone();
            }
            let page = c.result_as(profile, "sprints/issues", params);
            paged.extend(keys(&page));
            token = page["nextPageToken"].clone();
            if page["isLast"] == true {
                break;
            }
        }
        assert_eq!(paged, whole, "{profile}");
        let done = c.result_as(
            profile,
            "sprints/issues",
            json!({"sprintId": 2, "status": "Done", "fields": ["status"]}),
        );
        assert!(done["issues"]
            .as_array()
            .expect("issues")
            .iter()
            .all(|i| i["status"]["name"] == "Done"));

        // The backlog: no issue of an open sprint, nothing done, no epic, no sub-task.
        let backlog = c.result_as(
            profile,
            "boards/backlog",
            json!({"boardId": 1, "fields": ["status", "issuetype"], "all": true}),
        );
        let backlog_keys = keys(&backlog);
        assert!(!backlog_keys.is_empty());
        assert!(whole.iter().all(|k| !backlog_keys.contains(k)), "{backlog}");
        for issue in backlog["issues"].as_array().expect("issues") {
            assert_ne!(issue["status"]["name"], "Done", "{issue}");
            assert!(!["Epic", "Sub-task"].contains(&issue["type"].as_str().unwrap_or("")));
        }
        let no_board = c.call_as(profile, "boards/backlog", json!({"boardId": 99}));
        assert_eq!(error(&no_board).0, "notFound", "{no_board}");

        let epics = c.result_as(profile, "epics/list", json!({"boardId": 1}));
        assert_eq!(names(&epics, "epics"), ["Audit log overhaul", "Onboarding"]);
        let epic = epics["epics"][0]["key"].as_str().expect("epic key");
        let children = c.result_as(
            profile,
            "epics/issues",
            json!({"epic": epic, "fields": ["parent"]}),
        );
        assert_eq!(keys(&children).len(), 3, "{children}");
        assert!(children["issues"]
            .as_array()
            .expect("issues")
            .iter()
            .all(|i| i["parent"]["key"] == epic));
    }
}

#[test]
fn a_sprints_life_shows_in_the_lists_on_both_flavours() {
    for profile in ["cloud", "dc"] {
        // A fake each: the sprints change.
        let w = JiraWorld::start();
        let d = w.daemon(profile);
        let mut c = d.client(Framing::Ndjson);
        // Read first, so that what follows must not be answered from the cache.
        let before = c.result("sprints/list", json!({"boardId": 1}));
        assert_eq!(names(&before, "sprints").len(), 3);

        let new = c.result(
            "sprints/create",
            json!({"boardId": 1, "name": " DEMO Sprint 4 ", "goal": "Onboarding flow"}),
        );
        assert_eq!(
            (
                new["state"].as_str(),
                new["name"].as_str(),
                new["boardId"].as_u64()
            ),
            (Some("future"), Some("DEMO Sprint 4"), Some(1)),
            "{profile}: {new}"
        );
        let id = new["id"].as_u64().expect("sprint id");
        let after = c.result("sprints/list", json!({"boardId": 1}));
        assert_eq!(names(&after, "sprints").last(), Some(&"DEMO Sprint 4"));

        let empty = c.result("sprints/issues", json!({"sprintId": id}));
        assert!(keys(&empty).is_empty());
        let backlog = keys(&c.result("boards/backlog", json!({"boardId": 1})));
        let (a, b, x) = (&backlog[0], &backlog[1], &backlog[2]);
        let moved = c.result(
            "sprints/moveIssues",
            json!({"sprintId": id, "issues": [a, "DEMO-9999", b]}),
        );
        assert_eq!(
            statuses(&moved),
            ["moved", "refused", "moved"],
            "{profile}: {moved}"
        );
        assert_eq!(
            (moved["moved"].as_u64(), moved["failed"].as_u64()),
            (Some(2), Some(1))
        );
        assert!(moved["results"][1]["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("DEMO-9999")));
        let filled = c.result("sprints/issues", json!({"sprintId": id}));
        assert_eq!(keys(&filled), [a.as_str(), b.as_str()], "{profile}");
        let left = keys(&c.result("boards/backlog", json!({"boardId": 1})));
        assert!(!left.contains(a) && !left.contains(b) && left.contains(x));

        let ranked = c.result("issues/rank", json!({"issues": [b], "before": a}));
        assert_eq!(statuses(&ranked), ["moved"]);
        let order = keys(&c.result("sprints/issues", json!({"sprintId": id})));
        assert_eq!(order, [b.as_str(), a.as_str()], "{profile}");
        let both = c.call(
            "issues/rank",
            json!({"issues": [b], "before": a, "after": a}),
        );
        assert_eq!(error(&both).0, "invalidFields");

        let back = c.result("backlog/moveIssues", json!({"issues": [a]}));
        assert_eq!(statuses(&back), ["moved"]);
        assert_eq!(
            keys(&c.result("sprints/issues", json!({"sprintId": id}))),
            [b.as_str()]
        );

        let edited = c.result(
            "sprints/update",
            json!({"sprintId": id, "goal": "Ship onboarding"}),
        );
        assert_eq!(edited["goal"], "Ship onboarding");
        let two_active = c.call("sprints/start", json!({"sprintId": id}));
        assert_eq!(
            error(&two_active),
            ("invalidFields", "oneActiveSprint"),
            "{profile}: {two_active}"
        );
        let future = c.call("sprints/close", json!({"sprintId": 3}));
        assert_eq!(error(&future), ("invalidFields", "sprintState"), "{future}");

        let closed = c.result("sprints/close", json!({"sprintId": 2}));
        assert_eq!(closed["state"], "closed");
        assert!(closed["completeDate"].is_string(), "{closed}");
        let active = c.result("sprints/list", json!({"boardId": 1, "state": ["active"]}));
        assert!(names(&active, "sprints").is_empty(), "{active}");
        let into_closed = c.result("sprints/moveIssues", json!({"sprintId": 2, "issues": [x]}));
        assert_eq!(statuses(&into_closed), ["refused"]);
        assert_eq!(
            into_closed["results"][0]["error"]["reason"], "sprintClosed",
            "{into_closed}"
        );
        let edit_closed = c.call("sprints/update", json!({"sprintId": 2, "name": "x"}));
        assert_eq!(error(&edit_closed), ("invalidFields", "sprintClosed"));

        let started = c.result("sprints/start", json!({"sprintId": id}));
        assert_eq!(started["state"], "active", "{started}");
        assert!(started["startDate"].is_string() && started["endDate"].is_string());

        c.result("sprints/delete", json!({"sprintId": 3}));
        let gone = c.result("sprints/list", json!({"boardId": 1}));
        assert!(
            !names(&gone, "sprints").contains(&"DEMO Sprint 3"),
            "{gone}"
        );

        let epic = "DEMO-22";
        let into = c.result("epics/moveIssues", json!({"epic": epic, "issues": [x]}));
        assert_eq!(statuses(&into), ["moved"], "{profile}: {into}");
        let children = keys(&c.result("epics/issues", json!({"epic": epic})));
        assert!(children.contains(x), "{children:?}");
        let out = c.result("epics/moveIssues", json!({"epic": "none", "issues": [x]}));
        assert_eq!(statuses(&out), ["moved"]);
        let children = keys(&c.result("epics/issues", json!({"epic": epic})));
        assert!(!children.contains(x), "{children:?}");
    }
}

#[test]
fn moves_of_more_than_fifty_issues_go_fifty_a_request_with_a_result_each() {
    for profile in ["cloud", "dc"] {
        let w = JiraWorld::start();
        let d = w.daemon(profile);
        let mut c = d.client(Framing::Ndjson);
        let new: Vec<Value> = (0..60)
            .map(|n| json!({"project": "DEMO", "type": "Task", "summary": format!("planned {n}")}))
            .collect();
        let made = c.result("issues/createMany", json!({"issues": new}));
        let mut issues: Vec<String> = made["results"]
            .as_array()
            .expect("results")
            .iter()
            .filter_map(|r| r["key"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(issues.len(), 60);
        issues.insert(30, "DEMO-99999".into());

        let moved = c.result(
            "sprints/moveIssues",
            json!({"sprintId": 3, "issues": issues}),
        );
        assert_eq!(
            (moved["moved"].as_u64(), moved["failed"].as_u64()),
            (Some(60), Some(1)),
            "{profile}: {moved}"
        );
        let refused = &moved["results"][30];
        assert_eq!(
            (
                refused["index"].as_u64(),
                refused["issue"].as_str(),
                refused["status"].as_str()
            ),
            (Some(30), Some("DEMO-99999"), Some("refused")),
            "{refused}"
        );
        // Two requests of at most 50, and the first once more without the unknown issue.
        assert_eq!(w.count_requests("POST", "/sprint/3/issue"), 3, "{profile}");
        let sprint = keys(&c.result(
            "sprints/issues",
            json!({"sprintId": 3, "all": true, "fields": ["summary"]}),
        ));
        issues.remove(30);
        assert!(issues.iter().all(|k| sprint.contains(k)), "{profile}");

        // Ranked in the order given, right after the sprint's first issue.
        let anchor = sprint
            .iter()
            .find(|k| !issues.contains(k))
            .expect("a seeded issue")
            .clone();
        let reversed: Vec<&String> = issues.iter().rev().collect();
        let ranked = c.result("issues/rank", json!({"issues": reversed, "after": anchor}));
        assert_eq!(ranked["moved"], 60, "{ranked}");
        assert_eq!(w.count_requests("PUT", "/issue/rank"), 2);
        let order = keys(&c.result(
            "sprints/issues",
            json!({"sprintId": 3, "all": true, "fields": ["summary"]}),
        ));
        let at = order.iter().position(|k| *k == anchor).expect("anchor");
        let after: Vec<&String> = order[at + 1..at + 61].iter().collect();
        assert_eq!(after, reversed, "{profile}");

        let too_many: Vec<String> = (0..1001).map(|n| format!("DEMO-{n}")).collect();
        let refused = c.call("backlog/moveIssues", json!({"issues": too_many}));
        assert_eq!(error(&refused).0, "invalidFields", "{refused}");
    }
}

#[test]
fn a_move_whose_answers_are_lost_is_outcome_unknown_and_can_be_repeated() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (profile, issues) in [
        ("cloud", ["DEMO-1", "DEMO-4"]),
        ("dc", ["DEMO-5", "DEMO-7"]),
    ] {
        // Jira moves them every time, but no answer arrives, try after try.
        w.control(
            "POST",
            "/__fake/faults",
            json!({"method": "POST", "pathContains": "/backlog/issue", "action": "resetAfter", "count": 4}),
        );
        let lost = c.result_as(profile, "backlog/moveIssues", json!({"issues": issues}));
        assert_eq!(
            statuses(&lost),
            ["outcomeUnknown", "outcomeUnknown"],
            "{profile}: {lost}"
        );
        assert_eq!(lost["failed"], 2);
        assert_eq!(lost["results"][0]["error"]["kind"], "upstreamUnavailable");
        let again = c.result_as(profile, "backlog/moveIssues", json!({"issues": issues}));
        assert_eq!(statuses(&again), ["moved", "moved"], "{profile}: {again}");
        let sprint = keys(&c.result_as(profile, "sprints/issues", json!({"sprintId": 2})));
        assert!(
            issues.iter().all(|k| !sprint.contains(&k.to_string())),
            "{sprint:?}"
        );
    }
}

fn shell(d: &support::Daemon, args: &[&str]) -> std::process::Output {
    support::jirad(d.dir.path())
        .args(&args[..1])
        .arg("--socket")
        .arg(&d.socket)
        .args(&args[1..])
        .output()
        .expect("run jirad")
}

fn text(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn boards_and_sprints_from_the_shell() {
    for profile in ["cloud", "dc"] {
        // A fake each: the sprints change.
        let w = JiraWorld::start();
        let d = w.daemon(profile);
        let boards = shell(&d, &["board", "list"]);
        assert!(boards.status.success());
        let lines: Vec<String> = text(&boards).lines().map(str::to_owned).collect();
        assert_eq!(
            lines[0].split_whitespace().collect::<Vec<_>>(),
            ["ID", "TYPE", "PROJECT", "NAME"]
        );
        assert!(
            lines[1].starts_with("1") && lines[1].ends_with("DEMO board"),
            "{lines:?}"
        );
        let show = text(&shell(&d, &["board", "show", "1"]));
        assert!(
            show.contains("In Progress") && show.contains("Estimation: Story Points"),
            "{show}"
        );

        let sprints = text(&shell(&d, &["sprint", "list", "1", "--state", "active"]));
        assert!(
            sprints
                .lines()
                .nth(1)
                .is_some_and(|l| l.contains("active") && l.contains("DEMO Sprint 2")),
            "{sprints}"
        );
        let json = shell(&d, &["sprint", "--json", "list", "1"]);
        let parsed: Value = serde_json::from_slice(&json.stdout).expect("json");
        assert_eq!(parsed["sprints"].as_array().map(Vec::len), Some(3));

        let issues = text(&shell(&d, &["sprint", "issues", "2"]));
        assert!(issues.starts_with("KEY"), "{issues}");
        let first = issues
            .lines()
            .nth(1)
            .and_then(|l| l.split_whitespace().next())
            .expect("a key")
            .to_owned();

        let moved = shell(&d, &["sprint", "move", "3", &first, "DEMO-9999"]);
        assert!(!moved.status.success(), "one issue was not moved");
        let out = text(&moved);
        assert!(
            out.lines()
                .any(|l| l.starts_with(&first) && l.contains("moved")),
            "{out}"
        );
        assert!(
            out.lines()
                .any(|l| l.starts_with("DEMO-9999") && l.contains("refused")),
            "{out}"
        );
        let back = shell(&d, &["sprint", "move", "backlog", &first]);
        assert!(back.status.success(), "{}", text(&back));
        let backlog = text(&shell(&d, &["board", "backlog", "1", "--all"]));
        assert!(backlog.lines().any(|l| l.starts_with(&first)), "{backlog}");

        let closed = shell(&d, &["sprint", "close", "3"]);
        assert!(!closed.status.success());
        assert!(String::from_utf8_lossy(&closed.stderr).contains("[invalidFields]"));
        if profile == "cloud" {
            let done = text(&shell(&d, &["sprint", "close", "2"]));
            assert!(done.starts_with("closed DEMO Sprint 2 (2)"), "{done}");
            let started = text(&shell(&d, &["sprint", "start", "3", "--goal", "Next"]));
            assert!(
                started.starts_with("started DEMO Sprint 3 (3)"),
                "{started}"
            );
        }
    }
}

#[test]
fn where_the_epic_route_is_refused_cloud_sets_the_parent_and_dc_says_why() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (profile, issue, moved) in [("cloud", "DEMO-18", "moved"), ("dc", "DEMO-19", "refused")] {
        // As a team-managed project answers: no agile epic routes there.
        w.control(
            "POST",
            "/__fake/faults",
            json!({"method": "POST", "pathContains": "/epic/", "action": "status", "status": 400,
                   "body": {"errorMessages": ["Epic routes are not available in team-managed projects."], "errors": {}},
                   "count": 1}),
        );
        let into = c.result_as(
            profile,
            "epics/moveIssues",
            json!({"epic": "DEMO-22", "issues": [issue]}),
        );
        assert_eq!(statuses(&into), [moved], "{profile}: {into}");
        let children = keys(&c.result_as(profile, "epics/issues", json!({"epic": "DEMO-22"})));
        assert_eq!(
            children.iter().any(|k| k == issue),
            moved == "moved",
            "{profile}: {children:?}"
        );
    }
    // Out again the same way, by clearing the parent.
    w.control(
        "POST",
        "/__fake/faults",
        json!({"method": "POST", "pathContains": "/epic/", "action": "status", "status": 400, "count": 1}),
    );
    let out = c.result_as(
        "cloud",
        "epics/moveIssues",
        json!({"epic": "none", "issues": ["DEMO-18"]}),
    );
    assert_eq!(statuses(&out), ["moved"], "{out}");
    let children = keys(&c.result_as("cloud", "epics/issues", json!({"epic": "DEMO-22"})));
    assert!(!children.iter().any(|k| k == "DEMO-18"), "{children:?}");
}

#[test]
fn an_issues_parent_is_set_and_cleared_on_both_flavours() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (profile, issue) in [("cloud", "DEMO-18"), ("dc", "DEMO-19")] {
        let parent = |c: &mut support::SocketClient| {
            let i = c.result_as(
                profile,
                "issues/get",
                json!({"key": issue, "fields": ["parent"]}),
            );
            i["parent"]["key"].as_str().map(str::to_owned)
        };
        assert_eq!(parent(&mut c), None);
        c.result_as(
            profile,
            "issues/setParent",
            json!({"key": issue, "parent": "DEMO-22"}),
        );
        // Read without `fresh`: the write evicted the cached issue.
        assert_eq!(parent(&mut c).as_deref(), Some("DEMO-22"), "{profile}");
        c.result_as(
            profile,
            "issues/setParent",
            json!({"key": issue, "parent": "none"}),
        );
        assert_eq!(parent(&mut c), None, "{profile}");
        let bad = c.call_as(
            profile,
            "issues/setParent",
            json!({"key": "DEMO-404", "parent": "DEMO-22"}),
        );
        assert!(bad.get("error").is_some(), "{profile}: {bad}");
    }
}
