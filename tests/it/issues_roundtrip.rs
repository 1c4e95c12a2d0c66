//! Issue round trips through the daemon against the fake, on Jira Cloud (API token) and Data
//! Center (PAT): create, get, update, list and delete, with reads after writes consistent at once.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use support::jira::JiraWorld;
use support::{Framing, SocketClient};

fn kind(reply: &Value) -> &str {
    reply["error"]["data"]["kind"].as_str().unwrap_or("")
}

fn keys(list: &Value) -> Vec<String> {
    list["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().expect("key").to_owned())
        .collect()
}

/// Create, get, list, update, get, delete, all through one client of `profile`.
fn round_trip(world: &JiraWorld, c: &mut SocketClient, api: &str) {
    // A list cached before the create must not hide the new issue afterwards.
    let before = c.result("issues/list", json!({"project": "DEMO", "limit": 100}));
    assert_eq!(before["cache"]["hit"], false);
    let created = c.result(
        "issues/create",
        json!({
            "project": "DEMO", "type": "Task", "summary": "Round trip",
            "description": "Some **bold** text\n\n- one\n- two\n\n```rust\nfn main() {}\n```",
            "labels": ["rt"], "assignee": "me", "priority": "High"
        }),
    );
    let key = created["key"].as_str().expect("key").to_owned();
    assert!(key.starts_with("DEMO-"), "{created}");
    assert!(created["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/browse/{key}")));
    // The fake validates v3 descriptions against the ADF schema: a create with Markdown was accepted.
    assert_eq!(world.count_requests("POST", &format!("{api}/issue")), 1);

    let listed = c.result("issues/list", json!({"project": "DEMO", "limit": 100}));
    assert_eq!(listed["cache"]["hit"], false, "the create evicted the list");
    assert!(keys(&listed).contains(&key), "new issue listed at once");

    let got = c.result("issues/get", json!({"key": key}));
    assert_eq!(got["summary"], "Round trip");
    assert_eq!(got["type"], "Task");
    assert_eq!(got["priority"], "High");
    assert_eq!(got["labels"], json!(["rt"]));
    assert_eq!(got["status"]["category"], "new");
    assert_eq!(got["assignee"]["displayName"], "Alex Morgan");
    let md = got["description"].as_str().expect("markdown description");
    assert!(
        md.contains("**bold**") && md.contains("fn main() {}"),
        "{md}"
    );
    assert!(got.get("descriptionAdf").is_none());
    let again = c.result("issues/get", json!({"key": key, "format": "both"}));
    assert_eq!(again["cache"]["hit"], true);
    assert_eq!(again["descriptionAdf"]["type"], "doc");

    let updated = c.result(
        "issues/update",
        json!({"key": key, "summary": "Renamed", "addLabels": ["two"], "description": "New *text*"}),
    );
    assert_eq!(updated["summary"], "Renamed");
    assert_eq!(updated["labels"], json!(["rt", "two"]));
    let got = c.result("issues/get", json!({"key": key}));
    assert_eq!(
        got["summary"], "Renamed",
        "update then get shows the change"
    );
    assert_eq!(
        got["description"].as_str().map(str::trim_end),
        Some("New *text*")
    );
    let gets = world.count_requests("GET", &format!("/issue/{key}"));
    let listed = c.result("issues/list", json!({"jql": format!("key = {key}")}));
    assert_eq!(listed["issues"][0]["summary"], "Renamed");

    assert_eq!(c.result("issues/delete", json!({"key": key})), json!({}));
    let gone = c.call("issues/get", json!({"key": key}));
    assert_eq!(kind(&gone), "notFound", "{gone}");
    assert!(world.count_requests("GET", &format!("/issue/{key}")) > gets);
    let listed = c.result("issues/list", json!({"project": "DEMO", "limit": 100}));
    assert!(
        !keys(&listed).contains(&key),
        "deleted issue gone from lists at once"
    );
}

#[test]
fn cloud_api_token_round_trip() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    // Jira Cloud's search index lags writes: only `reconcileIssues` makes them visible at once.
    let (status, _) = world.control("POST", "config", json!({"indexDelayMs": 60000}));
    assert_eq!(status, 200);
    round_trip(&world, &mut c, "/rest/api/3");
}

#[test]
fn data_center_pat_round_trip() {
    let world = JiraWorld::start();
    let d = world.daemon("dc");
    let mut c = d.client(Framing::Lsp);
    round_trip(&world, &mut c, "/dc/rest/api/2");
}

#[test]
fn get_returns_only_requested_fields_and_custom_fields_by_name() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let created = c.result(
        "issues/create",
        json!({"project": "DEMO", "type": "Bug", "summary": "Crash",
               "fields": {"Severity": {"value": "Major"}}}),
    );
    let key = created["key"].as_str().unwrap();
    let got = c.result(
        "issues/get",
        json!({"key": key, "fields": ["summary", "customfield_10010"]}),
    );
    assert_eq!(got["summary"], "Crash");
    assert!(
        got.get("status").is_none() && got.get("description").is_none(),
        "{got}"
    );
    assert_eq!(got["fields"]["customfield_10010"]["value"], "Major");
    assert_eq!(got["fields"]["Severity"]["value"], "Major");
    // A wider field set than the cached one is a miss.
    let wider = c.result("issues/get", json!({"key": key}));
    assert_eq!(wider["cache"]["hit"], false);
    assert_eq!(wider["type"], "Bug");
    // A narrower one is a hit, and still only the fields asked for travel.
    let narrow = c.result("issues/get", json!({"key": key, "fields": ["status"]}));
    assert_eq!(narrow["cache"]["hit"], true);
    assert_eq!(narrow["status"]["name"], "To Do");
    assert!(
        narrow.get("summary").is_none() && narrow.get("type").is_none(),
        "{narrow}"
    );
}

#[test]
fn createmeta_error_names_the_field_and_its_allowed_values() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let reply = c.call(
        "issues/create",
        json!({"project": "DEMO", "type": "Bug", "summary": "No severity"}),
    );
    assert_eq!(kind(&reply), "invalidFields", "{reply}");
    let text = reply["error"].to_string();
    assert!(
        text.contains("customfield_10010") || text.contains("Severity"),
        "{text}"
    );
    for allowed in ["Critical", "Major", "Minor"] {
        assert!(text.contains(allowed), "{text}");
    }
    assert_eq!(
        world.count_requests("POST", "/rest/api/3/issue"),
        0,
        "refused before sending"
    );
    let bad = c.call(
        "issues/create",
        json!({"project": "DEMO", "type": "Bug", "summary": "x",
               "fields": {"customfield_10010": {"value": "Apocalyptic"}}}),
    );
    assert_eq!(kind(&bad), "invalidFields");
    assert!(bad["error"].to_string().contains("Critical"), "{bad}");
}

#[test]
fn markdown_over_rich_adf_is_refused_unless_forced() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    // The seeded issues' descriptions hold a mention.
    let reply = c.call(
        "issues/update",
        json!({"key": "DEMO-1", "description": "plain"}),
    );
    assert_eq!(kind(&reply), "lossyUpdate", "{reply}");
    let nodes = reply["error"]["data"]["nodes"].to_string();
    assert!(nodes.contains("mention"), "{nodes}");
    assert_eq!(world.count_requests("PUT", "/issue/DEMO-1"), 0);
    let forced = c.result(
        "issues/update",
        json!({"key": "DEMO-1", "description": "plain", "force": true}),
    );
    assert_eq!(
        forced["description"].as_str().map(str::trim_end),
        Some("plain")
    );
    // An ADF description is taken as it is, without the check.
    let adf = json!({"type": "doc", "version": 1, "content": [
        {"type": "panel", "attrs": {"panelType": "info"},
         "content": [{"type": "paragraph", "content": [{"type": "text", "text": "note"}]}]}]});
    c.result(
        "issues/update",
        json!({"key": "DEMO-1", "description": adf}),
    );
    let refused = c.call(
        "issues/update",
        json!({"key": "DEMO-1", "description": "x"}),
    );
    assert!(
        refused["error"]["data"]["nodes"]
            .to_string()
            .contains("panel"),
        "{refused}"
    );
}

#[test]
fn filter_values_with_quotes_or_and_parentheses_stay_values() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let tricky = r#"x" OR project = OPS OR summary ~ "(y)"#;
    let created = c.result(
        "issues/create",
        json!({"project": "DEMO", "type": "Task", "summary": "quoted", "labels": ["a(b)"]}),
    );
    for filters in [
        json!({"status": tricky}),
        json!({"text": tricky}),
        json!({"labels": [tricky]}),
        json!({"project": "DEMO", "status": ") OR (project = OPS"}),
    ] {
        let list = c.result("issues/list", filters.clone());
        assert_eq!(list["issues"], json!([]), "{filters} matched {list}");
        assert_eq!(list["isLast"], true);
    }
    // An assignee is looked up as a person first: this one names nobody, and says so.
    let nobody = c.call("issues/list", json!({"assignee": tricky}));
    assert_eq!(
        nobody["error"]["data"]["errors"]["assignee"],
        format!("no user matches '{tricky}'"),
        "{nobody}"
    );
    let list = c.result("issues/list", json!({"labels": ["a(b)"]}));
    assert_eq!(keys(&list), [created["key"].as_str().unwrap()]);
}

#[test]
fn no_filter_lists_every_issue_and_an_upstream_error_is_an_error() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let list = c.result("issues/list", json!({"all": true}));
    // 14 DEMO + 8 OPS + two sub-tasks under every fifth one.
    let n = list["issues"].as_array().unwrap().len();
    assert!(n >= 22, "{n}");
    assert_eq!(list["isLast"], true);
    let bad = c.call("issues/list", json!({"jql": "project = NOPE"}));
    assert_eq!(kind(&bad), "invalidFields", "{bad}");
    let missing = c.call("issues/delete", json!({"key": "DEMO-99999"}));
    assert_eq!(kind(&missing), "notFound");
}

/// The official ADF schema, read from `../shared/jira/adf-schema.json` (or `$ADF_SCHEMA`).
fn adf_schema() -> jsonschema::Validator {
    let path = std::env::var("ADF_SCHEMA").unwrap_or_else(|_| {
        format!(
            "{}/../shared/jira/adf-schema.json",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&serde_json::from_str(&text).expect("schema is JSON"))
        .expect("schema compiles")
}

#[test]
fn markdown_descriptions_reach_jira_as_schema_valid_adf() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let md = "# Title\n\nSome *em* **strong** ~~gone~~ `code` [link](https://x.io).\\\nnext\n\n- a\n  - b\n1. one\n2. two\n\n- [ ] todo\n- [x] done\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```rust\nfn main() {}\n```\n\n> quoted\n\n---\n\nend\n";
    let created = c.result(
        "issues/create",
        json!({"project": "DEMO", "type": "Task", "summary": "Rich", "description": md}),
    );
    let key = created["key"].as_str().unwrap();
    c.result("issues/update", json!({"key": key, "description": md}));
    // Read back what Jira stored (the fake also checks ADF on every write, 400 otherwise).
    let got = c.result(
        "issues/get",
        json!({"key": key, "format": "adf", "fresh": true}),
    );
    let doc = &got["descriptionAdf"];
    let errors: Vec<String> = adf_schema()
        .iter_errors(doc)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{doc}: {errors:?}");
    let kinds: Vec<&str> = doc["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    for k in [
        "heading",
        "bulletList",
        "orderedList",
        "codeBlock",
        "blockquote",
        "rule",
        "taskList",
        "table",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
}
