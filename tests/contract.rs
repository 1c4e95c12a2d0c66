//! The strict contract (issue 20) through the real daemon: a key a method does not take is refused
//! with `-32602`, `data.kind = "invalidParams"`, the path to it and the closest key the method
//! takes, and nothing reaches Jira.

#![cfg(unix)]

mod support;

use serde_json::{json, Value};
use support::jira::JiraWorld;
use support::Framing;

/// Requests the fake served on its Jira APIs (not its control or auth endpoints).
fn jira_requests(world: &JiraWorld) -> Vec<String> {
    world
        .fake
        .requests()
        .iter()
        .filter(|r| r.path.contains("/rest/"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn a_misspelt_key_is_refused_naming_the_closest_and_nothing_reaches_jira() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let cases = [
        (
            "issues/create",
            json!({"project": "DEMO", "type": "Task", "summary": "x", "descripton": "lost"}),
            "descripton",
            "description",
        ),
        (
            "issues/update",
            json!({"key": "DEMO-1", "sumary": "x"}),
            "sumary",
            "summary",
        ),
        ("issues/list", json!({"projct": "OPS"}), "projct", "project"),
        (
            "issues/delete",
            json!({"key": "DEMO-2", "deleteSubtask": true}),
            "deleteSubtask",
            "deleteSubtasks",
        ),
        (
            "issues/get",
            json!({"key": "DEMO-1", "feilds": ["summary"]}),
            "feilds",
            "fields",
        ),
    ];
    for (method, params, field, closest) in cases {
        let reply = c.call(method, params);
        let error = &reply["error"];
        assert_eq!(error["code"], -32602, "{method}: {reply}");
        assert_eq!(
            error["message"],
            format!("Invalid params: unknown field `{field}`; did you mean `{closest}`?"),
            "{method}"
        );
        assert_eq!(error["data"]["kind"], "invalidParams", "{method}");
        assert_eq!(error["data"]["path"], format!("$.{field}"), "{method}");
        assert_eq!(error["data"]["field"], field, "{method}");
        assert_eq!(error["data"]["didYouMean"], closest, "{method}");
        assert!(
            error["data"]["expected"]
                .as_array()
                .is_some_and(|e| e.contains(&json!(closest))),
            "{method}: {reply}"
        );
    }
    assert_eq!(jira_requests(&world), Vec::<String>::new());
    // The issues are as they were: not updated, not deleted.
    let one = c.result("issues/get", json!({"key": "DEMO-1", "fresh": true}));
    assert_ne!(one["summary"], "x");
    c.result("issues/get", json!({"key": "DEMO-2", "fresh": true}));
}

#[test]
fn every_method_refuses_a_key_it_does_not_take() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let doc = jirad_protocol::openrpc::document();
    let methods: Vec<&str> = doc["methods"]
        .as_array()
        .expect("methods")
        .iter()
        .filter(|m| m.get("result").is_some())
        .map(|m| m["name"].as_str().expect("name"))
        .collect();
    for method in methods {
        let reply = c.call(method, json!({"notAParamOfAnyMethod": 1}));
        assert_eq!(reply["error"]["code"], -32602, "{method}: {reply}");
        assert_eq!(reply["error"]["data"]["kind"], "invalidParams", "{method}");
        assert_eq!(
            reply["error"]["data"]["path"], "$.notAParamOfAnyMethod",
            "{method}"
        );
    }
    assert_eq!(jira_requests(&world), Vec::<String>::new());
}

#[test]
fn a_value_of_the_wrong_type_names_its_path_not_a_json_column() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let reply = c.call("issues/get", json!({"key": 123}));
    assert_eq!(
        reply["error"]["message"],
        "Invalid params: invalid type: integer `123`, expected a string"
    );
    assert_eq!(reply["error"]["data"]["path"], "$.key");
    let reply = c.call(
        "issues/create",
        json!({"project": "DEMO", "type": "Task", "summary": "x", "labels": ["ok", 7]}),
    );
    assert_eq!(reply["error"]["data"]["path"], "$.labels[1]", "{reply}");
    let reply: Value = c.call("issues/get", json!({}));
    assert_eq!(
        reply["error"]["message"],
        "Invalid params: missing field `key`"
    );
    assert_eq!(reply["error"]["data"]["path"], "$");
    // Stock LSP clients' initialize fields are still accepted.
    c.result(
        "initialize",
        json!({"processId": 1, "rootUri": null, "workspaceFolders": null, "capabilities": {},
               "clientInfo": {"name": "Neovim"}, "trace": "off", "locale": "en"}),
    );
    assert_eq!(jira_requests(&world), Vec::<String>::new());
}
