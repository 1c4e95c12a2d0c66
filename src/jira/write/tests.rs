//! The typed client against a scripted local server: paging, createmeta checks, lossy updates, DC shapes.

use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::jira::http::tests::{fast, TestAuth};
use crate::jira::testserver::{Recorded, Reply, Server};
use crate::jira::{DescriptionFormat, Http, SearchRequest, Site};

async fn client(
    flavor: Flavor,
    responder: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static,
) -> (JiraClient, Server) {
    let s = Server::start(responder).await;
    let site = match flavor {
        Flavor::Cloud => Site::cloud_basic(s.url.clone()),
        Flavor::DataCenter => Site::data_center(s.url.join("jira").unwrap()),
    };
    (
        JiraClient::new(Http::new(fast()).unwrap(), site, Arc::new(TestAuth::new(0))),
        s,
    )
}

fn issue(n: usize) -> Value {
    json!({"id": (10000 + n).to_string(), "key": format!("P-{n}"), "fields": {"summary": format!("s{n}")}})
}

#[tokio::test]
async fn cloud_search_follows_the_cursor() {
    let (c, s) = client(Flavor::Cloud, |_, r| {
        let b = r.json();
        let start: usize = b["nextPageToken"]
            .as_str()
            .map_or(0, |t| t.parse().unwrap());
        let end = (start + b["maxResults"].as_u64().unwrap() as usize).min(250);
        let mut page =
            json!({"issues": (start..end).map(issue).collect::<Vec<_>>(), "isLast": end == 250});
        if end < 250 {
            page["nextPageToken"] = json!(end.to_string());
        }
        Reply::Json(200, page)
    })
    .await;
    let req = SearchRequest {
        jql: "project = P".into(),
        reconcile_issues: vec![10001],
        ..Default::default()
    };
    let mut seen = vec![];
    let all = c.search_all(&req, 10_000, |n| seen.push(n)).await.unwrap();
    let keys: std::collections::HashSet<_> = all.issues.iter().map(|i| i["key"].clone()).collect();
    assert_eq!(
        (all.issues.len(), keys.len(), all.is_last),
        (250, 250, true)
    );
    assert_eq!(seen, [100, 200, 250]);
    let reqs = s.requests();
    assert_eq!(reqs.len(), 3);
    assert!(reqs
        .iter()
        .all(|r| r.method == "POST" && r.target == "/rest/api/3/search/jql"));
    assert_eq!(reqs[0].json()["reconcileIssues"], json!([10001]));
    assert_eq!(
        reqs[1].json()["reconcileIssues"],
        json!([10001]),
        "the same list on every page"
    );
    assert!(reqs[0].json()["fields"]
        .as_array()
        .unwrap()
        .contains(&json!("summary")));

    let capped = c.search_all(&req, 150, |_| {}).await.unwrap();
    assert_eq!(
        (capped.issues.len(), capped.is_last, capped.next_page_token),
        (150, false, None)
    );
    let page = c
        .search(&SearchRequest {
            max_results: Some(100),
            ..req
        })
        .await
        .unwrap();
    assert_eq!(
        (
            page.issues.len(),
            page.next_page_token.as_deref(),
            page.is_last
        ),
        (100, Some("100"), false)
    );
}

#[tokio::test]
async fn dc_search_uses_offsets_and_the_servers_page_size() {
    let (c, s) = client(Flavor::DataCenter, |_, r| {
        let start = r.json()["startAt"].as_u64().unwrap() as usize;
        let end = (start + 30).min(75); // the server caps maxResults at 30
        Reply::Json(200, json!({"startAt": start, "maxResults": 30, "total": 75, "issues": (start..end).map(issue).collect::<Vec<_>>()}))
    })
    .await;
    let all = c
        .search_all(
            &SearchRequest {
                jql: "x".into(),
                ..Default::default()
            },
            10_000,
            |_| {},
        )
        .await
        .unwrap();
    assert_eq!(
        (all.issues.len(), all.total, all.is_last),
        (75, Some(75), true)
    );
    let starts: Vec<Value> = s
        .requests()
        .iter()
        .map(|r| r.json()["startAt"].clone())
        .collect();
    assert_eq!(starts, [json!(0), json!(30), json!(60)]);
    assert_eq!(s.requests()[0].target, "/jira/rest/api/2/search");
}

#[tokio::test]
async fn a_removed_search_is_an_error_not_an_empty_list() {
    let (c, _s) = client(Flavor::Cloud, |_, _| {
        Reply::Json(
            410,
            json!({"errorMessages": ["The requested API has been removed."], "errors": {}}),
        )
    })
    .await;
    let e = c
        .search(&SearchRequest {
            jql: "x".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "upstreamRemoved");
    let (c, _s) = client(Flavor::Cloud, |_, _| {
        Reply::Json(200, json!({"errorMessages": []}))
    })
    .await;
    assert!(c.search(&SearchRequest::default()).await.is_err());
}

fn createmeta(_: usize, r: &Recorded) -> Reply {
    match (r.method.as_str(), r.target.split('?').next().unwrap()) {
        ("GET", "/rest/api/3/issue/createmeta/P/issuetypes") => Reply::Json(
            200,
            json!({"issueTypes": [{"id": "10001", "name": "Task"}, {"id": "10002", "name": "Bug"}], "startAt": 0, "maxResults": 200, "total": 2}),
        ),
        ("GET", "/rest/api/3/issue/createmeta/P/issuetypes/10002") => Reply::Json(
            200,
            json!({"fields": [
            {"fieldId": "summary", "key": "summary", "name": "Summary", "required": true, "operations": ["set"], "schema": {"type": "string"}},
            {"fieldId": "description", "key": "description", "name": "Description", "required": false, "operations": ["set"], "schema": {"type": "string"}},
            {"fieldId": "customfield_10050", "key": "customfield_10050", "name": "Severity", "required": true, "operations": ["set"], "schema": {"type": "option"}, "allowedValues": [{"id": "1", "value": "Sev1"}, {"id": "2", "value": "Sev2"}]}
        ], "startAt": 0, "maxResults": 200, "total": 3}),
        ),
        ("POST", "/rest/api/3/issue") => {
            Reply::Json(201, json!({"id": "10100", "key": "P-7", "self": "x"}))
        }
        _ => Reply::Json(404, json!({"errorMessages": ["nope"], "errors": {}})),
    }
}

#[tokio::test]
async fn create_checks_createmeta_first() {
    let (c, s) = client(Flavor::Cloud, createmeta).await;
    let mut new = NewIssue {
        project: "P".into(),
        issue_type: "bug".into(),
        summary: "S".into(),
        description: Some(RichText::Markdown("**hi**".into())),
        ..Default::default()
    };
    let e = c.create(&new).await.unwrap_err();
    assert_eq!(
        e.messages().unwrap().errors["customfield_10050"],
        "Severity is required; allowed values: Sev1, Sev2"
    );
    new.fields.insert("severity".into(), json!("Sev9"));
    let e = c.create(&new).await.unwrap_err();
    assert!(
        e.to_string()
            .contains("'Sev9' is not an allowed value of Severity; allowed values: Sev1, Sev2"),
        "{e}"
    );
    assert!(
        s.requests().iter().all(|r| r.method == "GET"),
        "nothing sent"
    );
    assert_eq!(s.requests().len(), 2, "createmeta is cached");
    new.fields.insert("severity".into(), json!("sev2"));
    let created = c.create(&new).await.unwrap();
    assert_eq!(
        created,
        Created {
            id: "10100".into(),
            key: "P-7".into(),
            url: format!("{}browse/P-7", s.url)
        }
    );
    let body = s.requests().last().unwrap().json();
    assert_eq!(body["fields"]["customfield_10050"], json!({"id": "2"}));
    assert_eq!(body["fields"]["issuetype"], json!({"id": "10002"}));
    assert_eq!(body["fields"]["project"], json!({"key": "P"}));
    assert_eq!(
        body["fields"]["description"]["content"][0]["content"][0]["marks"],
        json!([{"type": "strong"}])
    );
    new.issue_type = "Epic".into();
    assert!(c
        .create(&new)
        .await
        .unwrap_err()
        .to_string()
        .contains("allowed values: Task, Bug"));
}

#[tokio::test]
async fn markdown_over_rich_adf_is_refused_unless_forced() {
    let (c, s) = client(Flavor::Cloud, |_, r| match r.method.as_str() {
        "GET" => Reply::Json(200, json!({"id": "1", "key": "P-1", "fields": {"description": {"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "mention", "attrs": {"id": "a", "text": "@Mia"}}]}]}}})),
        _ => Reply::Json(204, Value::Null),
    })
    .await;
    let mut upd = IssueUpdate {
        description: Some(RichText::Markdown("plain".into())),
        add_labels: vec!["x".into()],
        ..Default::default()
    };
    let e = c
        .update("P-1", &upd, &EditOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, JiraError::LossyUpdate { nodes } if nodes == &["mention"]),
        "{e:?}"
    );
    upd.force = true;
    assert_eq!(
        c.update("P-1", &upd, &EditOptions::default())
            .await
            .unwrap(),
        None
    );
    let put = s
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(put.target, "/rest/api/3/issue/P-1");
    assert_eq!(put.json()["update"], json!({"labels": [{"add": "x"}]}));
    assert_eq!(put.json()["fields"]["description"]["type"], "doc");
}

#[tokio::test]
async fn dc_shapes_and_safe_paths() {
    let (c, s) = client(Flavor::DataCenter, |_, r| match r.method.as_str() {
        "GET" if r.target.contains("transitions") => Reply::Json(
            200,
            json!({"transitions": [{"id": "21", "name": "Start", "to": {"name": "In Progress"}}]}),
        ),
        "GET" => Reply::Json(
            200,
            json!({"id": "1", "key": "D-1", "fields": {"summary": "s"}}),
        ),
        _ => Reply::Json(204, Value::Null),
    })
    .await;
    let upd = IssueUpdate {
        description: Some(RichText::Markdown("# T".into())),
        assignee: Some(Some("jdoe".into())),
        force: true,
        ..Default::default()
    };
    let opts = EditOptions {
        return_issue: true,
        ..Default::default()
    };
    let got = c.update("D-1", &upd, &opts).await.unwrap().unwrap();
    assert_eq!(got["key"], "D-1", "DC ignores returnIssue: fetched after");
    let put = s
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(
        put.json()["fields"],
        json!({"description": "h1. T", "assignee": {"name": "jdoe"}})
    );
    c.transition(
        "D-1",
        "in progress",
        Some(&RichText::Markdown("go".into())),
        &Map::new(),
    )
    .await
    .unwrap();
    let post = s
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(
        post.json(),
        json!({"transition": {"id": "21"}, "update": {"comment": [{"add": {"body": "go"}}]}})
    );
    assert!(c
        .transition("D-1", "Done", None, &Map::new())
        .await
        .unwrap_err()
        .to_string()
        .contains("available: Start (→ In Progress)"));
    c.get_issue("A/../../x?y", &[], &[]).await.unwrap();
    assert_eq!(
        s.requests().last().unwrap().target,
        "/jira/rest/api/2/issue/A%2F..%2F..%2Fx%3Fy"
    );
}

#[tokio::test]
async fn list_and_get_normalize_with_field_names() {
    let (c, s) = client(Flavor::Cloud, |_, r| match (r.method.as_str(), r.target.split('?').next().unwrap()) {
        ("GET", "/rest/api/3/field") => Reply::Json(200, json!([{"id": "customfield_10016", "name": "Story Points", "custom": true}, {"id": "summary", "name": "Summary"}])),
        ("GET", _) => Reply::Json(200, json!({"id": "1", "key": "P-1", "names": {"customfield_10016": "Story Points"}, "fields": {"summary": "s", "customfield_10016": 3}})),
        _ => Reply::Json(200, json!({"issues": [issue(1)], "isLast": true, "names": {"summary": "Summary"}})),
    })
    .await;
    let i = c
        .issue(
            "P-1",
            &["summary".into(), "Story Points".into()],
            &[],
            DescriptionFormat::Markdown,
        )
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&i).unwrap()["fields"],
        json!({"customfield_10016": 3, "Story Points": 3})
    );
    assert!(s
        .requests()
        .last()
        .unwrap()
        .target
        .contains("fields=summary%2Ccustomfield_10016&expand=names"));
    let f = crate::jira::Filters {
        status: vec!["To Do\" OR x".into()],
        ..Default::default()
    };
    let l = c
        .list(&f, &crate::jira::ListOptions::default(), |_| {})
        .await
        .unwrap();
    assert_eq!(
        (l.issues[0].key.as_str(), l.is_last, l.next_page_token),
        ("P-1", true, None)
    );
    let body = s.requests().last().unwrap().json();
    assert_eq!(
        body["jql"],
        r#"status = "To Do\" OR x" ORDER BY created DESC, key DESC"#
    );
    assert_eq!(body["expand"], "names");
}

#[tokio::test]
async fn dc_createmeta_and_projects() {
    let (c, s) = client(Flavor::DataCenter, |_, r| match r.target.split('?').next().unwrap() {
        "/jira/rest/api/2/issue/createmeta/D/issuetypes" => {
            let start: usize = r.target.split("startAt=").nth(1).and_then(|x| x.split('&').next()).unwrap().parse().unwrap();
            let all = [json!({"id": "1", "name": "Bug"}), json!({"id": "2", "name": "Task"})];
            Reply::Json(200, json!({"values": [all[start].clone()], "startAt": start, "maxResults": 1, "total": 2, "isLast": start == 1}))
        }
        "/jira/rest/api/2/project" => Reply::Json(200, json!([{"key": "D", "name": "Dev"}, {"key": "OPS", "name": "Operations"}])),
        _ => Reply::Json(404, json!({"errorMessages": ["No project could be found with key 'X'."], "errors": {}})),
    })
    .await;
    let types = c.issue_types("D").await.unwrap();
    assert_eq!(
        types
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["Bug", "Task"]
    );
    assert_eq!(c.projects(Some("oper")).await.unwrap().len(), 1);
    let e = c.project("X").await.unwrap_err();
    assert_eq!(
        (
            e.kind(),
            e.to_string().contains("No project could be found")
        ),
        ("notFound", true)
    );
    assert_eq!(s.requests().len(), 4);
}
