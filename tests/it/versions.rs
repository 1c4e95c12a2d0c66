//! Versions and components through the real daemon, on Jira Cloud and Data Center: created,
//! released, listed by state, set on issues by plain name, reordered, merged and deleted with
//! their issues moved; their lists served from the cache until a write through the daemon.

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

#[test]
fn versions_are_reordered_merged_and_deleted_moving_their_issues_on_both_flavours() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (profile, project, key) in [("cloud", "DEMO", "DEMO-10"), ("dc", "OPS", "OPS-4")] {
        let mut ids = Vec::new();
        for name in ["1.0", "2.0", "3.0"] {
            let v = c.result_as(
                profile,
                "versions/create",
                json!({"project": project, "name": name}),
            );
            ids.push(v["id"].as_str().expect("id").to_owned());
        }
        let order = |c: &mut support::SocketClient| {
            let all = c.result_as(profile, "versions/list", json!({"project": project}));
            names(&all)
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
        };
        let moved = c.result_as(
            profile,
            "versions/move",
            json!({"id": ids[2], "position": "First"}),
        );
        assert_eq!(moved["name"], "3.0", "{profile}: {moved}");
        assert_eq!(order(&mut c), ["3.0", "1.0", "2.0"], "{profile}");
        c.result_as(
            profile,
            "versions/move",
            json!({"id": ids[2], "after": ids[1]}),
        );
        assert_eq!(order(&mut c), ["1.0", "2.0", "3.0"], "{profile}");
        let neither = c.call_as(profile, "versions/move", json!({"id": ids[2]}));
        assert_eq!(
            neither["error"]["data"]["kind"], "invalidFields",
            "{neither}"
        );
        let sideways = c.call_as(
            profile,
            "versions/move",
            json!({"id": ids[2], "position": "Sideways"}),
        );
        assert_eq!(sideways["error"]["code"], -32602, "{sideways}");

        c.result_as(
            profile,
            "issues/update",
            json!({"key": key, "fields": {"fixVersions": ["1.0"], "versions": ["1.0"]}}),
        );
        // Read once so the cache holds the issue as it was.
        let fields = |c: &mut support::SocketClient| {
            let i = c.result_as(
                profile,
                "issues/get",
                json!({"key": key, "fields": ["fixVersions", "versions"]}),
            );
            let list = |f: &str| {
                names(&i["fields"][f])
                    .iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
            };
            (list("fixVersions"), list("versions"))
        };
        assert_eq!(fields(&mut c), (vec!["1.0".into()], vec!["1.0".into()]));
        let gone = c.result_as(
            profile,
            "versions/delete",
            json!({"id": ids[0], "moveFixIssuesTo": ids[1], "moveAffectedIssuesTo": ids[2]}),
        );
        assert_eq!(gone, json!({}));
        assert_eq!(
            fields(&mut c),
            (vec!["2.0".into()], vec!["3.0".into()]),
            "{profile}: the issue moved with the version, and the cache knows"
        );
        let again = c.call_as(profile, "versions/delete", json!({"id": ids[0]}));
        assert_eq!(again["error"]["data"]["kind"], "notFound", "{again}");
        let bad = c.call_as(
            profile,
            "versions/delete",
            json!({"id": ids[1], "moveFixIssuesTo": "two"}),
        );
        assert_eq!(bad["error"]["data"]["kind"], "invalidFields", "{bad}");

        let itself = c.call_as(
            profile,
            "versions/merge",
            json!({"id": ids[1], "into": ids[1]}),
        );
        assert_eq!(itself["error"]["data"]["kind"], "invalidFields", "{itself}");
        c.result_as(
            profile,
            "versions/merge",
            json!({"id": ids[1], "into": ids[2]}),
        );
        assert_eq!(fields(&mut c).0, ["3.0"], "{profile}");
        assert_eq!(order(&mut c), ["3.0"], "{profile}");
        let lost = c.call_as(
            profile,
            "versions/merge",
            json!({"id": ids[2], "into": "999"}),
        );
        assert_eq!(lost["error"]["data"]["kind"], "notFound", "{lost}");
    }
}

#[test]
fn components_are_renamed_and_deleted_moving_their_issues_on_both_flavours() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (profile, project, key) in [("cloud", "DEMO", "DEMO-10"), ("dc", "OPS", "OPS-4")] {
        let backend = c.result_as(
            profile,
            "components/create",
            json!({"project": project, "name": "Backend"}),
        );
        c.result_as(
            profile,
            "components/create",
            json!({"project": project, "name": "Frontend"}),
        );
        let renamed = c.result_as(
            profile,
            "components/update",
            json!({"id": backend["id"], "name": "Server", "description": "APIs"}),
        );
        assert_eq!(
            (renamed["name"].as_str(), renamed["description"].as_str()),
            (Some("Server"), Some("APIs"))
        );
        let all = c.result_as(profile, "components/list", json!({"project": project}));
        assert_eq!(names(&all), ["Server", "Frontend"], "{profile}");
        let taken = c.call_as(
            profile,
            "components/update",
            json!({"id": backend["id"], "name": "Frontend"}),
        );
        assert_eq!(
            taken["error"]["data"]["errors"]["name"],
            "A component with the name Frontend already exists in this project.",
            "{taken}"
        );
        let nothing = c.call_as(profile, "components/update", json!({"id": backend["id"]}));
        assert_eq!(nothing["error"]["data"]["kind"], "invalidFields");
        let missing = c.call_as(
            profile,
            "components/update",
            json!({"id": "999", "name": "x"}),
        );
        assert_eq!(missing["error"]["data"]["kind"], "notFound", "{missing}");

        c.result_as(
            profile,
            "issues/update",
            json!({"key": key, "fields": {"components": ["Server"]}}),
        );
        let frontend = &all[1]["id"];
        c.result_as(
            profile,
            "components/delete",
            json!({"id": backend["id"], "moveIssuesTo": frontend}),
        );
        let issue = c.result_as(
            profile,
            "issues/get",
            json!({"key": key, "fields": ["components"]}),
        );
        assert_eq!(
            names(&issue["fields"]["components"]),
            ["Frontend"],
            "{profile}"
        );
        let all = c.result_as(profile, "components/list", json!({"project": project}));
        assert_eq!(names(&all), ["Frontend"], "{profile}");
        let twice = c.call_as(profile, "components/delete", json!({"id": backend["id"]}));
        assert_eq!(twice["error"]["data"]["kind"], "notFound", "{twice}");
    }
}

#[test]
fn version_and_component_lists_come_from_the_cache_until_a_write_through_the_daemon() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (profile, project, base) in [("cloud", "DEMO", "/site/"), ("dc", "OPS", "/dc/")] {
        let gets = |what: &str| {
            w.fake
                .requests()
                .iter()
                .filter(|r| {
                    r.method == "GET"
                        && r.path.starts_with(base)
                        && r.path.ends_with(&format!("/project/{project}/{what}"))
                })
                .count()
        };
        let list = |c: &mut support::SocketClient, method: &str, extra: Value| {
            let mut params = json!({"project": project});
            if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
                p.extend(e.clone());
            }
            names(&c.result_as(profile, method, params))
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
        };
        let first = list(&mut c, "versions/list", json!({}));
        let second = list(&mut c, "versions/list", json!({"released": false}));
        assert_eq!(first, second);
        assert_eq!(
            gets("versions"),
            1,
            "{profile}: the second list was the cache's"
        );
        c.result_as(
            profile,
            "versions/create",
            json!({"project": project, "name": "cached?"}),
        );
        assert!(
            list(&mut c, "versions/list", json!({})).contains(&"cached?".to_owned()),
            "{profile}: fresh after a write"
        );
        assert_eq!(gets("versions"), 2, "{profile}");
        list(&mut c, "versions/list", json!({"fresh": true}));
        assert_eq!(gets("versions"), 3, "{profile}: fresh asks Jira");

        list(&mut c, "components/list", json!({}));
        list(&mut c, "components/list", json!({}));
        assert_eq!(gets("components"), 1, "{profile}");
        c.result_as(
            profile,
            "components/create",
            json!({"project": project, "name": "Cache"}),
        );
        assert_eq!(
            list(&mut c, "components/list", json!({})),
            ["Cache"],
            "{profile}"
        );
        assert_eq!(gets("components"), 2, "{profile}");
    }
}
