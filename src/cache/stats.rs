//! Counters for `cache/stats`: hits, misses, coalesced waits, stale answers, and size per kind.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::key::Kind;

/// Request counters, bumped without locks.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    coalesced: AtomicU64,
    stale: AtomicU64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Event {
    Hit,
    Miss,
    Coalesced,
    Stale,
}

impl Counters {
    pub(crate) fn bump(&self, e: Event) {
        let c = match e {
            Event::Hit => &self.hits,
            Event::Miss => &self.misses,
            Event::Coalesced => &self.coalesced,
            Event::Stale => &self.stale,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }
}

/// Entries and bytes of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct KindStats {
    pub entries: u64,
    pub bytes: u64,
}

/// A snapshot of the cache's counters and sizes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheStats {
    /// Reads answered from a fresh entry.
    pub hits: u64,
    /// Reads that needed Jira (including those that shared another read's request).
    pub misses: u64,
    /// Of the misses, those that waited on an identical request already in flight.
    pub coalesced: u64,
    /// Reads answered with an expired entry because Jira failed.
    pub stale_answers: u64,
    pub issues: KindStats,
    pub lists: KindStats,
    pub meta: KindStats,
}

impl CacheStats {
    pub(crate) fn from_parts(c: &Counters, sizes: &Sizes) -> Self {
        Self {
            hits: c.hits.load(Ordering::Relaxed),
            misses: c.misses.load(Ordering::Relaxed),
            coalesced: c.coalesced.load(Ordering::Relaxed),
            stale_answers: c.stale.load(Ordering::Relaxed),
            issues: sizes.get(Kind::Issue),
            lists: sizes.get(Kind::List),
            meta: sizes.get(Kind::Meta),
        }
    }
}

/// Entries and bytes per kind, kept by the store as entries come and go.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sizes([KindStats; 3]);

impl Sizes {
    fn slot(kind: Kind) -> usize {
        match kind {
            Kind::Issue => 0,
            Kind::List => 1,
            Kind::Meta => 2,
        }
    }

    pub(crate) fn get(&self, kind: Kind) -> KindStats {
        self.0[Self::slot(kind)]
    }

    pub(crate) fn add(&mut self, kind: Kind, bytes: usize) {
        let s = &mut self.0[Self::slot(kind)];
        s.entries += 1;
        s.bytes += bytes as u64;
    }

    pub(crate) fn sub(&mut self, kind: Kind, bytes: usize) {
        let s = &mut self.0[Self::slot(kind)];
        s.entries = s.entries.saturating_sub(1);
        s.bytes = s.bytes.saturating_sub(bytes as u64);
    }

    pub(crate) fn total_bytes(&self) -> u64 {
        self.0.iter().map(|s| s.bytes).sum()
    }
}
