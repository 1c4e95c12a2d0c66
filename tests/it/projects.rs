//! Projects, issue types with their create fields, and users, through the real daemon against the
//! fake Jira as the Cloud (API token) and Data Center (PAT) profiles; metadata served from the cache.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use support::jira::JiraWorld;
use support::Framing;

fn with_profile(profile: &str, mut params: Value) -> Value {
    params["profile"] = json!(profile);
    params
}

fn keys(projects: &Value) -> Vec<&str> {
    projects
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect()
}

#[test]
fn projects_list_is_served_from_the_cache_after_the_first_read() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let all = c.result("projects/list", json!({}));
    assert_eq!(
        all,
        json!([{"id": "10000", "key": "DEMO", "name": "Demo Project"}, {"id": "10001", "key": "OPS", "name": "Operations"}])
    );
    let upstream = w.count_requests("GET", "/project");
    assert_eq!(upstream, 1, "one page of project/search");

    assert_eq!(c.result("projects/list", json!(null)), all);
    let ops = c.result("projects/list", json!({"query": "oper"}));
    assert_eq!(keys(&ops), ["OPS"], "a query filters the cached list");
    assert_eq!(
        w.count_requests("GET", "/project"),
        upstream,
        "no upstream request"
    );

    c.result("projects/list", json!({"fresh": true}));
    assert_eq!(
        w.count_requests("GET", "/project"),
        upstream + 1,
        "fresh asks Jira"
    );

    let dc = c.result("projects/list", json!({"profile": "dc", "query": "demo"}));
    assert_eq!(keys(&dc), ["DEMO"], "Data Center lists through GET project");
    assert_eq!(w.count_requests("GET", "/dc/rest/api/2/project"), 1);
}

#[test]
fn issue_types_show_bugs_required_severity_and_its_allowed_values() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for profile in ["cloud", "dc"] {
        let types = c.result(
            "projects/issueTypes",
            with_profile(profile, json!({"project": "demo"})),
        );
        let by_name = |name: &str| -> Value {
            types
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["name"] == name)
                .cloned()
                .unwrap_or_else(|| panic!("{profile}: no {name} in {types}"))
        };
        let bug = by_name("Bug");
        assert_eq!(
            (&bug["id"], &bug["subtask"]),
            (&json!("10002"), &json!(false))
        );
        let severity = bug["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == "customfield_10010")
            .cloned()
            .expect("Severity on Bug's create screen");
        assert_eq!(
            severity,
            json!({"id": "customfield_10010", "name": "Severity", "required": true, "hasDefault": false,
                   "schemaType": "option", "allowedValues": [
                       {"id": "10100", "name": "Critical"}, {"id": "10101", "name": "Major"},
                       {"id": "10102", "name": "Minor"}]}),
            "{profile}"
        );
        let summary = bug["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == "summary")
            .cloned()
            .unwrap();
        assert_eq!(summary["required"], true);
        assert_eq!(by_name("Sub-task")["subtask"], true);
        let task = by_name("Task");
        assert!(
            task["fields"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["id"] != "customfield_10010"),
            "{profile}: Severity is Bug's only"
        );
    }
    let createmeta = w.count_requests("GET", "/issue/createmeta/");
    c.result("projects/issueTypes", json!({"project": "DEMO"}));
    assert_eq!(
        w.count_requests("GET", "/issue/createmeta/"),
        createmeta,
        "the second read comes from the cache"
    );

    let reply = c.call("projects/issueTypes", json!({"project": "NOPE"}));
    assert_eq!(reply["error"]["data"]["kind"], "notFound", "{reply}");
}

#[test]
fn users_me_and_search_on_cloud_and_data_center() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Lsp);
    for (profile, me, mia) in [
        (
            "cloud",
            "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077",
            "5b10a2844c20165700ede21g",
        ),
        ("dc", "amorgan", "mkrystof"),
    ] {
        let who = c.result("users/me", with_profile(profile, json!({})));
        assert_eq!(who["accountId"], me, "{profile}");
        assert_eq!(who["displayName"], "Alex Morgan");
        assert_eq!(who["email"], "alex@example.com");
        assert!(who["timeZone"].is_string(), "{profile}: {who}");

        let found = c.result(
            "users/search",
            with_profile(profile, json!({"query": "mia"})),
        );
        assert_eq!(
            found,
            json!([{"accountId": mia, "displayName": "Mia Krystof", "email": "mia@example.com",
                    "timeZone": found[0]["timeZone"], "active": true}]),
            "{profile}"
        );
        let by_email = c.result(
            "users/search",
            with_profile(profile, json!({"query": "sam@example.com"})),
        );
        assert_eq!(by_email[0]["displayName"], "Sam Lee", "{profile}");
        let none = c.result(
            "users/search",
            with_profile(profile, json!({"query": "zzz"})),
        );
        assert_eq!(none, json!([]));
    }
    let reply = c.call("users/me", json!({"profile": "nope"}));
    assert!(reply.get("error").is_some(), "an unknown profile: {reply}");
}
