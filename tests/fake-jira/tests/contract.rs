//! Contract tests: every implemented Cloud route's success and error bodies validate against the
//! matching response schema of the official OpenAPI document.

mod common;

use common::{check, start, Api};
use serde_json::json;

#[tokio::test]
async fn responses_match_openapi() {
    let f = start().await;
    let a = Api::site(&f);
    let i = "/rest/api/3/issue/{issueIdOrKey}";

    let (s, b) = a.get("/issue/DEMO-1?expand=names,renderedFields").await;
    assert_eq!(s, 200);
    check(i, "get", 200, &b);
    let (s, b) = a.get("/issue/NOPE-1").await;
    assert_eq!(s, 404);
    check(i, "get", 404, &b);

    let (s, b) = a.post("/issue", json!({"fields": {"project": {"key": "DEMO"}, "issuetype": {"name": "Task"}, "summary": "hello"}})).await;
    assert_eq!(s, 201, "{b}");
    check("/rest/api/3/issue", "post", 201, &b);
    let key = b["key"].as_str().unwrap().to_string();
    let (s, b) = a
        .post("/issue", json!({"fields": {"project": {"key": "NOPE"}}}))
        .await;
    assert_eq!(s, 400);
    check("/rest/api/3/issue", "post", 400, &b);

    let (s, b) = a
        .put(
            &format!("/issue/{key}?returnIssue=true"),
            json!({"fields": {"summary": "changed"}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    check(i, "put", 200, &b);

    let sj = "/rest/api/3/search/jql";
    let (s, b) = a
        .get("/search/jql?jql=project%20%3D%20DEMO&fields=summary,status,assignee,description")
        .await;
    assert_eq!(s, 200);
    check(sj, "get", 200, &b);
    let (s, b) = a
        .post(
            "/search/jql",
            json!({"jql": "project = DEMO", "maxResults": 5}),
        )
        .await;
    assert_eq!(s, 200);
    check(sj, "post", 200, &b);
    let (s, b) = a.post("/search/jql", json!({"jql": "order by key"})).await;
    assert_eq!(s, 400);
    check(sj, "post", 400, &b);
    let (s, b) = a
        .post(
            "/search/approximate-count",
            json!({"jql": "project = DEMO"}),
        )
        .await;
    assert_eq!(s, 200);
    check("/rest/api/3/search/approximate-count", "post", 200, &b);
    let (s, b) = a
        .post(
            "/issue/bulkfetch",
            json!({"issueIdsOrKeys": ["DEMO-1", "DEMO-2"], "fields": ["summary"]}),
        )
        .await;
    assert_eq!(s, 200);
    check("/rest/api/3/issue/bulkfetch", "post", 200, &b);

    let (s, b) = a.get("/issue/DEMO-1/transitions").await;
    assert_eq!(s, 200);
    check(
        "/rest/api/3/issue/{issueIdOrKey}/transitions",
        "get",
        200,
        &b,
    );
    let (s, b) = a.get("/issue/DEMO-1/comment").await;
    assert_eq!(s, 200);
    check("/rest/api/3/issue/{issueIdOrKey}/comment", "get", 200, &b);
    let doc = json!({"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "hi"}]}]});
    let (s, b) = a.post("/issue/DEMO-1/comment", json!({"body": doc})).await;
    assert_eq!(s, 201);
    check("/rest/api/3/issue/{issueIdOrKey}/comment", "post", 201, &b);

    let cid = b["id"].as_str().unwrap().to_string();
    let ci = "/rest/api/3/issue/{issueIdOrKey}/comment/{id}";
    let (s, b) = a.get(&format!("/issue/DEMO-1/comment/{cid}")).await;
    assert_eq!(s, 200);
    check(ci, "get", 200, &b);
    let (s, b) = a
        .put(
            &format!("/issue/DEMO-1/comment/{cid}"),
            json!({"body": doc}),
        )
        .await;
    assert_eq!(s, 200);
    check(ci, "put", 200, &b);
    let (s, _) = a.delete(&format!("/issue/DEMO-1/comment/{cid}")).await;
    assert_eq!(s, 204);
    let (s, b) = a.get(&format!("/issue/DEMO-1/comment/{cid}")).await;
    assert_eq!(s, 404);
    check(ci, "get", 404, &b);
    // Through the gateway too.
    let t = f.mint_tokens(&["read:jira-work", "read:jira-user"]);
    let g = Api::gateway(&f, t["access_token"].as_str().unwrap());
    let (s, b) = g.get("/issue/DEMO-2").await;
    assert_eq!(s, 200);
    assert!(b["self"].as_str().unwrap().contains("/ex/jira/"));
    check(i, "get", 200, &b);
    let (s, b) = a.get("/issue/createmeta/DEMO/issuetypes").await;
    assert_eq!(s, 200);
    check(
        "/rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes",
        "get",
        200,
        &b,
    );
    let (s, b) = a.get("/issue/createmeta/DEMO/issuetypes/10002").await;
    assert_eq!(s, 200);
    check(
        "/rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}",
        "get",
        200,
        &b,
    );

    let (s, b) = a.get("/issue/DEMO-1/editmeta").await;
    assert_eq!(s, 200);
    assert!(b["fields"]["summary"]["required"].as_bool().unwrap());
    check("/rest/api/3/issue/{issueIdOrKey}/editmeta", "get", 200, &b);
    let (s, b) = a.get("/user?accountId=5b10a2844c20165700ede21g").await;
    assert_eq!(s, 200);
    assert_eq!(b["displayName"], "Mia Krystof");
    check("/rest/api/3/user", "get", 200, &b);
    let (s, b) = a.get("/user?accountId=nobody").await;
    assert_eq!(s, 404);
    check("/rest/api/3/user", "get", 404, &b);
    let (s, b) = a.get("/myself").await;
    assert_eq!(s, 200);
    check("/rest/api/3/myself", "get", 200, &b);
    let (s, b) = a.get("/project/search").await;
    assert_eq!(s, 200);
    check("/rest/api/3/project/search", "get", 200, &b);
    let (s, b) = a.get("/project/DEMO").await;
    assert_eq!(s, 200);
    check("/rest/api/3/project/{projectIdOrKey}", "get", 200, &b);
    let (s, b) = a.get("/project/NOPE").await;
    assert_eq!(s, 404);
    check("/rest/api/3/project/{projectIdOrKey}", "get", 404, &b);
    let (s, b) = a.get("/field").await;
    assert_eq!(s, 200);
    check("/rest/api/3/field", "get", 200, &b);
    let (s, b) = a.get("/serverInfo").await;
    assert_eq!(s, 200);
    check("/rest/api/3/serverInfo", "get", 200, &b);
    let (s, b) = a.get("/status").await;
    assert_eq!(s, 200);
    assert_eq!(b.as_array().map(Vec::len), Some(3));
    for st in b.as_array().unwrap() {
        common::check_schema("StatusDetails", st);
    }
    let (s, b) = a.get("/priority").await;
    assert_eq!(s, 200);
    check("/rest/api/3/priority", "get", 200, &b);
    let (s, b) = a.get("/user/search?query=mia").await;
    assert_eq!(s, 200);
    check("/rest/api/3/user/search", "get", 200, &b);
    let (s, b) = a.get("/user/assignable/search?project=DEMO").await;
    assert_eq!(s, 200);
    check("/rest/api/3/user/assignable/search", "get", 200, &b);

    // Versions and components: reorder, merge, delete, update.
    let mut ids = Vec::new();
    for name in ["c1", "c2", "c3"] {
        let (s, b) = a
            .post("/version", json!({"name": name, "projectId": 10000}))
            .await;
        assert_eq!(s, 201);
        check("/rest/api/3/version", "post", 201, &b);
        ids.push(b["id"].as_str().unwrap().to_string());
    }
    let vi = "/rest/api/3/version/{id}";
    let (s, b) = a.get(&format!("/version/{}", ids[0])).await;
    assert_eq!(s, 200);
    check(vi, "get", 200, &b);
    let mv = "/rest/api/3/version/{id}/move";
    let (s, b) = a
        .post(
            &format!("/version/{}/move", ids[2]),
            json!({"position": "First"}),
        )
        .await;
    assert_eq!(s, 200);
    check(mv, "post", 200, &b);
    let (s, b) = a
        .post(&format!("/version/{}/move", ids[2]), json!({}))
        .await;
    assert_eq!(s, 400);
    check(mv, "post", 400, &b);
    let (s, b) = a
        .put(
            &format!("/version/{}/mergeto/{}", ids[0], ids[1]),
            json!(null),
        )
        .await;
    assert_eq!((s, b), (204, serde_json::Value::Null));
    let (s, b) = a
        .post(&format!("/version/{}/removeAndSwap", ids[0]), json!({}))
        .await;
    assert_eq!(s, 404);
    check("/rest/api/3/version/{id}/removeAndSwap", "post", 404, &b);
    let (s, _) = a
        .post(
            &format!("/version/{}/removeAndSwap", ids[1]),
            json!({"moveFixIssuesTo": ids[2].parse::<u64>().unwrap()}),
        )
        .await;
    assert_eq!(s, 204);
    let (s, b) = a.delete(&format!("/version/{}", ids[1])).await;
    assert_eq!(s, 404);
    check(vi, "delete", 404, &b);
    let (s, b) = a
        .post("/component", json!({"name": "Contract", "project": "DEMO"}))
        .await;
    assert_eq!(s, 201);
    check("/rest/api/3/component", "post", 201, &b);
    let ci = "/rest/api/3/component/{id}";
    let cid = b["id"].as_str().unwrap().to_string();
    let (s, b) = a
        .put(
            &format!("/component/{cid}"),
            json!({"description": "checked"}),
        )
        .await;
    assert_eq!(s, 200);
    check(ci, "put", 200, &b);
    let (s, b) = a.get(&format!("/component/{cid}")).await;
    assert_eq!(s, 200);
    check(ci, "get", 200, &b);
    let (s, _) = a.delete(&format!("/component/{cid}")).await;
    assert_eq!(s, 204);
    let (s, b) = a.get(&format!("/component/{cid}")).await;
    assert_eq!(s, 404);
    check(ci, "get", 404, &b);
    let (s, b) = a.get("/attachment/thumbnail/999").await;
    assert_eq!(s, 404);
    check("/rest/api/3/attachment/thumbnail/{id}", "get", 404, &b);
}
