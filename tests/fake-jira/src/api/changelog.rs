//! Issue history: every edit, transition and assignment is recorded as a changelog history, read
//! through `GET /issue/{k}/changelog` (Cloud), `POST /changelog/bulkfetch` (Cloud) and
//! `expand=changelog` (both; Cloud keeps only the 100 most recent there).

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::model::{self, PRIORITIES, STATUSES};
use crate::render::{self, Ctx, Flavor};
use crate::store::{Change, History, Inner, Issue};
use crate::util::{issue_404, jira_err, jira_time, json_resp, Query, Resp};

/// Cloud's page size for `GET /issue/{k}/changelog`, default and maximum.
const PAGE_MAX: i64 = 100;
/// `expand=changelog` on Cloud shows only this many, the most recent.
const EXPAND_CAP: usize = 100;

/// Records what changed between `before` and the stored issue `id`, if anything did.
pub fn record(inner: &mut Inner, id: u64, author: &str, before: &Issue, at: i64) {
    let Some(after) = inner.issues.get(&id) else {
        return;
    };
    let items = diff(inner, before, after);
    if items.is_empty() {
        return;
    }
    let hid = inner.next_history_id;
    inner.next_history_id += 1;
    if let Some(i) = inner.issues.get_mut(&id) {
        i.history.push(History {
            id: hid,
            author: author.into(),
            created: at,
            items,
        });
    }
}

fn diff(inner: &Inner, a: &Issue, b: &Issue) -> Vec<Change> {
    let mut out = Vec::new();
    let mut push = |field_id: &str, from: Option<String>, fs, to: Option<String>, ts| {
        out.push(Change {
            field_id: field_id.into(),
            from,
            from_string: fs,
            to,
            to_string: ts,
        })
    };
    let named = |table: &[(&str, &str, &str)], id: &str| {
        table.iter().find(|r| r.0 == id).map(|r| r.1.to_string())
    };
    let status_name = |id: &str| STATUSES.iter().find(|s| s.0 == id).map(|s| s.1.to_string());
    let user_name = |id: &Option<String>| {
        id.as_deref()
            .and_then(|a| inner.user(a))
            .map(|u| u.display_name.clone())
    };
    let text = |d: &Option<Value>| d.as_ref().map(crate::adf::to_text);
    if a.summary != b.summary {
        push(
            "summary",
            None,
            Some(a.summary.clone()),
            None,
            Some(b.summary.clone()),
        );
    }
    if a.description != b.description {
        push(
            "description",
            None,
            text(&a.description),
            None,
            text(&b.description),
        );
    }
    if a.status != b.status {
        push(
            "status",
            Some(a.status.clone()),
            status_name(&a.status),
            Some(b.status.clone()),
            status_name(&b.status),
        );
    }
    if a.resolved.is_some() != b.resolved.is_some() {
        let done = |r: Option<i64>| r.map(|_| "10000".to_string());
        let name = |r: Option<i64>| r.map(|_| "Done".to_string());
        push(
            "resolution",
            done(a.resolved),
            name(a.resolved),
            done(b.resolved),
            name(b.resolved),
        );
    }
    if a.priority != b.priority {
        push(
            "priority",
            Some(a.priority.clone()),
            named(PRIORITIES, &a.priority),
            Some(b.priority.clone()),
            named(PRIORITIES, &b.priority),
        );
    }
    if a.assignee != b.assignee {
        push(
            "assignee",
            a.assignee.clone(),
            user_name(&a.assignee),
            b.assignee.clone(),
            user_name(&b.assignee),
        );
    }
    if a.labels != b.labels {
        // As Jira: no raw values, the strings are space-separated lists.
        let list = |l: &[String]| (!l.is_empty()).then(|| l.join(" "));
        push("labels", None, list(&a.labels), None, list(&b.labels));
    }
    if a.duedate != b.duedate {
        push(
            "duedate",
            a.duedate.clone(),
            a.duedate.clone(),
            b.duedate.clone(),
            b.duedate.clone(),
        );
    }
    let ids = a.custom.keys().chain(b.custom.keys());
    let mut seen = std::collections::BTreeSet::new();
    for id in ids.filter(|id| seen.insert(id.as_str())) {
        let (x, y) = (a.custom.get(id), b.custom.get(id));
        if x != y && id == model::CF_RANK {
            // As Jira Software: no values, only the direction.
            let higher = y.and_then(Value::as_str) < x.and_then(Value::as_str);
            let text = if higher {
                "Ranked higher"
            } else {
                "Ranked lower"
            };
            push(id, None, None, None, Some(text.into()));
        } else if x != y && id == model::CF_SPRINT {
            // Ids and names, comma-separated.
            let ids = |i: &Issue| inner.sprints_of(i);
            let names = |v: &[u64]| {
                (!v.is_empty()).then(|| {
                    v.iter()
                        .map(|s| inner.sprint(*s).map_or(s.to_string(), |s| s.name.clone()))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
            };
            let raw = |v: &[u64]| {
                (!v.is_empty()).then(|| v.iter().map(u64::to_string).collect::<Vec<_>>().join(", "))
            };
            let (f, t) = (ids(a), ids(b));
            push(id, raw(&f), names(&f), raw(&t), names(&t));
        } else if x != y {
            let shown = |v: Option<&Value>| v.map(custom_text);
            push(id, None, shown(x), None, shown(y));
        }
    }
    out
}

/// A custom field's value as the changelog shows it.
fn custom_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("doc") => {
            crate::adf::to_text(v)
        }
        Value::Object(o) => o
            .get("value")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| v.to_string()),
        other => other.to_string(),
    }
}

/// One history as Jira renders it for this flavour.
fn history_json(ctx: &Ctx, inner: &Inner, h: &History) -> Value {
    let author = inner
        .user(&h.author)
        .map(|u| render::user(ctx, u))
        .unwrap_or(Value::Null);
    let items: Vec<Value> = h.items.iter().map(|c| item_json(ctx, inner, c)).collect();
    json!({"id": h.id.to_string(), "author": author, "created": jira_time(h.created), "items": items})
}

fn item_json(ctx: &Ctx, inner: &Inner, c: &Change) -> Value {
    let def = model::field(&c.field_id);
    let custom = c.field_id.starts_with("customfield_");
    let field = match def {
        Some(d) if custom => d.name,
        _ => c.field_id.as_str(),
    };
    let mut v = json!({
        "field": field, "fieldtype": if custom { "custom" } else { "jira" },
        "from": c.from, "fromString": c.from_string, "to": c.to, "toString": c.to_string,
    });
    let user_field = c.field_id == "assignee";
    match ctx.flavor {
        Flavor::Cloud => {
            v["fieldId"] = json!(c.field_id);
            if user_field {
                v["tmpFromAccountId"] = json!(c.from);
                v["tmpToAccountId"] = json!(c.to);
            }
        }
        // Data Center names users by username, not accountId.
        Flavor::Dc if user_field => {
            let name = |id: &Option<String>| {
                id.as_deref()
                    .and_then(|a| inner.user(a))
                    .map(|u| u.name.clone())
            };
            v["from"] = json!(name(&c.from));
            v["to"] = json!(name(&c.to));
        }
        Flavor::Dc => {}
    }
    v
}

/// The `changelog` of `expand=changelog`.
pub fn expanded(ctx: &Ctx, inner: &Inner, i: &Issue) -> Value {
    let shown = match ctx.flavor {
        Flavor::Cloud => &i.history[i.history.len().saturating_sub(EXPAND_CAP)..],
        Flavor::Dc => &i.history[..],
    };
    let histories: Vec<Value> = shown.iter().map(|h| history_json(ctx, inner, h)).collect();
    json!({"startAt": 0, "maxResults": histories.len(), "total": i.history.len(), "histories": histories})
}

/// `GET /issue/{k}/changelog?startAt&maxResults` (Cloud): oldest first.
pub fn list(ctx: &Ctx, inner: &Inner, key: &str, q: &Query) -> Resp {
    let Some(i) = inner.find(key).and_then(|id| inner.issues.get(&id)) else {
        return issue_404();
    };
    let start = match q.int("startAt", 0) {
        Ok(v) => v.max(0) as usize,
        Err(r) => return r,
    };
    let max = match q.int("maxResults", PAGE_MAX) {
        Ok(v) => v.clamp(1, PAGE_MAX) as usize,
        Err(r) => return r,
    };
    let total = i.history.len();
    let values: Vec<Value> = i
        .history
        .iter()
        .skip(start)
        .take(max)
        .map(|h| history_json(ctx, inner, h))
        .collect();
    let is_last = start + values.len() >= total;
    let this = format!("{}/issue/{}/changelog", ctx.base, i.key);
    let mut page = json!({
        "self": format!("{this}?maxResults={max}&startAt={start}"), "maxResults": max,
        "startAt": start, "total": total, "isLast": is_last, "values": values,
    });
    if !is_last {
        page["nextPage"] = json!(format!("{this}?maxResults={max}&startAt={}", start + max));
    }
    json_resp(StatusCode::OK, &page)
}

/// `POST /changelog/bulkfetch` (Cloud): the histories of up to 1,000 issues, ordered by date then
/// issue id, oldest first, paged by an opaque token.
pub fn bulkfetch(ctx: &Ctx, inner: &Inner, body: &Value) -> Resp {
    let keys: Vec<&str> = body["issueIdsOrKeys"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if keys.is_empty() || keys.len() > 1000 {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "issueIdsOrKeys must contain between 1 and 1000 items.",
        );
    }
    let max = body["maxResults"].as_i64().unwrap_or(1000);
    if !(1..=10_000).contains(&max) {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "maxResults must be between 1 and 10000.",
        );
    }
    let fields: Vec<&str> = body["fieldIds"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let skip = match body["nextPageToken"].as_str() {
        None => 0,
        Some(t) => match t.strip_prefix("cl-").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) => n,
            None => return jira_err(StatusCode::BAD_REQUEST, "Invalid nextPageToken."),
        },
    };
    let wanted = |c: &Change| fields.is_empty() || fields.contains(&c.field_id.as_str());
    let mut all: Vec<(&Issue, &History)> = keys
        .iter()
        .filter_map(|k| inner.find(k))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .filter_map(|id| inner.issues.get(&id))
        .flat_map(|i| i.history.iter().map(move |h| (i, h)))
        .filter(|(_, h)| h.items.iter().any(wanted))
        .collect();
    all.sort_by_key(|(i, h)| (h.created, i.id, h.id));
    let page = all.iter().skip(skip).take(max as usize);
    let mut logs: Vec<(u64, Vec<Value>)> = Vec::new();
    for (i, h) in page {
        let mut hj = history_json(ctx, inner, h);
        hj["items"] = json!(h
            .items
            .iter()
            .filter(|c| wanted(c))
            .map(|c| item_json(ctx, inner, c))
            .collect::<Vec<_>>());
        match logs.last_mut() {
            Some((id, hs)) if *id == i.id => hs.push(hj),
            _ => logs.push((i.id, vec![hj])),
        }
    }
    let next = skip + max as usize;
    let logs: Vec<Value> = logs
        .into_iter()
        .map(|(id, hs)| json!({"issueId": id.to_string(), "changeHistories": hs}))
        .collect();
    let mut v = json!({ "issueChangeLogs": logs });
    if next < all.len() {
        v["nextPageToken"] = json!(format!("cl-{next}"));
    }
    json_resp(StatusCode::OK, &v)
}
