//! The shared in-memory cache of issues, lists and metadata, with request coalescing,
//! stale-if-error, write invalidation and watched lists. Knows neither JSON-RPC nor the Jira
//! client: values are JSON (the daemon stores compact text, [`Doc`]) and fetches are closures.
//!
//! ```
//! use jirad::cache::{Cache, CacheConfig, CacheKey, FieldSet, IssueRef, Namespace, Transient};
//! use serde_json::{json, Value};
//!
//! #[derive(Debug, thiserror::Error)]
//! #[error("jira answered 503")]
//! struct Unavailable;
//! impl Transient for Unavailable {
//!     fn is_transient(&self) -> bool { true }
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let cache: Cache<Value, Unavailable> = Cache::new(CacheConfig::default());
//! let ns = Namespace::new("work", "example.atlassian.net");
//! let key = CacheKey::issue("ABC-1", FieldSet::from_request(&["summary"]));
//! let read = cache
//!     .get_or_fetch(&ns, key.clone(), false, || async { Ok(json!({"key": "ABC-1"})) })
//!     .await
//!     .unwrap();
//! assert!(!read.info.hit);
//! assert!(cache.get(&ns, &key).is_some());
//! cache.issue_written(&ns, &IssueRef::from_key("ABC-1").with_id("10001"), None);
//! assert!(cache.get(&ns, &key).is_none());
//! assert_eq!(cache.recent_writes(&ns), ["10001"]);
//! # });
//! ```

mod config;
mod doc;
mod error;
mod flight;
mod jql_scope;
mod key;
mod reads;
mod recent;
mod stats;
mod store;
mod watch;
mod weigh;

pub use config::CacheConfig;
pub use doc::{Doc, MEMO_SLOTS};
pub use error::{CacheError, Transient};
pub use jql_scope::ProjectScope;
pub use key::{normalize_jql, CacheKey, FieldSet, Kind, ListKey, MetaKey, Namespace};
pub use reads::{Cache, CacheInfo, Cached, IssueRef, LINKS_PART};
pub use recent::{MAX_RECENT, RECENT_WINDOW};
pub use stats::{CacheStats, KindStats};
pub use watch::{
    jql_since, Change, Subscription, WatchError, WatchId, WatchKey, WatchRegistry, WatchSource,
    WatchTiming, WatchedIssue, MAX_KEYS,
};
pub use weigh::Weigh;

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks held here are brief and leave the data consistent between statements, so a panic
/// elsewhere while holding one does not make the data unusable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests;
