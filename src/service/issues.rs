//! The issue read policy over the shared cache, and writes that tell the cache what they touched.
//!
//! Issues and lists are cached normalized with both description formats, as compact JSON, so one
//! entry answers every `format`; the reply strips what was not asked for. A cached issue remembers
//! a reply shape (format and field list) asked of it twice, so a repeated identical `issues/get`
//! sends prepared bytes. Writes tell the cache what they touched, so a read after a write through
//! the daemon sees it.

use super::cached::{cached_json, read_cached, read_through, CachedJson};
use super::state::AppState;
use super::{ApiError, JiraSession};
use crate::cache::{CacheKey, Cached, FieldSet, IssueRef, ListKey, MetaKey};
use crate::jira::{
    EditOptions, Filters, IssueUpdate, JiraError, ListOptions, NewIssue, BULK_MAX, DEFAULT_FIELDS,
};
use jirad_protocol::issues::{CacheInfo, DescriptionFormat, Issue};
use jirad_protocol::ErrorKind;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

/// What a read through the cache tells the client about itself.
pub fn info(c: &Cached<CachedJson>) -> CacheInfo {
    CacheInfo {
        hit: c.info.hit,
        age_ms: c.info.age_ms,
        stale: c.info.stale,
    }
}

/// The requested fields, or the normalized issue's defaults.
pub fn field_list(fields: Option<Vec<String>>) -> Vec<String> {
    match fields {
        Some(f) if !f.is_empty() => f,
        _ => DEFAULT_FIELDS.iter().map(|f| f.to_string()).collect(),
    }
}

pub fn shape_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorKind::UpstreamUnavailable,
        format!("normalized issue shape: {e}"),
    )
}

/// The fields a get asks for, listed and as the cache's field set.
pub struct Wanted {
    pub list: Cow<'static, [String]>,
    pub set: FieldSet,
}

/// The requested fields, or the defaults (built once: a cached read costs no copies of them).
pub fn wanted(fields: Option<Vec<String>>) -> Wanted {
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
pub fn shaped(mut issue: Issue, format: DescriptionFormat) -> Issue {
    match format {
        DescriptionFormat::Markdown => issue.description_adf = None,
        DescriptionFormat::Adf => issue.description = None,
        DescriptionFormat::Both => {}
    }
    issue
}

pub fn parse_issue(v: &CachedJson, format: DescriptionFormat) -> Result<Issue, ApiError> {
    Ok(shaped(v.parse().map_err(shape_error)?, format))
}

/// One issue through the shared cache, fetched (normalized, both description formats) on a miss
/// or when `fresh`.
pub async fn read(
    app: &AppState,
    s: &JiraSession,
    key: &str,
    fields: &Wanted,
    expand: Vec<String>,
    fresh: bool,
) -> Result<Cached<CachedJson>, ApiError> {
    let cache_key = CacheKey::issue(key, fields.set.clone());
    // An expansion changes the answer but not the key: such reads go to Jira.
    let fresh = fresh || !expand.is_empty();
    app.cache
        .get_or_fetch(&s.ns, cache_key, fresh, || {
            // Copied only when fetching: a hit costs no copies.
            let (client, key, fields) = (s.client.clone(), key.to_owned(), fields.list.to_vec());
            async move {
                cached_json(
                    &client
                        .issue(&key, &fields, &expand, DescriptionFormat::Both)
                        .await?,
                )
            }
        })
        .await
        .map_err(ApiError::from)
}

/// Cuts an issue answered from an entry fetched with more fields down to the fields asked for,
/// so only those travel. Custom fields asked by id keep their by-name twin (same value).
pub fn project(issue: &mut Issue, wanted: &[String]) {
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

/// `issues/get` with `expand`: straight from Jira, never cached (an entry answers reads that
/// asked for no expansion); the issue and each expansion as Jira sent it.
pub async fn read_expanded(
    s: &JiraSession,
    key: &str,
    fields: &Wanted,
    expand: &[&str],
    format: DescriptionFormat,
) -> Result<(Issue, Map<String, Value>), ApiError> {
    let (issue, expanded) = s.client.issue_expanded(key, &fields.list, expand).await?;
    Ok((parse_issue(&cached_json(&issue)?, format)?, expanded))
}

/// The JSON of a cached issue in this shape, remembered by the entry once asked twice.
pub fn prepared(
    app: &AppState,
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
        app.cache.reweigh(&s.ns, &stored, entry);
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

/// What a list asks of Jira, and how it is cached.
pub struct ListRequest {
    pub filters: Filters,
    /// The JQL `filters` make, which names the cache entry.
    pub query: String,
    pub fields: Vec<String>,
    pub limit: Option<u32>,
    pub page_token: Option<String>,
    pub all: bool,
    /// The most issues `all` gathers (`maxIssues` never raises the daemon's cap).
    pub cap: usize,
    pub fresh: bool,
    /// A Jira Software issue list to search within (`board/1/backlog`); empty: the site.
    pub route: Vec<String>,
}

/// Progress of a list that follows every page: `("begin" | "report" | "end", issues so far)`.
pub type ListProgress = Box<dyn Fn(&str, usize) + Send + Sync>;

/// A page of issues (or every page, with `all`) through the shared cache.
pub async fn list(
    app: &AppState,
    s: &JiraSession,
    req: ListRequest,
    progress: Option<ListProgress>,
) -> Result<(CachedPage, CacheInfo), ApiError> {
    let mut extra = if req.all {
        format!("all:{}", req.cap)
    } else {
        String::new()
    };
    if !req.route.is_empty() {
        extra.push_str(" in:");
        extra.push_str(&req.route.join("/"));
    }
    let key = CacheKey::List(ListKey::new(
        &req.query,
        &FieldSet::from_request(&req.fields),
        req.page_token.as_deref(),
        req.limit,
        &extra,
    ));
    let opts = ListOptions {
        fields: req.fields,
        limit: req.limit,
        page_token: req.page_token,
        all: req.all,
        cap: req.cap,
        format: DescriptionFormat::Both,
        reconcile_issues: app
            .cache
            .recent_writes(&s.ns)
            .iter()
            .filter_map(|id| id.parse().ok())
            .collect(),
        route: req.route,
    };
    let (client, filters) = (s.client.clone(), req.filters);
    let read = app
        .cache
        .get_or_fetch(&s.ns, key, req.fresh, move || async move {
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
        .map_err(ApiError::from)?;
    Ok((read_cached(&read.value)?, info(&read)))
}

/// A cached `crate::jira::IssueList`, read back as the protocol's issues.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedPage {
    pub issues: Vec<Issue>,
    #[serde(default)]
    pub next_page_token: Option<String>,
    pub is_last: bool,
}

/// Something read about an issue beside its fields (`part`: its links, worklogs, a changelog
/// page), through the shared cache: kept as long as issues are, evicted by writes to the issue
/// through the daemon (and by changes a watch sees), refetched with `fresh`, and refetched when
/// the daemon has since read the issue with another `updated` (someone changed it in Jira).
pub async fn issue_part<T, F, Fut>(
    app: &AppState,
    s: &JiraSession,
    key: &str,
    part: String,
    fresh: bool,
    fetch: F,
) -> Result<T, ApiError>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T, JiraError>> + Send + 'static,
{
    #[derive(serde::Serialize, Deserialize)]
    struct Stamped<T> {
        /// The issue's `updated` when the part was read (as far as the daemon knew it).
        updated: Option<String>,
        value: T,
    }
    let key = key.to_uppercase();
    let updated = known_updated(app, s, &key);
    let cache_key = CacheKey::Meta(MetaKey::IssuePart { issue: key, part });
    // Read before the issue last changed (as the daemon has since read it): ask Jira again.
    let outdated = updated.is_some()
        && app
            .cache
            .peek(&s.ns, &cache_key)
            .is_some_and(|held| read_cached::<Stamp>(&held).is_ok_and(|p| p.updated != updated));
    let part: Stamped<T> =
        read_through(&app.cache, &s.ns, cache_key, fresh || outdated, move || {
            let fut = fetch();
            async move {
                Ok(Stamped {
                    updated,
                    value: fut.await?,
                })
            }
        })
        .await?;
    Ok(part.value)
}

/// The `updated` member of a cached issue or issue part.
#[derive(Deserialize)]
struct Stamp {
    updated: Option<String>,
}

/// The `updated` of the issue as the daemon holds it, if it does.
fn known_updated(app: &AppState, s: &JiraSession, key: &str) -> Option<String> {
    // Any cached copy that has the field will do.
    let held = app.cache.get(
        &s.ns,
        &CacheKey::issue(key, FieldSet::from_request(&["updated"])),
    )?;
    read_cached::<Stamp>(&held.value).ok()?.updated
}

/// After a write to an issue Jira does not name (an attachment deleted by id), even a failed one:
/// every cached issue, list and issue part of the profile goes.
pub fn touched_somewhere(app: &AppState, s: &JiraSession) {
    app.cache.meta_changed(&s.ns, |_| false, true);
}

/// After a write that changed these issues (a link, a worklog, an attachment), even a failed one
/// (it may have been applied): their cached copies and the lists holding them go.
pub fn touched(app: &AppState, s: &JiraSession, keys: &[&str]) {
    for key in keys {
        app.cache
            .issue_written(&s.ns, &IssueRef::from_key(key), None);
    }
}

/// Creates an issue; lists of its project and its parent are refetched after.
pub async fn create(
    app: &AppState,
    s: &JiraSession,
    new: &NewIssue,
) -> Result<crate::jira::Created, ApiError> {
    let result = s.client.create(new).await;
    if let Err(JiraError::OutcomeUnknown(_)) = &result {
        // It may exist: lists of the project must not hide it.
        app.cache.lists_changed(&s.ns, &new.project);
    }
    let c = result?;
    let written = IssueRef::from_key(&c.key).with_id(c.id.clone());
    app.cache.issue_written(&s.ns, &written, None);
    if let Some(parent) = &new.parent {
        // The parent's `subtasks` changed.
        app.cache
            .issue_written(&s.ns, &IssueRef::from_key(parent), None);
    }
    Ok(c)
}

/// Creates many issues: each is checked like one `create` (a refused one is never sent), the
/// rest go to Jira [`BULK_MAX`] at a time. Per item, the created issue or the error, in order. A
/// request whose answer was lost is never resent: its items are `outcomeUnknown`.
pub async fn create_many(
    app: &AppState,
    s: &JiraSession,
    items: &[NewIssue],
) -> Vec<Result<crate::jira::Created, ApiError>> {
    let mut out: Vec<Option<Result<crate::jira::Created, ApiError>>> = Vec::new();
    let mut ready: Vec<(usize, Map<String, Value>)> = Vec::new();
    for (n, item) in items.iter().enumerate() {
        match s.client.create_fields_of(item).await {
            Ok(fields) => {
                out.push(None);
                ready.push((n, fields));
            }
            Err(e) => out.push(Some(Err(e.into()))),
        }
    }
    for chunk in ready.chunks(BULK_MAX) {
        let (at, fields): (Vec<usize>, Vec<Map<String, Value>>) = chunk.iter().cloned().unzip();
        match s.client.create_bulk(fields).await {
            Ok(results) => {
                for (n, r) in at.into_iter().zip(results) {
                    out[n] = Some(r.map_err(ApiError::from));
                }
            }
            Err(e) => {
                for n in at {
                    out[n] = Some(Err(ApiError::from(&e)));
                }
            }
        }
    }
    for (item, r) in items.iter().zip(&out) {
        match r {
            Some(Ok(c)) => {
                let written = IssueRef::from_key(&c.key).with_id(c.id.clone());
                app.cache.issue_written(&s.ns, &written, None);
                if let Some(parent) = &item.parent {
                    app.cache
                        .issue_written(&s.ns, &IssueRef::from_key(parent), None);
                }
            }
            // It may exist: lists of the project must not hide it.
            Some(Err(e)) if e.data.contains_key("outcomeUnknown") => {
                app.cache.lists_changed(&s.ns, &item.project)
            }
            _ => {}
        }
    }
    out.into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                Err(ApiError::new(
                    ErrorKind::UpstreamUnavailable,
                    "no answer for this issue",
                ))
            })
        })
        .collect()
}

/// Edits an issue, then reads it back through the cache (which the edit emptied) as Markdown.
pub async fn update(
    app: &AppState,
    s: &JiraSession,
    key: &str,
    upd: &IssueUpdate,
    notify_users: Option<bool>,
) -> Result<(Issue, CacheInfo), ApiError> {
    let fields = wanted(None);
    let opts = EditOptions {
        notify_users,
        return_issue: false,
        fields: vec![],
        expand: vec![],
    };
    let written = s.client.update(key, upd, &opts).await;
    // Even a failed edit may have changed something (a timeout after Jira applied it).
    let reference = IssueRef::from_key(key);
    app.cache.issue_written(&s.ns, &reference, None);
    written?;
    // Read back through the cache: the entry is gone, so this fetches and stores the new state.
    let read = read(app, s, key, &fields, vec![], true).await?;
    let issue = parse_issue(&read.value, DescriptionFormat::Markdown)?;
    // Now the id is known, remember it for `reconcileIssues`.
    let with_id = reference.with_id(issue.id.clone());
    let value = read.value.fresh_copy();
    app.cache
        .issue_written(&s.ns, &with_id, Some((value, fields.set)));
    Ok((issue, info(&read)))
}

/// Deletes an issue (and its sub-tasks when asked); the cache forgets it whatever Jira answered.
pub async fn delete(
    app: &AppState,
    s: &JiraSession,
    key: &str,
    delete_subtasks: bool,
) -> Result<(), ApiError> {
    let result = s.client.delete_issue(key, delete_subtasks).await;
    app.cache.issue_deleted(&s.ns, &IssueRef::from_key(key));
    match result {
        Err(JiraError::InvalidFields(m))
            if !delete_subtasks && m.summary().to_lowercase().contains("subtask") =>
        {
            Err(ApiError::from(JiraError::InvalidFields(m)).with(
                "hint",
                "the issue has sub-tasks: pass deleteSubtasks: true to delete them too",
            ))
        }
        r => r.map_err(Into::into),
    }
}
