//! The JQL subset, ORDER BY, token paging (1,000 issues, no gap, no duplicate), id-only items,
//! page caps, approximate count, bulkfetch, index delay with reconcileIssues.

mod common;

use std::collections::HashSet;

use common::{start, start_with, Api};
use fake_jira::Options;
use serde_json::{json, Value};

async fn keys(a: &Api, jql: &str) -> Vec<String> {
    let (s, b) = a
        .post(
            "/search/jql",
            json!({"jql": jql, "fields": ["key"], "maxResults": 100}),
        )
        .await;
    assert_eq!(s, 200, "{jql}: {b}");
    b["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn jql_subset() {
    let f = start().await;
    let a = Api::site(&f);
    let demo = keys(&a, "project = DEMO").await;
    assert!(demo.iter().all(|k| k.starts_with("DEMO-")) && !demo.is_empty());
    let both = keys(&a, "project in (DEMO, \"OPS\")").await;
    assert!(both.len() > demo.len());
    assert_eq!(keys(&a, "key = DEMO-3").await, vec!["DEMO-3"]);
    assert_eq!(
        keys(&a, "key in (DEMO-3, OPS-1) ORDER BY key ASC").await,
        vec!["DEMO-3", "OPS-1"]
    );
    let me = f.info();
    let _ = me;
    let mine = keys(&a, "assignee = currentUser() AND project = DEMO").await;
    let (_, g) = a.get(&format!("/issue/{}?fields=assignee", mine[0])).await;
    assert_eq!(
        g["fields"]["assignee"]["accountId"],
        "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077"
    );
    let by_id = keys(
        &a,
        "assignee = \"557058:f58131cb-b67d-43c7-b30d-6b58d40bd077\" AND project = DEMO",
    )
    .await;
    assert_eq!(mine.len(), by_id.len());
    let todo = keys(&a, "status = \"To Do\" and project = OPS").await;
    let done = keys(&a, "status = Done and project = OPS").await;
    assert!(todo.iter().all(|k| !done.contains(k)));
    let s = a
        .put(
            "/issue/DEMO-4",
            json!({"fields": {"summary": "Unique zebra summary", "labels": ["zebra"]}}),
        )
        .await
        .0;
    assert_eq!(s, 204);
    assert_eq!(keys(&a, "summary ~ \"zebra\"").await, vec!["DEMO-4"]);
    assert_eq!(keys(&a, "labels = zebra").await, vec!["DEMO-4"]);
    assert_eq!(keys(&a, "text ~ \"ZEBRA summary\"").await, vec!["DEMO-4"]);
    assert!(keys(&a, "updated >= -1d")
        .await
        .contains(&"DEMO-4".to_string()));
    assert!(!keys(&a, "created >= -1d")
        .await
        .contains(&"DEMO-4".to_string()));
    let p = keys(&a, "(project = OPS AND status = Done) OR key = DEMO-1").await;
    assert!(
        p.contains(&"DEMO-1".to_string())
            && p.iter().filter(|k| k.starts_with("DEMO")).count() == 1
    );
    assert_eq!(keys(&a, "summary ~ \"say \\\"hi\\\"\"").await.len(), 0);
    // Errors.
    for (jql, msg) in [
        ("", "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."),
        ("order by key desc", "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
    ] {
        let (s, b) = a.post("/search/jql", json!({"jql": jql})).await;
        assert_eq!(s, 400);
        assert_eq!(b["errorMessages"][0], msg);
    }
    let (s, b) = a
        .post("/search/jql", json!({"jql": "summary ~ \"open"}))
        .await;
    assert_eq!(s, 400);
    assert!(b["errorMessages"][0]
        .as_str()
        .unwrap()
        .starts_with("Error in the JQL Query:"));
    let (s, _) = a
        .post("/search/jql", json!({"jql": "project = DEMO", "bogus": 1}))
        .await;
    assert_eq!(s, 400);
    let (s, _) = a.post("/search/jql", json!({"jql": "project = DEMO ORDER BY key, id, created, updated, priority, status, summary, assignee"})).await;
    assert_eq!(s, 400, "at most 7 ORDER BY fields");
}

#[tokio::test]
async fn order_by() {
    let f = start().await;
    let a = Api::site(&f);
    let (_, b) = a.post("/search/jql", json!({"jql": "project = DEMO ORDER BY created DESC", "fields": ["created"], "maxResults": 100})).await;
    let c: Vec<&str> = b["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fields"]["created"].as_str().unwrap())
        .collect();
    let mut sorted = c.clone();
    sorted.sort_by(|x, y| y.cmp(x));
    assert_eq!(c, sorted);
    let k = keys(&a, "project = DEMO ORDER BY key ASC").await;
    let nums: Vec<u64> = k.iter().map(|x| x[5..].parse().unwrap()).collect();
    assert!(nums.windows(2).all(|w| w[0] < w[1]));
    let (_, b) = a.post("/search/jql", json!({"jql": "project in (DEMO, OPS) ORDER BY priority DESC, key DESC", "fields": ["priority"], "maxResults": 100})).await;
    let p: Vec<u64> = b["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["fields"]["priority"]["id"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(
        p.windows(2).all(|w| w[0] <= w[1]),
        "Highest (1) first: {p:?}"
    );
}

#[tokio::test]
async fn paging_1000_issues() {
    let f = start_with(Options {
        issues: Some(1000),
        ..Default::default()
    })
    .await;
    let a = Api::site(&f);
    let (_, c) = a
        .post(
            "/search/approximate-count",
            json!({"jql": "project = DEMO"}),
        )
        .await;
    let total = c["count"].as_u64().unwrap() as usize;
    assert!(total >= 1000);
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut body = json!({"jql": "project = DEMO ORDER BY key ASC", "maxResults": 97});
        if let Some(t) = &token {
            body["nextPageToken"] = json!(t);
        }
        let (s, b) = a.post("/search/jql", body).await;
        assert_eq!(s, 200);
        assert!(b.get("total").is_none() && b.get("startAt").is_none());
        for i in b["issues"].as_array().unwrap() {
            assert_eq!(i.as_object().unwrap().len(), 1, "id-only items by default");
            let id = i["id"].as_str().unwrap().to_string();
            assert!(seen.insert(id.clone()), "duplicate {id}");
            order.push(id);
        }
        pages += 1;
        if b["isLast"] == json!(true) {
            assert!(b.get("nextPageToken").is_none());
            break;
        }
        token = Some(b["nextPageToken"].as_str().unwrap().to_string());
    }
    assert_eq!(seen.len(), total, "no gap");
    assert_eq!(pages, total.div_ceil(97));
    // Page caps: 5000 for ids, 100 with fields.
    let (_, b) = a
        .get("/search/jql?jql=project%3DDEMO&maxResults=10000")
        .await;
    assert_eq!(b["issues"].as_array().unwrap().len(), total.min(5000));
    let (_, b) = a
        .get("/search/jql?jql=project%3DDEMO&maxResults=10000&fields=summary")
        .await;
    assert_eq!(b["issues"].as_array().unwrap().len(), 100);
    // A token from another query is rejected.
    let (_, b) = a.get("/search/jql?jql=project%3DDEMO&maxResults=1").await;
    let t = b["nextPageToken"].as_str().unwrap();
    let (s, _) = a
        .get(&format!("/search/jql?jql=project%3DOPS&nextPageToken={t}"))
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn bulkfetch_and_index_delay() {
    let f = start().await;
    let a = Api::site(&f);
    let (_, b) = a
        .post(
            "/issue/bulkfetch",
            json!({"issueIdsOrKeys": ["DEMO-3", "10000", "NOPE-1"]}),
        )
        .await;
    let ids: Vec<&str> = b["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] < ids[1]);
    assert_eq!(b["issueErrors"], json!([]));
    assert_eq!(
        a.post("/issue/bulkfetch", json!({"issueIdsOrKeys": []}))
            .await
            .0,
        400
    );
    f.control("POST", "config", json!({"indexDelayMs": 60_000}))
        .await;
    let (_, c) = a.post("/issue", json!({"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "fresh"}})).await;
    let id: u64 = c["id"].as_str().unwrap().parse().unwrap();
    let ids_of = |b: &Value| {
        b["issues"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let (_, b) = a.post("/search/jql", json!({"jql": "project = OPS"})).await;
    assert!(
        !ids_of(&b).contains(&id.to_string()),
        "invisible during the index delay"
    );
    let (_, b) = a
        .post(
            "/search/jql",
            json!({"jql": "project = OPS", "reconcileIssues": [id]}),
        )
        .await;
    assert!(
        ids_of(&b).contains(&id.to_string()),
        "reconcileIssues makes it visible"
    );
    f.advance_clock(61);
    let (_, b) = a.post("/search/jql", json!({"jql": "project = OPS"})).await;
    assert!(ids_of(&b).contains(&id.to_string()));
}

#[tokio::test]
async fn bare_words_are_a_text_search() {
    let f = start().await;
    let a = Api::site(&f);
    let (s, b) = a
        .post("/search/jql", json!({"jql": "this is not jql"}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(b["issues"], json!([]));
    a.put(
        "/issue/OPS-2",
        json!({"fields": {"summary": "quokka sighting"}}),
    )
    .await;
    assert_eq!(keys(&a, "quokka").await, vec!["OPS-2"]);
}

#[tokio::test]
async fn jql_parse_judges_each_query_and_answers_200() {
    let f = start().await;
    let a = Api::site(&f);
    let body = json!({ "queries": [
        "project = DEMO ORDER BY updated DESC",
        "project = NOPE",
        "summary ~ \"unclosed",
    ] });
    let (s, r) = a.post("/jql/parse?validation=strict", body.clone()).await;
    assert_eq!(s, 200, "{r}");
    common::check("/rest/api/3/jql/parse", "post", 200, &r);
    let q = r["queries"].as_array().unwrap();
    assert!(
        q[0].get("errors").is_none() && q[0]["structure"].is_object(),
        "{r}"
    );
    assert_eq!(
        q[1]["errors"][0],
        "The value 'NOPE' does not exist for the field 'project'."
    );
    assert!(
        q[1].get("structure").is_none(),
        "no tree for a failed query: {r}"
    );
    assert!(q[2]["errors"][0]
        .as_str()
        .unwrap()
        .contains("(line 1, character"));
    // `warn`: unknown values are warnings, the query still parses.
    let (_, r) = a.post("/jql/parse?validation=warn", body.clone()).await;
    assert!(r["queries"][1]["warnings"].is_array() && r["queries"][1]["structure"].is_object());
    assert_eq!(
        r["queries"][1]["structure"]["where"]["operand"]["value"],
        "NOPE"
    );
    // No queries, or no validation type: 400.
    let (s, _) = a
        .post("/jql/parse?validation=strict", json!({ "queries": [] }))
        .await;
    assert_eq!(s, 400);
    let (s, _) = a.post("/jql/parse", body).await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn jql_parse_gives_jiras_syntax_tree() {
    // The document's own example passes the schema check the fake's answers get.
    let example = common::openapi()["paths"]["/rest/api/3/jql/parse"]["post"]["responses"]["200"]
        ["content"]["application/json"]["example"]
        .as_str()
        .unwrap();
    common::check(
        "/rest/api/3/jql/parse",
        "post",
        200,
        &serde_json::from_str(example).unwrap(),
    );
    let f = start().await;
    let a = Api::site(&f);
    let body = json!({ "queries": [
        "project = DEMO AND (labels in (urgent, \"needs review\") OR assignee = currentUser()) AND NOT resolution IS EMPTY ORDER BY updated DESC, key",
        "sprint in openSprints() OR status != Done",
        "Universe = 42",
        "invalid query",
    ] });
    let (s, r) = a.post("/jql/parse?validation=strict", body.clone()).await;
    assert_eq!(s, 200, "{r}");
    common::check("/rest/api/3/jql/parse", "post", 200, &r);
    let t = &r["queries"][0]["structure"];
    assert_eq!(
        *t,
        json!({
            "where": {"operator": "and", "clauses": [
                {"field": {"name": "project", "encodedName": "project"}, "operator": "=",
                 "operand": {"value": "DEMO", "encodedValue": "DEMO"}},
                {"operator": "or", "clauses": [
                    {"field": {"name": "labels", "encodedName": "labels"}, "operator": "in",
                     "operand": {"values": [{"value": "urgent", "encodedValue": "urgent"},
                                            {"value": "needs review", "encodedValue": "\"needs review\""}],
                                 "encodedOperand": "(urgent, \"needs review\")"}},
                    {"field": {"name": "assignee", "encodedName": "assignee"}, "operator": "=",
                     "operand": {"function": "currentUser", "arguments": [],
                                 "encodedOperand": "currentUser()"}},
                ]},
                {"operator": "not", "clauses": [
                    {"field": {"name": "resolution", "encodedName": "resolution"}, "operator": "is",
                     "operand": {"keyword": "empty"}},
                ]},
            ]},
            "orderBy": {"fields": [
                {"field": {"name": "updated", "encodedName": "updated"}, "direction": "desc"},
                {"field": {"name": "key", "encodedName": "key"}},
            ]},
        }),
        "{r}"
    );
    let t = &r["queries"][1]["structure"]["where"];
    assert_eq!(t["operator"], "or");
    assert_eq!(t["clauses"][0]["operand"]["function"], "openSprints");
    assert_eq!(t["clauses"][1]["operator"], "!=");
    // An unknown field fails `strict`; Jira's own example of a syntax error is one here too.
    assert_eq!(
        r["queries"][2]["errors"][0],
        "Field 'universe' does not exist or you do not have permission to view it."
    );
    assert_eq!(
        r["queries"][3]["errors"][0],
        "Error in the JQL Query: Expecting operator but got 'query'. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'. (line 1, character 9)"
    );
    assert!(r["queries"][3].get("structure").is_none());
    // `none` judges the syntax only: the unknown field gets its tree, as written.
    let (_, r) = a.post("/jql/parse?validation=none", body).await;
    common::check("/rest/api/3/jql/parse", "post", 200, &r);
    assert_eq!(
        r["queries"][2]["structure"]["where"]["field"]["name"],
        "Universe"
    );
    assert!(r["queries"][3]["errors"].is_array());
}

#[tokio::test]
async fn jql_autocomplete_data_lists_the_subsets_fields_and_functions() {
    let f = start().await;
    let (s, r) = Api::site(&f).get("/jql/autocompletedata").await;
    assert_eq!(s, 200, "{r}");
    common::check("/rest/api/3/jql/autocompletedata", "get", 200, &r);
    let fields = r["visibleFieldNames"].as_array().unwrap();
    let status = fields.iter().find(|f| f["value"] == "status").unwrap();
    assert!(status["operators"]
        .as_array()
        .unwrap()
        .contains(&json!("in")));
    assert_eq!(status["orderable"], "true", "flags are strings");
    assert_eq!(r["visibleFunctionNames"][0]["value"], "currentUser()");
    // Data Center has it too, under v2.
    let (s, _) = Api::dc(&f).get("/jql/autocompletedata").await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn jql_suggestions_are_a_fields_values_with_the_match_in_bold() {
    let f = start().await;
    let a = Api::site(&f);
    let (s, r) = a
        .get("/jql/autocompletedata/suggestions?fieldName=status&fieldValue=in")
        .await;
    assert_eq!(s, 200, "{r}");
    common::check(
        "/rest/api/3/jql/autocompletedata/suggestions",
        "get",
        200,
        &r,
    );
    assert_eq!(
        r["results"],
        json!([{ "value": "In Progress", "displayName": "<b>In</b> Progress" }])
    );
    let (_, r) = a
        .get("/jql/autocompletedata/suggestions?fieldName=project&fieldValue=")
        .await;
    let projects: Vec<&str> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["value"].as_str().unwrap())
        .collect();
    assert_eq!(projects, ["DEMO", "OPS"]);
    // Predicates of WAS and CHANGED: `by` gives users, `from` and `to` the field's values.
    let get = |q: &'static str| {
        let a = Api::site(&f);
        async move {
            a.get(&format!("/jql/autocompletedata/suggestions?{q}"))
                .await
        }
    };
    let values = |r: &serde_json::Value| -> Vec<String> {
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["value"].as_str().unwrap().to_owned())
            .collect()
    };
    let (s, r) = get("fieldName=status&predicateName=by&predicateValue=al").await;
    assert_eq!(s, 200, "{r}");
    common::check(
        "/rest/api/3/jql/autocompletedata/suggestions",
        "get",
        200,
        &r,
    );
    assert_eq!(values(&r), ["Alex Morgan"]);
    assert_eq!(r["results"][0]["displayName"], "<b>Al</b>ex Morgan");
    let (_, r) = get("fieldName=status&predicateName=from&predicateValue=to").await;
    assert_eq!(values(&r), ["To Do"]);
    let (_, r) = get("fieldName=status&predicateName=TO").await;
    assert_eq!(values(&r).len(), 3, "{r}");
    // Invalid combinations: 400.
    for q in [
        "predicateName=by",
        "fieldName=status&predicateName=during",
        "fieldName=status&predicateValue=x",
    ] {
        assert_eq!(get(q).await.0, 400, "{q}");
    }
}

#[tokio::test]
async fn was_and_changed_search_the_changelog() {
    let f = start().await;
    let a = Api::site(&f);
    // An issue that was never In Progress, moved there now by the caller.
    let (_, b) = a
        .post(
            "/search/jql",
            json!({"jql": "project = OPS AND status = \"To Do\"", "fields": ["key"], "maxResults": 1}),
        )
        .await;
    let key = b["issues"][0]["key"].as_str().unwrap().to_owned();
    let moved = |jql: &str| {
        let (a, key, jql) = (Api::site(&f), key.clone(), jql.to_owned());
        async move { keys(&a, &format!("key = {key} AND {jql}")).await == [key] }
    };
    assert!(!moved("status CHANGED").await);
    assert!(moved("status WAS \"To Do\"").await);
    let (s, _) = a
        .post(
            &format!("/issue/{key}/transitions"),
            json!({"transition": {"id": "21"}}),
        )
        .await;
    assert_eq!(s, 204);
    for (jql, hit) in [
        ("status CHANGED", true),
        ("status CHANGED FROM \"To Do\" TO \"In Progress\"", true),
        ("status CHANGED FROM Done", false),
        ("status CHANGED BY currentUser() AFTER -1d", true),
        ("status CHANGED BEFORE -1d", false),
        ("status WAS \"To Do\"", true),
        ("status WAS \"In Progress\" BEFORE -1d", false),
        ("status WAS IN (Done, \"In Progress\")", true),
        ("status WAS NOT \"In Progress\"", false),
        ("assignee CHANGED", false),
    ] {
        assert_eq!(moved(jql).await, hit, "{jql}");
    }
    let (_, r) = a
        .post(
            "/jql/parse?validation=strict",
            json!({ "queries": [
                "status CHANGED FROM \"To Do\" TO Done BY currentUser() AFTER -5d",
                "status WAS NOT IN (Done) DURING (\"2026-01-01\", \"2026-02-01\")",
                "summary CHANGED",
                "status WAS Done FROM \"To Do\"",
            ] }),
        )
        .await;
    common::check("/rest/api/3/jql/parse", "post", 200, &r);
    let q = &r["queries"];
    assert_eq!(
        q[0]["structure"]["where"],
        json!({"field": {"name": "status", "encodedName": "status"}, "operator": "changed",
        "predicates": [
            {"operator": "from", "operand": {"value": "To Do", "encodedValue": "\"To Do\""}},
            {"operator": "to", "operand": {"value": "Done", "encodedValue": "Done"}},
            {"operator": "by", "operand": {"function": "currentUser", "arguments": [],
                                           "encodedOperand": "currentUser()"}},
            {"operator": "after", "operand": {"value": "-5d", "encodedValue": "-5d"}},
        ]}),
        "{r}"
    );
    let was = &q[1]["structure"]["where"];
    assert_eq!(was["operator"], "was not in");
    assert_eq!(was["operand"]["values"][0]["value"], "Done");
    assert_eq!(was["predicates"][0]["operator"], "during");
    assert_eq!(
        q[2]["errors"][0],
        "History searches do not support the 'summary' field."
    );
    // FROM and TO belong to CHANGED.
    assert!(q[3]["errors"][0]
        .as_str()
        .unwrap()
        .contains("but got 'FROM'"));
}
