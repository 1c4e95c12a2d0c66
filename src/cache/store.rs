//! The byte-accounted store behind the cache: entries per namespace, evicted least recently
//! used first when the budget is exceeded. Synchronous; callers hold its lock only briefly.

use rustc_hash::{FxBuildHasher, FxHashMap as HashMap};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::key::{EntryKey, EntryRef, FieldSet, Namespace};
use super::recent::RecentWrites;
use super::stats::Sizes;
use super::weigh::Weigh;

struct Entry<V> {
    value: Arc<V>,
    /// For issues: the fields they were fetched with.
    fields: Option<FieldSet>,
    stored: Instant,
    bytes: usize,
    /// When it was last used.
    used: u64,
    /// Its place in the recency order: `used` when it was last put there. A read only sets
    /// `used`; eviction moves an entry found there out of date to its `used` tick instead.
    queued: u64,
}

struct NsState<V> {
    ns: Arc<Namespace>,
    /// Keys shared with the recency order, so each is allocated once. hashbrown's, to look
    /// entries up by [`EntryRef`].
    entries: hashbrown::HashMap<Arc<EntryKey>, Entry<V>, FxBuildHasher>,
    /// Changes on every write and clear, so a fetch begun before them does not store its
    /// answer after them.
    generation: u64,
    recent: RecentWrites,
}

/// A stored value found by a lookup, and how old it is.
pub(crate) struct Found<V> {
    pub(crate) value: Arc<V>,
    pub(crate) age: Duration,
}

pub(crate) struct Store<V> {
    namespaces: HashMap<Namespace, NsState<V>>,
    /// Recency order, by each entry's `queued` tick: the first whose tick is still its `used`
    /// is the least recently used entry. Its values are shared pointers: per entry it costs a
    /// few words, not copies of the keys.
    lru: BTreeMap<u64, (Arc<Namespace>, Arc<EntryKey>)>,
    tick: u64,
    next_generation: u64,
    sizes: Sizes,
    max_bytes: u64,
}

impl<V: Weigh> Store<V> {
    pub(crate) fn new(max_bytes: u64) -> Self {
        Self {
            namespaces: HashMap::default(),
            lru: BTreeMap::new(),
            tick: 0,
            next_generation: 0,
            sizes: Sizes::default(),
            max_bytes,
        }
    }

    fn next_tick(&mut self) -> u64 {
        self.tick += 1;
        self.tick
    }

    fn ns_state(&mut self, ns: &Namespace) -> &mut NsState<V> {
        let next_generation = &mut self.next_generation;
        self.namespaces.entry(ns.clone()).or_insert_with(|| {
            *next_generation += 1;
            NsState {
                ns: Arc::new(ns.clone()),
                entries: hashbrown::HashMap::default(),
                generation: *next_generation,
                recent: RecentWrites::default(),
            }
        })
    }

    /// The value under `key` if it covers `wanted` and is at most `max_age` old; marks it used.
    pub(crate) fn lookup(
        &mut self,
        ns: &Namespace,
        key: EntryRef<'_>,
        wanted: Option<&FieldSet>,
        max_age: Duration,
        now: Instant,
    ) -> Option<Found<V>> {
        let tick = self.tick + 1;
        let entry = self.namespaces.get_mut(ns)?.entries.get_mut(&key)?;
        if let (Some(want), Some(have)) = (wanted, &entry.fields) {
            if !have.covers(want) {
                return None;
            }
        }
        let age = now.saturating_duration_since(entry.stored);
        if age > max_age {
            return None;
        }
        entry.used = tick;
        self.tick = tick;
        Some(Found {
            value: Arc::clone(&entry.value),
            age,
        })
    }

    /// The namespace's current generation, to pass back to `insert`.
    pub(crate) fn generation(&mut self, ns: &Namespace) -> u64 {
        self.ns_state(ns).generation
    }

    /// Stores a value, unless `generation` is given and the namespace was written or cleared
    /// since. Returns whether it was stored.
    pub(crate) fn insert(
        &mut self,
        ns: &Namespace,
        key: EntryKey,
        value: Arc<V>,
        fields: Option<FieldSet>,
        generation: Option<u64>,
        now: Instant,
    ) -> bool {
        match (generation, self.namespaces.get(ns)) {
            (Some(g), Some(st)) if st.generation != g => return false,
            (Some(_), None) => return false,
            _ => {}
        }
        self.remove(ns, &key);
        let bytes = value.weight();
        if bytes as u64 > self.max_bytes {
            return false;
        }
        let tick = self.next_tick();
        let kind = key.kind();
        let key = Arc::new(key);
        let ns_shared = Arc::clone(&self.ns_state(ns).ns);
        self.lru.insert(tick, (ns_shared, Arc::clone(&key)));
        let entry = Entry {
            value,
            fields,
            stored: now,
            bytes,
            used: tick,
            queued: tick,
        };
        self.ns_state(ns).entries.insert(key, entry);
        self.sizes.add(kind, bytes);
        self.evict_to_budget();
        true
    }

    /// Weighs again the entry under `key` if it still holds `value` (which grew: a memo), and
    /// evicts down to the budget.
    pub(crate) fn reweigh(&mut self, ns: &Namespace, key: &EntryKey, value: &Arc<V>) {
        let Some(entry) = self
            .namespaces
            .get_mut(ns)
            .and_then(|st| st.entries.get_mut(key))
            .filter(|e| Arc::ptr_eq(&e.value, value))
        else {
            return;
        };
        let old = std::mem::replace(&mut entry.bytes, value.weight());
        let new = entry.bytes;
        self.sizes.sub(key.kind(), old);
        self.sizes.add(key.kind(), new);
        self.evict_to_budget();
    }

    fn evict_to_budget(&mut self) {
        while self.sizes.total_bytes() > self.max_bytes {
            let Some((_, (ns, key))) = self.lru.pop_first() else {
                break;
            };
            let used_since = self
                .namespaces
                .get_mut(&*ns)
                .and_then(|st| st.entries.get_mut(&*key))
                .filter(|e| e.used != e.queued);
            match used_since {
                Some(entry) => {
                    entry.queued = entry.used;
                    self.lru.insert(entry.used, (ns, key));
                }
                None => {
                    self.forget(&ns, &key);
                }
            }
        }
    }

    /// Drops the entry without touching the LRU order (the caller already did).
    fn forget(&mut self, ns: &Namespace, key: &EntryKey) -> Option<Entry<V>> {
        let entry = self.namespaces.get_mut(ns)?.entries.remove(key)?;
        self.sizes.sub(key.kind(), entry.bytes);
        Some(entry)
    }

    pub(crate) fn remove(&mut self, ns: &Namespace, key: &EntryKey) {
        if let Some(entry) = self.forget(ns, key) {
            self.lru.remove(&entry.queued);
        }
    }

    /// Removes the namespace's entries for which `evict` says so.
    pub(crate) fn remove_where(&mut self, ns: &Namespace, evict: impl Fn(&EntryKey) -> bool) {
        let Some(st) = self.namespaces.get(ns) else {
            return;
        };
        let doomed: Vec<Arc<EntryKey>> = st.entries.keys().filter(|k| evict(k)).cloned().collect();
        for k in doomed {
            self.remove(ns, &k);
        }
    }

    /// Starts a new generation: fetches begun before now will not store their answers.
    pub(crate) fn bump_generation(&mut self, ns: &Namespace) {
        self.next_generation += 1;
        let g = self.next_generation;
        self.ns_state(ns).generation = g;
    }

    pub(crate) fn record_write(&mut self, ns: &Namespace, id: &str, now: Instant) {
        self.ns_state(ns).recent.record(id, now);
    }

    pub(crate) fn recent_writes(&mut self, ns: &Namespace, now: Instant) -> Vec<String> {
        match self.namespaces.get_mut(ns) {
            Some(st) => st.recent.ids(now),
            None => Vec::new(),
        }
    }

    /// Drops every namespace `which` selects, with its entries and recent writes.
    pub(crate) fn clear_where(&mut self, which: impl Fn(&Namespace) -> bool) {
        let doomed: Vec<Namespace> = self
            .namespaces
            .keys()
            .filter(|n| which(n))
            .cloned()
            .collect();
        for ns in doomed {
            if let Some(st) = self.namespaces.remove(&ns) {
                for (key, entry) in st.entries {
                    self.lru.remove(&entry.queued);
                    self.sizes.sub(key.kind(), entry.bytes);
                }
            }
        }
    }

    pub(crate) fn sizes(&self) -> Sizes {
        self.sizes.clone()
    }

    #[cfg(test)]
    pub(crate) fn contains(&self, ns: &Namespace, key: &EntryKey) -> bool {
        self.namespaces
            .get(ns)
            .is_some_and(|st| st.entries.contains_key(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::key::Kind;

    fn v(n: usize) -> Arc<String> {
        Arc::new("x".repeat(n))
    }

    fn issue(k: &str) -> EntryKey {
        EntryKey::Issue(k.to_owned())
    }

    #[test]
    fn evicts_least_recently_used_at_the_budget() {
        let ns = Namespace::new("p", "s");
        let now = Instant::now();
        let mut s = Store::new(300);
        for k in ["A-1", "A-2", "A-3"] {
            assert!(s.insert(&ns, issue(k), v(100), None, None, now));
        }
        // Reading A-1 makes A-2 the least recently used.
        assert!(s
            .lookup(&ns, issue("A-1").borrowed(), None, Duration::MAX, now)
            .is_some());
        s.insert(&ns, issue("A-4"), v(100), None, None, now);
        assert!(s.contains(&ns, &issue("A-1")));
        assert!(!s.contains(&ns, &issue("A-2")));
        assert!(s.contains(&ns, &issue("A-3")));
        assert!(s.contains(&ns, &issue("A-4")));
        assert_eq!(s.sizes().total_bytes(), 300);
        assert_eq!(s.sizes().get(Kind::Issue).entries, 3);
        // Too big for the whole budget: not stored at all.
        assert!(!s.insert(&ns, issue("A-5"), v(301), None, None, now));
        assert_eq!(s.sizes().total_bytes(), 300);
    }

    #[test]
    fn replacing_an_entry_keeps_the_accounting() {
        let ns = Namespace::new("p", "s");
        let now = Instant::now();
        let mut s = Store::new(1000);
        s.insert(&ns, issue("A-1"), v(100), None, None, now);
        s.insert(&ns, issue("A-1"), v(40), None, None, now);
        assert_eq!(s.sizes().total_bytes(), 40);
        assert_eq!(s.lru.len(), 1);
        s.clear_where(|_| true);
        assert_eq!(s.sizes().total_bytes(), 0);
        assert!(s.lru.is_empty());
    }

    #[test]
    fn a_stale_generation_does_not_store() {
        let ns = Namespace::new("p", "s");
        let now = Instant::now();
        let mut s = Store::new(1000);
        let g = s.generation(&ns);
        s.bump_generation(&ns);
        assert!(!s.insert(&ns, issue("A-1"), v(1), None, Some(g), now));
        let g = s.generation(&ns);
        s.clear_where(|_| true);
        assert!(!s.insert(&ns, issue("A-1"), v(1), None, Some(g), now));
        let g = s.generation(&ns);
        assert!(s.insert(&ns, issue("A-1"), v(1), None, Some(g), now));
    }

    #[test]
    fn reweighing_counts_growth_and_keeps_the_budget() {
        use crate::cache::doc::Doc;
        let ns = Namespace::new("p", "s");
        let now = Instant::now();
        let mut s: Store<Doc<String>> = Store::new(100);
        let small = |t: &str| Arc::new(Doc::of(t).unwrap());
        let a = small("aaaaaaaa"); // 10 bytes of JSON
        s.insert(&ns, issue("A-1"), small("bbbbbbbb"), None, None, now);
        s.insert(&ns, issue("A-2"), Arc::clone(&a), None, None, now);
        assert_eq!(s.sizes().total_bytes(), 20);
        a.remember("m", Arc::new("x".repeat(40)));
        a.remember("m", Arc::new("x".repeat(40)));
        s.reweigh(&ns, &issue("A-2"), &a);
        assert_eq!(s.sizes().total_bytes(), 61);
        assert_eq!(s.sizes().get(Kind::Issue).entries, 2);
        // A value no longer stored under the key is not counted.
        s.reweigh(&ns, &issue("A-1"), &a);
        assert_eq!(s.sizes().total_bytes(), 61);
        let b = small("cccccccc");
        s.insert(&ns, issue("A-3"), Arc::clone(&b), None, None, now);
        b.remember("m", Arc::new("y".repeat(30)));
        b.remember("m", Arc::new("y".repeat(30)));
        s.reweigh(&ns, &issue("A-3"), &b);
        // Over budget: the least recently used entry went.
        assert!(!s.contains(&ns, &issue("A-1")));
        assert_eq!(s.sizes().total_bytes(), 61 + 41 - 10);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8, u8, usize),
        Lookup(u8, u8),
        Remove(u8, u8),
        ClearNs(u8),
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            (0..2u8, 0..6u8, 0..60usize).prop_map(|(n, k, b)| Op::Insert(n, k, b)),
            (0..2u8, 0..6u8).prop_map(|(n, k)| Op::Lookup(n, k)),
            (0..2u8, 0..6u8).prop_map(|(n, k)| Op::Remove(n, k)),
            (0..2u8).prop_map(Op::ClearNs),
        ]
    }

    proptest::proptest! {
        /// Whatever happens, the byte count matches the entries, stays in budget, the recency
        /// order names exactly the stored entries, and what stays is what a plain LRU list
        /// (the model: least recently used first) keeps.
        #[test]
        fn accounting_holds(ops in proptest::collection::vec(op(), 1..80)) {
            let now = Instant::now();
            let mut s = Store::new(100);
            let mut model: Vec<(u8, u8, usize)> = Vec::new();
            let ns = |n: u8| Namespace::new(format!("p{n}"), "s");
            let key = |k: u8| issue(&format!("A-{k}"));
            for op in ops {
                match op {
                    Op::Insert(n, k, b) => {
                        s.insert(&ns(n), key(k), v(b), None, None, now);
                        model.retain(|&(mn, mk, _)| (mn, mk) != (n, k));
                        model.push((n, k, b));
                        while model.iter().map(|e| e.2).sum::<usize>() > 100 {
                            model.remove(0);
                        }
                    }
                    Op::Lookup(n, k) => {
                        s.lookup(&ns(n), key(k).borrowed(), None, Duration::MAX, now);
                        if let Some(i) = model.iter().position(|&(mn, mk, _)| (mn, mk) == (n, k)) {
                            let e = model.remove(i);
                            model.push(e);
                        }
                    }
                    Op::Remove(n, k) => {
                        s.remove(&ns(n), &key(k));
                        model.retain(|&(mn, mk, _)| (mn, mk) != (n, k));
                    }
                    Op::ClearNs(n) => {
                        s.clear_where(|x| *x == ns(n));
                        model.retain(|&(mn, _, _)| mn != n);
                    }
                }
                let entries: Vec<&Entry<String>> =
                    s.namespaces.values().flat_map(|st| st.entries.values()).collect();
                let bytes: usize = entries.iter().map(|e| e.bytes).sum();
                proptest::prop_assert_eq!(s.sizes().total_bytes(), bytes as u64);
                proptest::prop_assert!(bytes <= 100);
                proptest::prop_assert_eq!(s.lru.len(), entries.len());
                for e in entries {
                    proptest::prop_assert!(s.lru.contains_key(&e.queued));
                }
                for n in 0..2u8 {
                    for k in 0..6u8 {
                        let kept = model.iter().any(|&(mn, mk, _)| (mn, mk) == (n, k));
                        proptest::prop_assert_eq!(s.contains(&ns(n), &key(k)), kept);
                    }
                }
            }
        }
    }
}
