//! Every fault switch and control route: 429 (each RateLimit-Reason, with and without
//! Retry-After), 503 with and without Retry-After, 502, 504, delay, connection reset before and
//! after processing, count limits, the request log, near-limit header, gzip, direct edits, reset.

mod common;

use std::time::Instant;

use common::{start, Api};
use serde_json::json;

#[tokio::test]
async fn status_faults() {
    let f = start().await;
    let a = Api::site(&f);
    for reason in [
        "jira-burst-based",
        "jira-quota-tenant-based",
        "jira-quota-global-based",
        "jira-per-issue-on-write",
    ] {
        f.control("POST", "faults", json!({"pathContains": "/myself", "action": "status", "status": 429, "retryAfter": 7, "reason": reason})).await;
        let r = a
            .http
            .get(format!("{}/myself", a.base))
            .header("Authorization", &a.auth)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "7");
        assert_eq!(r.headers()["ratelimit-reason"], reason);
        let reset = r.headers()["x-ratelimit-reset"].to_str().unwrap();
        assert!(
            reset.len() == 17 && reset.ends_with('Z') && reset.as_bytes()[10] == b'T',
            "{reset}"
        );
        assert_eq!(a.get("/myself").await.0, 200, "count defaults to 1");
    }
    f.control("POST", "faults", json!({"pathContains": "/myself", "action": "status", "status": 429, "omitRetryAfter": true})).await;
    let r = a
        .http
        .get(format!("{}/myself", a.base))
        .header("Authorization", &a.auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_none());
    f.control(
        "POST",
        "faults",
        json!([
            {"method": "GET", "pathContains": "/myself", "action": "status", "status": 503},
            {"pathContains": "/myself", "action": "status", "status": 503, "omitRetryAfter": true},
            {"pathContains": "/myself", "action": "status", "status": 502},
            {"pathContains": "/myself", "action": "status", "status": 504, "count": 2}
        ]),
    )
    .await;
    let mut seen = vec![];
    for _ in 0..6 {
        let r = a
            .http
            .get(format!("{}/myself", a.base))
            .header("Authorization", &a.auth)
            .send()
            .await
            .unwrap();
        seen.push((r.status().as_u16(), r.headers().contains_key("retry-after")));
    }
    assert_eq!(
        seen,
        vec![
            (503, true),
            (503, false),
            (502, false),
            (504, false),
            (504, false),
            (200, false)
        ]
    );
    // Method filter: a POST is not hit by a GET-only rule.
    f.control(
        "POST",
        "faults",
        json!({"method": "GET", "pathContains": "/search/jql", "action": "status", "status": 500}),
    )
    .await;
    assert_eq!(
        a.post("/search/jql", json!({"jql": "project = DEMO"}))
            .await
            .0,
        200
    );
    f.control("DELETE", "faults", json!(null)).await;
    assert_eq!(a.get("/search/jql?jql=project=DEMO").await.0, 200);
}

#[tokio::test]
async fn delay_and_resets() {
    let f = start().await;
    let a = Api::site(&f);
    f.control(
        "POST",
        "faults",
        json!({"pathContains": "/serverInfo", "action": "delay", "delayMs": 300}),
    )
    .await;
    let t = Instant::now();
    assert_eq!(a.get("/serverInfo").await.0, 200);
    assert!(t.elapsed().as_millis() >= 300);
    let count = |f: &fake_jira::FakeJira| f.shared().lock().issues.len();
    let before = count(&f);
    let create = json!({"fields": {"project": {"key": "DEMO"}, "issuetype": {"name": "Task"}, "summary": "reset me"}});
    // A reset before the request is processed has no side effect; one after it has.
    for (action, created) in [("resetBefore", 0), ("resetAfter", 1)] {
        let done = count(&f);
        f.control(
            "POST",
            "faults",
            json!({"method": "POST", "pathContains": "/rest/api/3/issue", "action": action}),
        )
        .await;
        let r = a
            .http
            .post(format!("{}/issue", a.base))
            .header("Authorization", &a.auth)
            .json(&create)
            .send()
            .await;
        assert!(r.is_err(), "{action}: connection reset");
        assert_eq!(count(&f), done + created, "{action}: side effects");
    }
    assert_eq!(count(&f), before + 1);
    let (s, _) = a.post("/issue", create).await;
    assert_eq!(s, 201);
    let log = f.requests();
    let statuses: Vec<u16> = log
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![0, 0, 201]);
}

#[tokio::test]
async fn request_log_headers_and_gzip() {
    let f = start().await;
    let a = Api::site(&f);
    a.get("/issue/DEMO-1?fields=summary").await;
    a.get("/issue/NOPE-1").await;
    let (_, log) = f.control("GET", "requests", json!(null)).await;
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["path"], "/site/rest/api/3/issue/DEMO-1");
    assert_eq!(log[0]["query"], "fields=summary");
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[1]["status"], 404);
    assert_eq!(
        log.as_array().unwrap().len(),
        2,
        "control calls are not logged"
    );
    f.control("POST", "config", json!({"nearLimit": true}))
        .await;
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let r = raw
        .get(format!("{}/issue/DEMO-1", a.base))
        .header("Authorization", &a.auth)
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-ratelimit-nearlimit"], "true");
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(
        r.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    let body = r.bytes().await.unwrap();
    let mut d = flate2::read::GzDecoder::new(&body[..]);
    let mut s = String::new();
    std::io::Read::read_to_string(&mut d, &mut s).unwrap();
    assert!(s.contains("\"key\":\"DEMO-1\""));
    // reqwest with gzip decodes transparently.
    assert_eq!(a.get("/issue/DEMO-1").await.1["key"], "DEMO-1");
    // Non-JSON bodies get 415, browser UAs the XSRF 403.
    let r = raw
        .post(format!("{}/issue", a.base))
        .header("Authorization", &a.auth)
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let r = raw
        .post(format!("{}/issue", a.base))
        .header("Authorization", &a.auth)
        .header("User-Agent", "Mozilla/5.0")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn direct_edits_clock_and_reset() {
    let f = start().await;
    let a = Api::site(&f);
    let (s, _) = f
        .control(
            "PATCH",
            "issues/DEMO-2",
            json!({"fields": {"summary": "changed elsewhere", "status": "In Progress"}}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, g) = a.get("/issue/DEMO-2?fields=summary,status").await;
    assert_eq!(g["fields"]["summary"], "changed elsewhere");
    assert_eq!(g["fields"]["status"]["name"], "In Progress");
    assert_eq!(
        f.control("DELETE", "issues/DEMO-3", json!(null)).await.0,
        200
    );
    assert_eq!(a.get("/issue/DEMO-3").await.0, 404);
    let (s, c) = f
        .control("POST", "clock", json!({"advanceSeconds": 86400}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(c["offsetSeconds"], 86400);
    assert_eq!(f.control("POST", "reset", json!(null)).await.0, 200);
    assert_eq!(a.get("/issue/DEMO-3").await.0, 200);
    assert_eq!(
        a.get("/issue/DEMO-2?fields=summary").await.1["fields"]["summary"]
            .as_str()
            .map(|s| s != "changed elsewhere"),
        Some(true)
    );
    assert_eq!(
        f.control("POST", "config", json!({"bogus": 1})).await.0,
        400
    );
}

#[tokio::test]
async fn binary_prints_one_json_line_fast() {
    let exe = env!("CARGO_BIN_EXE_fake-jira");
    let t = Instant::now();
    let mut child = tokio::process::Command::new(exe)
        .args(["--issues", "10000", "--seed", "3"])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(out));
    let line = lines.next_line().await.unwrap().unwrap();
    let elapsed = t.elapsed();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert!(v["url"].as_str().unwrap().starts_with("http://127.0.0.1:"));
    assert_eq!(v["projects"], json!(["DEMO", "OPS"]));
    assert!(
        elapsed.as_millis() < 3000,
        "startup took {elapsed:?} (debug build)"
    );
    child.kill().await.unwrap();
}

#[tokio::test]
async fn moved_issue_and_dc_rate_limit_headers() {
    let f = start().await;
    let a = Api::site(&f);
    let (s, m) = f
        .control("POST", "issues/DEMO-1/move", json!({"project": "OPS"}))
        .await;
    assert_eq!(s, 200);
    let new_key = m["key"].as_str().unwrap();
    assert!(new_key.starts_with("OPS-"));
    let (_, g) = a.get("/issue/DEMO-1?fields=project").await;
    assert_eq!(
        g["key"], new_key,
        "the old key resolves to the current issue"
    );
    assert_eq!(g["fields"]["project"]["key"], "OPS");
    let d = Api::dc(&f);
    f.control(
        "POST",
        "faults",
        json!({"pathContains": "/dc/", "action": "status", "status": 429, "retryAfter": 2}),
    )
    .await;
    let r = d
        .http
        .get(format!("{}/myself", d.base))
        .header("Authorization", &d.auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    for h in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-interval-seconds",
        "x-ratelimit-fillrate",
        "retry-after",
    ] {
        assert!(r.headers().contains_key(h), "{h}");
    }
    let r = d
        .http
        .get(format!("{}/myself", d.base))
        .header("Authorization", &d.auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-ratelimit-remaining"], "99");
    // Latency switch.
    f.control("POST", "config", json!({"latencyMs": 150})).await;
    let t = Instant::now();
    a.get("/serverInfo").await;
    assert!(t.elapsed().as_millis() >= 150);
}
