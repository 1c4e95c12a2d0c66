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
