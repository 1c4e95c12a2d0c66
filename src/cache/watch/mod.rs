//! Watched lists: identical watches (same namespace and normalized query) share one poller;
//! each subscriber gets its own id and channel of changes. The poller stops when the last
//! subscriber leaves, by `unwatch` or by dropping its receiver. Pollers whose queries lie within
//! the same scope (the same projects) also share one change detector (`scope.rs`).

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;

mod diff;
mod poll;
mod scope;
mod since;
#[cfg(test)]
mod tests;

pub use diff::{Change, WatchedIssue};
pub use since::jql_since;

use crate::cache::key::{normalize_jql, Namespace};
use crate::cache::lock;
use diff::Snapshot;
use poll::run_poller;
use scope::{run_detector, Group, GroupKey, Member};

/// What the api layer implements over Jira for one watched query.
pub trait WatchSource: Send + Sync + 'static {
    type Value: Clone + Send + Sync + 'static;
    type Error: fmt::Display + Send + Sync + 'static;

    /// The whole list: the initial answer, and after an id pass finds unknown issues.
    fn list(
        &self,
    ) -> impl Future<Output = Result<Vec<WatchedIssue<Self::Value>>, Self::Error>> + Send;

    /// Issues of the query updated at or after `since` (`yyyy-MM-dd HH:mm`, the user's zone):
    /// `(<jql>) AND updated >= "<since>"`.
    fn changed_since(
        &self,
        since: &str,
    ) -> impl Future<Output = Result<Vec<WatchedIssue<Self::Value>>, Self::Error>> + Send;

    /// The ids of every issue the query returns now: cheap, to notice deletions.
    fn ids(&self) -> impl Future<Output = Result<Vec<String>, Self::Error>> + Send;

    /// A wider condition the query lies within (JQL without `ORDER BY`: its projects, or a live
    /// board's project). Watches of the same namespace and scope share one change detector,
    /// which asks [`WatchSource::scope_changed_since`] once a tick for all of them; each then
    /// reads only the issues it reports, with [`WatchSource::changed_among`]. `None`: the watch
    /// polls its own query each tick.
    fn scope(&self) -> Option<&str> {
        None
    }

    /// Whether the scope can hold the issue of this key. A query may return issues beyond it
    /// (a sprint holding another project's issue): while it does, its poller also polls it on its
    /// own each tick, since the detector cannot see those issues change.
    fn in_scope(&self, _key: &str) -> bool {
        true
    }

    /// The issues of the scope updated at or after `since`: ids, keys and `updated` only.
    fn scope_changed_since(
        &self,
        _since: &str,
    ) -> impl Future<Output = Result<Vec<WatchedIssue<()>>, Self::Error>> + Send {
        async { Ok(Vec::new()) }
    }

    /// Those of the issues with these keys (at most [`MAX_KEYS`]) the query returns now:
    /// `(<jql>) AND key in (<keys>)`. The others, among issues it held, have left it. Every
    /// source with a scope must answer it.
    fn changed_among(
        &self,
        _keys: &[String],
    ) -> impl Future<Output = Result<Vec<WatchedIssue<Self::Value>>, Self::Error>> + Send {
        async { Ok(Vec::new()) }
    }

    /// The user's UTC offset, in which Jira reads JQL dates.
    fn utc_offset_minutes(&self) -> i32 {
        0
    }
}

/// The most keys one [`WatchSource::changed_among`] is asked about.
pub const MAX_KEYS: usize = 100;

/// One subscriber's watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct WatchId(pub u64);

impl fmt::Display for WatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What makes two watches identical.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WatchKey {
    pub ns: Namespace,
    query: String,
}

impl WatchKey {
    /// `query` is the JQL (plus anything else that changes the answer, e.g. the fields).
    pub fn new(ns: Namespace, query: &str) -> Self {
        Self {
            ns,
            query: normalize_jql(query),
        }
    }
}

/// Poller pacing beyond the per-watch interval; injectable so tests run in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct WatchTiming {
    /// Every this many ticks, an id-only pass replaces the incremental query.
    pub id_pass_every: u32,
    /// How far before the last sync the incremental query starts.
    pub skew: Duration,
    /// Floor for a watch's interval, so no client can make the daemon hammer Jira.
    pub min_interval: Duration,
    /// Consecutive failed ticks stretch the wait up to this many intervals.
    pub max_backoff: u32,
    /// Jira requests per second the pollers of one namespace (profile and site) make together,
    /// however many queries are watched: one client's many watches cannot run a profile into
    /// Jira's rate limits, which would pause it for every client.
    pub requests_per_second: f64,
    /// Distinct watched queries (pollers, each holding its list) per namespace; a watch of a query
    /// already polled always joins it.
    pub max_pollers: usize,
}

impl Default for WatchTiming {
    fn default() -> Self {
        Self {
            id_pass_every: 5,
            skew: Duration::from_secs(120),
            min_interval: Duration::from_secs(5),
            max_backoff: 8,
            requests_per_second: 2.0,
            max_pollers: 256,
        }
    }
}

/// A new subscriber's watch: its id, the list now, and its stream of changes.
#[derive(Debug)]
pub struct Subscription<V> {
    pub id: WatchId,
    pub initial: Vec<WatchedIssue<V>>,
    /// Closes when the watch ends; dropping it ends the watch at the poller's next tick.
    pub changes: mpsc::UnboundedReceiver<Arc<Change<V>>>,
}

/// Why a watch could not start.
#[derive(Debug, thiserror::Error)]
pub enum WatchError<E: fmt::Display> {
    /// The initial list failed; every subscriber waiting for it gets the same error.
    #[error("{0}")]
    Upstream(Arc<E>),
    /// The poller ended before the list arrived (registry dropped, or a bug).
    #[error("the watch ended before it started")]
    Stopped,
    /// The namespace already polls as many distinct queries as it may.
    #[error("this profile already watches {max} different queries, the most it may; watch one of those, or unwatch some")]
    TooManyQueries {
        /// The limit ([`WatchTiming::max_pollers`]).
        max: usize,
    },
}

pub(crate) enum Ready<E> {
    Pending,
    Ok,
    Failed(Arc<E>),
}

pub(crate) type Sender<V> = mpsc::UnboundedSender<Arc<Change<V>>>;

pub(crate) struct PollerState<V> {
    pub(crate) snapshot: Snapshot<V>,
    /// `None` while the subscriber still waits for the initial list.
    pub(crate) subscribers: HashMap<WatchId, Option<Sender<V>>>,
}

pub(crate) struct Poller<V, E> {
    pub(crate) state: Mutex<PollerState<V>>,
    /// The polling budget of the query's namespace.
    pub(crate) pacer: Arc<Pacer>,
    pub(crate) ready: watch::Receiver<Ready<E>>,
    task: OnceLock<AbortHandle>,
}

type PollerOf<S> = Poller<<S as WatchSource>::Value, <S as WatchSource>::Error>;

pub(crate) struct Maps<S: WatchSource> {
    pub(crate) pollers: HashMap<WatchKey, Arc<PollerOf<S>>>,
    by_id: HashMap<WatchId, WatchKey>,
    /// The change detectors, each with the pollers it serves.
    pub(crate) groups: HashMap<GroupKey, Group<S>>,
}

pub(crate) struct Registry<S: WatchSource> {
    pub(crate) maps: Mutex<Maps<S>>,
    /// One polling budget per namespace, shared by its pollers.
    pacers: Mutex<HashMap<Namespace, Arc<Pacer>>>,
    timing: WatchTiming,
    next_id: AtomicU64,
}

/// All watches of the daemon. Cheap to clone.
pub struct WatchRegistry<S: WatchSource> {
    inner: Arc<Registry<S>>,
}

impl<S: WatchSource> Clone for WatchRegistry<S> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

/// Ends a watch whose `watch` call was cancelled before it returned.
struct UnwatchOnDrop<'a, S: WatchSource> {
    registry: &'a Registry<S>,
    id: Option<WatchId>,
}

impl<S: WatchSource> Drop for UnwatchOnDrop<'_, S> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.registry.unwatch(id);
        }
    }
}

impl<S: WatchSource> WatchRegistry<S> {
    pub fn new(timing: WatchTiming) -> Self {
        Self {
            inner: Arc::new(Registry {
                maps: Mutex::new(Maps {
                    pollers: HashMap::new(),
                    by_id: HashMap::new(),
                    groups: HashMap::new(),
                }),
                pacers: Mutex::default(),
                timing,
                next_id: AtomicU64::new(1),
            }),
        }
    }

    /// Subscribes to `key`, starting a poller with `source` every `interval` unless one already
    /// runs for it (then `source` is dropped and the running poller's interval applies).
    pub async fn watch(
        &self,
        key: WatchKey,
        interval: Duration,
        source: S,
    ) -> Result<Subscription<S::Value>, WatchError<S::Error>> {
        let id = WatchId(self.inner.next_id.fetch_add(1, Ordering::Relaxed));
        let poller = {
            let mut maps = lock(&self.inner.maps);
            let poller = match maps.pollers.get(&key) {
                Some(p) => Arc::clone(p),
                None => {
                    let max = self.inner.timing.max_pollers;
                    if maps.pollers.keys().filter(|k| k.ns == key.ns).count() >= max {
                        return Err(WatchError::TooManyQueries { max });
                    }
                    self.start_poller(&mut maps, key.clone(), interval, source)
                }
            };
            lock(&poller.state).subscribers.insert(id, None);
            maps.by_id.insert(id, key);
            poller
        };
        let mut guard = UnwatchOnDrop {
            registry: &self.inner,
            id: Some(id),
        };
        let mut ready = poller.ready.clone();
        let failed = match ready.wait_for(|r| !matches!(r, Ready::Pending)).await {
            Ok(r) => match &*r {
                Ready::Failed(e) => Some(WatchError::Upstream(Arc::clone(e))),
                _ => None,
            },
            Err(_) => Some(WatchError::Stopped),
        };
        if let Some(err) = failed {
            return Err(err);
        }
        let (tx, changes) = mpsc::unbounded_channel();
        // Under the poller's lock, so the initial list and the first change cannot overlap.
        let initial = {
            let mut st = lock(&poller.state);
            match st.subscribers.get_mut(&id) {
                Some(slot) => *slot = Some(tx),
                None => return Err(WatchError::Stopped),
            }
            st.snapshot.list()
        };
        guard.id = None;
        Ok(Subscription {
            id,
            initial,
            changes,
        })
    }

    fn start_poller(
        &self,
        maps: &mut Maps<S>,
        key: WatchKey,
        interval: Duration,
        source: S,
    ) -> Arc<PollerOf<S>> {
        let (ready_tx, ready_rx) = watch::channel(Ready::Pending);
        let pacer = lock(&self.inner.pacers)
            .entry(key.ns.clone())
            .or_insert_with(|| Arc::new(Pacer::new(self.inner.timing.requests_per_second)))
            .clone();
        let poller = Arc::new(Poller {
            pacer,
            state: Mutex::new(PollerState {
                snapshot: Snapshot::default(),
                subscribers: HashMap::new(),
            }),
            ready: ready_rx,
            task: OnceLock::new(),
        });
        let interval = interval.max(self.inner.timing.min_interval);
        let source = Arc::new(source);
        let scope = source.scope().map(normalize_jql);
        let task = tokio::spawn(run_poller(
            Arc::downgrade(&self.inner),
            key.clone(),
            Arc::clone(&poller),
            Arc::clone(&source),
            interval,
            self.inner.timing,
            ready_tx,
        ));
        let _ = poller.task.set(task.abort_handle());
        maps.pollers.insert(key.clone(), Arc::clone(&poller));
        if let Some(scope) = scope {
            let group = GroupKey {
                ns: key.ns.clone(),
                scope,
            };
            let member = Member::new(key, Arc::clone(&poller), source, interval);
            match maps.groups.get_mut(&group) {
                Some(g) => g.members.push(member),
                None => {
                    let task = tokio::spawn(run_detector(
                        Arc::downgrade(&self.inner),
                        group.clone(),
                        Arc::clone(&poller.pacer),
                        self.inner.timing,
                    ));
                    maps.groups
                        .insert(group, Group::new(member, task.abort_handle()));
                }
            }
        }
        poller
    }

    /// Ends one subscriber's watch; returns whether it existed.
    pub fn unwatch(&self, id: WatchId) -> bool {
        self.inner.unwatch(id)
    }

    /// Running pollers (one per distinct watched query).
    pub fn pollers(&self) -> usize {
        lock(&self.inner.maps).pollers.len()
    }

    /// Running change detectors (one per watched scope).
    pub fn detectors(&self) -> usize {
        lock(&self.inner.maps).groups.len()
    }

    /// Subscribers over all pollers.
    pub fn subscribers(&self) -> usize {
        lock(&self.inner.maps).by_id.len()
    }
}

impl<S: WatchSource> Registry<S> {
    fn unwatch(&self, id: WatchId) -> bool {
        let mut maps = lock(&self.maps);
        let Some(key) = maps.by_id.remove(&id) else {
            return false;
        };
        if let Some(poller) = maps.pollers.get(&key).cloned() {
            let empty = {
                let mut st = lock(&poller.state);
                st.subscribers.remove(&id);
                st.subscribers.is_empty()
            };
            if empty {
                maps.pollers.remove(&key);
                poller.stop();
            }
        }
        true
    }

    /// Drops subscribers whose receiver is gone; removes the poller when none is left.
    /// Returns whether the poller should keep running.
    pub(crate) fn prune(&self, key: &WatchKey, poller: &Arc<PollerOf<S>>) -> bool {
        let mut maps = lock(&self.maps);
        let current = maps
            .pollers
            .get(key)
            .is_some_and(|p| Arc::ptr_eq(p, poller));
        let mut st = lock(&poller.state);
        let gone: Vec<WatchId> = st
            .subscribers
            .iter()
            .filter(|(_, tx)| tx.as_ref().is_some_and(Sender::is_closed))
            .map(|(id, _)| *id)
            .collect();
        for id in &gone {
            st.subscribers.remove(id);
            maps.by_id.remove(id);
        }
        let keep = current && !st.subscribers.is_empty();
        if !keep {
            for id in st.subscribers.keys() {
                maps.by_id.remove(id);
            }
            st.subscribers.clear();
            drop(st);
            if current {
                maps.pollers.remove(key);
            }
        }
        keep
    }

    /// The initial list failed: forget the poller; its waiting subscribers get the error.
    pub(crate) fn remove_poller(&self, key: &WatchKey, poller: &Arc<PollerOf<S>>) {
        let mut maps = lock(&self.maps);
        if maps
            .pollers
            .get(key)
            .is_some_and(|p| Arc::ptr_eq(p, poller))
        {
            maps.pollers.remove(key);
        }
        let st = lock(&poller.state);
        for id in st.subscribers.keys() {
            maps.by_id.remove(id);
        }
    }
}

impl<S: WatchSource> Drop for Registry<S> {
    fn drop(&mut self) {
        let maps = lock(&self.maps);
        for p in maps.pollers.values() {
            p.stop();
        }
        for g in maps.groups.values() {
            g.stop();
        }
    }
}

/// A namespace's polling budget: requests go out at most `rate` a second, in turn.
pub(crate) struct Pacer {
    gap: Duration,
    next: Mutex<tokio::time::Instant>,
}

impl Pacer {
    pub(crate) fn new(rate: f64) -> Self {
        let rate = if rate.is_finite() && rate > 0.0 {
            rate
        } else {
            1.0
        };
        Pacer {
            gap: Duration::from_secs_f64(1.0 / rate),
            next: Mutex::new(tokio::time::Instant::now()),
        }
    }

    /// Waits for this request's slot.
    pub(crate) async fn turn(&self) {
        tokio::time::sleep_until(self.slot(tokio::time::Instant::now())).await;
    }

    /// The next free slot at or after `now`, taken.
    fn slot(&self, now: tokio::time::Instant) -> tokio::time::Instant {
        let mut next = lock(&self.next);
        let at = (*next).max(now);
        *next = at + self.gap;
        at
    }
}

impl<V, E> Poller<V, E> {
    fn stop(&self) {
        if let Some(task) = self.task.get() {
            task.abort();
        }
    }
}
