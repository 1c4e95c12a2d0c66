//! Watches over Jira: the [`WatchSource`] of one watched query, the daemon's registry with
//! the connection that owns each watch (only it may unwatch; its watches end with it), and
//! joining a watch: [`issues`] for `issues/watch`, [`subscribe`] for it and `sprints/watch`.

use super::{ApiError, JiraSession};
use crate::cache::{
    ProjectScope, Subscription, WatchError, WatchId, WatchKey, WatchRegistry, WatchSource,
    WatchTiming, WatchedIssue,
};
use crate::jira::jql;
use crate::jira::normalize::{normalize, DescriptionFormat};
use crate::jira::offload;
use crate::jira::{Filters, JiraClient, JiraError, SearchRequest};
use jirad_protocol::ErrorKind;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Fields of a watched issue when the watch names none.
pub const WATCHED_FIELDS: &[&str] = &[
    "summary",
    "status",
    "issuetype",
    "priority",
    "assignee",
    "labels",
    "updated",
];

/// A watched list is read whole; beyond this many issues the rest is not watched.
const MAX_ISSUES: usize = 1000;

/// One watched query over a profile's Jira client.
pub struct JiraWatch {
    client: JiraClient,
    /// The condition, without `ORDER BY`.
    cond: String,
    /// `ORDER BY …` of the full list.
    order: String,
    fields: Vec<String>,
    /// The projects the query lies within (read from it, or a live board's project) as JQL: the
    /// scope's change detector searches it each tick for all the watches within it.
    scope: Option<String>,
    projects: ProjectScope,
    /// The user's UTC offset, learnt from Jira's timestamps (which it gives in the user's zone).
    offset_minutes: AtomicI32,
}

impl JiraWatch {
    /// `fields` must include `updated`.
    pub fn new(client: JiraClient, cond: String, order: String, fields: Vec<String>) -> Self {
        Self {
            client,
            cond,
            order,
            fields,
            scope: None,
            projects: ProjectScope::Unknown,
            offset_minutes: AtomicI32::new(0),
        }
    }

    /// The same watch, told which projects its query lies within. Spelt one way per set of
    /// projects, so that every watch within the same projects shares a detector.
    pub fn within(mut self, projects: ProjectScope) -> Self {
        self.scope = match &projects {
            ProjectScope::Projects(keys) if !keys.is_empty() => {
                let keys: Vec<String> = keys.iter().map(|k| jql::quote(k)).collect();
                Some(format!("project in ({})", keys.join(", ")))
            }
            _ => None,
        };
        self.projects = projects;
        self
    }

    async fn ids_of(&self, jql: String) -> Result<Vec<String>, JiraError> {
        let req = SearchRequest {
            jql,
            fields: vec!["id".into()],
            ..SearchRequest::default()
        };
        let page = self.client.search_all(&req, MAX_ISSUES, |_| {}).await?;
        Ok(page
            .issues
            .iter()
            .filter_map(|i| i["id"].as_str().map(str::to_owned))
            .collect())
    }

    /// Ids, keys and `updated` of the issues `jql` returns.
    async fn stamps_of(&self, jql: String) -> Result<Vec<WatchedIssue<()>>, JiraError> {
        let req = SearchRequest {
            jql,
            fields: vec!["updated".into()],
            ..SearchRequest::default()
        };
        let page = self.client.search_all(&req, MAX_ISSUES, |_| {}).await?;
        Ok(page
            .issues
            .iter()
            .filter_map(|i| {
                Some(WatchedIssue {
                    id: i["id"].as_str()?.to_owned(),
                    key: i["key"].as_str()?.to_owned(),
                    updated: i["fields"]["updated"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    value: (),
                })
            })
            .collect())
    }

    async fn search(&self, jql: String) -> Result<Vec<WatchedIssue<Value>>, JiraError> {
        let req = SearchRequest {
            jql,
            fields: self.fields.clone(),
            ..SearchRequest::default()
        };
        let page = self.client.search_all(&req, MAX_ISSUES, |_| {}).await?;
        let site = self.client.site().clone();
        let issues: Vec<WatchedIssue<Value>> = offload::heavy(offload::UNKNOWN_SIZE, move |stop| {
            page.issues
                .iter()
                .map(|bean| {
                    let format = DescriptionFormat::Markdown;
                    let issue = normalize(bean, &site, format, Some(&page.names), stop)?;
                    Ok::<_, crate::jira::budget::Halt>(WatchedIssue {
                        id: issue.id.clone(),
                        key: issue.key.clone(),
                        updated: issue.updated.clone().unwrap_or_default(),
                        value: serde_json::to_value(&issue).unwrap_or(Value::Null),
                    })
                })
                .collect::<Result<_, _>>()
        })
        .await??;
        if let Some(m) = issues.iter().find_map(|i| utc_offset_minutes(&i.updated)) {
            self.offset_minutes.store(m, Ordering::Relaxed);
        }
        Ok(issues)
    }
}

impl WatchSource for JiraWatch {
    type Value = Value;
    type Error = JiraError;

    async fn list(&self) -> Result<Vec<WatchedIssue<Value>>, JiraError> {
        self.search(format!("{} {}", self.cond, self.order)).await
    }

    async fn changed_since(&self, since: &str) -> Result<Vec<WatchedIssue<Value>>, JiraError> {
        let jql = format!(
            "({}) AND updated >= {} ORDER BY updated ASC",
            self.cond,
            crate::jira::jql::quote(since)
        );
        self.search(jql).await
    }

    async fn ids(&self) -> Result<Vec<String>, JiraError> {
        self.ids_of(format!("{} {}", self.cond, self.order)).await
    }

    fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    fn in_scope(&self, key: &str) -> bool {
        key.rsplit_once('-')
            .is_some_and(|(project, _)| self.projects.may_contain(project))
    }

    async fn scope_changed_since(&self, since: &str) -> Result<Vec<WatchedIssue<()>>, JiraError> {
        let Some(scope) = &self.scope else {
            return Ok(Vec::new());
        };
        let jql = format!(
            "({scope}) AND updated >= {} ORDER BY updated ASC",
            crate::jira::jql::quote(since)
        );
        self.stamps_of(jql).await
    }

    async fn changed_among(&self, keys: &[String]) -> Result<Vec<WatchedIssue<Value>>, JiraError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = keys.iter().map(|k| crate::jira::jql::quote(k)).collect();
        let jql = format!(
            "({}) AND key in ({}) {}",
            self.cond,
            keys.join(", "),
            self.order
        );
        self.search(jql).await
    }

    fn utc_offset_minutes(&self) -> i32 {
        self.offset_minutes.load(Ordering::Relaxed)
    }
}

/// `2024-02-29T12:34:56.000+0100` → 60.
fn utc_offset_minutes(ts: &str) -> Option<i32> {
    let tail = ts.get(ts.len().checked_sub(5)?..)?;
    let sign = match tail.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let h: i32 = tail.get(1..3)?.parse().ok()?;
    let m: i32 = tail.get(3..5)?.parse().ok()?;
    Some(sign * (h * 60 + m))
}

/// Every watch of the daemon, and which connection owns it.
pub struct Watches {
    pub registry: WatchRegistry<JiraWatch>,
    owners: Arc<Mutex<HashMap<WatchId, u64>>>,
    /// Watches per connection, counted from before a watch starts to its end.
    counts: Mutex<HashMap<u64, usize>>,
    max_per_connection: usize,
}

/// A connection already holds the most watches it may.
#[derive(Debug, thiserror::Error)]
#[error("this connection already has {max} watches, the most it may hold; unwatch one first")]
pub struct TooManyWatches {
    /// The limit (`[limits] max_watches_per_connection`).
    pub max: usize,
}

impl Watches {
    pub fn new(timing: WatchTiming, max_per_connection: usize) -> Self {
        Self {
            registry: WatchRegistry::new(timing),
            owners: Arc::default(),
            counts: Mutex::default(),
            max_per_connection,
        }
    }

    /// Takes one of `conn`'s watch slots, before the watch starts: concurrent calls on one
    /// connection cannot pass the cap together. Give it back with [`Watches::release`] if the
    /// watch does not start.
    pub fn reserve(&self, conn: u64) -> Result<(), TooManyWatches> {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let n = counts.entry(conn).or_default();
        if *n >= self.max_per_connection {
            return Err(TooManyWatches {
                max: self.max_per_connection,
            });
        }
        *n += 1;
        Ok(())
    }

    /// Gives back one of `conn`'s watch slots.
    pub fn release(&self, conn: u64) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = counts.get_mut(&conn) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&conn);
            }
        }
    }

    /// Records that connection `conn` owns watch `id` (only it may unwatch it).
    pub fn own(&self, id: WatchId, conn: u64) {
        self.owners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, conn);
    }

    /// Ends `id` if connection `conn` owns it.
    pub fn unwatch(&self, id: WatchId, conn: u64) -> bool {
        let owned = {
            let mut owners = self.owners.lock().unwrap_or_else(PoisonError::into_inner);
            match owners.get(&id) {
                Some(c) if *c == conn => owners.remove(&id).is_some(),
                _ => false,
            }
        };
        if owned {
            self.release(conn);
        }
        owned && self.registry.unwatch(id)
    }
}

/// `issues/watch`: the list `filters` select (`assignee` resolved to an account), joined or
/// started with these fields.
pub async fn issues(
    watches: &Watches,
    session: &JiraSession,
    filters: Filters,
    fields: Vec<String>,
    interval: Duration,
) -> Result<Subscription<Value>, ApiError> {
    let filters = session.client.resolve_assignee(filters).await?;
    let built = jql::build(&filters)?;
    subscribe(watches, session, &built, fields, &[], None, interval).await
}

/// Joins (or starts) the poller of a built query with these fields (the defaults when none,
/// plus `always` and `updated`). `scope` holds the projects the query lies within when the
/// caller knows them (a live board's project); otherwise they are read from the query. Watches
/// of known projects share that scope's change detector. The caller records the watch's owner.
pub async fn subscribe(
    watches: &Watches,
    session: &JiraSession,
    built: &str,
    fields: Vec<String>,
    always: &[&str],
    scope: Option<ProjectScope>,
    interval: Duration,
) -> Result<Subscription<Value>, ApiError> {
    let (cond, order) = jql::split_order_by(built);
    let scope = scope.unwrap_or_else(|| ProjectScope::from_jql(cond));
    let mut fields = if fields.is_empty() {
        WATCHED_FIELDS.iter().map(|f| f.to_string()).collect()
    } else {
        fields
    };
    for f in always.iter().chain(&["updated"]) {
        if !fields.iter().any(|x| x == f) {
            fields.push((*f).into());
        }
    }
    fields.sort();
    fields.dedup();
    // The fields change the answer, so they are part of what makes two watches identical.
    let key = WatchKey::new(
        session.ns.clone(),
        &format!("{built} FIELDS {}", fields.join(",")),
    );
    let source = JiraWatch::new(
        session.client.clone(),
        cond.trim().to_owned(),
        order.unwrap_or(jql::DEFAULT_ORDER).trim().to_owned(),
        fields,
    )
    .within(scope);
    watches
        .registry
        .watch(key, interval, source)
        .await
        .map_err(|e| match e {
            WatchError::Upstream(e) => upstream(&e),
            WatchError::Stopped => ApiError::new(
                ErrorKind::UpstreamUnavailable,
                "the watch ended before it started",
            ),
            WatchError::TooManyQueries { max } => {
                ApiError::new(ErrorKind::LimitExceeded, e.to_string())
                    .with("limit", "max_watched_queries_per_profile")
                    .with("max", max)
            }
        })
}

fn upstream(e: &JiraError) -> ApiError {
    let kind = ErrorKind::from_name(e.kind()).unwrap_or(ErrorKind::UpstreamUnavailable);
    ApiError::new(kind, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_from_jira_timestamps() {
        assert_eq!(utc_offset_minutes("2024-02-29T12:34:56.000+0100"), Some(60));
        assert_eq!(
            utc_offset_minutes("2024-02-29T12:34:56.000-0930"),
            Some(-570)
        );
        assert_eq!(utc_offset_minutes("2024-02-29T12:34:56.000Z"), None);
        assert_eq!(utc_offset_minutes(""), None);
    }
}
