//! `issues/get`, `issues/list`, `issues/create`, `issues/update`, `issues/delete`.
//!
//! Reads go through the shared cache. Issues and lists are cached normalized with both description
//! formats, as compact JSON, so one entry answers every `format`; the reply strips what was not
//! asked for. A cached issue remembers a reply shape (format and field list) asked of it twice, so a
//! repeated identical `issues/get` sends prepared bytes. Writes tell the cache what they touched,
//! so a read after a write through the daemon sees it.

use super::session::{jira, JiraSession};
use super::ApiError;
use crate::cache::{CacheError, CacheKey, Cached, FieldSet, IssueRef, ListKey};
use crate::jira::{
    jql, DescriptionFormat as Fmt, EditOptions, Filters, IssueUpdate, JiraError, ListOptions,
    NewIssue, RichText, DEFAULT_FIELDS,
};
use crate::rpc::Routes;
use crate::rpc::{Ctx, Register, Reply};
use crate::state::{cached_json, read_cached, AppState, CachedJson};
use jirad_protocol::issues::*;
use jirad_protocol::lifecycle::{Progress, ProgressParams};
use jirad_protocol::ErrorKind;
use serde::Deserialize;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

/// Registers the family.
pub fn register_all(m: &mut Routes<AppState>) {
    m.request::<IssuesGet>(get)
        .request::<IssuesList>(list)
        .request::<IssuesCreate>(create)
        .request::<IssuesUpdate>(update)
        .request::<IssuesDelete>(delete);
}

fn cache_err(e: CacheError<JiraError>) -> ApiError {
    match e {
        // The error is shared by every caller of a coalesced fetch; rebuild it from its parts.
        CacheError::Upstream(e) => rebuild(&e),
        CacheError::FetchAborted => ApiError::new(ErrorKind::UpstreamUnavailable, e.to_string()),
    }
}

/// An owned copy of a shared Jira error, converted like the original.
fn rebuild(e: &JiraError) -> ApiError {
    use JiraError as J;
    let owned = match e {
        J::AuthRequired(s) => J::AuthRequired(s.clone()),
        J::AuthFailed(m) => J::AuthFailed(m.clone()),
        J::Forbidden(m) => J::Forbidden(m.clone()),
        J::NotFound(m) => J::NotFound(m.clone()),
        J::InvalidFields(m) => J::InvalidFields(m.clone()),
        J::RateLimited {
            retry_after_ms,
            reason,
        } => J::RateLimited {
            retry_after_ms: *retry_after_ms,
            reason: reason.clone(),
        },
        J::UpstreamUnavailable(s) => J::UpstreamUnavailable(s.clone()),
        J::Unreachable {
            host,
            cause,
            retry_in_ms,
        } => J::Unreachable {
            host: host.clone(),
            cause: cause.clone(),
            retry_in_ms: *retry_in_ms,
        },
        J::Conflict(m) => J::Conflict(m.clone()),
        J::UpstreamRemoved(m) => J::UpstreamRemoved(m.clone()),
        J::OutcomeUnknown(s) => J::OutcomeUnknown(s.clone()),
        J::LossyUpdate { nodes } => J::LossyUpdate {
            nodes: nodes.clone(),
        },
        J::Protocol(s) => J::Protocol(s.clone()),
    };
    owned.into()
}

fn info(c: &Cached<CachedJson>) -> CacheInfo {
    CacheInfo {
        hit: c.info.hit,
        age_ms: c.info.age_ms,
        stale: c.info.stale,
    }
}

/// The requested fields, or the normalized issue's defaults.
fn field_list(fields: Option<Vec<String>>) -> Vec<String> {
    match fields {
        Some(f) if !f.is_empty() => f,
        _ => DEFAULT_FIELDS.iter().map(|f| f.to_string()).collect(),
    }
}

fn shape_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorKind::UpstreamUnavailable,
        format!("normalized issue shape: {e}"),
    )
}

/// The fields a get asks for, listed and as the cache's field set.
struct Wanted {
    list: Cow<'static, [String]>,
    set: FieldSet,
}

/// The requested fields, or the defaults (built once: a cached read costs no copies of them).
fn wanted(fields: Option<Vec<String>>) -> Wanted {
    static DEFAULT: LazyLock<(Vec<String>, FieldSet)> = LazyLock::new(|| {
        let list = field_list(None);
        let set = FieldSet::from_request(&list);
        (list, set)
    });
    match fields {
        Some(f) if !f.is_empty() => Wanted {
            set: FieldSet::from_request(&f),
            list: Cow::Owned(f),
        },
        _ => Wanted {
            list: Cow::Borrowed(&DEFAULT.0),
            set: DEFAULT.1.clone(),
        },
    }
}

/// A cached (both-format) issue as the caller asked for it.
fn shaped(mut issue: Issue, format: DescriptionFormat) -> Issue {
    match format {
        DescriptionFormat::Markdown => issue.description_adf = None,
        DescriptionFormat::Adf => issue.description = None,
        DescriptionFormat::Both => {}
    }
    issue
}

fn parse_issue(v: &CachedJson, format: DescriptionFormat) -> Result<Issue, ApiError> {
    Ok(shaped(v.parse().map_err(shape_error)?, format))
}

async fn read_issue(
    s: &JiraSession,
    cx: &Ctx<AppState>,
    key: &str,
    fields: &Wanted,
    expand: Vec<String>,
    fresh: bool,
) -> Result<Cached<CachedJson>, ApiError> {
    let cache_key = CacheKey::issue(key, fields.set.clone());
    // An expansion changes the answer but not the key: such reads go to Jira.
    let fresh = fresh || !expand.is_empty();
    cx.app
        .cache
        .get_or_fetch(&s.ns, cache_key, fresh, || {
            // Copied only when fetching: a hit costs no copies.
            let (client, key, fields) = (s.client.clone(), key.to_owned(), fields.list.to_vec());
            async move { cached_json(&client.issue(&key, &fields, &expand, Fmt::Both).await?) }
        })
        .await
        .map_err(cache_err)
}

/// Cuts an issue answered from an entry fetched with more fields down to the fields asked for,
/// so only those travel. Custom fields asked by id keep their by-name twin (same value).
fn project(issue: &mut Issue, wanted: &[String]) {
    if wanted.iter().any(|f| f.starts_with(['*', '-'])) {
        return; // selectors: the entry was fetched with exactly this set
    }
    let asked = |f: &str| wanted.iter().any(|w| w.eq_ignore_ascii_case(f));
    fn keep_if<T>(asked: bool, v: &mut Option<T>) {
        if !asked {
            *v = None;
        }
    }
    keep_if(asked("summary"), &mut issue.summary);
    keep_if(asked("status"), &mut issue.status);
    keep_if(asked("issuetype"), &mut issue.issue_type);
    keep_if(asked("priority"), &mut issue.priority);
    keep_if(asked("assignee"), &mut issue.assignee);
    keep_if(asked("reporter"), &mut issue.reporter);
    keep_if(asked("labels"), &mut issue.labels);
    keep_if(asked("parent"), &mut issue.parent);
    keep_if(asked("subtasks"), &mut issue.subtasks);
    keep_if(asked("created"), &mut issue.created);
    keep_if(asked("updated"), &mut issue.updated);
    keep_if(asked("description"), &mut issue.description);
    keep_if(asked("description"), &mut issue.description_adf);
    let fields = &mut issue.fields;
    let kept: Vec<Value> = fields
        .iter()
        .filter(|(k, _)| asked(k) && k.starts_with("customfield_"))
        .map(|(_, v)| v.clone())
        .collect();
    fields.retain(|k, v| {
        asked(k)
            || (!k.starts_with("customfield_")
                && k.contains(char::is_uppercase)
                && kept.contains(v))
    });
}

async fn get(p: IssuesGetParams, cx: Ctx<AppState>) -> Result<Reply<IssuesGetResult>, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let fields = wanted(p.fields);
    let format = p.format.unwrap_or_default();
    if let Some(expand) = p.expand.filter(|e| !e.is_empty()) {
        return expanded(&s, &p.key, &fields, &expand, format).await;
    }
    let read = read_issue(&s, &cx, &p.key, &fields, vec![], p.fresh).await?;
    let cache = info(&read);
    if !read.info.hit {
        let issue = parse_issue(&read.value, format)?;
        return Ok(Reply::Value(IssuesGetResult {
            issue,
            cache,
            expanded: None,
        }));
    }
    let issue_json = prepared(&cx, &s, &p.key, &read.value, format, &fields)?;
    let (range, rest) = IssuesGetResult::json_parts(&issue_json, &cache).map_err(shape_error)?;
    Ok(Reply::Joined(issue_json, range, rest))
}

/// `issues/get` with `expand`: straight from Jira, never cached (an entry answers reads that asked
/// for no expansion), the expansions under `expanded`.
async fn expanded(
    s: &JiraSession,
    key: &str,
    fields: &Wanted,
    expand: &[Expand],
    format: DescriptionFormat,
) -> Result<Reply<IssuesGetResult>, ApiError> {
    let names: Vec<&str> = expand.iter().map(|e| e.as_str()).collect();
    let (issue, expanded) = s.client.issue_expanded(key, &fields.list, &names).await?;
    let issue = parse_issue(&cached_json(&issue)?, format)?;
    Ok(Reply::Value(IssuesGetResult {
        issue,
        cache: CacheInfo::default(),
        expanded: Some(expanded),
    }))
}

/// The JSON of a cached issue in this shape, remembered by the entry once asked twice.
fn prepared(
    cx: &Ctx<AppState>,
    s: &JiraSession,
    key: &str,
    entry: &Arc<CachedJson>,
    format: DescriptionFormat,
    fields: &Wanted,
) -> Result<Arc<str>, ApiError> {
    let shape = shape_name(format, fields);
    if let Some(done) = entry.memo(&shape) {
        return Ok(done);
    }
    let mut issue = parse_issue(entry, format)?;
    project(&mut issue, &fields.list);
    let json: Arc<str> = serde_json::to_string(&issue).map_err(shape_error)?.into();
    if entry.remember(&shape, Arc::clone(&json)) {
        // Issues are stored by key whatever their fields.
        let stored = CacheKey::issue(key, FieldSet::All);
        cx.app.cache.reweigh(&s.ns, &stored, entry);
    }
    Ok(json)
}

/// Names a reply shape: the format and the field list as asked (another spelling of the same
/// list is another shape, which costs only a memo slot); the default fields go unnamed.
fn shape_name(format: DescriptionFormat, fields: &Wanted) -> Cow<'static, str> {
    let format = match format {
        DescriptionFormat::Markdown => "md",
        DescriptionFormat::Adf => "adf",
        DescriptionFormat::Both => "both",
    };
    let Cow::Owned(fields) = &fields.list else {
        return Cow::Borrowed(format);
    };
    let mut name = String::with_capacity(4 + fields.iter().map(|f| f.len() + 1).sum::<usize>());
    name.push_str(format);
    for f in fields {
        // Unit separators cannot occur in field names, so the parts stay distinct.
        name.push('\u{1f}');
        name.push_str(f);
    }
    Cow::Owned(name)
}

async fn list(p: IssuesListParams, cx: Ctx<AppState>) -> Result<IssuesListResult, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let filters = Filters {
        jql: p.jql,
        project: p.project.into_iter().collect(),
        assignee: p.assignee,
        status: p.status.into_iter().collect(),
        text: p.text,
        labels: p.labels.unwrap_or_default(),
        order_by: p.order_by,
    };
    let query = jql::build(&filters)?;
    let fields = field_list(p.fields);
    // `maxIssues` lowers the daemon's cap for this call, never raises it.
    let cap = p.max_issues.map_or(cx.app.config.jira.list_cap, |m| {
        cx.app.config.jira.list_cap.min(m as usize)
    });
    let extra = if p.all {
        format!("all:{cap}")
    } else {
        String::new()
    };
    let key = CacheKey::List(ListKey::new(
        &query,
        &FieldSet::from_request(&fields),
        p.page_token.as_deref(),
        p.limit,
        &extra,
    ));
    let opts = ListOptions {
        fields,
        limit: p.limit,
        page_token: p.page_token,
        all: p.all,
        cap,
        format: Fmt::Both,
        reconcile_issues: cx
            .app
            .cache
            .recent_writes(&s.ns)
            .iter()
            .filter_map(|id| id.parse().ok())
            .collect(),
    };
    let progress = p.progress_token.filter(|_| p.all).map(|token| {
        let conn = cx.conn.clone();
        move |kind: &str, done: usize| {
            let value = json!({"kind": kind, "message": format!("{done} issues"), "done": done});
            let value = match kind {
                "begin" => json!({"kind": kind, "title": "Listing issues", "done": done}),
                _ => value,
            };
            // A client that stopped reading loses its progress, not its answer.
            let _ = conn.notify::<Progress>(&ProgressParams {
                token: token.clone(),
                value,
            });
        }
    });
    let client = s.client.clone();
    let read = cx
        .app
        .cache
        .get_or_fetch(&s.ns, key, p.fresh, move || async move {
            if let Some(report) = &progress {
                report("begin", 0);
            }
            let page = client
                .list(&filters, &opts, |done| {
                    if let Some(report) = &progress {
                        report("report", done);
                    }
                })
                .await;
            if let Some(report) = &progress {
                report("end", page.as_ref().map_or(0, |p| p.issues.len()));
            }
            cached_json(&page?)
        })
        .await
        .map_err(cache_err)?;
    let format = p.format.unwrap_or_default();
    let page: CachedPage = read_cached(&read.value)?;
    Ok(IssuesListResult {
        issues: page.issues.into_iter().map(|i| shaped(i, format)).collect(),
        next_page_token: page.next_page_token,
        is_last: page.is_last,
        cache: info(&read),
    })
}

/// A cached `crate::jira::IssueList`, read back as the protocol's issues.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CachedPage {
    issues: Vec<Issue>,
    #[serde(default)]
    next_page_token: Option<String>,
    is_last: bool,
}

fn rich(v: Option<&Value>, field: &str) -> Result<Option<RichText>, JiraError> {
    v.map(|v| RichText::from_json(v, field)).transpose()
}

async fn create(p: IssuesCreateParams, cx: Ctx<AppState>) -> Result<IssuesCreateResult, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let new = NewIssue {
        project: p.project,
        issue_type: p.issue_type,
        summary: p.summary,
        description: rich(p.description.as_ref(), "description")?,
        labels: p.labels.unwrap_or_default(),
        assignee: p.assignee,
        priority: p.priority,
        parent: p.parent,
        fields: p.fields.unwrap_or_default(),
    };
    let result = s.client.create(&new).await;
    if let Err(JiraError::OutcomeUnknown(_)) = &result {
        // It may exist: lists of the project must not hide it.
        cx.app.cache.lists_changed(&s.ns, &new.project);
    }
    let c = result?;
    let written = IssueRef::from_key(&c.key).with_id(c.id.clone());
    cx.app.cache.issue_written(&s.ns, &written, None);
    if let Some(parent) = &new.parent {
        // The parent's `subtasks` changed.
        cx.app
            .cache
            .issue_written(&s.ns, &IssueRef::from_key(parent), None);
    }
    Ok(IssuesCreateResult {
        key: c.key,
        id: c.id,
        url: c.url,
    })
}

async fn update(p: IssuesUpdateParams, cx: Ctx<AppState>) -> Result<IssuesGetResult, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let upd = IssueUpdate {
        summary: p.summary,
        description: rich(p.description.as_ref(), "description")?,
        labels: p.labels,
        add_labels: p.add_labels.unwrap_or_default(),
        remove_labels: p.remove_labels.unwrap_or_default(),
        assignee: p.assignee,
        priority: p.priority,
        fields: p.fields.unwrap_or_default(),
        update: p.update.unwrap_or_default(),
        force: p.force,
    };
    let fields = wanted(None);
    let opts = EditOptions {
        notify_users: p.notify_users,
        return_issue: false,
        fields: vec![],
        expand: vec![],
    };
    let written = s.client.update(&p.key, &upd, &opts).await;
    // Even a failed edit may have changed something (a timeout after Jira applied it).
    let reference = IssueRef::from_key(&p.key);
    cx.app.cache.issue_written(&s.ns, &reference, None);
    written?;
    // Read back through the cache: the entry is gone, so this fetches and stores the new state.
    let read = read_issue(&s, &cx, &p.key, &fields, vec![], true).await?;
    let issue = parse_issue(&read.value, DescriptionFormat::Markdown)?;
    // Now the id is known, remember it for `reconcileIssues`.
    let with_id = reference.with_id(issue.id.clone());
    let value = read.value.fresh_copy();
    cx.app
        .cache
        .issue_written(&s.ns, &with_id, Some((value, wanted(None).set)));
    Ok(IssuesGetResult {
        issue,
        cache: info(&read),
        expanded: None,
    })
}

async fn delete(p: IssuesDeleteParams, cx: Ctx<AppState>) -> Result<Empty, ApiError> {
    let s = jira(&cx, p.profile.as_deref()).await?;
    let result = s.client.delete_issue(&p.key, p.delete_subtasks).await;
    let reference = IssueRef::from_key(&p.key);
    cx.app.cache.issue_deleted(&s.ns, &reference);
    match result {
        Err(JiraError::InvalidFields(m))
            if !p.delete_subtasks && m.summary().to_lowercase().contains("subtask") =>
        {
            Err(ApiError::from(JiraError::InvalidFields(m)).with(
                "hint",
                "the issue has sub-tasks: pass deleteSubtasks: true to delete them too",
            ))
        }
        r => r.map(|_| Empty {}).map_err(Into::into),
    }
}
