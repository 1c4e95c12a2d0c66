//! `cache/stats`, `cache/clear`, `issues/watch`, `issues/unwatch` and `issues/didChange`.

use crate::openrpc::MethodDoc;
use crate::{Annotations, NoParams, Notification, Request};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Counters and sizes of the shared cache.
pub enum CacheStats {}
impl Request for CacheStats {
    const METHOD: &'static str = "cache/stats";
    const ANNOTATIONS: Annotations = Annotations::read("Cache statistics").local();
    type Params = NoParams;
    type Result = CacheStatsResult;
}

/// Result of `cache/stats`. Counters run since the daemon started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CacheStatsResult {
    /// Reads answered from a fresh entry.
    pub hits: u64,
    /// Reads that needed Jira (including those that shared another read's request).
    pub misses: u64,
    /// Of the misses, those that waited on an identical request already in flight.
    pub coalesced: u64,
    /// Reads answered with an expired entry because Jira failed.
    pub stale_answers: u64,
    /// Cached issues.
    pub issues: KindStats,
    /// Cached list pages.
    pub lists: KindStats,
    /// Cached metadata (createmeta, fields, projects, transitions).
    pub meta: KindStats,
    /// Running watch pollers (one per distinct watched query).
    pub watch_pollers: u64,
    /// Watches over all connections.
    pub watches: u64,
}

/// Entries and bytes of one kind of entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct KindStats {
    /// How many entries.
    pub entries: u64,
    /// Their weight (about the size of their JSON), in bytes.
    pub bytes: u64,
}

/// Drops cached entries: one profile's, or all.
pub enum CacheClear {}
impl Request for CacheClear {
    const METHOD: &'static str = "cache/clear";
    const ANNOTATIONS: Annotations = Annotations::write("Clear the cache")
        .destructive()
        .idempotent()
        .admin()
        .local();
    type Params = CacheClearParams;
    type Result = CacheClearResult;
}

/// Params of `cache/clear`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CacheClearParams {
    /// Only this profile's entries; absent clears every profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

/// Result of `cache/clear`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CacheClearResult {
    /// Entries dropped.
    pub entries: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// Watches a list: answers it now, then pushes `issues/didChange` when it changes.
pub enum IssuesWatch {}
impl Request for IssuesWatch {
    const METHOD: &'static str = "issues/watch";
    const ANNOTATIONS: Annotations = Annotations::read("Watch a list");
    type Params = IssuesWatchParams;
    type Result = IssuesWatchResult;
}

crate::with_issue_filter! {
/// Params of `issues/watch`: the `issues/list` filters.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesWatchParams {
    /// Fields of each issue (default: summary, status, issuetype, priority, assignee, labels,
    /// updated); `updated` is always fetched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// Seconds between refreshes (default 30; the daemon's floor applies). A watch identical
    /// to a running one shares it, and its interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_seconds: Option<f64>,
    /// The profile; default: the connection's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}
}

/// Result of `issues/watch`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuesWatchResult {
    /// Names this watch in `issues/didChange` and `issues/unwatch`.
    pub watch_id: u64,
    /// The list now (normalized issues, as `issues/list` gives them).
    pub issues: Vec<serde_json::Value>,
}

/// Ends a watch of this connection (watches also end with their connection).
pub enum IssuesUnwatch {}
impl Request for IssuesUnwatch {
    const METHOD: &'static str = "issues/unwatch";
    const ANNOTATIONS: Annotations = Annotations::read("End a watch").local();
    type Params = IssuesUnwatchParams;
    type Result = ();
}

/// Params of `issues/unwatch`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IssuesUnwatchParams {
    /// From `issues/watch`.
    pub watch_id: u64,
}

/// Server → client: a watched list changed.
pub enum IssuesDidChange {}
impl Notification for IssuesDidChange {
    const METHOD: &'static str = "issues/didChange";
    type Params = IssuesDidChangeParams;
}

/// Params of `issues/didChange`. Never all empty.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuesDidChangeParams {
    /// The watch, from `issues/watch`.
    pub watch_id: u64,
    /// Issues that joined the list.
    pub added: Vec<serde_json::Value>,
    /// Issues of the list that were updated (as they are now).
    pub changed: Vec<serde_json::Value>,
    /// Issues that left the list or were deleted (as last seen).
    pub removed: Vec<serde_json::Value>,
}

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<CacheStats>(
            "Cache counters (hits, misses, coalesced, stale answers) and entries/bytes per kind.",
        ),
        MethodDoc::request::<CacheClear>("Drops cached entries of one profile, or of all."),
        MethodDoc::request::<IssuesWatch>(
            "Answers a list now and pushes issues/didChange to this connection when it changes.",
        ),
        MethodDoc::request::<IssuesUnwatch>("Ends a watch of this connection."),
        MethodDoc::server_notification::<IssuesDidChange>(
            "A watched list changed: issues added, changed, removed.",
        ),
    ]
}
