//! Fault injection: matching a request against the plan (count-limited rules) and building the
//! injected responses (429 with `Retry-After`, `RateLimit-Reason`, `X-RateLimit-Reset`; 5xx).

use axum::http::{HeaderValue, StatusCode};
use serde_json::json;

use crate::store::{Fault, FaultAction, Inner};
use crate::util::{json_resp, reset_time, Resp};

/// Takes the first matching fault, decrementing its count.
pub fn take(inner: &mut Inner, method: &str, path: &str) -> Option<Fault> {
    let idx = inner.faults.iter().position(|f| {
        f.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && f.path_contains.as_deref().is_none_or(|p| path.contains(p))
    })?;
    let f = inner.faults[idx].clone();
    if f.count == 1 {
        inner.faults.remove(idx);
    } else if f.count > 1 {
        inner.faults[idx].count -= 1;
    }
    Some(f)
}

fn header(r: &mut Resp, k: &'static str, v: &str) {
    if let Ok(v) = HeaderValue::from_str(v) {
        r.headers_mut().insert(k, v);
    }
}

/// The response of a `status` fault.
pub fn response(f: &Fault, now: i64, dc: bool) -> Resp {
    let status =
        StatusCode::from_u16(f.status.unwrap_or(429)).unwrap_or(StatusCode::TOO_MANY_REQUESTS);
    let retry = f.retry_after.unwrap_or(5);
    let mut r = match (&f.body, status.as_u16()) {
        (Some(b), _) => json_resp(status, b),
        (None, 429) => json_resp(
            status,
            &json!({"errorMessages": ["Rate limit exceeded."], "errors": {}}),
        ),
        (None, 503) => json_resp(
            status,
            &json!({"errorMessages": ["Service Unavailable"], "errors": {}}),
        ),
        (None, 403) => json_resp(
            status,
            &json!({"errorMessages": ["You do not have permission to create issues in this project."], "errors": {}}),
        ),
        (None, 409) => json_resp(
            status,
            &json!({"errorMessages": ["Conflicting update: the issue was changed by another request."], "errors": {}}),
        ),
        (None, s) if s < 500 => json_resp(
            status,
            &json!({"errorMessages": [status.canonical_reason().unwrap_or("Error")], "errors": {}}),
        ),
        (None, _) => crate::util::html(
            status,
            format!("<html><body><h1>{status}</h1></body></html>"),
        ),
    };
    if status.as_u16() == 429 && dc {
        for (k, v) in [
            ("x-ratelimit-limit", "100"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-interval-seconds", "1"),
            ("x-ratelimit-fillrate", "10"),
        ] {
            header(&mut r, k, v);
        }
    } else if status.as_u16() == 429 {
        header(
            &mut r,
            "ratelimit-reason",
            f.reason.as_deref().unwrap_or("jira-burst-based"),
        );
        header(
            &mut r,
            "x-ratelimit-reset",
            &reset_time(now + retry as i64 * 1000),
        );
        header(&mut r, "x-ratelimit-limit", "100");
        header(&mut r, "x-ratelimit-remaining", "0");
    }
    if !f.omit_retry_after && (matches!(status.as_u16(), 429 | 503) || f.retry_after.is_some()) {
        header(&mut r, "retry-after", &retry.to_string());
    }
    r
}

/// Whether a fault is a delay and for how long.
pub fn delay(f: &Fault) -> Option<u64> {
    matches!(f.action, FaultAction::Delay).then(|| f.delay_ms.unwrap_or(1000))
}
