//! `jql/autocomplete`, `jql/suggest` and `jql/validate` through the daemon, on Cloud and Data
//! Center: Jira's reference data, a field's values, and Jira's errors with their positions.

#![cfg(unix)]

use crate::support;

use serde_json::json;
use support::jira::JiraWorld;
use support::Framing;

#[test]
fn validation_gives_jiras_errors_with_positions_on_both_flavors() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for profile in ["cloud", "dc"] {
        let ok = c.result(
            "jql/validate",
            json!({ "jql": "project = DEMO ORDER BY updated DESC", "profile": profile }),
        );
        assert_eq!(ok, json!({ "valid": true, "errors": [] }), "{profile}");
        let bad = c.result(
            "jql/validate",
            json!({ "jql": "summary ~ \"unclosed", "profile": profile }),
        );
        assert_eq!(bad["valid"], false, "{profile}: {bad}");
        assert_eq!(bad["errors"][0]["line"], 1, "{profile}: {bad}");
        assert_eq!(bad["errors"][0]["character"], 11, "{profile}: {bad}");
        let unknown = c.result(
            "jql/validate",
            json!({ "jql": "project = NOPE", "profile": profile }),
        );
        assert_eq!(
            unknown["errors"][0]["message"],
            "The value 'NOPE' does not exist for the field 'project'.",
            "{profile}"
        );
    }
    // Cloud asks /jql/parse; Data Center, which has none, a search of no results.
    assert_eq!(world.count_requests("POST", "/rest/api/3/jql/parse"), 3);
    assert!(world.count_requests("GET", "/rest/api/2/search") >= 3);
}

#[test]
fn reference_data_and_suggestions() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let r = c.result("jql/autocomplete", json!({}));
    let status = r["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "status")
        .unwrap();
    assert_eq!(
        status["orderable"], true,
        "Jira's \"true\" is a boolean here"
    );
    assert!(r["functions"]
        .as_array()
        .unwrap()
        .contains(&json!("currentUser()")));
    let values = c.result("jql/suggest", json!({ "field": "status", "value": "in" }));
    assert_eq!(
        values,
        json!([{ "value": "In Progress", "displayName": "In Progress" }]),
        "the HTML markup is gone"
    );
    let dc = c.result("jql/autocomplete", json!({ "profile": "dc" }));
    assert!(!dc["fields"].as_array().unwrap().is_empty());
}

#[test]
fn reference_data_and_suggestions_are_kept_per_site_for_every_client() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let reference = "/rest/api/3/jql/autocompletedata";
    let suggestions = "/rest/api/3/jql/autocompletedata/suggestions";
    let first = d
        .client(Framing::Ndjson)
        .result("jql/autocomplete", json!({}));
    // Another client (an editor beside a script) is answered from the daemon's copy.
    let mut other = d.client(Framing::Ndjson);
    assert_eq!(other.result("jql/autocomplete", json!({})), first);
    let only_reference =
        |w: &JiraWorld| w.count_requests("GET", reference) - w.count_requests("GET", suggestions);
    assert_eq!(only_reference(&world), 1);
    other.result("jql/autocomplete", json!({ "fresh": true }));
    assert_eq!(only_reference(&world), 2, "fresh asks Jira");

    let ask = |c: &mut support::SocketClient, value: &str| {
        c.result("jql/suggest", json!({ "field": "status", "value": value }))
    };
    let in_progress = ask(&mut other, "in");
    assert_eq!(ask(&mut other, "in"), in_progress);
    assert_eq!(world.count_requests("GET", suggestions), 1);
    assert_ne!(
        ask(&mut other, "d"),
        in_progress,
        "another prefix, another answer"
    );
    assert_eq!(world.count_requests("GET", suggestions), 2);
    // Each site keeps its own: Data Center's reference data is asked of Data Center.
    other.result("jql/autocomplete", json!({ "profile": "dc" }));
    assert_eq!(
        world.count_requests("GET", "/rest/api/2/jql/autocompletedata"),
        1
    );
}

#[test]
fn was_and_changed_predicates_get_their_values_and_their_queries_hold_on_both_flavors() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for profile in ["cloud", "dc"] {
        // BY: people (status has no value starting with "al"); FROM and TO: the field's values.
        let by = c.result(
            "jql/suggest",
            json!({ "field": "status", "predicate": "by", "value": "al", "profile": profile }),
        );
        assert_eq!(
            by,
            json!([{ "value": "Alex Morgan", "displayName": "Alex Morgan" }]),
            "{profile}"
        );
        let to = c.result(
            "jql/suggest",
            json!({ "field": "status", "predicate": "to", "value": "in", "profile": profile }),
        );
        assert_eq!(
            to,
            json!([{ "value": "In Progress", "displayName": "In Progress" }]),
            "{profile}"
        );
        // Only Jira's three predicates.
        let bad = c.call(
            "jql/suggest",
            json!({ "field": "status", "predicate": "during", "profile": profile }),
        );
        assert_eq!(bad["error"]["data"]["kind"], "invalidParams", "{bad}");
    }
    // A history query: what moved, by whom, is what Jira finds, on either flavor.
    let todo = c.result(
        "issues/list",
        json!({ "jql": "project = OPS AND status = \"To Do\" ORDER BY key", "limit": 2 }),
    );
    let keys: Vec<String> = todo["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(keys.len(), 2, "{todo}");
    for (profile, key) in [("cloud", &keys[0]), ("dc", &keys[1])] {
        let jql = format!(
            "key = {key} AND status CHANGED FROM \"To Do\" TO \"In Progress\" BY currentUser()"
        );
        let ok = c.result("jql/validate", json!({ "jql": jql, "profile": profile }));
        assert_eq!(ok, json!({ "valid": true, "errors": [] }), "{profile}");
        let found = |c: &mut support::SocketClient| {
            c.result(
                "issues/list",
                json!({ "jql": jql, "fresh": true, "profile": profile }),
            )["issues"]
                .as_array()
                .map_or(0, Vec::len)
        };
        assert_eq!(found(&mut c), 0, "{profile}: not moved yet");
        c.result(
            "issues/transition",
            json!({ "key": key, "to": "In Progress", "profile": profile }),
        );
        assert_eq!(found(&mut c), 1, "{profile}: moved by the caller");
        let bad = c.result(
            "jql/validate",
            json!({ "jql": "summary CHANGED", "profile": profile }),
        );
        assert_eq!(
            bad["errors"][0]["message"], "History searches do not support the 'summary' field.",
            "{profile}"
        );
    }
}
