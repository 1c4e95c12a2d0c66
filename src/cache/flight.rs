//! Single-flight: identical fetches in flight at the same moment share one upstream call.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use futures::future::{BoxFuture, Shared, WeakShared};

use super::key::{CacheKey, Namespace};
use super::lock;

/// A fetch every waiter can await; the fetch itself runs in its own task, so a waiter that
/// goes away does not cancel it for the others. The table holds it weakly: once no waiter is
/// left, the fetch is dropped (and stopped, see `Cache::get_or_fetch`).
pub(crate) type SharedFetch<T> = Shared<BoxFuture<'static, T>>;

type WeakFetch<T> = WeakShared<BoxFuture<'static, T>>;

type FlightKey = (Namespace, CacheKey);

pub(crate) struct Flights<T: Clone> {
    map: Mutex<HashMap<FlightKey, (u64, WeakFetch<T>)>>,
    next_id: AtomicU64,
}

/// Whether the caller started the fetch or joined one already in flight.
pub(crate) enum Joined<T: Clone> {
    Started(SharedFetch<T>),
    Joined(SharedFetch<T>),
}

impl<T: Clone> Default for Flights<T> {
    fn default() -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
        }
    }
}

impl<T: Clone> Flights<T> {
    /// Joins the flight for `key`, or starts one with `start(flight_id)`. `start` runs under the
    /// lock, so it must only spawn, never wait.
    pub(crate) fn join_or_start(
        &self,
        ns: &Namespace,
        key: &CacheKey,
        start: impl FnOnce(u64) -> SharedFetch<T>,
    ) -> Joined<T> {
        let mut map = lock(&self.map);
        // Cloning the key for the lookup is cheaper than a nested map for two small strings.
        let fk = (ns.clone(), key.clone());
        if let Some(f) = map.get(&fk).and_then(|(_, f)| f.upgrade()) {
            return Joined::Joined(f);
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let f = start(id);
        if let Some(weak) = f.downgrade() {
            map.insert(fk, (id, weak));
        }
        Joined::Started(f)
    }

    /// Called by the flight when done (later reads go to the store, already updated) or
    /// abandoned.
    pub(crate) fn finish(&self, ns: &Namespace, key: &CacheKey, id: u64) {
        let mut map = lock(&self.map);
        let fk = (ns.clone(), key.clone());
        // A write may have detached this flight and a newer one may hold the key by now.
        if map.get(&fk).is_some_and(|(i, _)| *i == id) {
            map.remove(&fk);
        }
    }

    /// Detaches in-flight fetches of the selected namespaces, so reads after a write or clear
    /// do not join a fetch that began before it.
    pub(crate) fn detach_where(&self, which: impl Fn(&Namespace) -> bool) {
        lock(&self.map).retain(|(ns, _), _| !which(ns));
    }
}
