//! Issue methods when Jira misbehaves: a 429 of each `RateLimit-Reason` is waited out and retried
//! (the retries show in the fake's request log), a create whose connection dies after Jira
//! processed it is reported as of unknown outcome and never sent twice, and a 410 is an error.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use support::jira::JiraWorld;
use support::{Daemon, Framing};

fn kind(reply: &Value) -> &str {
    reply["error"]["data"]["kind"].as_str().unwrap_or("")
}

/// Small retry delays: the tests wait out `Retry-After: 1`, never the production 5 s.
fn daemon(world: &JiraWorld, profile: &str) -> Daemon {
    Daemon::start_with(
        &[],
        Some(&world.config(profile, "[jira]\nretry_base_ms = 20\n")),
    )
}

fn fault(world: &JiraWorld, rule: Value) {
    let (status, body) = world.control("POST", "faults", rule);
    assert!(status < 300, "{body}");
}

#[test]
fn a_429_of_each_reason_is_honoured_and_retried() {
    let world = JiraWorld::start();
    let d = daemon(&world, "cloud");
    let mut c = d.client(Framing::Ndjson);
    for (n, reason) in [
        "jira-burst-based",
        "jira-per-issue-on-write",
        "jira-quota-tenant-based",
        "jira-quota-global-based",
    ]
    .into_iter()
    .enumerate()
    {
        world.control("DELETE", "requests", json!(null));
        let key = format!("DEMO-{}", n + 1);
        let path = format!("/rest/api/3/issue/{key}");
        fault(
            &world,
            json!({"method": "PUT", "pathContains": path, "action": "status", "status": 429,
                   "retryAfter": 1, "reason": reason, "count": 1}),
        );
        let updated = c.call(
            "issues/update",
            json!({"key": key, "summary": format!("after {reason}")}),
        );
        assert!(updated.get("error").is_none(), "{reason}: {updated}");
        assert_eq!(updated["result"]["summary"], format!("after {reason}"));
        let puts: Vec<u16> = world
            .fake
            .requests()
            .iter()
            .filter(|r| r.method == "PUT" && r.path.contains(&path))
            .map(|r| r.status)
            .collect();
        assert_eq!(
            puts,
            [429, 204],
            "{reason}: one 429, then one retry that succeeded"
        );
    }
}

#[test]
fn a_429_on_a_read_is_retried_too() {
    let world = JiraWorld::start();
    let d = daemon(&world, "dc");
    let mut c = d.client(Framing::Ndjson);
    fault(
        &world,
        json!({"method": "GET", "pathContains": "/issue/DEMO-3", "action": "status", "status": 429,
               "retryAfter": 1, "count": 2}),
    );
    let got = c.result("issues/get", json!({"key": "DEMO-3"}));
    assert_eq!(got["key"], "DEMO-3");
    assert_eq!(world.count_requests("GET", "/issue/DEMO-3"), 3);
}

#[test]
fn a_create_reset_after_processing_leaves_one_issue_and_says_the_outcome_is_unknown() {
    let world = JiraWorld::start();
    let d = daemon(&world, "cloud");
    let mut c = d.client(Framing::Ndjson);
    fault(
        &world,
        json!({"method": "POST", "pathContains": "/rest/api/3/issue", "action": "resetAfter", "count": 1}),
    );
    let reply = c.call(
        "issues/create",
        json!({"project": "DEMO", "type": "Task", "summary": "Exactly once"}),
    );
    assert_eq!(kind(&reply), "upstreamUnavailable", "{reply}");
    assert_eq!(reply["error"]["data"]["outcomeUnknown"], true);
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("outcome unknown"),
        "{reply}"
    );
    assert_eq!(
        world.count_requests("POST", "/rest/api/3/issue"),
        1,
        "never resent"
    );
    let found = c.result("issues/list", json!({"text": "Exactly once"}));
    assert_eq!(found["issues"].as_array().unwrap().len(), 1, "{found}");
}

#[test]
fn a_410_is_an_error_never_an_empty_list() {
    let world = JiraWorld::start();
    let d = daemon(&world, "cloud");
    let mut c = d.client(Framing::Ndjson);
    fault(
        &world,
        json!({"pathContains": "/search", "action": "status", "status": 410, "count": 0}),
    );
    let reply = c.call("issues/list", json!({"project": "DEMO"}));
    assert_eq!(kind(&reply), "upstreamRemoved", "{reply}");
    assert!(reply.get("result").is_none());
    let all = c.call("issues/list", json!({"all": true}));
    assert_eq!(kind(&all), "upstreamRemoved", "{all}");
}
