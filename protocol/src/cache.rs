//! `cache/stats` and `cache/clear`.

use crate::openrpc::MethodDoc;
use crate::{Annotations, NoParams, Request};
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

/// The family's entries in the OpenRPC document.
pub fn docs() -> Vec<MethodDoc> {
    vec![
        MethodDoc::request::<CacheStats>(
            "Cache counters (hits, misses, coalesced, stale answers) and entries/bytes per kind.",
        ),
        MethodDoc::request::<CacheClear>("Drops cached entries of one profile, or of all."),
    ]
}
