//! Behaviour of the Jira routes: create/edit/delete/get rules and messages, field selection,
//! transitions, comments, createmeta, Data Center wiki markup, and the 410 of the removed search.

mod common;

use common::{start, Api};
use serde_json::json;

fn adf(t: &str) -> serde_json::Value {
    json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": t}]}]})
}

#[tokio::test]
async fn create_validation_messages() {
    let f = start().await;
    let a = Api::site(&f);
    let (s, b) = a
        .post(
            "/issue",
            json!({"fields": {"project": {"key": "NOPE"}, "summary": ""}}),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(b["errors"]["project"], "Specify a valid project ID or key");
    assert_eq!(b["errors"]["issuetype"], "Specify an issue type");
    assert_eq!(
        b["errors"]["summary"],
        "You must specify a summary of the issue."
    );
    // OPS (a kanban project) has no Epic type; DEMO has.
    let (s, b) = a.post("/issue", json!({"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Epic"}, "summary": "x"}})).await;
    assert_eq!(s, 400);
    assert_eq!(b["errors"]["issuetype"], "Specify a valid issue type");
    let long = "x".repeat(256);
    let (_, b) = a.post("/issue", json!({"fields": {"project": {"key": "DEMO"}, "issuetype": {"id": "10001"}, "summary": long}})).await;
    assert_eq!(
        b["errors"]["summary"],
        "Summary must be less than 255 characters."
    );
    let (_, b) = a.post("/issue", json!({"fields": {"project": {"key": "DEMO"}, "issuetype": {"id": "10001"}, "summary": "a\nb", "description": "plain"}})).await;
    assert_eq!(
        b["errors"]["summary"],
        "The summary is invalid because it contains newline characters."
    );
    assert_eq!(
        b["errors"]["description"],
        "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
    );
    let (_, b) = a.post("/issue", json!({"fields": {"project": {"key": "DEMO"}, "issuetype": {"id": "10001"}, "summary": "s", "customfield_10011": 3}})).await;
    assert_eq!(
        b["errors"]["customfield_10011"],
        "Field 'customfield_10011' cannot be set. It is not on the appropriate screen, or unknown."
    );
    // Bug requires Severity (a required select custom field).
    let (_, b) = a.post("/issue", json!({"fields": {"project": {"key": "DEMO"}, "issuetype": {"name": "Bug"}, "summary": "s"}})).await;
    assert_eq!(b["errors"]["customfield_10010"], "Severity is required.");
    let (s, b) = a.post("/issue", json!({"fields": {"project": {"key": "DEMO"}, "issuetype": {"name": "Bug"}, "summary": "s", "customfield_10010": {"value": "Major"}, "labels": ["a", "b"], "priority": {"name": "High"}, "description": adf("d")}})).await;
    assert_eq!(s, 201, "{b}");
    let (_, g) = a
        .get(&format!(
            "/issue/{}?fields=customfield_10010,labels,priority,description",
            b["key"].as_str().unwrap()
        ))
        .await;
    assert_eq!(g["fields"]["customfield_10010"]["value"], "Major");
    assert_eq!(g["fields"]["labels"], json!(["a", "b"]));
    assert_eq!(g["fields"]["priority"]["name"], "High");
    assert_eq!(g["fields"]["description"], adf("d"));
    // Sub-task needs a parent.
    let (_, b) = a.post("/issue", json!({"fields": {"project": {"key": "DEMO"}, "issuetype": {"name": "Sub-task"}, "summary": "s"}})).await;
    assert_eq!(b["errors"]["parent"], "Parent is required.");
}

#[tokio::test]
async fn edit_get_and_fields() {
    let f = start().await;
    let a = Api::site(&f);
    let (s, _) = a.put("/issue/DEMO-1", json!({"fields": {"summary": "new"}, "update": {"labels": [{"add": "triaged"}, {"remove": "nope"}]}})).await;
    assert_eq!(s, 204);
    let (_, g) = a.get("/issue/demo-1?fields=summary,labels").await;
    assert_eq!(g["fields"]["summary"], "new");
    assert!(g["fields"]["labels"]
        .as_array()
        .unwrap()
        .contains(&json!("triaged")));
    assert_eq!(g["fields"].as_object().unwrap().len(), 2);
    let (s, b) = a
        .put(
            "/issue/DEMO-1",
            json!({"fields": {"summary": "x"}, "update": {"summary": [{"set": "y"}]}}),
        )
        .await;
    assert_eq!(s, 400);
    assert!(b["errors"]["summary"].is_string());
    let (s, b) = a
        .put("/issue/DEMO-1", json!({"fields": {"nosuch": 1}}))
        .await;
    assert_eq!(s, 400);
    assert_eq!(
        b["errors"]["nosuch"],
        "Field 'nosuch' cannot be set. It is not on the appropriate screen, or unknown."
    );
    let (s, _) = a.put("/issue/DEMO-1", json!({})).await;
    assert_eq!(s, 400);
    let (s, b) = a
        .put("/issue/NOPE-9", json!({"fields": {"summary": "x"}}))
        .await;
    assert_eq!(s, 404);
    assert_eq!(
        b["errorMessages"][0],
        "Issue does not exist or you do not have permission to see it."
    );
    // Field selection.
    let (_, all) = a.get("/issue/DEMO-1").await;
    assert!(all["fields"]["comment"].is_object());
    let (_, nav) = a.get("/issue/DEMO-1?fields=*navigable").await;
    assert!(nav["fields"].get("comment").is_none() && nav["fields"]["summary"].is_string());
    let (_, ex) = a
        .get("/issue/DEMO-1?fields=*all,-description&fields=-comment")
        .await;
    assert!(ex["fields"].get("description").is_none() && ex["fields"].get("comment").is_none());
    let (_, e) = a
        .get("/issue/DEMO-1?fields=description&expand=renderedFields,names")
        .await;
    assert!(e["renderedFields"]["description"]
        .as_str()
        .unwrap()
        .contains("<h2>"));
    assert_eq!(e["names"]["description"], "Description");
    assert!(e["fields"]["description"]["content"].is_array());
    let (s, r) = a
        .put(
            "/issue/DEMO-1?returnIssue=true",
            json!({"update": {"parent": [{"set": {"none": true}}]}}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(r["key"], "DEMO-1");
}

#[tokio::test]
async fn delete_subtasks_rule_and_keys_not_reused() {
    let f = start().await;
    let a = Api::site(&f);
    let (_, p) = a.post("/issue", json!({"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "parent"}})).await;
    let pk = p["key"].as_str().unwrap().to_string();
    let (s, st) = a.post("/issue", json!({"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Sub-task"}, "summary": "child", "parent": {"key": pk}}})).await;
    assert_eq!(s, 201, "{st}");
    let (s, b) = a.delete(&format!("/issue/{pk}")).await;
    assert_eq!(s, 400);
    assert_eq!(b["errorMessages"][0], format!("The issue '{pk}' has subtasks.  You must specify the 'deleteSubtasks' parameter to delete this issue and all its subtasks."));
    let (s, _) = a.delete(&format!("/issue/{pk}?deleteSubtasks=false")).await;
    assert_eq!(s, 400);
    let (s, _) = a.delete(&format!("/issue/{pk}?deleteSubtasks=true")).await;
    assert_eq!(s, 204);
    assert_eq!(
        a.get(&format!("/issue/{}", st["key"].as_str().unwrap()))
            .await
            .0,
        404
    );
    let (_, n) = a.post("/issue", json!({"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "after"}})).await;
    let num = |k: &str| k.rsplit('-').next().unwrap().parse::<u64>().unwrap();
    assert!(
        num(n["key"].as_str().unwrap()) > num(st["key"].as_str().unwrap()),
        "keys are never reused"
    );
    assert_eq!(a.delete("/issue/OPS-9999").await.0, 404);
}

#[tokio::test]
async fn transitions_and_comments() {
    let f = start().await;
    let a = Api::site(&f);
    let (_, t) = a.get("/issue/OPS-1/transitions").await;
    let ids: Vec<&str> = t["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    let (s, b) = a
        .post(
            "/issue/OPS-1/transitions",
            json!({"transition": {"id": "99"}}),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(
        b["errorMessages"][0],
        "Transition id '99' is not valid for this issue."
    );
    assert_eq!(a.post("/issue/OPS-1/transitions", json!({})).await.0, 400);
    let (s, _) = a.post("/issue/OPS-1/transitions", json!({"transition": {"id": "31"}, "update": {"comment": [{"add": {"body": adf("closing")}}]}})).await;
    assert_eq!(s, 204);
    let (_, g) = a.get("/issue/OPS-1?fields=status,resolution").await;
    assert_eq!(g["fields"]["status"]["name"], "Done");
    assert_eq!(g["fields"]["resolution"]["name"], "Done");
    let (_, c) = a.get("/issue/OPS-1/comment?orderBy=-created").await;
    assert_eq!(c["comments"][0]["body"], adf("closing"));
    assert_eq!(a.get("/issue/OPS-1/comment?orderBy=bogus").await.0, 400);
    let (_, c) = a
        .get("/issue/OPS-1/comment?expand=renderedBody&startAt=0&maxResults=1")
        .await;
    assert_eq!(c["comments"].as_array().unwrap().len(), 1);
    assert!(c["comments"][0]["renderedBody"]
        .as_str()
        .unwrap()
        .starts_with("<p>"));
    let (s, b) = a
        .post("/issue/OPS-1/comment", json!({"body": "plain"}))
        .await;
    assert_eq!(s, 400);
    assert_eq!(
        b["errors"]["comment"],
        "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
    );
    assert_eq!(a.get("/issue/NOPE-1/transitions").await.0, 404);
}

#[tokio::test]
async fn assign_endpoint_sets_and_clears_the_assignee() {
    let f = start().await;
    let a = Api::site(&f);
    let mia = "5b10a2844c20165700ede21g";
    assert_eq!(
        a.put("/issue/OPS-2/assignee", json!({"accountId": mia}))
            .await
            .0,
        204
    );
    let (_, g) = a.get("/issue/OPS-2?fields=assignee").await;
    assert_eq!(g["fields"]["assignee"]["accountId"], mia);
    let (s, b) = a
        .put("/issue/OPS-2/assignee", json!({"accountId": "nobody"}))
        .await;
    assert_eq!((s, b["errors"]["assignee"].is_string()), (400, true));
    assert_eq!(
        a.put("/issue/OPS-2/assignee", json!({"accountId": null}))
            .await
            .0,
        204
    );
    let (_, g) = a.get("/issue/OPS-2?fields=assignee").await;
    assert!(g["fields"]["assignee"].is_null());
    assert_eq!(
        a.put("/issue/NOPE-1/assignee", json!({"accountId": mia}))
            .await
            .0,
        404
    );
    let d = Api::dc(&f);
    assert_eq!(
        d.put("/issue/OPS-2/assignee", json!({"name": "slee"}))
            .await
            .0,
        204
    );
    let (_, g) = d.get("/issue/OPS-2?fields=assignee").await;
    assert_eq!(g["fields"]["assignee"]["name"], "slee");
}

#[tokio::test]
async fn createmeta_and_meta_routes() {
    let f = start().await;
    let a = Api::site(&f);
    // DEMO's scheme has Epic on top of the four basic types; OPS's does not.
    let (_, t) = a.get("/issue/createmeta/DEMO/issuetypes").await;
    assert_eq!(t["total"], 5);
    assert_eq!(t["issueTypes"][4]["name"], "Epic");
    assert_eq!(t["issueTypes"][4]["hierarchyLevel"], 1);
    let (_, t) = a.get("/issue/createmeta/OPS/issuetypes").await;
    assert_eq!(t["total"], 4);
    let (s, b) = a
        .get("/issue/createmeta/DEMO/issuetypes?maxResults=201")
        .await;
    assert_eq!(s, 400);
    assert_eq!(
        b["errorMessages"][0],
        "Parameter 'maxResults' must not exceed the limit '200'"
    );
    let (s, b) = a.get("/issue/createmeta/NOPE/issuetypes").await;
    assert_eq!(s, 404);
    assert_eq!(
        b["errorMessages"][0],
        "No project could be found with key 'NOPE'."
    );
    let (_, m) = a.get("/issue/createmeta/DEMO/issuetypes/10002").await;
    let sev = m["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["fieldId"] == "customfield_10010")
        .unwrap();
    assert_eq!(sev["required"], true);
    assert_eq!(sev["allowedValues"].as_array().unwrap().len(), 3);
    let (_, me) = a.get("/myself").await;
    assert_eq!(me["emailAddress"], "alex@example.com");
    let (_, p) = a.get("/project/search").await;
    assert_eq!(p["total"], 2);
}

#[tokio::test]
async fn removed_search_is_410_on_cloud() {
    let f = start().await;
    let a = Api::site(&f);
    for (m, p) in [("GET", "/search?jql=project=DEMO"), ("POST", "/search")] {
        let (s, b) = a
            .call(
                m,
                p,
                if m == "POST" {
                    Some(json!({"jql": "project = DEMO"}))
                } else {
                    None
                },
            )
            .await;
        assert_eq!(s, 410);
        assert_eq!(b["errorMessages"][0], "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046");
    }
    let mut v2 = Api::site(&f);
    v2.base = v2.base.replace("/3", "/2");
    assert_eq!(v2.get("/search?jql=project=DEMO").await.0, 410);
}

#[tokio::test]
async fn data_center_flavour() {
    let f = start().await;
    let d = Api::dc(&f);
    let (s, b) = d.post("/issue", json!({"fields": {"project": {"key": "DEMO"}, "issuetype": {"name": "Task"}, "summary": "dc", "description": "h1. Title\n* one", "assignee": {"name": "mkrystof"}}})).await;
    assert_eq!(s, 201, "{b}");
    let (_, g) = d
        .get(&format!("/issue/{}", b["key"].as_str().unwrap()))
        .await;
    assert_eq!(g["fields"]["description"], "h1. Title\n* one");
    assert_eq!(g["fields"]["assignee"]["name"], "mkrystof");
    let (_, g1) = d.get("/issue/DEMO-1?fields=description").await;
    let desc = g1["fields"]["description"].as_str().unwrap();
    assert!(
        desc.contains("[~") && !desc.contains("accountid:"),
        "{desc}"
    );
    let (s, r) = d
        .get("/search?jql=project%20%3D%20DEMO&startAt=2&maxResults=5000")
        .await;
    assert_eq!(s, 200);
    assert_eq!(r["startAt"], 2);
    assert_eq!(r["maxResults"], 1000);
    assert!(r["total"].as_u64().unwrap() > 10);
    let (_, me) = d.get("/myself").await;
    assert_eq!(me["name"], "amorgan");
    let (s, _) = d
        .post("/issue/DEMO-1/comment", json!({"body": "a *wiki* comment"}))
        .await;
    assert_eq!(s, 201);
    let bad = Api {
        auth: "Bearer wrong".into(),
        ..Api::dc(&f)
    };
    assert_eq!(bad.get("/myself").await.0, 401);
    let bad_site = Api {
        auth: "Basic eDp5".into(),
        ..Api::site(&f)
    };
    assert_eq!(bad_site.get("/myself").await.0, 401);
}

#[tokio::test]
async fn garbage_input_gets_jira_errors_not_panics() {
    let f = start().await;
    let a = Api::site(&f);
    let d = Api::dc(&f);
    for b in [
        json!([]),
        json!("x"),
        json!({"fields": []}),
        json!({"fields": {"summary": 5, "project": "DEMO", "issuetype": 3}}),
        json!({"fields": {"project": {"key": "DEMO"}, "issuetype": {"name": "Task"}, "summary": "s", "labels": "x", "assignee": "me", "priority": 4, "duedate": 5, "parent": "x"}}),
    ] {
        let (s, r) = a.post("/issue", b.clone()).await;
        assert_eq!(s, 400, "{b} -> {r}");
        assert!(r["errorMessages"].is_array() && r["errors"].is_object());
    }
    for b in [
        json!({"update": {"labels": "x"}}),
        json!({"update": {"labels": [5]}}),
        json!({"update": {"summary": [{"frob": 1}]}}),
        json!({"fields": {"labels": [1]}}),
    ] {
        assert_eq!(a.put("/issue/DEMO-1", b).await.0, 400);
    }
    assert_eq!(
        a.post(
            "/issue/DEMO-1/transitions",
            json!({"transition": {"id": {}}})
        )
        .await
        .0,
        400
    );
    assert_eq!(a.post("/issue/DEMO-1/comment", json!([])).await.0, 400);
    for jql in [
        "summary ~ \"é\"",
        "updated >= -5é",
        "é = 1",
        "project = DEMO AND",
        "(project = DEMO",
        "project in DEMO",
        "assignee = foo()",
        "key = ",
    ] {
        let (s, r) = a.post("/search/jql", json!({"jql": jql})).await;
        assert!(s == 200 || s == 400, "{jql}: {s}");
        assert!(r.is_object());
    }
    let r = a
        .http
        .post(format!("{}/issue", a.base))
        .header("Authorization", &a.auth)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(a.get("/issue/DEMO-1?startAt=x").await.0, 200);
    assert_eq!(a.get("/issue/DEMO-1/comment?startAt=x").await.0, 400);
    assert_eq!(a.get("/nosuch/route").await.0, 404);
    let (s, _) = d.post("/issue", json!({"fields": {"project": {"key": "DEMO"}, "issuetype": {"name": "Task"}, "summary": "w", "description": "hé. x\nhé\nh9. no\n{code\nunterminated"}})).await;
    assert_eq!(s, 201);
}

#[tokio::test]
async fn cloud_v2_uses_wiki_markup() {
    let f = start().await;
    let mut a = Api::site(&f);
    a.base = a.base.replace("/api/3", "/api/2");
    let (_, g) = a.get("/issue/DEMO-1?fields=description").await;
    assert!(g["fields"]["description"]
        .as_str()
        .unwrap()
        .starts_with("h2. Context"));
    assert!(g["self"]
        .as_str()
        .unwrap()
        .contains("/site/rest/api/2/issue/"));
    let (s, b) = a.post("/issue", json!({"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "summary": "v2", "description": "h3. Hi\n{code}x{code}"}})).await;
    assert_eq!(s, 201, "{b}");
    let v3 = Api::site(&f);
    let (_, g) = v3
        .get(&format!(
            "/issue/{}?fields=description",
            b["key"].as_str().unwrap()
        ))
        .await;
    assert_eq!(g["fields"]["description"]["content"][0]["type"], "heading");
    assert!(fake_jira::adf::validate(&g["fields"]["description"]).is_ok());
    assert_eq!(
        g["fields"]["description"]["content"][1],
        json!({"type": "codeBlock", "attrs": {}, "content": [{"type": "text", "text": "x"}]})
    );
}

#[tokio::test]
async fn writes_are_recorded_in_the_changelog() {
    let f = start().await;
    let a = Api::site(&f);
    let (_, before) = a.get("/issue/DEMO-2/changelog").await;
    let had = before["total"].as_u64().unwrap();
    let (_, g) = a.get("/issue/DEMO-2?fields=assignee").await;
    let was_assigned = !g["fields"]["assignee"].is_null();
    let (s, _) = a
        .put(
            "/issue/DEMO-2",
            json!({"fields": {"summary": "renamed", "labels": ["x", "y"]}}),
        )
        .await;
    assert_eq!(s, 204);
    let (_, t) = a.get("/issue/DEMO-2/transitions").await;
    let target = t["transitions"][0]["id"].as_str().unwrap().to_string();
    let (s, _) = a
        .post(
            "/issue/DEMO-2/transitions",
            json!({"transition": {"id": target}}),
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = a
        .put("/issue/DEMO-2/assignee", json!({"accountId": null}))
        .await;
    assert_eq!(s, 204);
    // A no-op edit is no history.
    a.put("/issue/DEMO-2", json!({"fields": {"summary": "renamed"}}))
        .await;

    let (s, page) = a
        .get(&format!("/issue/DEMO-2/changelog?startAt={had}"))
        .await;
    assert_eq!(s, 200);
    // Not checked against the OpenAPI schema: it declares `from`/`to` non-null strings, while
    // Jira sends null for fields without raw values (REFERENCE-2 §5).
    assert_eq!(
        page["total"].as_u64().unwrap(),
        had + 2 + u64::from(was_assigned)
    );
    let v = page["values"].as_array().unwrap();
    let fields = |h: &serde_json::Value| -> Vec<String> {
        h["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["field"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(fields(&v[0]), ["summary", "labels"]);
    assert_eq!(v[0]["items"][0]["toString"], "renamed");
    assert_eq!(v[0]["items"][1]["toString"], "x y");
    assert!(fields(&v[1]).contains(&"status".to_string()));
    assert_eq!(v[1]["items"][0]["fieldId"], "status");
    assert_eq!(page["isLast"], true);

    // Paging: one at a time, with nextPage while more remain.
    let (_, p1) = a.get("/issue/DEMO-2/changelog?maxResults=1").await;
    assert_eq!(p1["values"].as_array().unwrap().len(), 1);
    assert_eq!(p1["isLast"], false);
    assert!(p1["nextPage"].as_str().unwrap().contains("startAt=1"));

    // expand=changelog shows the same histories; bulkfetch too, oldest first.
    let (_, g) = a.get("/issue/DEMO-2?fields=summary&expand=changelog").await;
    assert_eq!(g["changelog"]["total"], page["total"]);
    // Bulk: every issue's status changes, oldest first across issues, one per page here.
    let keys: Vec<String> = (1..=14).map(|n| format!("DEMO-{n}")).collect();
    let mut token = serde_json::Value::Null;
    let mut seen = Vec::new();
    loop {
        let (s, bulk) = a
            .post(
                "/changelog/bulkfetch",
                json!({"issueIdsOrKeys": keys, "fieldIds": ["status"], "maxResults": 1, "nextPageToken": token}),
            )
            .await;
        assert_eq!(s, 200, "{bulk}");
        let h = &bulk["issueChangeLogs"][0]["changeHistories"][0];
        assert_eq!(fields(h), ["status"]);
        seen.push(h["created"].as_str().unwrap().to_string());
        token = bulk["nextPageToken"].clone();
        if token.is_null() {
            break;
        }
    }
    assert!(
        seen.len() > 1 && seen.windows(2).all(|w| w[0] <= w[1]),
        "{seen:?}"
    );
    let (s, _) = a
        .post("/changelog/bulkfetch", json!({"issueIdsOrKeys": []}))
        .await;
    assert_eq!(s, 400);

    // Data Center: no /changelog route; expand names users by username.
    let d = Api::dc(&f);
    let (s, _) = d.get("/issue/DEMO-2/changelog").await;
    assert_eq!(s, 404);
    d.put("/issue/DEMO-2/assignee", json!({"name": "mkrystof"}))
        .await;
    let (_, g) = d.get("/issue/DEMO-2?expand=changelog").await;
    let last = g["changelog"]["histories"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["items"][0]["field"], "assignee");
    assert_eq!(last["items"][0]["to"], "mkrystof");
    assert!(last["items"][0].get("fieldId").is_none());
}

#[tokio::test]
async fn comment_visibility_is_checked_kept_and_cleared() {
    let f = start().await;
    let a = Api::site(&f);
    let (s, c) = a
        .post(
            "/issue/DEMO-1/comment",
            json!({"body": adf("team only"), "visibility": {"type": "role", "value": "Developers"}}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    common::check("/rest/api/3/issue/{issueIdOrKey}/comment", "post", 201, &c);
    assert_eq!(c["visibility"]["value"], "Developers");
    let id = c["id"].as_str().unwrap().to_string();
    // Left out, it stays; null clears it.
    let (_, kept) = a
        .put(
            &format!("/issue/DEMO-1/comment/{id}"),
            json!({"body": adf("edited")}),
        )
        .await;
    assert_eq!(kept["visibility"]["type"], "role");
    let (_, cleared) = a
        .put(
            &format!("/issue/DEMO-1/comment/{id}"),
            json!({"body": adf("public"), "visibility": null}),
        )
        .await;
    assert!(cleared.get("visibility").is_none(), "{cleared}");
    for (vis, message) in [
        (
            json!({"type": "group", "value": "nope"}),
            "Group: nope does not exist.",
        ),
        (
            json!({"type": "group", "value": "site-admins"}),
            "You are currently not a member of the group: site-admins.",
        ),
        (
            json!({"type": "role", "value": "Administrators"}),
            "You are currently not a member of the project role: Administrators.",
        ),
    ] {
        let (s, b) = a
            .post(
                "/issue/DEMO-1/comment",
                json!({"body": adf("x"), "visibility": vis}),
            )
            .await;
        assert_eq!((s, b["errorMessages"][0].as_str()), (400, Some(message)));
    }
    let (s, _) = a.delete(&format!("/issue/DEMO-1/comment/{id}")).await;
    assert_eq!(s, 204);
    let (s, b) = a.get(&format!("/issue/DEMO-1/comment/{id}")).await;
    assert_eq!(s, 404, "{b}");
}

#[tokio::test]
async fn issue_links_read_from_each_side_and_remote_links_upsert_by_global_id() {
    let f = start().await;
    let a = Api::site(&f);
    let (s, types) = a.get("/issueLinkType").await;
    assert_eq!(s, 200);
    common::check("/rest/api/3/issueLinkType", "get", 200, &types);
    // "DEMO-1 blocks DEMO-4": DEMO-1 is the inward issue of the POST body.
    let link = json!({"type": {"name": "Blocks"}, "inwardIssue": {"key": "DEMO-1"}, "outwardIssue": {"key": "DEMO-4"}});
    let (s, b) = a.post("/issueLink", link.clone()).await;
    assert_eq!((s, b), (201, serde_json::Value::Null));
    a.post("/issueLink", link).await; // a duplicate is not doubled
    let (_, one) = a.get("/issue/DEMO-1?fields=issuelinks").await;
    let links = one["fields"]["issuelinks"].as_array().unwrap();
    assert_eq!(links.len(), 1, "{one}");
    assert_eq!(links[0]["outwardIssue"]["key"], "DEMO-4");
    let (_, four) = a.get("/issue/DEMO-4?fields=issuelinks").await;
    assert_eq!(
        four["fields"]["issuelinks"][0]["inwardIssue"]["key"],
        "DEMO-1"
    );
    let id = links[0]["id"].as_str().unwrap().to_string();
    let (s, got) = a.get(&format!("/issueLink/{id}")).await;
    assert_eq!(s, 200);
    common::check("/rest/api/3/issueLink/{linkId}", "get", 200, &got);
    assert_eq!(got["inwardIssue"]["key"], "DEMO-1");
    let (s, b) = a
        .post("/issueLink", json!({"type": {"name": "Causes"}, "inwardIssue": {"key": "DEMO-1"}, "outwardIssue": {"key": "DEMO-4"}}))
        .await;
    assert_eq!(
        (s, &b["errorMessages"][0]),
        (404, &json!("No issue link type with name 'Causes' found."))
    );
    assert_eq!(a.delete(&format!("/issueLink/{id}")).await.0, 204);
    let (_, four) = a.get("/issue/DEMO-4?fields=issuelinks").await;
    assert_eq!(four["fields"]["issuelinks"], json!([]));
    assert_eq!(a.delete(&format!("/issueLink/{id}")).await.0, 404);

    let web =
        json!({"globalId": "ci:1", "object": {"url": "https://ci.example/1", "title": "Build 1"}});
    let (s, made) = a.post("/issue/DEMO-1/remotelink", web).await;
    assert_eq!(s, 201, "{made}");
    assert!(made["id"].is_u64(), "{made}");
    let (s, again) = a
        .post("/issue/DEMO-1/remotelink", json!({"globalId": "ci:1", "object": {"url": "https://ci.example/1", "title": "Build 1 (green)"}}))
        .await;
    assert_eq!((s, &again["id"]), (200, &made["id"]));
    let (_, all) = a.get("/issue/DEMO-1/remotelink").await;
    common::check(
        "/rest/api/3/issue/{issueIdOrKey}/remotelink",
        "get",
        200,
        &all,
    );
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(all[0]["object"]["title"], "Build 1 (green)");
    let (s, bad) = a
        .post(
            "/issue/DEMO-1/remotelink",
            json!({"object": {"url": "https://x"}}),
        )
        .await;
    assert_eq!(
        (s, &bad["errors"]["title"]),
        (400, &json!("'title' is required."))
    );
    assert_eq!(
        a.delete("/issue/DEMO-1/remotelink?globalId=ci%3A1").await.0,
        204
    );
    assert_eq!(
        a.delete("/issue/DEMO-1/remotelink?globalId=ci%3A1").await.0,
        404
    );
    assert_eq!(a.delete("/issue/DEMO-1/remotelink").await.0, 400);
}

#[tokio::test]
async fn watchers_and_votes() {
    let f = start().await;
    let a = Api::site(&f);
    let mia = "5b10a2844c20165700ede21g";
    // Removing someone who is not watching is no error either.
    assert_eq!(
        a.delete(&format!("/issue/DEMO-2/watchers?accountId={mia}"))
            .await
            .0,
        204
    );
    let (s, w) = a.get("/issue/DEMO-2/watchers").await;
    assert_eq!(s, 200);
    common::check("/rest/api/3/issue/{issueIdOrKey}/watchers", "get", 200, &w);
    let before = w["watchCount"].as_u64().unwrap();
    assert_eq!(a.post("/issue/DEMO-2/watchers", json!(mia)).await.0, 204);
    assert_eq!(a.post("/issue/DEMO-2/watchers", json!(mia)).await.0, 204);
    let (_, w) = a.get("/issue/DEMO-2/watchers").await;
    assert_eq!(
        w["watchCount"].as_u64().unwrap(),
        before + 1,
        "no duplicate"
    );
    assert_eq!(
        a.post("/issue/DEMO-2/watchers", json!("nobody")).await.0,
        404
    );
    assert_eq!(
        a.delete(&format!("/issue/DEMO-2/watchers?accountId={mia}"))
            .await
            .0,
        204
    );
    assert_eq!(a.delete("/issue/DEMO-2/watchers").await.0, 400);
    // Cloud wants the bare JSON string as application/json; as text/plain it is a 415.
    let r = a
        .http
        .post(format!("{}/issue/DEMO-2/watchers", a.base))
        .header("Authorization", &a.auth)
        .header("Content-Type", "text/plain")
        .body(format!("\"{mia}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let (_, w) = a.get("/issue/DEMO-2/watchers").await;
    assert_eq!(w["watchCount"].as_u64().unwrap(), before, "nothing added");
    let (_, w) = a.get("/issue/DEMO-2/watchers").await;
    assert_eq!(w["watchCount"].as_u64().unwrap(), before);

    assert_eq!(a.post("/issue/DEMO-2/votes", json!(null)).await.0, 204);
    let (s, v) = a.get("/issue/DEMO-2/votes").await;
    assert_eq!(s, 200);
    common::check("/rest/api/3/issue/{issueIdOrKey}/votes", "get", 200, &v);
    assert_eq!(
        (v["votes"].as_u64(), v["hasVoted"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(a.delete("/issue/DEMO-2/votes").await.0, 204);
    assert_eq!(
        a.delete("/issue/DEMO-2/votes").await.0,
        204,
        "idempotent on Cloud"
    );
    let d = Api::dc(&f);
    assert_eq!(
        d.post("/issue/DEMO-2/watchers", json!("mkrystof")).await.0,
        204
    );
    assert_eq!(
        d.delete("/issue/DEMO-2/watchers?username=mkrystof").await.0,
        204
    );
}

#[tokio::test]
async fn worklogs_follow_jiras_duration_started_and_estimate_rules() {
    let f = start().await;
    let a = Api::site(&f);
    let (s, _) = a
        .put(
            "/issue/DEMO-3",
            json!({"fields": {"timetracking": {"remainingEstimate": "1d"}}}),
        )
        .await;
    assert_eq!(s, 204);
    let (s, w) = a
        .post(
            "/issue/DEMO-3/worklog",
            json!({"timeSpent": "1h 30m", "started": "2026-01-17T12:34:00.000+0100", "comment": adf("fixed")}),
        )
        .await;
    assert_eq!(s, 201, "{w}");
    common::check("/rest/api/3/issue/{issueIdOrKey}/worklog", "post", 201, &w);
    assert_eq!(
        (w["timeSpent"].as_str(), w["timeSpentSeconds"].as_u64()),
        (Some("1h 30m"), Some(5400))
    );
    let (_, t) = a.get("/issue/DEMO-3?fields=timetracking").await;
    assert_eq!(
        t["fields"]["timetracking"]["remainingEstimate"], "6h 30m",
        "auto: 8h - 1h 30m"
    );
    for (body, field, message) in [
        (json!({"timeSpent": "30s"}), "timeLogged", "Invalid time duration entered."),
        (json!({"timeSpent": "1h", "started": "2026-01-17T12:34:00Z"}), "started", "Invalid date format. Please enter the date in the format \"yyyy-MM-dd'T'HH:mm:ss.SSSZ\"."),
    ] {
        let (s, b) = a.post("/issue/DEMO-3/worklog", body).await;
        assert_eq!((s, b["errors"][field].as_str()), (400, Some(message)));
    }
    let (s, b) = a
        .post("/issue/DEMO-3/worklog", json!({"timeSpentSeconds": 30}))
        .await;
    assert_eq!(
        (s, &b["errors"]["timeLogged"]),
        (400, &json!("You must indicate the time spent working."))
    );
    let (s, b) = a
        .post(
            "/issue/DEMO-3/worklog?adjustEstimate=new",
            json!({"timeSpent": "1h"}),
        )
        .await;
    assert_eq!(
        (s, &b["errors"]["newEstimate"]),
        (400, &json!("Value is required when adjustEstimate is new"))
    );
    let id = w["id"].as_str().unwrap().to_string();
    let (s, b) = a
        .put(
            &format!("/issue/DEMO-3/worklog/{id}?adjustEstimate=manual"),
            json!({"timeSpent": "2h"}),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let (s, u) = a
        .put(
            &format!("/issue/DEMO-3/worklog/{id}"),
            json!({"timeSpent": "2h"}),
        )
        .await;
    assert_eq!((s, u["timeSpentSeconds"].as_u64()), (200, Some(7200)));
    assert_eq!(u["comment"], adf("fixed"), "kept when left out");
    let (_, page) = a.get("/issue/DEMO-3/worklog").await;
    common::check(
        "/rest/api/3/issue/{issueIdOrKey}/worklog",
        "get",
        200,
        &page,
    );
    assert_eq!(page["total"], 1);
    assert_eq!(
        a.delete(&format!("/issue/DEMO-3/worklog/{id}?adjustEstimate=leave"))
            .await
            .0,
        204
    );
    assert_eq!(
        a.delete(&format!("/issue/DEMO-3/worklog/{id}")).await.0,
        404
    );
}

#[tokio::test]
async fn bulk_create_answers_per_element_and_caps_at_fifty() {
    let f = start().await;
    let a = Api::site(&f);
    let task = |summary: &str| json!({"fields": {"project": {"key": "DEMO"}, "issuetype": {"name": "Task"}, "summary": summary}});
    let bad = json!({"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Epic"}, "summary": "x"}});
    let (s, b) = a
        .post(
            "/issue/bulk",
            json!({"issueUpdates": [task("one"), bad.clone(), task("three")]}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    common::check("/rest/api/3/issue/bulk", "post", 201, &b);
    assert_eq!(b["issues"].as_array().unwrap().len(), 2);
    assert_eq!(b["errors"][0]["failedElementNumber"], 1);
    assert_eq!(
        b["errors"][0]["elementErrors"]["errors"]["issuetype"],
        "Specify a valid issue type"
    );
    let (s, b) = a.post("/issue/bulk", json!({"issueUpdates": [bad]})).await;
    assert_eq!(
        (s, b["issues"].as_array().map(Vec::len)),
        (400, Some(0)),
        "{b}"
    );
    let many: Vec<_> = (0..51).map(|n| task(&format!("t{n}"))).collect();
    let (s, _) = a.post("/issue/bulk", json!({"issueUpdates": many})).await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn versions_and_components_are_created_released_and_set_on_issues_by_name() {
    let f = start().await;
    let a = Api::site(&f);
    let (s, v) = a
        .post(
            "/version",
            json!({"name": "1.0", "projectId": 10000, "releaseDate": "2026-12-24"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    common::check("/rest/api/3/version", "post", 201, &v);
    let (s, dup) = a
        .post("/version", json!({"name": "1.0", "projectId": 10000}))
        .await;
    assert_eq!(
        (s, &dup["errors"]["name"]),
        (
            400,
            &json!("A version with this name already exists in this project.")
        )
    );
    let id = v["id"].as_str().unwrap().to_string();
    let (s, r) = a
        .put(&format!("/version/{id}"), json!({"released": true}))
        .await;
    assert_eq!((s, &r["released"]), (200, &json!(true)));
    let (s, c) = a
        .post("/component", json!({"name": "Backend", "project": "DEMO"}))
        .await;
    assert_eq!(s, 201, "{c}");
    let (_, all) = a.get("/project/DEMO/versions").await;
    common::check(
        "/rest/api/3/project/{projectIdOrKey}/versions",
        "get",
        200,
        &all,
    );
    assert_eq!(all.as_array().unwrap().len(), 1);
    let (s, _) = a
        .put("/issue/DEMO-1", json!({"fields": {"fixVersions": [{"name": "1.0"}], "components": [{"name": "Backend"}]}}))
        .await;
    assert_eq!(s, 204);
    let (_, i) = a.get("/issue/DEMO-1?fields=fixVersions,components").await;
    assert_eq!(i["fields"]["fixVersions"][0]["name"], "1.0");
    assert_eq!(i["fields"]["components"][0]["name"], "Backend");
    let (s, bad) = a
        .put(
            "/issue/DEMO-1",
            json!({"fields": {"fixVersions": [{"name": "9.9"}]}}),
        )
        .await;
    assert_eq!(
        (s, &bad["errors"]["fixVersions"]),
        (400, &json!("Version name '9.9' is not valid"))
    );
}

/// Names of a version (or component) list, in order.
fn names_of(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn versions_are_reordered_merged_and_deleted_taking_their_issues_along() {
    let f = start().await;
    for (a, project, pid, key) in [
        (Api::site(&f), "DEMO", 10000, "DEMO-1"),
        (Api::dc(&f), "OPS", 10001, "OPS-1"),
    ] {
        let mut ids = Vec::new();
        for name in ["1.0", "2.0", "3.0"] {
            let (s, v) = a
                .post("/version", json!({"name": name, "projectId": pid}))
                .await;
            assert_eq!(s, 201, "{v}");
            ids.push(v["id"].as_str().unwrap().to_string());
        }
        let order = || async {
            let (_, all) = a.get(&format!("/project/{project}/versions")).await;
            names_of(&all)
        };
        let mv = "/rest/api/3/version/{id}/move";
        let (s, v) = a
            .post(
                &format!("/version/{}/move", ids[2]),
                json!({"position": "First"}),
            )
            .await;
        assert_eq!((s, v["name"].as_str()), (200, Some("3.0")), "{v}");
        common::check(mv, "post", 200, &v);
        assert_eq!(order().await, ["3.0", "1.0", "2.0"]);
        let after = format!("{}/version/{}", a.base, ids[1]);
        let (s, _) = a
            .post(
                &format!("/version/{}/move", ids[2]),
                json!({"after": after}),
            )
            .await;
        assert_eq!(s, 200);
        assert_eq!(order().await, ["1.0", "2.0", "3.0"]);
        let (s, _) = a
            .post(
                &format!("/version/{}/move", ids[0]),
                json!({"position": "Later"}),
            )
            .await;
        assert_eq!(s, 200);
        assert_eq!(order().await, ["2.0", "1.0", "3.0"]);
        for bad in [
            json!({}),
            json!({"position": "Last", "after": after}),
            json!({"position": "Sideways"}),
        ] {
            let (s, e) = a.post(&format!("/version/{}/move", ids[0]), bad).await;
            assert_eq!(s, 400, "{e}");
            common::check(mv, "post", 400, &e);
        }
        let (s, e) = a
            .post("/version/999/move", json!({"position": "First"}))
            .await;
        assert_eq!(s, 404);
        common::check(mv, "post", 404, &e);

        let (s, _) = a
            .put(
                &format!("/issue/{key}"),
                json!({"fields": {"fixVersions": [{"name": "1.0"}], "versions": [{"name": "1.0"}]}}),
            )
            .await;
        assert_eq!(s, 204);
        let fields = || async {
            let (_, i) = a
                .get(&format!("/issue/{key}?fields=fixVersions,versions"))
                .await;
            (
                names_of(&i["fields"]["fixVersions"]),
                names_of(&i["fields"]["versions"]),
            )
        };
        let swap = "/rest/api/3/version/{id}/removeAndSwap";
        let (s, e) = a
            .post(
                &format!("/version/{}/removeAndSwap", ids[0]),
                json!({"moveFixIssuesTo": ids[0].parse::<u64>().unwrap()}),
            )
            .await;
        assert_eq!(s, 400, "not into itself: {e}");
        common::check(swap, "post", 400, &e);
        let (s, _) = a
            .post(
                &format!("/version/{}/removeAndSwap", ids[0]),
                json!({"moveFixIssuesTo": ids[1].parse::<u64>().unwrap(),
                       "moveAffectedIssuesTo": ids[2].parse::<u64>().unwrap()}),
            )
            .await;
        assert_eq!(s, 204);
        assert_eq!(
            fields().await,
            (vec!["2.0".to_string()], vec!["3.0".to_string()])
        );
        let (s, e) = a
            .post(&format!("/version/{}/removeAndSwap", ids[0]), json!({}))
            .await;
        assert_eq!(s, 404);
        common::check(swap, "post", 404, &e);

        // Merge: the fix version becomes the target, and the merged one is gone.
        let (s, _) = a
            .put(
                &format!("/version/{}/mergeto/{}", ids[1], ids[2]),
                json!(null),
            )
            .await;
        assert_eq!(s, 204);
        assert_eq!(fields().await.0, ["3.0"]);
        assert_eq!(a.get(&format!("/version/{}", ids[1])).await.0, 404);
        let (s, e) = a
            .put(&format!("/version/{}/mergeto/999", ids[2]), json!(null))
            .await;
        assert_eq!(s, 404);
        common::check(
            "/rest/api/3/version/{id}/mergeto/{moveIssuesTo}",
            "put",
            404,
            &e,
        );

        // The deprecated DELETE: issues simply lose the version.
        assert_eq!(a.delete(&format!("/version/{}", ids[2])).await.0, 204);
        assert_eq!(fields().await, (vec![], vec![]));
        assert!(order().await.is_empty());
    }
}

#[tokio::test]
async fn components_are_renamed_and_deleted_moving_their_issues() {
    let f = start().await;
    for (a, project, key) in [
        (Api::site(&f), "DEMO", "DEMO-1"),
        (Api::dc(&f), "OPS", "OPS-1"),
    ] {
        let mut ids = Vec::new();
        for name in ["Backend", "Frontend"] {
            let (s, c) = a
                .post("/component", json!({"name": name, "project": project}))
                .await;
            assert_eq!(s, 201, "{c}");
            ids.push(c["id"].as_str().unwrap().to_string());
        }
        let ci = "/rest/api/3/component/{id}";
        let (s, c) = a
            .put(&format!("/component/{}", ids[0]), json!({"name": "Server"}))
            .await;
        assert_eq!((s, c["name"].as_str()), (200, Some("Server")), "{c}");
        common::check(ci, "put", 200, &c);
        let (s, c) = a.get(&format!("/component/{}", ids[0])).await;
        assert_eq!((s, c["name"].as_str()), (200, Some("Server")));
        common::check(ci, "get", 200, &c);
        let (s, e) = a
            .put(
                &format!("/component/{}", ids[0]),
                json!({"name": "frontend"}),
            )
            .await;
        assert_eq!(
            (s, &e["errors"]["name"]),
            (
                400,
                &json!("A component with the name frontend already exists in this project.")
            )
        );
        common::check(ci, "put", 400, &e);
        let (s, e) = a.put("/component/999", json!({"name": "x"})).await;
        assert_eq!(s, 404);
        common::check(ci, "put", 404, &e);

        let (s, _) = a
            .put(
                &format!("/issue/{key}"),
                json!({"fields": {"components": [{"name": "Server"}]}}),
            )
            .await;
        assert_eq!(s, 204);
        let (s, e) = a
            .delete(&format!("/component/{}?moveIssuesTo=999", ids[0]))
            .await;
        assert_eq!(s, 404, "an unknown replacement: {e}");
        common::check(ci, "delete", 404, &e);
        let (s, _) = a
            .delete(&format!("/component/{}?moveIssuesTo={}", ids[0], ids[1]))
            .await;
        assert_eq!(s, 204);
        let (_, i) = a.get(&format!("/issue/{key}?fields=components")).await;
        assert_eq!(names_of(&i["fields"]["components"]), ["Frontend"]);
        assert_eq!(a.delete(&format!("/component/{}", ids[1])).await.0, 204);
        let (_, i) = a.get(&format!("/issue/{key}?fields=components")).await;
        assert!(names_of(&i["fields"]["components"]).is_empty());
        assert_eq!(a.delete(&format!("/component/{}", ids[1])).await.0, 404);
    }
}

/// A multipart body with one `file` part.
fn multipart(name: &str, mime: &str, data: &[u8]) -> (String, Vec<u8>) {
    let boundary = "jirad-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn attachments_need_the_xsrf_header_redirect_on_cloud_and_respect_the_limit() {
    let f = start().await;
    let a = Api::site(&f);
    let upload = |api: &Api, token: bool, name: &str, data: Vec<u8>| {
        let (ct, body) = multipart(name, "text/plain", &data);
        let mut rb = api
            .http
            .post(format!("{}/issue/DEMO-1/attachments", api.base))
            .header("Authorization", &api.auth)
            .header("Content-Type", ct)
            .body(body);
        if token {
            rb = rb.header("X-Atlassian-Token", "no-check");
        }
        rb.send()
    };
    let r = upload(&a, false, "a.txt", b"hi".to_vec()).await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.text().await.unwrap(), "XSRF check failed");
    let r = upload(&a, true, "a.txt", b"hello".to_vec()).await.unwrap();
    assert_eq!(r.status(), 200);
    let made: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (made[0]["filename"].as_str(), made[0]["size"].as_u64()),
        (Some("a.txt"), Some(5))
    );
    let id = made[0]["id"].as_str().unwrap().to_string();
    let (_, meta) = a.get(&format!("/attachment/{id}")).await;
    assert!(
        meta["id"].is_u64(),
        "AttachmentMetadata's id is a number: {meta}"
    );
    // Cloud: 303 to the media URL, fetched without credentials.
    let r = a
        .http
        .get(format!("{}/attachment/content/{id}", a.base))
        .header("Authorization", &a.auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let bytes = common::client()
        .get(&to)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"hello");
    let (_, issue) = a.get("/issue/DEMO-1?fields=attachment").await;
    assert_eq!(issue["fields"]["attachment"][0]["id"], json!(id));
    assert_eq!(a.delete(&format!("/attachment/{id}")).await.0, 204);
    assert_eq!(a.delete(&format!("/attachment/{id}")).await.0, 404);

    // Data Center: 10 MiB at most; bytes served at the content URL itself.
    let d = Api::dc(&f);
    let (_, m) = d.get("/attachment/meta").await;
    assert_eq!(m["uploadLimit"], 10 << 20);
    let r = upload(&d, true, "big.bin", vec![0u8; (10 << 20) + 1])
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let r = upload(&d, true, "small.txt", b"dc".to_vec()).await.unwrap();
    let made: serde_json::Value = r.json().await.unwrap();
    let content = made[0]["content"].as_str().unwrap().to_string();
    let got = d
        .http
        .get(&content)
        .header("Authorization", &d.auth)
        .send()
        .await
        .unwrap();
    assert_eq!(got.bytes().await.unwrap().as_ref(), b"dc");
}

/// A real PNG starts so.
const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

#[tokio::test]
async fn thumbnails_of_images_redirect_on_cloud_fall_back_or_404_and_are_plain_urls_on_dc() {
    let f = start().await;
    let upload = |api: &Api, name: &str, mime: &str| {
        let (ct, body) = multipart(name, mime, b"not really an image");
        api.http
            .post(format!("{}/issue/DEMO-1/attachments", api.base))
            .header("Authorization", &api.auth)
            .header("Content-Type", ct)
            .header("X-Atlassian-Token", "no-check")
            .body(body)
            .send()
    };
    let a = Api::site(&f);
    let get = |url: String, auth: Option<&str>| {
        let mut rb = common::client().get(url);
        if let Some(auth) = auth {
            rb = rb.header("Authorization", auth);
        }
        rb.send()
    };
    let made: serde_json::Value = upload(&a, "shot.png", "image/png")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let png = made[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        made[0]["thumbnail"],
        json!(format!("{}/attachment/thumbnail/{png}", a.base))
    );
    let made: serde_json::Value = upload(&a, "notes.txt", "text/plain")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let txt = made[0]["id"].as_str().unwrap().to_string();
    assert!(made[0].get("thumbnail").is_none(), "{made}");
    let (_, meta) = a.get(&format!("/attachment/{png}")).await;
    common::check("/rest/api/3/attachment/{id}", "get", 200, &meta);

    // Cloud: a 303 to the media host, whose URL needs no credentials.
    let r = get(
        format!("{}/attachment/thumbnail/{png}", a.base),
        Some(&a.auth),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    let thumb = get(to, None).await.unwrap();
    assert_eq!(thumb.headers()["content-type"], "image/png");
    let thumb = thumb.bytes().await.unwrap();
    assert!(thumb.starts_with(PNG_MAGIC));
    let direct = get(
        format!("{}/attachment/thumbnail/{png}?redirect=false", a.base),
        Some(&a.auth),
    )
    .await
    .unwrap();
    assert_eq!(direct.status(), 200);
    assert_eq!(direct.bytes().await.unwrap(), thumb);
    // No thumbnail: the generic one, or 404 when asked not to fall back.
    let generic = get(
        format!("{}/attachment/thumbnail/{txt}?redirect=false", a.base),
        Some(&a.auth),
    )
    .await
    .unwrap()
    .bytes()
    .await
    .unwrap();
    assert!(generic.starts_with(PNG_MAGIC) && generic != thumb);
    let t = "/rest/api/3/attachment/thumbnail/{id}";
    let (s, e) = a
        .get(&format!(
            "/attachment/thumbnail/{txt}?fallbackToDefault=false"
        ))
        .await;
    assert_eq!(s, 404);
    common::check(t, "get", 404, &e);
    let (s, e) = a.get("/attachment/thumbnail/999").await;
    assert_eq!(s, 404);
    common::check(t, "get", 404, &e);
    let (s, e) = a
        .get(&format!("/attachment/thumbnail/{png}?width=wide"))
        .await;
    assert_eq!(s, 400);
    common::check(t, "get", 400, &e);

    // Data Center: the metadata names a plain URL, for images only, behind the credentials.
    let d = Api::dc(&f);
    let made: serde_json::Value = upload(&d, "dc.png", "image/png")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = made[0]["thumbnail"].as_str().unwrap().to_string();
    assert!(url.contains("/secure/thumbnail/"), "{url}");
    assert_eq!(get(url.clone(), None).await.unwrap().status(), 401);
    let r = get(url, Some(&d.auth)).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(PNG_MAGIC));
    assert_eq!(d.get(&format!("/attachment/thumbnail/{png}")).await.0, 404);
}
