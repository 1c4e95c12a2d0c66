//! Watchers and votes through the real daemon, on Jira Cloud and Data Center (which names users
//! by username, and refuses a reporter's vote).

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use support::jira::JiraWorld;
use support::Framing;

fn names(w: &Value) -> Vec<String> {
    let mut n: Vec<String> = w["watchers"]
        .as_array()
        .expect("watchers")
        .iter()
        .filter_map(|u| u["displayName"].as_str().map(str::to_owned))
        .collect();
    n.sort();
    n
}

#[test]
fn watchers_are_added_by_name_once_and_removed_on_both_flavours() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (profile, key) in [("cloud", "DEMO-6"), ("dc", "DEMO-7")] {
        c.result_as(
            profile,
            "watchers/remove",
            json!({"key": key, "user": "Mia Krystof"}),
        );
        let before = c.result_as(profile, "watchers/list", json!({"key": key}));
        let added = c.result_as(
            profile,
            "watchers/add",
            json!({"key": key, "user": "Mia Krystof"}),
        );
        let again = c.result_as(
            profile,
            "watchers/add",
            json!({"key": key, "user": "mia@example.com"}),
        );
        assert_eq!(added, again, "{profile}: no duplicate");
        assert_eq!(
            added["watchCount"].as_u64(),
            before["watchCount"].as_u64().map(|n| n + 1),
            "{profile}: {added}"
        );
        assert!(
            names(&added).contains(&"Mia Krystof".to_owned()),
            "{profile}"
        );
        let mine = c.result_as(profile, "watchers/add", json!({"key": key}));
        assert_eq!(
            mine["isWatching"], true,
            "{profile}: the default user is me"
        );
        let removed = c.result_as(
            profile,
            "watchers/remove",
            json!({"key": key, "user": "Mia Krystof"}),
        );
        assert!(
            !names(&removed).contains(&"Mia Krystof".to_owned()),
            "{profile}"
        );
        let nobody = c.call_as(
            profile,
            "watchers/add",
            json!({"key": key, "user": "Nobody Here"}),
        );
        assert_eq!(nobody["error"]["data"]["kind"], "invalidFields", "{nobody}");
        let missing = c.call_as(profile, "watchers/list", json!({"key": "NOPE-1"}));
        assert_eq!(missing["error"]["data"]["kind"], "notFound", "{missing}");
    }
    // The fake answers a text/plain watcher body with Cloud's 415: none was sent.
    let refused = w
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/watchers") && r.status == 415)
        .count();
    assert_eq!(refused, 0);
    assert!(w.count_requests("POST", "/watchers") >= 6);
}

#[test]
fn votes_count_once_and_data_center_refuses_the_reporters() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for profile in ["cloud", "dc"] {
        let mine = c.result_as(
            profile,
            "issues/create",
            json!({"project": "OPS", "type": "Task", "summary": format!("vote on {profile}")}),
        );
        let key = mine["key"].as_str().expect("key").to_owned();
        let voted = c.call_as(profile, "votes/add", json!({"key": key}));
        if profile == "dc" {
            assert_eq!(voted["error"]["data"]["kind"], "notFound", "{voted}");
            assert_eq!(
                voted["error"]["data"]["errorMessages"][0],
                "You cannot vote for an issue you have reported."
            );
            continue;
        }
        assert_eq!(
            (
                voted["result"]["votes"].as_u64(),
                voted["result"]["hasVoted"].as_bool()
            ),
            (Some(1), Some(true)),
            "{voted}"
        );
        let twice = c.result_as(profile, "votes/add", json!({"key": key}));
        assert_eq!(twice["votes"], 1, "idempotent");
        let back = c.result_as(profile, "votes/remove", json!({"key": key}));
        assert_eq!(
            (back["votes"].as_u64(), back["hasVoted"].as_bool()),
            (Some(0), Some(false))
        );
        assert_eq!(
            c.result_as(profile, "votes/get", json!({"key": key}))["votes"],
            0
        );
    }
}
