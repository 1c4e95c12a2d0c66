//! The cache facade the api layer calls: reads with coalescing and stale-if-error, write
//! invalidation, clearing and statistics.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::FutureExt;
use serde::Serialize;

use super::config::CacheConfig;
use super::error::{CacheError, Transient};
use super::flight::{Flights, Joined};
use super::key::{CacheKey, EntryKey, FieldSet, MetaKey, Namespace};
use super::lock;
use super::stats::{CacheStats, Counters, Event};
use super::store::{Found, Store};
use super::weigh::Weigh;

/// How a read was answered; every read result carries it to the client as `cache`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheInfo {
    /// Answered from the cache (fresh, or stale when `stale`).
    pub hit: bool,
    /// Age of the answer; 0 for a value just fetched.
    pub age_ms: u64,
    /// An expired entry given because Jira failed transiently.
    pub stale: bool,
}

/// A value read through the cache.
#[derive(Debug, Clone)]
pub struct Cached<V> {
    pub value: Arc<V>,
    pub info: CacheInfo,
}

/// The issue a write touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRef {
    pub key: String,
    /// Jira's numeric id, when known: it goes to `reconcileIssues` and names id-keyed entries.
    pub id: Option<String>,
    pub project: String,
}

impl IssueRef {
    /// From the issue key; the project is the key's prefix (`ABC-12` → `ABC`).
    pub fn from_key(key: &str) -> Self {
        let key = key.to_uppercase();
        let project = key
            .rsplit_once('-')
            .map_or(key.as_str(), |(p, _)| p)
            .to_owned();
        Self {
            key,
            id: None,
            project,
        }
    }

    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
}

type FetchResult<V, E> = Result<Arc<V>, CacheError<E>>;

struct Inner<V, E: std::error::Error + 'static> {
    config: CacheConfig,
    store: Mutex<Store<V>>,
    flights: Flights<FetchResult<V, E>>,
    counters: Counters,
}

/// The shared cache of one daemon: cheap to clone, one per process.
///
/// `V` is the stored JSON (the daemon stores [`super::Doc`]: compact text with a memo of
/// prepared replies; tests use `serde_json::Value`); `E` is the upstream error, which says
/// whether it is transient.
pub struct Cache<V, E: std::error::Error + 'static> {
    inner: Arc<Inner<V, E>>,
}

impl<V, E: std::error::Error + 'static> Clone for Cache<V, E> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Held by a fetch's shared future: dropped unfinished (no caller waits any more), it aborts
/// the fetch's task and forgets the flight.
struct Abandon<V, E: std::error::Error + 'static> {
    task: tokio::task::AbortHandle,
    cache: Cache<V, E>,
    ns: Namespace,
    key: CacheKey,
    id: u64,
}

impl<V, E: std::error::Error + 'static> Drop for Abandon<V, E> {
    fn drop(&mut self) {
        if !self.task.is_finished() {
            self.task.abort();
            self.cache
                .inner
                .flights
                .finish(&self.ns, &self.key, self.id);
        }
    }
}

/// The [`MetaKey::IssuePart`] of an issue's links, which writes to any issue evict.
pub const LINKS_PART: &str = "links";

impl<V, E> Cache<V, E>
where
    V: Weigh + Send + Sync + 'static,
    E: std::error::Error + Transient + Send + Sync + 'static,
{
    pub fn new(config: CacheConfig) -> Self {
        let store = Mutex::new(Store::new(config.max_bytes));
        Self {
            inner: Arc::new(Inner {
                config,
                store,
                flights: Flights::default(),
                counters: Counters::default(),
            }),
        }
    }

    pub fn config(&self) -> &CacheConfig {
        &self.inner.config
    }

    fn lookup(&self, ns: &Namespace, key: &CacheKey, max_age: Duration) -> Option<Found<V>> {
        let entry = key.entry_ref();
        lock(&self.inner.store).lookup(ns, entry, key.wanted_fields(), max_age, Instant::now())
    }

    /// A fresh entry, if any, without fetching or counting: for looking at what the cache holds
    /// beside a read (which counts once, itself).
    pub fn peek(&self, ns: &Namespace, key: &CacheKey) -> Option<Arc<V>> {
        Some(
            self.lookup(ns, key, self.inner.config.ttl(key.kind()))?
                .value,
        )
    }

    /// A fresh entry, if any, without fetching (counts as a hit when found).
    pub fn get(&self, ns: &Namespace, key: &CacheKey) -> Option<Cached<V>> {
        let found = self.lookup(ns, key, self.inner.config.ttl(key.kind()))?;
        self.inner.counters.bump(Event::Hit);
        Some(Cached {
            value: found.value,
            info: CacheInfo {
                hit: true,
                age_ms: millis(found.age),
                stale: false,
            },
        })
    }

    /// Answers from a fresh entry unless `fresh`; otherwise fetches, sharing the fetch with
    /// identical reads in flight. `fetch` is called only by the read that starts the fetch;
    /// its future runs in its own task, so a cancelled caller does not fail the others, and is
    /// aborted once no caller waits for it (the last was cancelled or left): its work, converting
    /// text others wrote included, stops rather than finishing for nobody.
    pub async fn get_or_fetch<F, Fut>(
        &self,
        ns: &Namespace,
        key: CacheKey,
        fresh: bool,
        fetch: F,
    ) -> Result<Cached<V>, CacheError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>> + Send + 'static,
    {
        if !fresh {
            if let Some(hit) = self.get(ns, &key) {
                return Ok(hit);
            }
        }
        self.inner.counters.bump(Event::Miss);
        let joined = self.inner.flights.join_or_start(ns, &key, |id| {
            let generation = lock(&self.inner.store).generation(ns);
            let task = tokio::spawn(self.clone().run_fetch(
                ns.clone(),
                key.clone(),
                id,
                generation,
                fetch(),
            ));
            let abandon = Abandon {
                task: task.abort_handle(),
                cache: self.clone(),
                ns: ns.clone(),
                key: key.clone(),
                id,
            };
            async move {
                let result = task.await.unwrap_or(Err(CacheError::FetchAborted));
                drop(abandon);
                result
            }
            .boxed()
            .shared()
        });
        let flight = match joined {
            Joined::Started(f) => f,
            Joined::Joined(f) => {
                self.inner.counters.bump(Event::Coalesced);
                f
            }
        };
        match flight.await {
            Ok(value) => Ok(Cached {
                value,
                info: CacheInfo {
                    hit: false,
                    age_ms: 0,
                    stale: false,
                },
            }),
            Err(err) => self.stale_or(ns, &key, err),
        }
    }

    async fn run_fetch(
        self,
        ns: Namespace,
        key: CacheKey,
        id: u64,
        generation: u64,
        fetch: impl Future<Output = Result<V, E>>,
    ) -> FetchResult<V, E> {
        let result = match fetch.await {
            Ok(v) => {
                let v = Arc::new(v);
                let fields = key.wanted_fields().cloned();
                lock(&self.inner.store).insert(
                    &ns,
                    key.entry_key(),
                    Arc::clone(&v),
                    fields,
                    Some(generation),
                    Instant::now(),
                );
                Ok(v)
            }
            Err(e) => Err(CacheError::Upstream(Arc::new(e))),
        };
        // After the store is updated, so a read never finds neither flight nor entry.
        self.inner.flights.finish(&ns, &key, id);
        result
    }

    /// On a transient failure, an entry expired no more than `stale_max` ago beats the error.
    fn stale_or(
        &self,
        ns: &Namespace,
        key: &CacheKey,
        err: CacheError<E>,
    ) -> Result<Cached<V>, CacheError<E>> {
        if !err.upstream().is_some_and(Transient::is_transient) {
            return Err(err);
        }
        let max_age = self.inner.config.ttl(key.kind()) + self.inner.config.stale_max();
        let Some(found) = self.lookup(ns, key, max_age) else {
            return Err(err);
        };
        self.inner.counters.bump(Event::Stale);
        tracing::debug!(error = %err, "answering from an expired entry");
        Ok(Cached {
            value: found.value,
            info: CacheInfo {
                hit: true,
                age_ms: millis(found.age),
                stale: true,
            },
        })
    }

    /// Counts again what the entry under `key` weighs, if it still holds `value`: call after
    /// growing a stored value (a [`super::Doc`] memo), so `max_bytes` bounds it too.
    pub fn reweigh(&self, ns: &Namespace, key: &CacheKey, value: &Arc<V>) {
        lock(&self.inner.store).reweigh(ns, &key.entry_key(), value);
    }

    /// Stores a value got some other way (e.g. each issue of a search result).
    pub fn put(&self, ns: &Namespace, key: CacheKey, value: V) {
        let fields = key.wanted_fields().cloned();
        lock(&self.inner.store).insert(
            ns,
            key.entry_key(),
            Arc::new(value),
            fields,
            None,
            Instant::now(),
        );
    }

    /// Forgets the namespace's metadata (after Jira refused what it said was valid).
    pub fn forget_meta(&self, ns: &Namespace) {
        lock(&self.inner.store).remove_where(ns, |k| matches!(k, EntryKey::Meta(_)));
    }

    /// After a write through the daemon: replaces (with the fields it was read with) or evicts
    /// the issue, evicts the lists that may contain it and its transitions, and remembers it
    /// for `reconcileIssues`.
    pub fn issue_written(
        &self,
        ns: &Namespace,
        issue: &IssueRef,
        new_value: Option<(V, FieldSet)>,
    ) {
        self.invalidate(ns, issue, new_value, true);
    }

    /// After a delete through the daemon.
    pub fn issue_deleted(&self, ns: &Namespace, issue: &IssueRef) {
        self.invalidate(ns, issue, None, true);
    }

    /// After a change made outside the daemon and seen by a watch: evicts as for a write, but
    /// the search index has it already, so it is not sent to `reconcileIssues`.
    pub fn issue_changed(&self, ns: &Namespace, issue: &IssueRef) {
        self.invalidate(ns, issue, None, false);
    }

    fn invalidate(
        &self,
        ns: &Namespace,
        issue: &IssueRef,
        new_value: Option<(V, FieldSet)>,
        own_write: bool,
    ) {
        let now = Instant::now();
        {
            let mut store = lock(&self.inner.store);
            store.bump_generation(ns);
            let key_up = issue.key.to_uppercase();
            let id = issue.id.as_deref();
            store.remove_where(ns, |k| match k {
                EntryKey::Issue(k) => *k == key_up || Some(k.as_str()) == id,
                EntryKey::List(l) => l.scope().may_contain(&issue.project),
                EntryKey::Meta(MetaKey::Transitions { issue: i }) => {
                    i.eq_ignore_ascii_case(&key_up) || Some(i.as_str()) == id
                }
                // Links show the other issue's summary and status: any write may change them.
                EntryKey::Meta(MetaKey::IssuePart { issue: i, part }) => {
                    i.eq_ignore_ascii_case(&key_up) || Some(i.as_str()) == id || part == LINKS_PART
                }
                EntryKey::Meta(_) => false,
            });
            if let Some((value, fields)) = new_value {
                let key = EntryKey::Issue(key_up);
                store.insert(ns, key, Arc::new(value), Some(fields), None, now);
            }
            if let (Some(id), true) = (id, own_write) {
                store.record_write(ns, id, now);
            }
        }
        self.inner.flights.detach_where(|n| n == ns);
    }

    /// After a write to project metadata through the daemon (versions, components): forgets the
    /// namespace's metadata entries `which` picks and, when the write changed issues too (a
    /// merge or a delete moves them to another version), its issues and lists.
    pub fn meta_changed(&self, ns: &Namespace, which: impl Fn(&MetaKey) -> bool, issues_too: bool) {
        let mut store = lock(&self.inner.store);
        store.bump_generation(ns);
        store.remove_where(ns, |k| match k {
            EntryKey::Meta(m @ MetaKey::IssuePart { .. }) => issues_too || which(m),
            EntryKey::Meta(m) => which(m),
            EntryKey::Issue(_) | EntryKey::List(_) => issues_too,
        });
        drop(store);
        self.inner.flights.detach_where(|n| n == ns);
    }

    /// Evicts the namespace's lists that may contain issues of `project` (e.g. after a bulk
    /// change the daemon cannot attribute to single issues).
    pub fn lists_changed(&self, ns: &Namespace, project: &str) {
        let mut store = lock(&self.inner.store);
        store.bump_generation(ns);
        store.remove_where(
            ns,
            |k| matches!(k, EntryKey::List(l) if l.scope().may_contain(project)),
        );
        drop(store);
        self.inner.flights.detach_where(|n| n == ns);
    }

    /// Issue ids written through the daemon lately, for the search's `reconcileIssues`.
    pub fn recent_writes(&self, ns: &Namespace) -> Vec<String> {
        lock(&self.inner.store).recent_writes(ns, Instant::now())
    }

    /// Drops one namespace's entries.
    pub fn clear_namespace(&self, ns: &Namespace) {
        self.clear_where(|n| n == ns);
    }

    /// Drops every site's entries of a profile (`cache/clear {profile}`, `auth/logout`).
    pub fn clear_profile(&self, profile: &str) {
        self.clear_where(|n| n.profile == profile);
    }

    pub fn clear_all(&self) {
        self.clear_where(|_| true);
    }

    fn clear_where(&self, which: impl Fn(&Namespace) -> bool) {
        lock(&self.inner.store).clear_where(&which);
        self.inner.flights.detach_where(which);
    }

    pub fn stats(&self) -> CacheStats {
        let sizes = lock(&self.inner.store).sizes();
        CacheStats::from_parts(&self.inner.counters, &sizes)
    }
}
