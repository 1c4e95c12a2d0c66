//! Versions and components through the real daemon, on Jira Cloud and Data Center: created,
//! released, listed by state, and set on issues by plain name.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use support::jira::JiraWorld;
use support::Framing;

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect()
}

#[test]
fn versions_and_components_are_made_released_and_set_by_name_on_both_flavours() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (profile, project, key) in [("cloud", "DEMO", "DEMO-10"), ("dc", "OPS", "OPS-4")] {
        let v1 = c.result_as(
            profile,
            "versions/create",
            json!({"project": project, "name": "1.0", "releaseDate": "2026-12-24"}),
        );
        assert_eq!(
            (v1["name"].as_str(), v1["released"].as_bool()),
            (Some("1.0"), Some(false))
        );
        c.result_as(
            profile,
            "versions/create",
            json!({"project": project, "name": "2.0"}),
        );
        let dup = c.call_as(
            profile,
            "versions/create",
            json!({"project": project, "name": "1.0"}),
        );
        assert_eq!(
            dup["error"]["data"]["errors"]["name"],
            "A version with this name already exists in this project.",
            "{dup}"
        );
        let released = c.result_as(
            profile,
            "versions/update",
            json!({"id": v1["id"], "released": true}),
        );
        assert_eq!(released["released"], true);
        let shipped = c.result_as(
            profile,
            "versions/list",
            json!({"project": project, "released": true}),
        );
        assert_eq!(names(&shipped), ["1.0"], "{profile}");
        let coming = c.result_as(
            profile,
            "versions/list",
            json!({"project": project, "released": false}),
        );
        assert_eq!(names(&coming), ["2.0"], "{profile}");
        let nothing = c.call_as(profile, "versions/update", json!({"id": v1["id"]}));
        assert_eq!(
            nothing["error"]["data"]["kind"], "invalidFields",
            "{nothing}"
        );

        c.result_as(
            profile,
            "components/create",
            json!({"project": project, "name": "Backend"}),
        );
        let comps = c.result_as(profile, "components/list", json!({"project": project}));
        assert_eq!(names(&comps), ["Backend"], "{profile}");

        // Plain names, as a person would write them.
        c.result_as(profile,
            "issues/update",
            json!({"key": key, "fields": {"fixVersions": ["1.0", "2.0"], "components": ["Backend"]}}),
        );
        let issue = c.result_as(
            profile,
            "issues/get",
            json!({"key": key, "fields": ["fixVersions", "components"], "fresh": true}),
        );
        assert_eq!(
            names(&issue["fields"]["fixVersions"]),
            ["1.0", "2.0"],
            "{profile}: {issue}"
        );
        assert_eq!(
            names(&issue["fields"]["components"]),
            ["Backend"],
            "{profile}"
        );
        let bad = c.call_as(
            profile,
            "issues/update",
            json!({"key": key, "fields": {"fixVersions": ["9.9"]}}),
        );
        assert_eq!(
            bad["error"]["data"]["errors"]["fixVersions"], "Version name '9.9' is not valid",
            "{bad}"
        );
    }
}
