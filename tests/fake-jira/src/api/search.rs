//! Search routes: Cloud `search/jql` (token paging, id-only by default, index delay with
//! `reconcileIssues`), `search/approximate-count`, `issue/bulkfetch`, Data Center `search` (offset
//! paging with `total`) and the 410 of Cloud's removed `search`.

use axum::http::StatusCode;
use base64::Engine;
use serde_json::{json, Value};
use sha2::Digest;

use crate::jql;
use crate::render::{self, Ctx};
use crate::store::Inner;
use crate::util::{jira_err, json_resp, Query, Resp};

/// Jira's text for the removed search API.
pub const REMOVED: &str = "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046";
const UNBOUNDED: &str =
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.";

/// Search parameters common to GET and POST.
pub struct Params {
    /// JQL.
    pub jql: String,
    /// Page token.
    pub token: Option<String>,
    /// Page size.
    pub max: i64,
    /// Requested fields.
    pub fields: Vec<String>,
    /// Expand list.
    pub expand: Vec<String>,
    /// Issue ids that must be visible despite the index delay.
    pub reconcile: Vec<u64>,
}

fn strs(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .flat_map(|s| s.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Value::String(s)) => s
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        _ => vec![],
    }
}

/// Reads GET query parameters.
pub fn params_get(q: &Query) -> Result<Params, Resp> {
    Ok(Params {
        jql: q.get("jql").unwrap_or("").to_string(),
        token: q.get("nextPageToken").map(String::from),
        max: q.int("maxResults", 50)?,
        fields: q.list("fields"),
        expand: q.list("expand"),
        reconcile: q
            .list("reconcileIssues")
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect(),
    })
}

/// Reads a POST body (`additionalProperties: false`).
pub fn params_post(b: &Value) -> Result<Params, Resp> {
    let allowed = [
        "jql",
        "nextPageToken",
        "maxResults",
        "fields",
        "expand",
        "properties",
        "fieldsByKeys",
        "failFast",
        "reconcileIssues",
    ];
    let Some(o) = b.as_object() else {
        return Err(jira_err(
            StatusCode::BAD_REQUEST,
            "Invalid request payload. Refer to the REST API documentation and try again.",
        ));
    };
    if let Some(k) = o.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(jira_err(StatusCode::BAD_REQUEST, &format!("Invalid request payload. Refer to the REST API documentation and try again. Unrecognized field \"{k}\"")));
    }
    let max = match o.get("maxResults") {
        None | Some(Value::Null) => 50,
        Some(v) => v.as_i64().ok_or_else(|| {
            jira_err(
                StatusCode::BAD_REQUEST,
                "Invalid request payload. Refer to the REST API documentation and try again.",
            )
        })?,
    };
    Ok(Params {
        jql: o
            .get("jql")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        token: o
            .get("nextPageToken")
            .and_then(Value::as_str)
            .map(String::from),
        max,
        fields: strs(o.get("fields")),
        expand: strs(o.get("expand")),
        reconcile: o
            .get("reconcileIssues")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default(),
    })
}

/// Parses, validates and runs a query; returns matching ids in order.
fn run(
    ctx: &Ctx,
    inner: &Inner,
    jql_s: &str,
    bounded: bool,
    reconcile: &[u64],
    delay: bool,
) -> Result<Vec<u64>, Resp> {
    let q = jql::parse(jql_s).map_err(|e| jira_err(StatusCode::BAD_REQUEST, &e))?;
    if bounded && q.filter.is_none() {
        return Err(jira_err(StatusCode::BAD_REQUEST, UNBOUNDED));
    }
    jql::validate(&q, inner).map_err(|e| jira_err(StatusCode::BAD_REQUEST, &e))?;
    let now = inner.now();
    let mut hits: Vec<&crate::store::Issue> = inner
        .issues
        .values()
        .filter(|i| !delay || i.indexed_at <= now || reconcile.contains(&i.id))
        .filter(|i| {
            q.filter
                .as_ref()
                .is_none_or(|f| jql::matches(f, i, inner, &ctx.me, now))
        })
        .collect();
    hits.sort_by(|a, b| jql::compare(a, b, &q.order, inner));
    Ok(hits.into_iter().map(|i| i.id).collect())
}

fn hash(jql: &str) -> String {
    let h = sha2::Sha256::digest(jql.as_bytes());
    h[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// `GET|POST /search/jql`.
pub fn search_jql(ctx: &Ctx, inner: &Inner, p: Params) -> Resp {
    if p.reconcile.len() > 50 {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "The number of issues to reconcile must not exceed 50.",
        );
    }
    let ids = match run(ctx, inner, &p.jql, true, &p.reconcile, true) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let id_only = p.fields.is_empty() || p.fields.iter().all(|f| f == "id");
    let cap = if id_only { 5000 } else { 100 };
    let max = p.max.clamp(1, cap) as usize;
    let h = hash(&p.jql);
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let offset = match &p.token {
        None => 0,
        Some(t) => {
            let dec = b64.decode(t).ok().and_then(|b| String::from_utf8(b).ok());
            let now = inner.now();
            let parsed = dec.as_deref().and_then(|s| {
                let mut it = s.split(':');
                let o = it.next()?.parse::<usize>().ok()?;
                let hh = it.next()?;
                let issued = it.next()?.parse::<i64>().ok()?;
                // Tokens are bound to their query and expire after 7 days.
                (hh == h && now - issued <= 7 * 86_400_000).then_some(o)
            });
            match parsed {
                Some(o) => o,
                None => {
                    return jira_err(
                        StatusCode::BAD_REQUEST,
                        "The provided next page token is invalid or expired.",
                    )
                }
            }
        }
    };
    let sel = render::select(&p.fields, "id");
    // `names` and `schema` go at the top level of a search response, not on each issue.
    let per_issue: Vec<String> = p
        .expand
        .iter()
        .filter(|e| *e != "names" && *e != "schema")
        .cloned()
        .collect();
    let page: Vec<Value> = ids
        .iter()
        .skip(offset)
        .take(max)
        .filter_map(|id| inner.issues.get(id))
        .map(|i| {
            if id_only {
                json!({"id": i.id.to_string()})
            } else {
                let mut v = render::issue(ctx, inner, i, &sel, &per_issue);
                v["expand"] = json!("");
                // Search embeds at most 20 comments per issue.
                if let Some(c) = v
                    .pointer_mut("/fields/comment")
                    .and_then(Value::as_object_mut)
                {
                    if let Some(list) = c.get_mut("comments").and_then(Value::as_array_mut) {
                        list.truncate(20);
                    }
                    c.insert("maxResults".into(), json!(20));
                }
                v
            }
        })
        .collect();
    let end = offset + page.len();
    let mut out = json!({"issues": page, "isLast": end >= ids.len()});
    if p.expand.iter().any(|e| e == "names") {
        out["names"] = sel
            .iter()
            .filter_map(|f| crate::model::field(f).map(|d| (f.to_string(), json!(d.name))))
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    if p.expand.iter().any(|e| e == "schema") {
        out["schema"] = sel
            .iter()
            .filter_map(|f| {
                crate::model::field(f).map(|d| (f.to_string(), crate::model::schema(d)))
            })
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    if end < ids.len() {
        out["nextPageToken"] = json!(b64.encode(format!("{end}:{h}:{}", inner.now())));
    }
    json_resp(StatusCode::OK, &out)
}

/// `POST /search/approximate-count`.
pub fn approximate_count(ctx: &Ctx, inner: &Inner, b: &Value) -> Resp {
    let jql_s = b.get("jql").and_then(Value::as_str).unwrap_or("");
    match run(ctx, inner, jql_s, true, &[], true) {
        Ok(ids) => json_resp(StatusCode::OK, &json!({"count": ids.len()})),
        Err(r) => r,
    }
}

/// `POST /issue/bulkfetch`.
pub fn bulkfetch(ctx: &Ctx, inner: &Inner, b: &Value) -> Resp {
    let keys = b
        .get("issueIdsOrKeys")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if keys.is_empty() || keys.len() > 100 {
        return jira_err(
            StatusCode::BAD_REQUEST,
            "The number of issues to fetch must be between 1 and 100.",
        );
    }
    let mut ids: Vec<u64> = keys
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|k| inner.find(k))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let sel = render::select(&strs(b.get("fields")), "*navigable");
    let expand = strs(b.get("expand"));
    let issues: Vec<Value> = ids
        .iter()
        .filter_map(|id| inner.issues.get(id))
        .map(|i| render::issue(ctx, inner, i, &sel, &expand))
        .collect();
    json_resp(
        StatusCode::OK,
        &json!({"issues": issues, "issueErrors": []}),
    )
}

/// Data Center `GET|POST /search` with startAt/maxResults/total.
pub fn search_dc(
    ctx: &Ctx,
    inner: &Inner,
    jql_s: &str,
    start: i64,
    max: i64,
    fields: Vec<String>,
    expand: Vec<String>,
) -> Resp {
    let ids = match run(ctx, inner, jql_s, false, &[], false) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let max = max.clamp(0, 1000) as usize;
    let start = start.max(0) as usize;
    let sel = render::select(&fields, "*navigable");
    let issues: Vec<Value> = ids
        .iter()
        .skip(start)
        .take(max)
        .filter_map(|id| inner.issues.get(id))
        .map(|i| render::issue(ctx, inner, i, &sel, &expand))
        .collect();
    json_resp(
        StatusCode::OK,
        &json!({"expand": "schema,names", "startAt": start, "maxResults": max, "total": ids.len(), "issues": issues}),
    )
}
