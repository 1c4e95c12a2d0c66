//! Jira Software's API (`/rest/agile/1.0`): every success and error response of the implemented
//! routes against the official Jira Software OpenAPI document, and the rules a client meets:
//! one active sprint per board, closed sprints refuse edits, 50 issues a call, kanban boards
//! have no sprints, ranks keep a stable order, closing a sprint sends its open issues to the
//! backlog. On the Cloud site, through the gateway and on Data Center.

mod common;

use common::{check_software, check_sprint_page, start, Api};
use serde_json::{json, Value};

const B: &str = "/rest/agile/1.0";

fn keys(page: &Value) -> Vec<String> {
    page["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn all_keys(a: &Api, path: &str) -> Vec<String> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let (s, b) = a
        .get(&format!("{path}{sep}fields=summary&maxResults=100"))
        .await;
    assert_eq!(s, 200, "{path}: {b}");
    keys(&b)
}

/// The keys a JQL search finds (`search/jql` on Cloud, `search` on Data Center).
async fn search(p: &Api, jql: &str) -> Vec<String> {
    let (s, b) = if p.base.contains("/dc/") {
        p.post(
            "/search",
            json!({"jql": jql, "fields": ["summary"], "maxResults": 100}),
        )
        .await
    } else {
        p.post(
            "/search/jql",
            json!({"jql": jql, "fields": ["summary"], "maxResults": 100}),
        )
        .await
    };
    assert_eq!(s, 200, "{jql}: {b}");
    keys(&b)
}

fn later(days: i64) -> String {
    // Far enough from the seed's dates to never collide with them.
    format!("2031-01-{:02}T09:00:00.000+01:00", 1 + days)
}

#[tokio::test]
async fn responses_match_the_jira_software_document() {
    let f = start().await;
    let a = Api::site(&f).agile();

    let (s, b) = a.get("/board").await;
    assert_eq!(s, 200, "{b}");
    check_software(&format!("{B}/board"), "get", 200, &b, None, &[]);
    assert_eq!(b["total"], 2);
    let (s, b) = a.get("/board?projectKeyOrId=NOPE").await;
    assert_eq!(s, 400);
    check_software(&format!("{B}/board"), "get", 400, &b, None, &[]);

    let bp = format!("{B}/board/{{boardId}}");
    let (s, b) = a.get("/board/1").await;
    assert_eq!(s, 200);
    check_software(&bp, "get", 200, &b, None, &[]);
    let (s, b) = a.get("/board/99").await;
    assert_eq!(s, 404);
    check_software(&bp, "get", 404, &b, None, &[]);

    for id in [1, 2] {
        let (s, b) = a.get(&format!("/board/{id}/configuration")).await;
        assert_eq!(s, 200);
        check_software(&format!("{bp}/configuration"), "get", 200, &b, None, &[]);
    }
    let (s, b) = a.get("/board/99/configuration").await;
    assert_eq!(s, 404);
    check_software(&format!("{bp}/configuration"), "get", 404, &b, None, &[]);

    let (s, b) = a.get("/board/1/sprint").await;
    assert_eq!(s, 200);
    check_sprint_page(&b);
    let (s, b) = a.get("/board/2/sprint").await;
    assert_eq!(s, 400);
    check_software(&format!("{bp}/sprint"), "get", 400, &b, None, &[]);
    let (s, b) = a.get("/board/99/sprint").await;
    assert_eq!(s, 404);
    check_software(&format!("{bp}/sprint"), "get", 404, &b, None, &[]);

    let sp = format!("{B}/sprint/{{sprintId}}");
    let (s, b) = a.get("/sprint/2").await;
    assert_eq!(s, 200);
    check_software(&sp, "get", 200, &b, Some("SprintBean"), &[]);
    let (s, b) = a.get("/sprint/99").await;
    assert_eq!(s, 404);
    check_software(&sp, "get", 404, &b, None, &[]);

    for (path, doc) in [
        ("/board/1/issue", format!("{bp}/issue")),
        ("/board/1/backlog", format!("{bp}/backlog")),
        ("/sprint/2/issue", format!("{sp}/issue")),
        (
            "/epic/DEMO-21/issue",
            format!("{B}/epic/{{epicIdOrKey}}/issue"),
        ),
        ("/epic/none/issue", format!("{B}/epic/none/issue")),
    ] {
        let (s, b) = a.get(path).await;
        assert_eq!(s, 200, "{path}: {b}");
        assert!(b["total"].as_u64().unwrap() > 0, "{path}: {b}");
        // The issue lists are search-shaped (the document's own examples disagree there).
        check_software(&doc, "get", 200, &b, Some("SearchResults"), &[]);
    }
    let (s, b) = a.get("/board/99/backlog").await;
    assert_eq!(s, 404);
    check_software(&format!("{bp}/backlog"), "get", 404, &b, None, &[]);
    let (s, b) = a.get("/board/1/issue?jql=summary%20~").await;
    assert_eq!(s, 400);
    check_software(&format!("{bp}/issue"), "get", 400, &b, None, &[]);
    let (s, b) = a.get("/sprint/99/issue").await;
    assert_eq!(s, 404);
    check_software(&format!("{sp}/issue"), "get", 404, &b, None, &[]);

    let (s, b) = a.get("/board/1/epic").await;
    assert_eq!(s, 200);
    // Jira sends the epic's key too, which the document's example leaves out.
    check_software(&format!("{bp}/epic"), "get", 200, &b, None, &["key"]);
    let (s, b) = a.get("/board/1/epic?done=maybe").await;
    assert_eq!(s, 400);
    check_software(&format!("{bp}/epic"), "get", 400, &b, None, &[]);
    let ep = format!("{B}/epic/{{epicIdOrKey}}");
    let (s, b) = a.get("/epic/DEMO-21").await;
    assert_eq!(s, 200);
    check_software(&ep, "get", 200, &b, None, &["key"]);
    let (s, b) = a.get("/epic/DEMO-1").await;
    assert_eq!(s, 404, "not an epic");
    check_software(&ep, "get", 404, &b, None, &[]);

    let (s, b) = a.get("/issue/DEMO-4").await;
    assert_eq!(s, 200);
    check_software(
        &format!("{B}/issue/{{issueIdOrKey}}"),
        "get",
        200,
        &b,
        Some("IssueBean"),
        &[],
    );
    let (s, b) = a.get("/issue/NOPE-1").await;
    assert_eq!(s, 404);
    check_software(
        &format!("{B}/issue/{{issueIdOrKey}}"),
        "get",
        404,
        &b,
        None,
        &[],
    );

    // Writes.
    let (s, b) = a
        .post(
            "/sprint",
            json!({"name": " Contract ", "originBoardId": 1, "goal": "g"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    check_software(
        &format!("{B}/sprint"),
        "post",
        201,
        &b,
        Some("SprintBean"),
        &[],
    );
    assert_eq!(b["name"], "Contract");
    assert_eq!(b["state"], "future");
    let new = b["id"].as_u64().unwrap();
    let (s, b) = a
        .post("/sprint", json!({"name": "x", "originBoardId": 2}))
        .await;
    assert_eq!(s, 400);
    check_software(&format!("{B}/sprint"), "post", 400, &b, None, &[]);
    let (s, b) = a
        .post("/sprint", json!({"name": "x", "originBoardId": 99}))
        .await;
    assert_eq!(s, 404);
    check_software(&format!("{B}/sprint"), "post", 404, &b, None, &[]);

    let (s, b) = a
        .post(&format!("/sprint/{new}"), json!({"goal": "better"}))
        .await;
    assert_eq!(s, 200, "{b}");
    check_software(&sp, "post", 200, &b, Some("SprintBean"), &[]);
    let (s, b) = a
        .post(&format!("/sprint/{new}"), json!({"state": "active"}))
        .await;
    assert_eq!(s, 400);
    check_software(&sp, "post", 400, &b, None, &[]);
    let (s, b) = a.post("/sprint/99", json!({"goal": "x"})).await;
    assert_eq!(s, 404);
    check_software(&sp, "post", 404, &b, None, &[]);
    let (s, b) = a
        .put(&format!("/sprint/{new}"), json!({"name": "Replaced"}))
        .await;
    assert_eq!(s, 200, "{b}");
    check_software(&sp, "put", 200, &b, Some("SprintBean"), &[]);
    assert!(
        b.get("goal").is_none(),
        "PUT clears what it leaves out: {b}"
    );
    let (s, b) = a.put(&format!("/sprint/{new}"), json!({"goal": "x"})).await;
    assert_eq!(s, 400);
    check_software(&sp, "put", 400, &b, None, &[]);
    let (s, b) = a.put("/sprint/99", json!({"name": "x"})).await;
    assert_eq!(s, 404);
    check_software(&sp, "put", 404, &b, None, &[]);

    let (s, _) = a
        .post(
            &format!("/sprint/{new}/issue"),
            json!({"issues": ["DEMO-18"], "rankBeforeIssue": "DEMO-4"}),
        )
        .await;
    assert_eq!(s, 204);
    let (s, b) = a
        .post("/sprint/1/issue", json!({"issues": ["DEMO-18"]}))
        .await;
    assert_eq!(s, 400);
    check_software(&format!("{sp}/issue"), "post", 400, &b, None, &[]);
    let (s, b) = a
        .post("/sprint/99/issue", json!({"issues": ["DEMO-18"]}))
        .await;
    assert_eq!(s, 404);
    check_software(&format!("{sp}/issue"), "post", 404, &b, None, &[]);

    let (s, _) = a
        .post("/backlog/issue", json!({"issues": ["DEMO-18"]}))
        .await;
    assert_eq!(s, 204);
    let fifty_one: Vec<String> = (0..51).map(|n| format!("DEMO-{}", n + 1)).collect();
    let (s, b) = a.post("/backlog/issue", json!({"issues": fifty_one})).await;
    assert_eq!(s, 400);
    check_software(&format!("{B}/backlog/issue"), "post", 400, &b, None, &[]);

    let rank = format!("{B}/issue/rank");
    let (s, _) = a
        .put(
            "/issue/rank",
            json!({"issues": ["DEMO-5"], "rankAfterIssue": "DEMO-1"}),
        )
        .await;
    assert_eq!(s, 204);
    let (s, b) = a
        .put(
            "/issue/rank",
            json!({"issues": ["DEMO-5", "DEMO-999"], "rankBeforeIssue": "DEMO-1"}),
        )
        .await;
    assert_eq!(s, 207, "{b}");
    check_software(&rank, "put", 207, &b, Some("PartialSuccessBean"), &[]);
    let (s, b) = a.put("/issue/rank", json!({"issues": ["DEMO-5"]})).await;
    assert_eq!(s, 400);
    check_software(&rank, "put", 400, &b, None, &[]);

    let mv = format!("{B}/epic/{{epicIdOrKey}}/issue");
    let (s, _) = a
        .post("/epic/DEMO-22/issue", json!({"issues": ["DEMO-18"]}))
        .await;
    assert_eq!(s, 204);
    let (s, b) = a
        .post("/epic/DEMO-22/issue", json!({"issues": ["DEMO-2"]}))
        .await;
    assert_eq!(s, 400, "a sub-task");
    check_software(&mv, "post", 400, &b, None, &[]);
    let (s, b) = a
        .post("/epic/DEMO-1/issue", json!({"issues": ["DEMO-18"]}))
        .await;
    assert_eq!(s, 404);
    check_software(&mv, "post", 404, &b, None, &[]);
    let (s, _) = a
        .post("/epic/none/issue", json!({"issues": ["DEMO-18"]}))
        .await;
    assert_eq!(s, 204);
    let (s, b) = a
        .post("/epic/none/issue", json!({"issues": ["NOPE-1"]}))
        .await;
    assert_eq!(s, 400);
    check_software(&format!("{B}/epic/none/issue"), "post", 400, &b, None, &[]);

    let (s, _) = a.delete(&format!("/sprint/{new}")).await;
    assert_eq!(s, 204);
    let (s, b) = a.delete(&format!("/sprint/{new}")).await;
    assert_eq!(s, 404);
    check_software(&sp, "delete", 404, &b, None, &[]);
}

#[tokio::test]
async fn boards_filter_and_page_and_kanban_boards_have_no_sprints() {
    let f = start().await;
    for a in [Api::site(&f).agile(), Api::dc(&f).agile()] {
        let (_, b) = a.get("/board?projectKeyOrId=OPS").await;
        assert_eq!(b["values"][0]["name"], "OPS board");
        assert_eq!(b["total"], 1);
        let (_, b) = a.get("/board?projectKeyOrId=10000").await;
        assert_eq!(b["values"][0]["id"], 1);
        let (_, b) = a.get("/board?type=kanban").await;
        assert_eq!(b["values"][0]["type"], "kanban");
        let (_, b) = a.get("/board?name=demo").await;
        assert_eq!(b["values"][0]["location"]["projectKey"], "DEMO");
        let (s, b) = a.get("/board?type=wall").await;
        assert_eq!(s, 400, "{b}");
        let (_, b) = a.get("/board?maxResults=1").await;
        assert_eq!(
            (b["total"].as_u64(), b["isLast"].as_bool()),
            (Some(2), Some(false))
        );
        let (_, b) = a.get("/board?startAt=1&maxResults=1").await;
        assert_eq!(b["isLast"], true);
        assert_eq!(b["values"][0]["id"], 2);

        let (_, c) = a.get("/board/1/configuration").await;
        let cols: Vec<&str> = c["columnConfig"]["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(cols, ["To Do", "In Progress", "Done"]);
        assert_eq!(
            c["columnConfig"]["columns"][2]["statuses"][0]["id"],
            "10001"
        );
        assert_eq!(c["estimation"]["field"]["fieldId"], "customfield_10011");
        assert_eq!(c["ranking"]["rankCustomFieldId"], 10019);
        let (_, c) = a.get("/board/2/configuration").await;
        assert!(c.get("estimation").is_none());
        assert!(c["subQuery"]["query"].is_string());

        for path in ["/board/2/sprint", "/board/2/sprint/2/issue"] {
            let (s, b) = a.get(path).await;
            assert_eq!(s, 400, "{path}");
            assert_eq!(b["errorMessages"][0], "The board does not support sprints");
        }
        let (s, b) = a
            .post("/sprint", json!({"name": "K", "originBoardId": 2}))
            .await;
        assert_eq!(
            (s, b["errorMessages"][0].as_str()),
            (400, Some("The board does not support sprints"))
        );

        let (_, b) = a.get("/board/1/sprint?state=active").await;
        assert_eq!(b["total"], 1);
        assert_eq!(b["values"][0]["goal"], "Ship the audit log");
        let (_, b) = a.get("/board/1/sprint?state=closed,future").await;
        let states: Vec<&str> = b["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["state"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["closed", "future"]);
        assert!(b["values"][0]["completeDate"].is_string());
        assert!(b["values"][1].get("startDate").is_none());
        let (s, _) = a.get("/board/1/sprint?state=done").await;
        assert_eq!(s, 400);
    }
}

#[tokio::test]
async fn sprint_state_machine_one_active_sprint_and_closing_sends_open_issues_to_the_backlog() {
    let f = start().await;
    for (a, p) in [
        (Api::site(&f).agile(), Api::site(&f)),
        (Api::dc(&f).agile(), Api::dc(&f)),
    ] {
        f.control("POST", "reset", Value::Null).await;
        let (_, b) = a
            .post("/sprint", json!({"name": "Next", "originBoardId": 1}))
            .await;
        let next = b["id"].as_u64().unwrap();
        let path = format!("/sprint/{next}");
        // Starting needs both dates.
        let (s, b) = a
            .post(&path, json!({"state": "active", "startDate": later(0)}))
            .await;
        assert_eq!(s, 400, "{b}");
        // One active sprint per board.
        let (s, b) = a
            .post(
                &path,
                json!({"state": "active", "startDate": later(0), "endDate": later(14)}),
            )
            .await;
        assert_eq!(s, 400, "{b}");
        assert!(
            b["errorMessages"][0]
                .as_str()
                .unwrap()
                .contains("one active sprint"),
            "{b}"
        );
        // Future cannot close.
        let (s, _) = a.post(&path, json!({"state": "closed"})).await;
        assert_eq!(s, 400);
        let (s, b) = a
            .post(&path, json!({"endDate": later(1), "startDate": later(2)}))
            .await;
        assert_eq!(s, 400, "end before start: {b}");
        let (s, b) = a.post(&path, json!({"completeDate": later(2)})).await;
        assert_eq!(s, 400, "{b}");

        // Close the active sprint: its unfinished issues leave for the backlog, the done ones stay.
        let before_sprint = all_keys(&a, "/sprint/2/issue").await;
        let open_in_2 = search(&p, "sprint in openSprints() AND status != Done").await;
        assert!(!open_in_2.is_empty());
        let (s, b) = a.post("/sprint/2", json!({"state": "closed"})).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["state"], "closed");
        assert!(b["completeDate"].is_string());
        let backlog = all_keys(&a, "/board/1/backlog").await;
        assert!(search(&p, "sprint in openSprints()").await.is_empty());
        for k in &open_in_2 {
            // Sub-tasks are listed with their parents, not in the backlog itself.
            let (_, i) = p.get(&format!("/issue/{k}?fields=issuetype")).await;
            if i["fields"]["issuetype"]["subtask"] == true {
                continue;
            }
            assert!(backlog.contains(k), "{k} not in the backlog {backlog:?}");
        }
        // The closed sprint still lists what it held, as Jira's sprint report does.
        assert_eq!(all_keys(&a, "/sprint/2/issue").await, before_sprint);
        let (_, i) = a.get(&format!("/issue/{}", open_in_2[0])).await;
        assert!(i["fields"]["sprint"].is_null(), "{}", i["fields"]);
        assert!(i["fields"]["closedSprints"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == 2));

        // A closed sprint refuses every edit, reopening included.
        for body in [json!({"name": "again"}), json!({"state": "active"})] {
            let (s, b) = a.post("/sprint/2", body).await;
            assert_eq!(s, 400, "{b}");
        }
        let (s, _) = a.put("/sprint/2", json!({"name": "again"})).await;
        assert_eq!(s, 400);
        let (s, _) = a
            .post("/sprint/2/issue", json!({"issues": ["DEMO-18"]}))
            .await;
        assert_eq!(s, 400);

        // Now the next one can start.
        let (s, b) = a
            .post(
                &path,
                json!({"state": "active", "startDate": later(0), "endDate": later(14)}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["startDate"].as_str().unwrap()[..16], *"2031-01-01T08:00");
        let (_, b) = a.get("/board/1/sprint?state=active").await;
        assert_eq!(b["values"][0]["id"], next);
        let (s, _) = a.post(&path, json!({"state": "future"})).await;
        assert_eq!(s, 400, "active cannot go back");

        // Deleting a sprint sends its issues to the backlog.
        let (_, b) = a
            .post("/sprint", json!({"name": "Doomed", "originBoardId": 1}))
            .await;
        let doomed = b["id"].as_u64().unwrap();
        let (s, _) = a
            .post(
                &format!("/sprint/{doomed}/issue"),
                json!({"issues": ["DEMO-19"]}),
            )
            .await;
        assert_eq!(s, 204);
        assert!(!all_keys(&a, "/board/1/backlog")
            .await
            .contains(&"DEMO-19".to_string()));
        let (s, _) = a.delete(&format!("/sprint/{doomed}")).await;
        assert_eq!(s, 204);
        assert!(all_keys(&a, "/board/1/backlog")
            .await
            .contains(&"DEMO-19".to_string()));
        let (s, _) = a.delete("/sprint/2").await;
        assert_eq!(s, 400, "a closed sprint stays");
    }
}

#[tokio::test]
async fn moving_issues_between_sprints_and_the_backlog() {
    let f = start().await;
    for (a, p) in [
        (Api::site(&f).agile(), Api::site(&f)),
        (Api::dc(&f).agile(), Api::dc(&f)),
    ] {
        f.control("POST", "reset", Value::Null).await;
        let (_, before) = p.get("/issue/DEMO-18?fields=updated").await;
        let (s, b) = a
            .post("/sprint/2/issue", json!({"issues": ["DEMO-18", "DEMO-19"]}))
            .await;
        assert_eq!(s, 204, "{b}");
        let sprint2 = all_keys(&a, "/sprint/2/issue").await;
        assert!(
            sprint2.contains(&"DEMO-18".to_string()) && sprint2.contains(&"DEMO-19".to_string())
        );
        assert!(!all_keys(&a, "/board/1/backlog")
            .await
            .contains(&"DEMO-18".to_string()));
        let (_, after) = p
            .get("/issue/DEMO-18?fields=updated,customfield_10020")
            .await;
        assert_ne!(
            before["fields"]["updated"], after["fields"]["updated"],
            "a move is an edit"
        );
        // The platform issue shows the sprint: objects on Cloud, Java strings on Data Center.
        let field = &after["fields"]["customfield_10020"][0];
        if p.base.contains("/dc/") {
            let s = field.as_str().unwrap();
            assert!(
                s.starts_with("com.atlassian.greenhopper.service.sprint.Sprint@"),
                "{s}"
            );
            assert!(
                s.contains(",id=2,")
                    && s.contains("state=ACTIVE")
                    && s.contains("name=DEMO Sprint 2"),
                "{s}"
            );
        } else {
            assert_eq!(
                (field["id"].as_u64(), field["state"].as_str()),
                (Some(2), Some("active"))
            );
        }
        // Future sprint, then back to the backlog.
        let (s, _) = a
            .post("/sprint/3/issue", json!({"issues": ["DEMO-18"]}))
            .await;
        assert_eq!(s, 204);
        assert!(all_keys(&a, "/sprint/3/issue")
            .await
            .contains(&"DEMO-18".to_string()));
        assert!(!all_keys(&a, "/sprint/2/issue")
            .await
            .contains(&"DEMO-18".to_string()));
        let (s, _) = a
            .post("/backlog/issue", json!({"issues": ["DEMO-18", "DEMO-19"]}))
            .await;
        assert_eq!(s, 204);
        let backlog = all_keys(&a, "/board/1/backlog").await;
        assert!(
            backlog.contains(&"DEMO-18".to_string()) && backlog.contains(&"DEMO-19".to_string())
        );

        // Limits and refusals, nothing moved by a refused call.
        let many: Vec<String> = (1..=51).map(|n| format!("DEMO-{n}")).collect();
        for path in [
            "/sprint/2/issue",
            "/backlog/issue",
            "/epic/DEMO-21/issue",
            "/epic/none/issue",
        ] {
            let (s, b) = a.post(path, json!({"issues": many})).await;
            assert_eq!(s, 400, "{path}: {b}");
        }
        let (s, _) = a
            .put(
                "/issue/rank",
                json!({"issues": many, "rankBeforeIssue": "DEMO-1"}),
            )
            .await;
        assert_eq!(s, 400);
        let (s, _) = a
            .post("/sprint/2/issue", json!({"issues": ["DEMO-18", "NOPE-9"]}))
            .await;
        assert_eq!(s, 400);
        assert!(all_keys(&a, "/board/1/backlog")
            .await
            .contains(&"DEMO-18".to_string()));
        let (s, _) = a.post("/sprint/2/issue", json!({"issues": ["DEMO-18"], "rankBeforeIssue": "DEMO-1", "rankAfterIssue": "DEMO-4"})).await;
        assert_eq!(s, 400);
        let (s, _) = a
            .post(
                "/sprint/2/issue",
                json!({"issues": ["DEMO-18"], "bogus": 1}),
            )
            .await;
        assert_eq!(s, 400);

        // A move can rank: DEMO-18 lands right before DEMO-4 in the sprint.
        let (s, _) = a
            .post(
                "/sprint/2/issue",
                json!({"issues": ["DEMO-18"], "rankBeforeIssue": "DEMO-4"}),
            )
            .await;
        assert_eq!(s, 204);
        let order = all_keys(&a, "/sprint/2/issue").await;
        let at = |k: &str| order.iter().position(|x| x == k).unwrap();
        assert_eq!(at("DEMO-18") + 1, at("DEMO-4"), "{order:?}");

        // Through the platform edit: the sprint id as a number.
        let (s, b) = p
            .put(
                "/issue/DEMO-20",
                json!({"fields": {"customfield_10020": 3}}),
            )
            .await;
        assert_eq!(s, 204, "{b}");
        assert!(all_keys(&a, "/sprint/3/issue")
            .await
            .contains(&"DEMO-20".to_string()));
        let (s, b) = p
            .put(
                "/issue/DEMO-20",
                json!({"fields": {"customfield_10020": "3"}}),
            )
            .await;
        assert_eq!(s, 400);
        assert_eq!(
            b["errors"]["customfield_10020"],
            "Number value expected as the Sprint id."
        );
        let (s, _) = p
            .put(
                "/issue/DEMO-20",
                json!({"fields": {"customfield_10020": 1}}),
            )
            .await;
        assert_eq!(s, 400, "a closed sprint");
        let (s, _) = p
            .put(
                "/issue/DEMO-20",
                json!({"fields": {"customfield_10020": null}}),
            )
            .await;
        assert_eq!(s, 204);
        assert!(all_keys(&a, "/board/1/backlog")
            .await
            .contains(&"DEMO-20".to_string()));
    }
}

#[tokio::test]
async fn ranks_keep_a_stable_order() {
    let f = start().await;
    for a in [Api::site(&f).agile(), Api::dc(&f).agile()] {
        f.control("POST", "reset", Value::Null).await;
        let before = all_keys(&a, "/board/1/issue").await;
        // Move the last issue to the top, then one issue after another, many times over.
        let last = before.last().unwrap().clone();
        let first = before[0].clone();
        let (s, _) = a
            .put(
                "/issue/rank",
                json!({"issues": [last], "rankBeforeIssue": first}),
            )
            .await;
        assert_eq!(s, 204);
        let after = all_keys(&a, "/board/1/issue").await;
        assert_eq!(after[0], last);
        assert_eq!(
            after[1..],
            before[..before.len() - 1],
            "the others keep their order"
        );
        for _ in 0..30 {
            let (s, _) = a
                .put(
                    "/issue/rank",
                    json!({"issues": [before[5], before[6]], "rankAfterIssue": before[1]}),
                )
                .await;
            assert_eq!(s, 204);
            let (s, _) = a
                .put(
                    "/issue/rank",
                    json!({"issues": [before[1]], "rankAfterIssue": before[6]}),
                )
                .await;
            assert_eq!(s, 204);
        }
        let now = all_keys(&a, "/board/1/issue").await;
        let at = |k: &str| now.iter().position(|x| x == k).unwrap();
        assert!(
            at(&before[5]) + 1 == at(&before[6]) && at(&before[6]) + 1 == at(&before[1]),
            "{now:?}"
        );
        // JQL ORDER BY Rank agrees with the board.
        let (_, b) = a
            .get("/board/1/issue?jql=ORDER%20BY%20Rank%20DESC&fields=summary&maxResults=100")
            .await;
        let mut desc = keys(&b);
        desc.reverse();
        assert_eq!(desc, now);
        // Ranking relative to itself changes nothing.
        let (s, _) = a
            .put(
                "/issue/rank",
                json!({"issues": [before[3]], "rankBeforeIssue": before[3]}),
            )
            .await;
        assert_eq!(s, 204);
        assert_eq!(all_keys(&a, "/board/1/issue").await, now);
        // Exactly one of before and after; a rank field that is not Rank.
        let (s, _) = a.put("/issue/rank", json!({"issues": [before[3]], "rankBeforeIssue": before[1], "rankAfterIssue": before[2]})).await;
        assert_eq!(s, 400);
        let (s, _) = a.put("/issue/rank", json!({"issues": [before[3]], "rankBeforeIssue": before[1], "rankCustomFieldId": 10020})).await;
        assert_eq!(s, 400);
        // A partial failure names each issue.
        let (s, b) = a
            .put(
                "/issue/rank",
                json!({"issues": [before[3], "DEMO-999"], "rankBeforeIssue": before[1]}),
            )
            .await;
        assert_eq!(s, 207);
        assert_eq!(b["entries"][0]["status"], 200);
        assert_eq!(b["entries"][1]["issueKey"], "DEMO-999");
        assert_eq!(b["entries"][1]["status"], 404);
    }
}

#[tokio::test]
async fn epics_jql_and_the_gateway() {
    let f = start().await;
    let site = Api::site(&f);
    let a = site.agile();
    let (_, e) = a.get("/epic/DEMO-21/issue?fields=summary").await;
    let children = keys(&e);
    assert_eq!(children.len(), 3);
    let (_, s) = site
        .get("/search/jql?jql=parent%20%3D%20DEMO-21&fields=summary")
        .await;
    assert_eq!(keys(&s), {
        let mut c = children.clone();
        c.reverse();
        c
    });
    let (_, i) = a.get(&format!("/issue/{}", children[0])).await;
    assert_eq!(i["fields"]["epic"]["key"], "DEMO-21");
    assert_eq!(i["fields"]["flagged"], false);
    let (s, _) = a
        .post("/epic/DEMO-22/issue", json!({"issues": [children[0]]}))
        .await;
    assert_eq!(s, 204);
    let (_, i) = site
        .get(&format!("/issue/{}?fields=parent", children[0]))
        .await;
    assert_eq!(i["fields"]["parent"]["key"], "DEMO-22");
    let (s, _) = a
        .post("/epic/none/issue", json!({"issues": [children[0]]}))
        .await;
    assert_eq!(s, 204);
    let (_, i) = site
        .get(&format!("/issue/{}?fields=parent", children[0]))
        .await;
    assert!(i["fields"]["parent"].is_null());
    let (_, b) = a.get("/board/1/epic?done=false").await;
    assert_eq!(b["total"], 2);
    let (_, b) = a.get("/board/1/epic?done=true").await;
    assert_eq!(b["total"], 0);
    let (_, b) = a.get("/board/2/epic").await;
    assert_eq!(b["total"], 0);

    // JQL on sprints.
    for (jql, ok) in [
        ("sprint = 2", true),
        ("sprint = \"DEMO Sprint 2\"", true),
        ("sprint in openSprints()", true),
        ("sprint in futureSprints()", true),
        ("sprint in closedSprints()", true),
        ("project = DEMO AND sprint is EMPTY ORDER BY Rank", true),
        (
            "project = DEMO AND issuetype in standardIssueTypes() AND issuetype != Epic",
            true,
        ),
        ("issuetype in subTaskIssueTypes()", true),
        ("sprint = 99", false),
        ("sprint in nextSprints()", false),
    ] {
        let (s, b) = site
            .post("/search/jql", json!({"jql": jql, "fields": ["summary"]}))
            .await;
        assert_eq!(s == 200, ok, "{jql}: {b}");
        if ok {
            assert!(!keys(&b).is_empty(), "{jql}");
        }
    }
    let (_, subs) = site.post("/search/jql", json!({"jql": "issuetype in subTaskIssueTypes()", "fields": ["issuetype"], "maxResults": 100})).await;
    assert!(subs["issues"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["fields"]["issuetype"]["subtask"] == true));
    let (_, open) = site
        .post(
            "/search/jql",
            json!({"jql": "sprint in openSprints()", "fields": ["summary"], "maxResults": 100}),
        )
        .await;
    let (_, two) = site
        .post(
            "/search/jql",
            json!({"jql": "sprint = 2", "fields": ["summary"], "maxResults": 100}),
        )
        .await;
    assert_eq!(keys(&open), keys(&two));

    // The board's saved filter, on the platform API.
    let (_, c) = a.get("/board/1/configuration").await;
    let id = c["filter"]["id"].as_str().unwrap().to_string();
    let (s, fl) = site.get(&format!("/filter/{id}")).await;
    assert_eq!(s, 200, "{fl}");
    common::check("/rest/api/3/filter/{id}", "get", 200, &fl);
    assert_eq!(fl["jql"], "project = DEMO ORDER BY Rank ASC");
    let (s, fl) = site.get("/filter/1").await;
    assert_eq!(s, 400);
    common::check("/rest/api/3/filter/{id}", "get", 400, &fl);

    // The fields catalogue names both.
    let (_, fields) = site.get("/field").await;
    let custom = |id: &str| {
        fields
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .map(|f| f["schema"]["custom"].clone())
    };
    assert_eq!(
        custom("customfield_10020"),
        Some(json!("com.pyxis.greenhopper.jira:gh-sprint"))
    );
    assert_eq!(
        custom("customfield_10019"),
        Some(json!("com.pyxis.greenhopper.jira:gh-lexo-rank"))
    );

    // The gateway: classic scopes, the granular ones, and neither.
    let classic = f.mint_tokens(&["read:jira-work", "write:jira-work"]);
    let g = Api::gateway(&f, classic["access_token"].as_str().unwrap()).agile();
    let (s, b) = g.get("/board/1/sprint").await;
    assert_eq!(s, 200, "{b}");
    assert!(b["values"][0]["self"]
        .as_str()
        .unwrap()
        .contains("/ex/jira/"));
    let (s, _) = g
        .post("/backlog/issue", json!({"issues": ["DEMO-4"]}))
        .await;
    assert_eq!(s, 204);
    let granular = f.mint_tokens(&["read:sprint:jira-software"]);
    let g = Api::gateway(&f, granular["access_token"].as_str().unwrap()).agile();
    let (s, _) = g.get("/sprint/2").await;
    assert_eq!(s, 200);
    let (s, b) = g.post("/sprint/2", json!({"goal": "x"})).await;
    assert_eq!(
        (s, b["message"].as_str()),
        (401, Some("Unauthorized; scope does not match"))
    );
    let user_only = f.mint_tokens(&["read:jira-user"]);
    let g = Api::gateway(&f, user_only["access_token"].as_str().unwrap()).agile();
    let (s, _) = g.get("/board").await;
    assert_eq!(s, 401);
}
