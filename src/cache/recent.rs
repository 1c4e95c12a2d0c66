//! The issues recently written through the daemon in one namespace, for Jira's
//! `reconcileIssues` (read-your-writes in search).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Jira accepts at most 50 ids in `reconcileIssues`.
pub const MAX_RECENT: usize = 50;
/// Jira's search index catches up within seconds; a few minutes is ample.
pub const RECENT_WINDOW: Duration = Duration::from_secs(300);

#[derive(Debug, Default)]
pub(crate) struct RecentWrites(VecDeque<(String, Instant)>);

impl RecentWrites {
    pub(crate) fn record(&mut self, id: &str, now: Instant) {
        self.0.retain(|(i, _)| i != id);
        self.0.push_back((id.to_owned(), now));
        while self.0.len() > MAX_RECENT {
            self.0.pop_front();
        }
    }

    /// Ids written within the window, oldest first.
    pub(crate) fn ids(&mut self, now: Instant) -> Vec<String> {
        while let Some((_, at)) = self.0.front() {
            if now.saturating_duration_since(*at) <= RECENT_WINDOW {
                break;
            }
            self.0.pop_front();
        }
        self.0.iter().map(|(i, _)| i.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_deduplicated_and_windowed() {
        let mut r = RecentWrites::default();
        let t0 = Instant::now();
        for i in 0..60 {
            r.record(&i.to_string(), t0);
        }
        r.record("15", t0);
        let ids = r.ids(t0);
        assert_eq!(ids.len(), MAX_RECENT);
        assert_eq!(ids.last().map(String::as_str), Some("15"));
        assert_eq!(ids.iter().filter(|i| *i == "15").count(), 1);
        assert!(r
            .ids(t0 + RECENT_WINDOW + Duration::from_secs(1))
            .is_empty());
    }
}
