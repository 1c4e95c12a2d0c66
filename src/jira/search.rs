//! Search: Cloud's cursor (`POST /rest/api/3/search/jql`, `nextPageToken`/`isLast`) and Data Center's
//! offsets (`POST /rest/api/2/search`, `startAt`/`total`), behind one opaque page token.

use reqwest::Method;
use serde_json::{json, Map, Value};

use super::http::Call;
use super::{Flavor, JiraClient, JiraError};

/// One search request. `page_token` is opaque: Cloud's `nextPageToken`, or a DC offset.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub jql: String,
    /// Fields to return; empty means [`super::normalize::DEFAULT_FIELDS`] (Cloud would return ids only).
    pub fields: Vec<String>,
    pub expand: Vec<String>,
    pub max_results: Option<u32>,
    pub page_token: Option<String>,
    /// Cloud: up to 50 issue ids to read back consistently right after writing them.
    pub reconcile_issues: Vec<u64>,
    /// A Jira Software issue list (`board/{id}/backlog`) to search within instead of the whole
    /// site: its path under `/rest/agile/1.0`, with `jql` narrowing it. Empty: the site.
    pub route: Vec<String>,
}

/// One page, or all pages gathered by [`JiraClient::search_all`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchPage {
    pub issues: Vec<Value>,
    pub next_page_token: Option<String>,
    pub is_last: bool,
    /// Field id → name, when `names` was expanded.
    pub names: Map<String, Value>,
    /// Data Center's exact count; Cloud gives none.
    pub total: Option<u64>,
}

pub(crate) async fn page(c: &JiraClient, req: &SearchRequest) -> Result<SearchPage, JiraError> {
    let fields: Vec<String> = if req.fields.is_empty() {
        super::normalize::DEFAULT_FIELDS
            .iter()
            .map(|f| f.to_string())
            .collect()
    } else {
        req.fields.clone()
    };
    if !req.route.is_empty() {
        return agile_page(c, req, &fields).await;
    }
    let max = req.max_results.unwrap_or(50);
    let cloud = c.site.flavor == Flavor::Cloud;
    let mut body = json!({"jql": req.jql, "maxResults": max, "fields": fields});
    let start_at = if cloud {
        if let Some(t) = &req.page_token {
            body["nextPageToken"] = json!(t);
        }
        if !req.expand.is_empty() {
            body["expand"] = json!(req.expand.join(","));
        }
        if !req.reconcile_issues.is_empty() {
            body["reconcileIssues"] = json!(req.reconcile_issues);
        }
        0
    } else {
        let start = match &req.page_token {
            Some(t) => t.parse::<u64>().map_err(|_| {
                JiraError::invalid_field("pageToken", "not a page token of this site")
            })?,
            None => 0,
        };
        body["startAt"] = json!(start);
        if !req.expand.is_empty() {
            body["expand"] = json!(req.expand);
        }
        start
    };
    let path: &[&str] = if cloud {
        &["search", "jql"]
    } else {
        &["search"]
    };
    let call = Call::new(Method::POST, c.url(path, &[])?, path.join("/"))
        .body(body)
        .idempotent();
    let v = c.send(call).await?;
    if cloud {
        let (issues, names) = issues_of(&v)?;
        let next = v["nextPageToken"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let is_last = v["isLast"].as_bool().unwrap_or(next.is_none()) || next.is_none();
        return Ok(SearchPage {
            issues,
            next_page_token: next.filter(|_| !is_last),
            is_last,
            names,
            total: None,
        });
    }
    offset_page(&v, start_at)
}

/// The issues and `names` of a search answer.
fn issues_of(v: &Value) -> Result<(Vec<Value>, Map<String, Value>), JiraError> {
    let Some(issues) = v["issues"].as_array().cloned() else {
        // An error page must never read as "no issues".
        return Err(JiraError::Protocol(
            "search response has no issues array".into(),
        ));
    };
    Ok((issues, v["names"].as_object().cloned().unwrap_or_default()))
}

/// A page of an offset-paged search (Data Center's, and Jira Software's issue lists).
fn offset_page(v: &Value, start_at: u64) -> Result<SearchPage, JiraError> {
    let (issues, names) = issues_of(v)?;
    // Jira caps `maxResults` server-side; the next offset follows what actually came back.
    let total = v["total"].as_u64();
    let next = start_at + issues.len() as u64;
    let is_last = issues.is_empty() || total.is_none_or(|t| next >= t);
    Ok(SearchPage {
        next_page_token: (!is_last).then(|| next.to_string()),
        issues,
        is_last,
        names,
        total,
    })
}

/// One page of a Jira Software issue list (`GET /rest/agile/1.0/{route}?jql=…`), offset-paged
/// on both flavours.
async fn agile_page(
    c: &JiraClient,
    req: &SearchRequest,
    fields: &[String],
) -> Result<SearchPage, JiraError> {
    let start = match &req.page_token {
        Some(t) => t
            .parse::<u64>()
            .map_err(|_| JiraError::invalid_field("pageToken", "not a page token of this list"))?,
        None => 0,
    };
    let q = [
        ("jql", req.jql.clone()),
        ("fields", fields.join(",")),
        ("expand", req.expand.join(",")),
        ("startAt", start.to_string()),
        ("maxResults", req.max_results.unwrap_or(50).to_string()),
    ];
    let route: Vec<&str> = req.route.iter().map(String::as_str).collect();
    let endpoint = format!("agile {}", route.join("/"));
    let url = c.agile_url(&route, &q)?;
    let v = c.send(Call::new(Method::GET, url, endpoint)).await?;
    offset_page(&v, start)
}

pub(crate) async fn all(
    c: &JiraClient,
    req: &SearchRequest,
    cap: usize,
    mut progress: impl FnMut(usize),
) -> Result<SearchPage, JiraError> {
    let mut req = req.clone();
    let default_page = if !req.route.is_empty() {
        50
    } else if c.site.flavor == Flavor::Cloud {
        100
    } else {
        1000
    };
    req.max_results = Some(req.max_results.unwrap_or(default_page));
    let mut out = SearchPage::default();
    loop {
        let page = page(c, &req).await?;
        let exact_boundary = out.issues.len() + page.issues.len() <= cap;
        out.issues.extend(page.issues);
        out.names.extend(page.names);
        out.total = page.total;
        progress(out.issues.len().min(cap));
        if page.is_last || out.issues.len() >= cap {
            out.is_last = page.is_last && exact_boundary;
            out.issues.truncate(cap);
            // Cut mid-page by the cap, the token would skip the page's rest: offer none then.
            out.next_page_token = if exact_boundary {
                page.next_page_token
            } else {
                None
            };
            return Ok(out);
        }
        if page.next_page_token == req.page_token {
            return Err(JiraError::Protocol("search cursor did not advance".into()));
        }
        req.page_token = page.next_page_token;
    }
}
