//! Small helpers shared by every route: Jira-style timestamps, JSON responses and error bodies,
//! query-string parsing and request bodies.

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use serde_json::{json, Value};

/// A finished HTTP response.
pub type Resp = Response<Body>;

/// The content type Jira sends on every JSON response.
pub const JSON_CT: &str = "application/json;charset=UTF-8";

/// Days since 1970-01-01 to a civil (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i64 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Civil date to days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as u64;
    let mp = if m > 2 { m - 3 } else { m + 9 } as u64;
    let doy = (153 * mp + 2) / 5 + d as u64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i64 - 719_468
}

/// `2026-11-29T18:02:04.000+0000`, Jira's timestamp format (UTC).
pub fn jira_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}+0000",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// `2026-11-29T18:02Z`, the `X-RateLimit-Reset` format.
pub fn reset_time(ms: i64) -> String {
    let t = jira_time(ms);
    format!("{}Z", &t[..16])
}

/// `2026-11-29`, a Jira date.
pub fn jira_date(ms: i64) -> String {
    jira_time(ms)[..10].to_string()
}

/// Parses `yyyy-MM-dd` or `yyyy/MM/dd` with optional ` HH:mm` into epoch ms.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, time) = match s.split_once(' ') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split(['-', '/']).collect();
    if parts.len() != 3 {
        return None;
    }
    let y: i64 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let d: u32 = parts[2].parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, m, d) * 86_400_000;
    if let Some(t) = time {
        let (h, mi) = t.split_once(':')?;
        ms += h.parse::<i64>().ok()? * 3_600_000 + mi.parse::<i64>().ok()? * 60_000;
    }
    Some(ms)
}

/// A JSON response with Jira's content type.
pub fn json_resp(status: StatusCode, v: &Value) -> Resp {
    let mut r = Response::new(Body::from(v.to_string()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CT));
    r
}

/// An empty response (204 and friends).
pub fn empty(status: StatusCode) -> Resp {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    r
}

/// An HTML page.
pub fn html(status: StatusCode, body: String) -> Resp {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html;charset=UTF-8"),
    );
    r
}

/// A 302 redirect.
pub fn redirect(location: &str) -> Resp {
    let mut r = empty(StatusCode::FOUND);
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// Jira's ErrorCollection with only `errorMessages`.
pub fn jira_err(status: StatusCode, msg: &str) -> Resp {
    json_resp(status, &json!({"errorMessages": [msg], "errors": {}}))
}

/// Jira's ErrorCollection with field errors.
pub fn jira_field_errs(status: StatusCode, errors: serde_json::Map<String, Value>) -> Resp {
    json_resp(status, &json!({"errorMessages": [], "errors": errors}))
}

/// The standard 404 for a missing or invisible issue.
pub fn issue_404() -> Resp {
    jira_err(
        StatusCode::NOT_FOUND,
        "Issue does not exist or you do not have permission to see it.",
    )
}

/// Decodes a query string into ordered pairs (repeated keys kept).
pub fn parse_query(q: Option<&str>) -> Vec<(String, String)> {
    match q {
        Some(q) => url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect(),
        None => Vec::new(),
    }
}

/// Query lookup helpers.
pub struct Query(pub Vec<(String, String)>);

impl Query {
    /// First value of `k`.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str())
    }
    /// All values of `k`, comma-split.
    pub fn list(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(a, _)| a == k)
            .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_string()))
            .filter(|s| !s.is_empty())
            .collect()
    }
    /// An integer parameter; `Err` carries Jira's 400 when it is not a number.
    pub fn int(&self, k: &str, default: i64) -> Result<i64, Resp> {
        match self.get(k) {
            None | Some("") => Ok(default),
            Some(v) => v.parse().map_err(|_| {
                jira_err(
                    StatusCode::BAD_REQUEST,
                    &format!("The value '{v}' is not valid for the parameter '{k}'."),
                )
            }),
        }
    }
}

/// Parses a JSON request body; an unreadable body gets Jira's 400.
pub fn parse_json(body: &[u8]) -> Result<Value, Resp> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(jira_err(
            StatusCode::BAD_REQUEST,
            "No content to map due to end-of-input",
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        jira_err(
            StatusCode::BAD_REQUEST,
            &format!("Unexpected character in request body: {e}"),
        )
    })
}

/// HTML-escapes text.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A random opaque token with a prefix.
pub fn random_token(prefix: &str, len: usize) -> String {
    use rand::Rng;
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let s: String = (0..len)
        .map(|_| A[rng.random_range(0..A.len())] as char)
        .collect();
    format!("{prefix}{s}")
}

/// The status and JSON body of a response built here (its body is already in memory), to reuse a
/// route's answer inside another (bulk create answers each element as `POST /issue` would).
pub fn resp_parts(r: Resp) -> (StatusCode, Value) {
    use futures::FutureExt;
    let status = r.status();
    let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
        .now_or_never()
        .and_then(Result::ok)
        .unwrap_or_default();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn time_format() {
        let ms = (days_from_civil(2026, 11, 29) * 86_400 + 18 * 3600 + 2 * 60 + 4) * 1000;
        assert_eq!(jira_time(ms), "2026-11-29T18:02:04.000+0000");
        assert_eq!(reset_time(ms), "2026-11-29T18:02Z");
        assert_eq!(
            parse_date("2026-11-29"),
            Some(days_from_civil(2026, 11, 29) * 86_400_000)
        );
    }
}
