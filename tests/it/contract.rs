//! The strict contract through the real daemon: a key a method does not take is refused
//! with `-32602`, `data.kind = "invalidParams"`, the path to it and the closest key the method
//! takes, and nothing reaches Jira.

#![cfg(unix)]

use crate::support;

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

/// The rows of docs/errors.md's table: code and kind (`None` for "—").
fn documented_kinds() -> Vec<(i32, Option<String>)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/errors.md");
    let text = std::fs::read_to_string(path).expect("docs/errors.md");
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let code = cells.get(1)?.parse::<i32>().ok()?;
            let kind = cells.get(2)?.trim_matches('`');
            Some((code, (kind != "—").then(|| kind.to_owned())))
        })
        .collect()
}

#[test]
fn the_error_table_is_the_contract() {
    use jirad_protocol::error::standard as std_codes;
    use jirad_protocol::ErrorKind;
    let mut expected: Vec<(i32, Option<String>)> = vec![
        (std_codes::PARSE_ERROR, None),
        (std_codes::INVALID_REQUEST, None),
        (std_codes::METHOD_NOT_FOUND, None),
        (
            std_codes::INVALID_PARAMS,
            Some(std_codes::INVALID_PARAMS_KIND.to_owned()),
        ),
        (std_codes::INTERNAL_ERROR, None),
        (std_codes::REQUEST_CANCELLED, None),
    ];
    expected.extend(
        ErrorKind::ALL
            .iter()
            .map(|k| (k.code(), Some(k.as_str().to_owned()))),
    );
    assert_eq!(documented_kinds(), expected);
    // And the document clients read says the same of the application kinds.
    let doc = jirad_protocol::openrpc::document();
    let listed: Vec<(i64, &str)> = doc["x-error-kinds"]
        .as_array()
        .expect("x-error-kinds")
        .iter()
        .map(|k| (k["code"].as_i64().unwrap(), k["kind"].as_str().unwrap()))
        .collect();
    let kinds: Vec<(i64, &str)> = ErrorKind::ALL
        .iter()
        .map(|k| (i64::from(k.code()), k.as_str()))
        .collect();
    assert_eq!(listed, kinds);
}

/// One kind per condition: a profile the config does not have is `notFound` naming it, on every
/// method that takes `profile`.
#[test]
fn an_unknown_profile_is_not_found_on_every_method() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let doc = jirad_protocol::openrpc::document();
    let mut checked = Vec::new();
    for m in doc["methods"].as_array().expect("methods") {
        let method = m["name"].as_str().expect("name");
        let params = m["params"].as_array().expect("params");
        if !params.iter().any(|p| p["name"] == "profile") || m.get("result").is_none() {
            continue;
        }
        // The required params, with values that would do if the profile existed.
        let mut call = json!({"profile": "nope"});
        for p in params.iter().filter(|p| p["required"] == true) {
            let name = p["name"].as_str().expect("param name");
            let schema = &p["schema"];
            call[name] = match name {
                _ if schema["type"] == "integer" => json!(1),
                _ if schema["type"] == "array" && schema["items"]["type"] == "string" => {
                    json!(["DEMO-1"])
                }
                "key" => json!("DEMO-1"),
                "body" => json!("text"),
                "transition" => json!("Done"),
                "query" => json!("alex"),
                "project" => json!("DEMO"),
                "issues" => json!([{"project": "DEMO", "type": "Task", "summary": "x"}]),
                "code" | "state" | "site" => json!("x"),
                _ => json!("x"),
            };
        }
        if method == "issues/rank" {
            // Exactly one of its two optional params is needed.
            call["before"] = json!("DEMO-2");
        }
        let reply = c.call(method, call.clone());
        let error = &reply["error"];
        assert_eq!(
            error["data"]["kind"], "notFound",
            "{method} {call}: {reply}"
        );
        assert_eq!(error["data"]["profile"], "nope", "{method}");
        assert_eq!(
            error["message"], "unknown profile `nope` (configured: cloud, dc, oauth)",
            "{method}"
        );
        checked.push(method);
    }
    eprintln!("unknown profile checked on {checked:?}");
    assert!(
        checked.contains(&"issues/get") && checked.contains(&"cache/clear"),
        "{checked:?}"
    );
    assert_eq!(jira_requests(&world), Vec::<String>::new());
}

/// A rejected API token is `authFailed` (no login can fix it), and `auth/status` shows the
/// profile failed with the reason, instead of `authRequired` and `authorized`.
#[test]
fn a_rejected_api_token_is_auth_failed_and_auth_status_shows_it() {
    let world = JiraWorld::start();
    let config = format!(
        "default_profile = \"bad\"\n\n[profiles.bad]\nauth = \"api_token\"\nbase_url = \"{}\"\n\
         email = \"{}\"\ntoken = \"not-the-token\"\n",
        world.s(&["siteUrl"]),
        world.s(&["apiToken", "email"]),
    );
    let d = support::Daemon::start_with(&[], Some(&config));
    let mut c = d.client(Framing::Ndjson);
    let reply = c.call("issues/get", json!({"key": "DEMO-1"}));
    let error = &reply["error"];
    assert_eq!(error["data"]["kind"], "authFailed", "{reply}");
    let message = error["message"].as_str().expect("message");
    assert!(
        message.contains("`bad`") && message.contains("token"),
        "{message}"
    );
    assert!(
        !message.contains("not-the-token"),
        "the secret stays out: {message}"
    );
    let profile = c.result("auth/status", json!({"profile": "bad"}));
    assert!(!profile.to_string().contains("not-the-token"));
    assert_eq!(profile["name"], "bad", "{profile}");
    assert_eq!(profile["state"], "failed", "{profile}");
    assert!(
        profile["error"]
            .as_str()
            .is_some_and(|e| e.contains("rejected")),
        "{profile}"
    );
}

/// Limits are refused with a -32602 naming the param and the allowed range; nothing reaches Jira.
#[test]
fn limits_out_of_range_are_refused_and_all_has_its_own_cap() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (method, params) in [
        ("issues/list", json!({"limit": 0})),
        ("issues/list", json!({"limit": 1001})),
        ("issues/comments", json!({"key": "DEMO-1", "limit": 0})),
        ("issues/comments", json!({"key": "DEMO-1", "limit": 5000})),
    ] {
        let reply = c.call(method, params.clone());
        let error = &reply["error"];
        assert_eq!(error["code"], -32602, "{method} {params}: {reply}");
        assert_eq!(error["data"]["path"], "$.limit");
        let limit = params["limit"].as_u64().expect("limit");
        assert_eq!(
            error["message"],
            format!(
                "Invalid params: invalid value: integer `{limit}`, expected a page size from 1 to 1000"
            )
        );
    }
    let reply = c.call("issues/list", json!({"all": true, "maxIssues": 0}));
    assert_eq!(reply["error"]["data"]["path"], "$.maxIssues", "{reply}");
    assert_eq!(jira_requests(&world), Vec::<String>::new());

    // `all` stops at maxIssues, pages of `limit`, and says more exist.
    let all = c.result(
        "issues/list",
        json!({"project": "DEMO", "all": true, "limit": 2, "maxIssues": 3, "fields": ["summary"]}),
    );
    assert_eq!(all["issues"].as_array().map(Vec::len), Some(3), "{all}");
    assert_eq!(all["isLast"], false);
    assert_eq!(world.count_requests("POST", "/search/jql"), 2, "pages of 2");
    let one = c.result("issues/list", json!({"project": "DEMO", "limit": 1}));
    assert_eq!(one["issues"].as_array().map(Vec::len), Some(1));
}

/// `expand` returns what it asks for under `expanded`, as Jira sent it; an unknown expansion is
/// refused like any misfit.
#[test]
fn expand_returns_the_expansions_asked_for() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let got = c.result(
        "issues/get",
        json!({"key": "DEMO-1", "fields": ["summary", "description"],
               "expand": ["renderedFields", "names", "schema", "transitions"]}),
    );
    assert_eq!(got["key"], "DEMO-1");
    assert!(got["summary"].as_str().is_some(), "{got}");
    let expanded = &got["expanded"];
    assert!(
        expanded["renderedFields"]["description"]
            .as_str()
            .is_some_and(|h| h.contains('<')),
        "HTML: {got}"
    );
    assert_eq!(expanded["names"]["summary"], "Summary", "{got}");
    assert_eq!(expanded["schema"]["summary"]["type"], "string", "{got}");
    let transitions = expanded["transitions"].as_array().expect("transitions");
    assert!(
        transitions.iter().all(|t| t["to"]["name"].is_string()),
        "{got}"
    );
    assert!(!transitions.is_empty());
    assert_eq!(
        expanded.as_object().map(|o| o.len()),
        Some(4),
        "only what was asked"
    );
    assert_eq!(got["cache"]["hit"], false);
    // The expanded read is not what a plain read gets from the cache.
    let plain = c.result("issues/get", json!({"key": "DEMO-1"}));
    assert!(plain.get("expanded").is_none(), "{plain}");

    let reply = c.call(
        "issues/get",
        json!({"key": "DEMO-1", "expand": ["changelogs"]}),
    );
    assert_eq!(reply["error"]["code"], -32602, "{reply}");
    assert_eq!(reply["error"]["data"]["path"], "$.expand[0]");
    assert_eq!(
        reply["error"]["message"],
        "Invalid params: unknown value `changelogs`; did you mean `changelog`?"
    );
}

/// `assignee` by display name or email resolves to the one user it names; several candidates are
/// `invalidFields` listing them; an account id is taken as it is.
#[test]
fn assign_by_display_name_or_email() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for who in [
        "Mia Krystof",
        "mia krystof",
        "mia@example.com",
        "5b10a2844c20165700ede21g",
    ] {
        let r = c.result("issues/assign", json!({"key": "DEMO-2", "assignee": who}));
        assert_eq!(r["assignee"]["displayName"], "Mia Krystof", "{who}: {r}");
    }
    let updated = c.result(
        "issues/update",
        json!({"key": "DEMO-2", "assignee": "Sam Lee"}),
    );
    assert_eq!(updated["assignee"]["displayName"], "Sam Lee");
    let none = c.call(
        "issues/assign",
        json!({"key": "DEMO-2", "assignee": "Nobody Here"}),
    );
    assert_eq!(none["error"]["data"]["kind"], "invalidFields", "{none}");
    assert_eq!(
        none["error"]["data"]["errors"]["assignee"],
        "no user matches 'Nobody Here'"
    );
    // "an" is in Alex Morgan and Jordan Smith: both are named, nobody is assigned.
    let many = c.call("issues/assign", json!({"key": "DEMO-2", "assignee": "an"}));
    let text = many["error"]["data"]["errors"]["assignee"]
        .as_str()
        .unwrap_or_else(|| panic!("{many}"));
    assert!(
        text.starts_with("2 users match 'an': ")
            && text.contains("Alex Morgan (557058:")
            && text.contains("Jordan Smith (60e5a86a471e61006a0f1234)"),
        "{text}"
    );
    let after = c.result("issues/get", json!({"key": "DEMO-2", "fresh": true}));
    assert_eq!(after["assignee"]["displayName"], "Sam Lee");
}

/// `issues/list` and `issues/watch` filter by a display name or an email as by the account id
/// (Jira Cloud's JQL matches neither); a name that is several people or nobody is refused.
#[test]
fn list_and_watch_filter_by_display_name_or_email() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let keys = |page: &Value| -> Vec<String> {
        page["issues"]
            .as_array()
            .unwrap_or_else(|| panic!("{page}"))
            .iter()
            .map(|i| i["key"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let mia = "5b10a2844c20165700ede21g";
    let by_id = keys(&c.result("issues/list", json!({"assignee": mia, "all": true})));
    assert!(!by_id.is_empty(), "the seed assigns Mia some issues");
    for who in ["Mia Krystof", "mia@example.com"] {
        let got = keys(&c.result("issues/list", json!({"assignee": who, "all": true})));
        assert_eq!(got, by_id, "{who}");
        let watch = c.result("issues/watch", json!({"assignee": who}));
        assert_eq!(keys(&watch), by_id, "watch {who}");
    }
    let many = c.call("issues/list", json!({"assignee": "an"}));
    assert_eq!(many["error"]["data"]["kind"], "invalidFields", "{many}");
    assert!(many["error"]["data"]["errors"]["assignee"]
        .as_str()
        .is_some_and(|t| t.starts_with("2 users match 'an'")));
}

/// A Markdown string for a rich-text custom field is converted like the description: ADF on
/// Cloud, wiki markup on Data Center (before, it was sent as a plain string and Jira refused it).
#[test]
fn rich_text_custom_fields_take_markdown() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for profile in ["cloud", "dc"] {
        let created = c.call(
            "issues/create",
            json!({"profile": profile, "project": "DEMO", "type": "Story", "summary": "Rich",
                   "fields": {"Acceptance criteria": "works **well**"}}),
        );
        let key = created["result"]["key"]
            .as_str()
            .unwrap_or_else(|| panic!("{profile}: {created}"))
            .to_owned();
        let got = c.result(
            "issues/get",
            json!({"profile": profile, "key": key, "fields": ["customfield_10012"]}),
        );
        let value = &got["fields"]["customfield_10012"];
        match profile {
            "cloud" => assert_eq!(value["type"], "doc", "ADF: {got}"),
            _ => assert_eq!(value, "works *well*", "wiki markup: {got}"),
        }
        let updated = c.call(
            "issues/update",
            json!({"profile": profile, "key": key,
                   "fields": {"Acceptance criteria": "now _done_"}}),
        );
        assert!(updated.get("error").is_none(), "{profile}: {updated}");
        let got = c.result(
            "issues/get",
            json!({"profile": profile, "key": key, "fields": ["customfield_10012"], "fresh": true}),
        );
        let text = got["fields"]["customfield_10012"].to_string();
        assert!(text.contains("done"), "{profile}: {got}");
    }
}
