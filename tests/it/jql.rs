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
