//! Worklogs (`/issue/{k}/worklog`): Jira's duration and `started` rules, `adjustEstimate` on
//! add, update and delete, and the issue's `timetracking` as the side effect.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use crate::render::{self, Ctx, Flavor};
use crate::store::{Inner, Worklog};
use crate::util::{empty, issue_404, jira_err, jira_field_errs, jira_time, json_resp, Query, Resp};

/// Jira's default working time: a day is 8 hours, a week 5 days.
const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 8 * HOUR;
const WEEK: u64 = 5 * DAY;

/// A duration as Jira takes it (`1w 2d 3h 30m`, or a bare number of minutes).
pub fn parse_duration(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Ok(minutes) = s.parse::<u64>() {
        return minutes.checked_mul(MINUTE);
    }
    let mut total = 0u64;
    let mut any = false;
    for part in s.split_whitespace() {
        let (n, unit) = part.split_at(part.len().checked_sub(1)?);
        let n: f64 = n.parse().ok()?;
        let unit = match unit {
            "w" => WEEK,
            "d" => DAY,
            "h" => HOUR,
            "m" => MINUTE,
            _ => return None,
        };
        if !(n.is_finite() && n >= 0.0) {
            return None;
        }
        total = total.checked_add((n * unit as f64) as u64)?;
        any = true;
    }
    any.then_some(total)
}

/// `1h 30m`, as Jira shows a duration.
pub fn format_duration(mut secs: u64) -> String {
    let mut parts = Vec::new();
    for (unit, name) in [(WEEK, "w"), (DAY, "d"), (HOUR, "h"), (MINUTE, "m")] {
        if secs >= unit {
            parts.push(format!("{}{name}", secs / unit));
            secs %= unit;
        }
    }
    if parts.is_empty() {
        "0m".into()
    } else {
        parts.join(" ")
    }
}

/// Whether `s` is exactly `yyyy-MM-dd'T'HH:mm:ss.SSS±hhmm`.
fn valid_started(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    b.len() == 28
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'.'
        && digits(20..23)
        && (b[23] == b'+' || b[23] == b'-')
        && digits(24..28)
}

const BAD_STARTED: &str =
    "Invalid date format. Please enter the date in the format \"yyyy-MM-dd'T'HH:mm:ss.SSSZ\".";

fn worklog_json(ctx: &Ctx, inner: &Inner, issue_id: u64, w: &Worklog) -> Value {
    let author = inner
        .user(&w.author)
        .map(|u| render::user(ctx, u))
        .unwrap_or(Value::Null);
    let mut v = json!({
        "self": format!("{}/issue/{issue_id}/worklog/{}", ctx.base, w.id),
        "author": author, "updateAuthor": author,
        "created": jira_time(w.created), "updated": jira_time(w.updated), "started": w.started,
        "timeSpent": format_duration(w.seconds), "timeSpentSeconds": w.seconds,
        "id": w.id.to_string(), "issueId": issue_id.to_string(),
    });
    if let Some(c) = &w.comment {
        v["comment"] = render::rich(ctx, &Some(c.clone()));
    }
    v
}

/// `GET /issue/{k}/worklog`: oldest first; Cloud pages (5,000 by default), DC answers with every
/// worklog at once, only the oldest 5,000.
pub fn list(ctx: &Ctx, inner: &Inner, key: &str, q: &Query) -> Resp {
    let Some(i) = inner.find(key).and_then(|id| inner.issues.get(&id)) else {
        return issue_404();
    };
    let (start, max) = match ctx.flavor {
        Flavor::Cloud => {
            let start = match q.int("startAt", 0) {
                Ok(v) => v.max(0) as usize,
                Err(r) => return r,
            };
            let max = match q.int("maxResults", 5000) {
                Ok(v) => v.clamp(1, 5000) as usize,
                Err(r) => return r,
            };
            (start, max)
        }
        Flavor::Dc => (0, 5000),
    };
    let page: Vec<Value> = i
        .worklogs
        .iter()
        .skip(start)
        .take(max)
        .map(|w| worklog_json(ctx, inner, i.id, w))
        .collect();
    let shown = if ctx.flavor == Flavor::Dc {
        page.len()
    } else {
        max
    };
    json_resp(
        StatusCode::OK,
        &json!({"startAt": start, "maxResults": shown, "total": i.worklogs.len(), "worklogs": page}),
    )
}

/// The time spent a body gives (`timeSpentSeconds` or `timeSpent`), or Jira's 400.
fn spent(body: &Value) -> Result<u64, Resp> {
    let secs = match (body.get("timeSpentSeconds"), body.get("timeSpent")) {
        (Some(n), _) if n.is_u64() => n.as_u64(),
        (_, Some(Value::String(t))) => match parse_duration(t) {
            Some(s) => Some(s),
            None => {
                return Err(jira_field_errs(
                    StatusCode::BAD_REQUEST,
                    [(
                        "timeLogged".to_string(),
                        json!("Invalid time duration entered."),
                    )]
                    .into_iter()
                    .collect(),
                ))
            }
        },
        _ => None,
    };
    match secs {
        Some(s) if s >= MINUTE => Ok(s),
        _ => Err(crate::util::json_resp(
            StatusCode::BAD_REQUEST,
            &json!({"errorMessages": ["Worklog must not be null."],
                    "errors": {"timeLogged": "You must indicate the time spent working."}}),
        )),
    }
}

/// What `adjustEstimate` does to the remaining estimate: `Ok(Some(new))`, `Ok(None)` to leave it.
fn adjust(
    q: &Query,
    op: &str,
    remaining: Option<u64>,
    delta: i64,
) -> Result<Option<Option<u64>>, Resp> {
    let field_err = |k: &str, m: &str| {
        Err(jira_field_errs(
            StatusCode::BAD_REQUEST,
            [(k.to_string(), json!(m))].into_iter().collect(),
        ))
    };
    let estimate = |k: &str| q.get(k).and_then(parse_duration);
    match q.get("adjustEstimate").unwrap_or("auto") {
        "leave" => Ok(None),
        "auto" => Ok(Some(remaining.map(|r| (r as i64 - delta).max(0) as u64))),
        "new" => match estimate("newEstimate") {
            Some(n) => Ok(Some(Some(n))),
            None => field_err(
                "newEstimate",
                "Value is required when adjustEstimate is new",
            ),
        },
        "manual" if op == "update" => field_err(
            "adjustEstimate",
            "Manual adjustment of remaining estimate not allowed when editing a worklog",
        ),
        "manual" => {
            let key = if op == "delete" {
                "increaseBy"
            } else {
                "reduceBy"
            };
            match estimate(key) {
                Some(n) => {
                    let sign = if op == "delete" { 1 } else { -1 };
                    Ok(Some(
                        remaining.map(|r| (r as i64 + sign * n as i64).max(0) as u64),
                    ))
                }
                None => field_err(key, "A value is required for manual estimate adjustment"),
            }
        }
        other => field_err(
            "adjustEstimate",
            &format!("Invalid value for adjustEstimate: '{other}'."),
        ),
    }
}

fn comment_in(ctx: &Ctx, body: &Value) -> Result<Option<Value>, Resp> {
    match body.get("comment").map(|c| super::fields::rich_in(ctx, c)) {
        None => Ok(None),
        Some(Ok(c)) => Ok(c),
        Some(Err(e)) => Err(jira_field_errs(
            StatusCode::BAD_REQUEST,
            [("comment".to_string(), json!(e))].into_iter().collect(),
        )),
    }
}

fn started_in(body: &Value, default: String) -> Result<String, Resp> {
    match body.get("started") {
        None => Ok(default),
        Some(Value::String(s)) if valid_started(s) => Ok(s.clone()),
        Some(_) => Err(jira_field_errs(
            StatusCode::BAD_REQUEST,
            [("started".to_string(), json!(BAD_STARTED))]
                .into_iter()
                .collect(),
        )),
    }
}

/// `POST /issue/{k}/worklog` → 201.
pub fn add(ctx: &Ctx, inner: &mut Inner, key: &str, q: &Query, body: &Value) -> Resp {
    let Some(id) = inner.find(key) else {
        return issue_404();
    };
    let seconds = match spent(body) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let now = inner.now();
    let (started, comment) = match (started_in(body, jira_time(now)), comment_in(ctx, body)) {
        (Ok(s), Ok(c)) => (s, c),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let remaining = inner.issues.get(&id).and_then(|i| i.remaining);
    let new_remaining = match adjust(q, "add", remaining, seconds as i64) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let wid = inner.next_worklog_id;
    inner.next_worklog_id += 1;
    let w = Worklog {
        id: wid,
        author: ctx.me.clone(),
        comment,
        started,
        seconds,
        created: now,
        updated: now,
    };
    let Some(issue) = inner.issues.get_mut(&id) else {
        return issue_404();
    };
    if issue.worklogs.len() >= 5000 {
        return jira_err(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The issue has reached the limit of 5000 worklogs.",
        );
    }
    issue.worklogs.push(w.clone());
    issue.updated = now;
    if let Some(r) = new_remaining {
        issue.remaining = r;
    }
    json_resp(StatusCode::CREATED, &worklog_json(ctx, inner, id, &w))
}

fn no_worklog(id: &str) -> Resp {
    jira_err(
        StatusCode::NOT_FOUND,
        &format!("Cannot find worklog with id: '{id}'."),
    )
}

/// `PUT /issue/{k}/worklog/{id}` → 200; fields left out are kept.
pub fn update(ctx: &Ctx, inner: &mut Inner, key: &str, wid: &str, q: &Query, body: &Value) -> Resp {
    let Some(id) = inner.find(key) else {
        return issue_404();
    };
    let Some(old) = inner
        .issues
        .get(&id)
        .and_then(|i| i.worklogs.iter().find(|w| w.id.to_string() == wid))
        .cloned()
    else {
        return no_worklog(wid);
    };
    let given = body.get("timeSpent").is_some() || body.get("timeSpentSeconds").is_some();
    let seconds = if given {
        match spent(body) {
            Ok(s) => s,
            Err(r) => return r,
        }
    } else {
        old.seconds
    };
    let (started, comment) = match (started_in(body, old.started.clone()), comment_in(ctx, body)) {
        (Ok(s), Ok(c)) => (s, c.or(old.comment.clone())),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let remaining = inner.issues.get(&id).and_then(|i| i.remaining);
    let delta = seconds as i64 - old.seconds as i64;
    let new_remaining = match adjust(q, "update", remaining, delta) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let now = inner.now();
    let Some(issue) = inner.issues.get_mut(&id) else {
        return issue_404();
    };
    let Some(w) = issue.worklogs.iter_mut().find(|w| w.id == old.id) else {
        return no_worklog(wid);
    };
    w.seconds = seconds;
    w.started = started;
    w.comment = comment;
    w.updated = now;
    let w = w.clone();
    issue.updated = now;
    if let Some(r) = new_remaining {
        issue.remaining = r;
    }
    json_resp(StatusCode::OK, &worklog_json(ctx, inner, id, &w))
}

/// `DELETE /issue/{k}/worklog/{id}` → 204.
pub fn delete(inner: &mut Inner, key: &str, wid: &str, q: &Query) -> Resp {
    let Some(id) = inner.find(key) else {
        return issue_404();
    };
    let Some(old) = inner
        .issues
        .get(&id)
        .and_then(|i| i.worklogs.iter().find(|w| w.id.to_string() == wid))
        .cloned()
    else {
        return no_worklog(wid);
    };
    let remaining = inner.issues.get(&id).and_then(|i| i.remaining);
    // Deleting gives the time back to the estimate.
    let new_remaining = match adjust(q, "delete", remaining, -(old.seconds as i64)) {
        Ok(r) => r,
        Err(r) => return r,
    };
    let now = inner.now();
    if let Some(issue) = inner.issues.get_mut(&id) {
        issue.worklogs.retain(|w| w.id != old.id);
        issue.updated = now;
        if let Some(r) = new_remaining {
            issue.remaining = r;
        }
    }
    empty(StatusCode::NO_CONTENT)
}

/// The `timetracking` field: the remaining estimate and the time spent.
pub fn timetracking(i: &crate::store::Issue) -> Value {
    let spent: u64 = i.worklogs.iter().map(|w| w.seconds).sum();
    let mut v = Map::new();
    if let Some(r) = i.remaining {
        v.insert("remainingEstimate".into(), json!(format_duration(r)));
        v.insert("remainingEstimateSeconds".into(), json!(r));
    }
    if spent > 0 {
        v.insert("timeSpent".into(), json!(format_duration(spent)));
        v.insert("timeSpentSeconds".into(), json!(spent));
    }
    Value::Object(v)
}
