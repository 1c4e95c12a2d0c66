//! The `[cache]` table of the config: lifetimes per kind of entry and the memory budget.

use std::time::Duration;

use serde::Deserialize;

/// The `[cache]` table of the config. Lifetimes are whole seconds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// How long a cached issue answers reads without asking Jira.
    pub issue_ttl: u64,
    /// How long a cached list (search page) answers reads.
    pub list_ttl: u64,
    /// How long metadata (createmeta, fields, projects, transitions) answers reads.
    pub meta_ttl: u64,
    /// How long after expiry an entry may still answer, marked stale, while Jira fails.
    pub stale_max: u64,
    /// Budget for the cached JSON, in bytes; least recently used entries go first.
    pub max_bytes: u64,
    /// Floor for a watch's refresh interval, in milliseconds, so no client can make the daemon
    /// hammer Jira (tests lower it).
    pub watch_min_interval_ms: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            issue_ttl: 60,
            list_ttl: 30,
            meta_ttl: 3600,
            stale_max: 86_400,
            max_bytes: 256 * 1024 * 1024,
            watch_min_interval_ms: 5000,
        }
    }
}

impl CacheConfig {
    pub(crate) fn ttl(&self, kind: super::Kind) -> Duration {
        let secs = match kind {
            super::Kind::Issue => self.issue_ttl,
            super::Kind::List => self.list_ttl,
            super::Kind::Meta => self.meta_ttl,
        };
        Duration::from_secs(secs)
    }

    pub(crate) fn stale_max(&self) -> Duration {
        Duration::from_secs(self.stale_max)
    }

    /// The watch pacing this config asks for, with the `[limits]` budget of Jira requests per
    /// second and profile.
    pub fn watch_timing(&self, requests_per_second: f64, max_pollers: usize) -> super::WatchTiming {
        super::WatchTiming {
            min_interval: Duration::from_millis(self.watch_min_interval_ms),
            requests_per_second,
            max_pollers,
            ..super::WatchTiming::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_table_means_defaults() {
        let c: CacheConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(c, CacheConfig::default());
        assert_eq!(c.max_bytes, 268_435_456);
    }

    #[test]
    fn unknown_key_is_an_error() {
        assert!(serde_json::from_str::<CacheConfig>(r#"{"issue_tll": 5}"#).is_err());
    }
}
