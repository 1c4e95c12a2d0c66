//! `issues/createMany` through the real daemon: items the daemon's own checks refuse are never
//! sent, the rest go 50 to a Jira request, each item's outcome comes back in order (Jira's own
//! refusals included), and a request whose answer was lost is never resent.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use support::jira::JiraWorld;
use support::Framing;

fn task(summary: String) -> Value {
    json!({"project": "OPS", "type": "Task", "summary": summary})
}

#[test]
fn sixty_issues_take_two_requests_and_each_item_says_what_happened() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for profile in ["cloud", "dc"] {
        let mut issues: Vec<Value> = (0..60)
            .map(|n| task(format!("{profile} bulk {n}")))
            .collect();
        issues[3] = json!({"project": "OPS", "type": "Epic", "summary": "no such type"});
        // Passes the daemon's checks, refused by Jira itself.
        issues[57] = task("x".repeat(300));
        let before = w.count_requests("POST", "/issue/bulk");
        let got = c.result(
            "issues/createMany",
            json!({"issues": issues, "profile": profile}),
        );
        assert_eq!(
            w.count_requests("POST", "/issue/bulk") - before,
            2,
            "{profile}: 59 sent, 50 a request"
        );
        assert_eq!(
            (got["created"].as_u64(), got["failed"].as_u64()),
            (Some(58), Some(2)),
            "{profile}"
        );
        let results = got["results"].as_array().expect("results");
        assert!(results
            .iter()
            .enumerate()
            .all(|(n, r)| r["index"] == json!(n)));
        assert_eq!(results[3]["error"]["kind"], "invalidFields", "{profile}");
        assert!(results[3].get("key").is_none());
        assert_eq!(
            results[57]["error"]["errors"]["summary"], "Summary must be less than 255 characters.",
            "{profile}: Jira's refusal lands on its item"
        );
        let key = results[58]["key"].as_str().expect("created");
        let issue = c.result("issues/get", json!({"key": key, "profile": profile}));
        assert_eq!(issue["summary"], format!("{profile} bulk 58"));
    }
    let none = c.call("issues/createMany", json!({"issues": []}));
    assert_eq!(none["error"]["data"]["kind"], "invalidFields", "{none}");
}

#[test]
fn a_lost_answer_is_never_resent_and_says_the_outcome_is_unknown() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    // Jira creates them, but the answer never arrives.
    w.control(
        "POST",
        "/__fake/faults",
        json!({"method": "POST", "pathContains": "/issue/bulk", "action": "resetAfter", "count": 1}),
    );
    let issues: Vec<Value> = (0..3).map(|n| task(format!("lost {n}"))).collect();
    let got = c.result("issues/createMany", json!({"issues": issues}));
    assert_eq!(w.count_requests("POST", "/issue/bulk"), 1, "not resent");
    assert_eq!(got["failed"], 3, "{got}");
    assert!(got["results"]
        .as_array()
        .expect("results")
        .iter()
        .all(|r| r["error"]["outcomeUnknown"] == true));
    let found = c.result(
        "issues/list",
        json!({"text": "lost", "fresh": true, "project": "OPS"}),
    );
    assert!(
        found["issues"].as_array().is_some_and(|a| a.len() == 3),
        "they exist, which is why the daemon did not try again: {found}"
    );
}
