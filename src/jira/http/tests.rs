//! The HTTP policy against a scripted local server, with millisecond delays.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::json;

use super::*;
use crate::jira::testserver::{Reply, Server};

pub(crate) fn fast() -> HttpPolicy {
    HttpPolicy {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_wait: Duration::from_secs(2),
        ..HttpPolicy::default()
    }
}

/// Hands out `Bearer secret-N`; a rejection moves to N+1 while `refreshes` allow.
pub(crate) struct TestAuth {
    pub n: AtomicUsize,
    pub refreshes: usize,
}

impl TestAuth {
    pub fn new(refreshes: usize) -> Self {
        Self {
            n: AtomicUsize::new(0),
            refreshes,
        }
    }
}

impl Authorizer for TestAuth {
    fn header(&self) -> BoxFuture<'_, Result<SecretString, JiraError>> {
        Box::pin(async move {
            Ok(SecretString::from(format!(
                "Bearer secret-{}",
                self.n.load(Ordering::SeqCst)
            )))
        })
    }
    fn rejected(&self, _: &SecretString) -> BoxFuture<'_, Result<bool, JiraError>> {
        Box::pin(async move { Ok(self.n.fetch_add(1, Ordering::SeqCst) < self.refreshes) })
    }
}

fn get(s: &Server, path: &str) -> Call {
    Call::new(Method::GET, s.url.join(path).unwrap(), path)
}

fn reply_429(reason: &str, retry_after: &str) -> Reply {
    Reply::With(
        429,
        vec![
            ("RateLimit-Reason", reason.into()),
            ("Retry-After", retry_after.into()),
        ],
        r#"{"errorMessages":["Rate limit exceeded."],"errors":{}}"#.into(),
    )
}

/// Waits until the first (429) request was answered and its pause recorded.
async fn settle(s: &Server) {
    while s.requests().is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[tokio::test]
async fn retries_5xx_with_backoff_then_succeeds() {
    let s = Server::start(|n, _| match n {
        0 => Reply::Json(503, json!({})),
        1 => Reply::With(503, vec![("Retry-After", "0".into())], String::new()),
        2 => Reply::Json(504, json!({})),
        _ => Reply::Json(200, json!({"ok": true})),
    })
    .await;
    let http = Http::new(fast()).unwrap();
    assert_eq!(
        http.send(&get(&s, "myself"), &TestAuth::new(0))
            .await
            .unwrap(),
        json!({"ok": true})
    );
    let reqs = s.requests();
    assert_eq!(reqs.len(), 4);
    let r = &reqs[0];
    assert!(r.header("user-agent").unwrap().starts_with("jirad/"));
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(r.header("authorization"), Some("Bearer secret-0"));
}

#[tokio::test]
async fn gives_up_after_four_tries() {
    let s = Server::start(|_, _| Reply::Json(502, json!({}))).await;
    let e = Http::new(fast())
        .unwrap()
        .send(&get(&s, "x"), &TestAuth::new(0))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "upstreamUnavailable");
    assert_eq!(s.requests().len(), 4);
}

#[tokio::test]
async fn a_dropped_connection_is_retried_for_reads_but_not_for_creates() {
    let s = Server::start(|n, r| {
        if n == 0 || r.method == "POST" {
            Reply::Drop
        } else {
            Reply::Json(200, json!(1))
        }
    })
    .await;
    let http = Http::new(fast()).unwrap();
    assert_eq!(
        http.send(&get(&s, "issue/A-1"), &TestAuth::new(0))
            .await
            .unwrap(),
        json!(1)
    );
    let create =
        Call::new(Method::POST, s.url.join("issue").unwrap(), "issue").body(json!({"fields": {}}));
    let e = http.send(&create, &TestAuth::new(0)).await.unwrap_err();
    assert!(matches!(e, JiraError::OutcomeUnknown(_)), "{e:?}");
    assert_eq!(
        s.requests().iter().filter(|r| r.method == "POST").count(),
        1
    );
    // A create is not repeated on a 503 either; a search POST is.
    let s = Server::start(|n, _| {
        if n == 0 {
            Reply::Json(503, json!({}))
        } else {
            Reply::Json(200, json!({}))
        }
    })
    .await;
    let create = Call::new(Method::POST, s.url.join("issue").unwrap(), "issue");
    assert_eq!(
        http.send(&create, &TestAuth::new(0))
            .await
            .unwrap_err()
            .kind(),
        "upstreamUnavailable"
    );
    assert_eq!(s.requests().len(), 1);
    let search = Call::new(
        Method::POST,
        s.url.join("search/jql").unwrap(),
        "search/jql",
    )
    .idempotent();
    assert!(http.send(&search, &TestAuth::new(0)).await.is_ok());
}

#[tokio::test]
async fn a_create_answered_429_is_sent_again_after_retry_after() {
    // A 429 rejects the request before Jira processes it, so resending cannot duplicate.
    let s = Server::start(|n, _| match n {
        0 => reply_429("jira-burst-based", "0"),
        _ => Reply::Json(201, json!({"key": "A-1"})),
    })
    .await;
    let create = Call::new(Method::POST, s.url.join("issue").unwrap(), "issue");
    let http = Http::new(fast()).unwrap();
    let v = http.send(&create, &TestAuth::new(0)).await.unwrap();
    assert_eq!(v, json!({"key": "A-1"}));
    assert_eq!(s.requests().len(), 2);
    // The retry budget still holds: a 429 every time gives up after `max_tries`.
    let s = Server::start(|_, _| reply_429("jira-burst-based", "0")).await;
    let create = Call::new(Method::POST, s.url.join("issue").unwrap(), "issue");
    let e = http.send(&create, &TestAuth::new(0)).await.unwrap_err();
    assert_eq!(e.kind(), "rateLimited");
    assert_eq!(s.requests().len(), fast().max_tries as usize);
}

#[tokio::test]
async fn a_retried_delete_that_finds_nothing_was_done_by_the_lost_try() {
    // The first DELETE's connection drops (did Jira delete it?); the retry gets 404: it did.
    let s = Server::start(|n, _| match n {
        0 => Reply::Drop,
        _ => Reply::Json(
            404,
            json!({"errorMessages": ["Issue does not exist"], "errors": {}}),
        ),
    })
    .await;
    let http = Http::new(fast()).unwrap();
    let delete = Call::new(
        Method::DELETE,
        s.url.join("issue/A-1").unwrap(),
        "issue/{key}",
    );
    assert_eq!(
        http.send(&delete, &TestAuth::new(0)).await.unwrap(),
        Value::Null
    );
    assert_eq!(s.requests().len(), 2);
    // A first try that was answered 429 did nothing: its retry's 404 stands.
    let s = Server::start(|n, _| match n {
        0 => reply_429("jira-burst-based", "0"),
        _ => Reply::Json(
            404,
            json!({"errorMessages": ["Issue does not exist"], "errors": {}}),
        ),
    })
    .await;
    let delete = Call::new(
        Method::DELETE,
        s.url.join("issue/A-1").unwrap(),
        "issue/{key}",
    );
    let e = http.send(&delete, &TestAuth::new(0)).await.unwrap_err();
    assert_eq!(e.kind(), "notFound");
}

/// Never sent, so never an unknown outcome, and not retried: the breaker decides when the host is
/// tried again.
#[tokio::test]
async fn a_create_that_never_connected_has_a_known_outcome() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = url::Url::parse(&format!("http://127.0.0.1:{port}/issue")).unwrap();
    let e = Http::new(fast())
        .unwrap()
        .send(&Call::new(Method::POST, url, "issue"), &TestAuth::new(0))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "upstreamUnavailable", "{e:?}");
    assert!(!matches!(e, JiraError::OutcomeUnknown(_)));
}

#[tokio::test]
async fn refreshes_once_on_401() {
    let s = Server::start(|_, r| {
        if r.header("authorization") == Some("Bearer secret-1") {
            Reply::Json(200, json!({}))
        } else {
            Reply::Json(401, json!({"code": 401, "message": "Unauthorized"}))
        }
    })
    .await;
    let http = Http::new(fast()).unwrap();
    http.send(&get(&s, "myself"), &TestAuth::new(1))
        .await
        .unwrap();
    assert_eq!(s.requests().len(), 2);
    // The refreshed header is rejected again: fail, don't loop.
    let auth = TestAuth::new(5);
    auth.n.store(5, Ordering::SeqCst);
    let e = http.send(&get(&s, "myself"), &auth).await.unwrap_err();
    assert_eq!(e.kind(), "authFailed");
    assert_eq!(s.requests().len(), 3);
    assert!(
        !format!("{e} {e:?}").contains("secret"),
        "no token in errors"
    );
}

#[tokio::test]
async fn scope_mismatch_is_forbidden_without_refresh() {
    let s = Server::start(|_, _| {
        Reply::Json(
            401,
            json!({"code": 401, "message": "Unauthorized; scope does not match"}),
        )
    })
    .await;
    let auth = TestAuth::new(1);
    let e = Http::new(fast())
        .unwrap()
        .send(&get(&s, "myself"), &auth)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "forbidden");
    assert_eq!(auth.n.load(Ordering::SeqCst), 0);
    assert_eq!(s.requests().len(), 1);
}

#[tokio::test]
async fn burst_limit_pauses_only_that_endpoint_for_every_caller() {
    let s = Server::start(|n, _| {
        if n == 0 {
            reply_429("jira-burst-based", "0.8")
        } else {
            Reply::Json(200, json!({}))
        }
    })
    .await;
    let http = Http::new(fast()).unwrap();
    let (h1, c1) = (http.clone(), get(&s, "issue/A-1"));
    let first = tokio::spawn(async move { h1.send(&c1, &TestAuth::new(0)).await });
    settle(&s).await;
    let t = Instant::now();
    http.send(&get(&s, "myself"), &TestAuth::new(0))
        .await
        .unwrap();
    assert!(
        t.elapsed() < Duration::from_millis(300),
        "other endpoints run"
    );
    let mut same = get(&s, "issue/B-2");
    same.endpoint = "GET issue/A-1".into();
    http.send(&same, &TestAuth::new(0)).await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(500),
        "the endpoint waits: {:?}",
        t.elapsed()
    );
    first.await.unwrap().unwrap();
    assert_eq!(s.requests().len(), 4);
}

#[tokio::test]
async fn per_issue_limit_pauses_writes_to_that_issue() {
    let s = Server::start(|n, _| {
        if n == 0 {
            reply_429("jira-per-issue-on-write", "0.8")
        } else {
            Reply::Json(204, json!(null))
        }
    })
    .await;
    let http = Http::new(fast()).unwrap();
    let put = |k: &str| {
        Call::new(
            Method::PUT,
            s.url.join(&format!("issue/{k}")).unwrap(),
            "issue/{key}",
        )
        .issue(k)
    };
    let h = http.clone();
    let c = put("A-1");
    let first = tokio::spawn(async move { h.send(&c, &TestAuth::new(0)).await });
    settle(&s).await;
    let t = Instant::now();
    http.send(&put("A-2"), &TestAuth::new(0)).await.unwrap();
    http.send(&get(&s, "issue/A-1").issue("A-1"), &TestAuth::new(0))
        .await
        .unwrap();
    assert!(
        t.elapsed() < Duration::from_millis(300),
        "other issues and reads run"
    );
    http.send(&put("a-1"), &TestAuth::new(0)).await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(500));
    assert_eq!(first.await.unwrap().unwrap(), Value::Null);
}

#[tokio::test]
async fn quota_limit_beyond_the_cap_fails_fast_for_the_whole_site() {
    let s = Server::start(|_, _| reply_429("jira-quota-tenant-based", "3600")).await;
    let http = Http::new(fast()).unwrap();
    let e = http
        .send(&get(&s, "myself"), &TestAuth::new(0))
        .await
        .unwrap_err();
    match e {
        JiraError::RateLimited {
            retry_after_ms,
            ref reason,
        } => {
            assert!(retry_after_ms > 3_000_000, "{retry_after_ms}");
            assert_eq!(reason, "jira-quota-tenant-based");
        }
        e => panic!("{e:?}"),
    }
    let e = http
        .send(&get(&s, "project/search"), &TestAuth::new(0))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "rateLimited");
    assert_eq!(s.requests().len(), 1, "the paused site is not called again");
}

#[tokio::test]
async fn quota_limit_within_the_cap_waits_until_reset() {
    let s = Server::start(|n, _| {
        if n == 0 {
            reply_429("jira-quota-global-based", "0.2")
        } else {
            Reply::Json(200, json!({}))
        }
    })
    .await;
    let t = Instant::now();
    Http::new(fast())
        .unwrap()
        .send(&get(&s, "myself"), &TestAuth::new(0))
        .await
        .unwrap();
    assert!(t.elapsed() >= Duration::from_millis(200));
    assert_eq!(s.requests().len(), 2);
}

#[tokio::test]
async fn concurrency_is_capped_per_site() {
    let s = Server::start(|_, _| Reply::Slow(100, Box::new(Reply::Json(200, json!({}))))).await;
    let http = Http::new(HttpPolicy {
        concurrency: 2,
        ..fast()
    })
    .unwrap();
    let t = Instant::now();
    let calls: Vec<_> = (0..6).map(|i| get(&s, &format!("issue/A-{i}"))).collect();
    let auth = TestAuth::new(0);
    futures::future::try_join_all(calls.iter().map(|c| http.send(c, &auth)))
        .await
        .unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn errors_carry_jiras_messages() {
    let s = Server::start(|_, _| {
        Reply::Json(
            410,
            json!({"errorMessages": ["The requested API has been removed."], "errors": {}}),
        )
    })
    .await;
    let e = Http::new(fast())
        .unwrap()
        .send(&get(&s, "search"), &TestAuth::new(0))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "upstreamRemoved");
    assert_eq!(
        e.messages().unwrap().error_messages,
        ["The requested API has been removed."]
    );
}

#[tokio::test]
async fn quota_waits_for_the_later_of_reset_and_retry_after() {
    // X-RateLimit-Reset has minute precision: a reset already past must not shorten Retry-After.
    let reset = "2020-01-01T00:00Z".to_string();
    let s = Server::start(move |n, _| {
        if n == 0 {
            Reply::With(
                429,
                vec![
                    ("RateLimit-Reason", "jira-quota-global-based".into()),
                    ("Retry-After", "0.15".into()),
                    ("X-RateLimit-Reset", reset.clone()),
                ],
                String::new(),
            )
        } else {
            Reply::Json(200, json!({}))
        }
    })
    .await;
    let t = Instant::now();
    Http::new(fast())
        .unwrap()
        .send(&get(&s, "myself"), &TestAuth::new(0))
        .await
        .unwrap();
    assert!(t.elapsed() >= Duration::from_millis(150));
    let s = Server::start(|_, _| {
        Reply::With(
            429,
            vec![
                ("RateLimit-Reason", "jira-quota-tenant-based".into()),
                ("X-RateLimit-Reset", "2999-01-01T00:00Z".into()),
            ],
            String::new(),
        )
    })
    .await;
    let e = Http::new(fast())
        .unwrap()
        .send(&get(&s, "myself"), &TestAuth::new(0))
        .await
        .unwrap_err();
    assert!(
        matches!(e, JiraError::RateLimited { retry_after_ms, .. } if retry_after_ms > 1 << 40),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_fails_at_once_and_opens_the_circuit() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let http = Http::new(HttpPolicy {
        breaker_base: Duration::from_secs(60),
        ..fast()
    })
    .unwrap();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/rest/api/3/issue/A-1")).unwrap();
    let call = Call::new(Method::GET, url, "issue/{key}");
    let auth = TestAuth::new(0);
    let first = http.send(&call, &auth).await.unwrap_err();
    let host = format!("127.0.0.1:{port}");
    match &first {
        JiraError::Unreachable {
            host: h,
            cause,
            retry_in_ms: None,
        } => {
            assert_eq!(h, &host);
            assert!(cause.to_lowercase().contains("refused"), "{cause}");
        }
        other => panic!("{other:?}"),
    }
    assert!(first
        .to_string()
        .starts_with(&format!("cannot reach Jira at {host}: ")));
    // The next call is not sent: the circuit says why and when it will try again.
    let second = http.send(&call, &auth).await.unwrap_err();
    match &second {
        JiraError::Unreachable {
            retry_in_ms: Some(ms),
            ..
        } => assert!(*ms > 0 && *ms <= 60_000, "{ms}"),
        other => panic!("{other:?}"),
    }
    assert!(
        second.to_string().contains("not trying again for"),
        "{second}"
    );
}
