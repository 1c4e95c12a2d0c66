//! The shared in-memory cache of issues, lists and metadata, with request coalescing,
//! stale-if-error, write invalidation and watched lists. Knows neither JSON-RPC nor the Jira
//! client: values are JSON and fetches are closures.

mod config;
mod error;
mod flight;
mod jql_scope;
mod key;
mod reads;
mod recent;
mod stats;
mod store;
mod watch;
mod watch_diff;
mod watch_poll;
mod watch_time;
mod weigh;

pub use config::CacheConfig;
pub use error::{CacheError, Transient};
pub use key::{normalize_jql, CacheKey, FieldSet, Kind, ListKey, MetaKey, Namespace, ProjectScope};
pub use reads::{Cache, CacheInfo, Cached, IssueRef};
pub use recent::{MAX_RECENT, RECENT_WINDOW};
pub use stats::{CacheStats, KindStats};
pub use watch::{
    Subscription, WatchError, WatchId, WatchKey, WatchRegistry, WatchSource, WatchTiming,
};
pub use watch_diff::{Change, WatchedIssue};
pub use watch_time::jql_since;
pub use weigh::Weigh;

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks held here are brief and leave the data consistent between statements, so a panic
/// elsewhere while holding one does not make the data unusable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod reads_tests;

#[cfg(test)]
mod watch_tests;
