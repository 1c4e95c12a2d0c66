//! Tests of watched lists against an in-memory source.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use super::*;

const TICK: Duration = Duration::from_millis(20);

#[derive(Default)]
struct FakeInner {
    issues: Mutex<Vec<WatchedIssue<Value>>>,
    list_calls: AtomicUsize,
    since_calls: AtomicUsize,
    ids_calls: AtomicUsize,
    fail: AtomicBool,
    /// The incremental query sees nothing.
    since_blind: AtomicBool,
}

#[derive(Clone, Default)]
struct Fake(Arc<FakeInner>);

fn issue(id: &str, updated: &str) -> WatchedIssue<Value> {
    WatchedIssue {
        id: id.into(),
        key: format!("A-{id}"),
        updated: updated.into(),
        value: json!({ "id": id, "updated": updated }),
    }
}

impl Fake {
    fn with(ids: &[&str]) -> Self {
        let f = Fake::default();
        *f.0.issues.lock().unwrap() = ids.iter().map(|id| issue(id, "t0")).collect();
        f
    }

    fn upsert(&self, id: &str, updated: &str) {
        let mut issues = self.0.issues.lock().unwrap();
        issues.retain(|i| i.id != id);
        issues.push(issue(id, updated));
    }

    fn delete(&self, id: &str) {
        self.0.issues.lock().unwrap().retain(|i| i.id != id);
    }

    fn calls(&self) -> usize {
        let c = &self.0;
        c.list_calls.load(Ordering::SeqCst)
            + c.since_calls.load(Ordering::SeqCst)
            + c.ids_calls.load(Ordering::SeqCst)
    }

    fn answer<T>(
        &self,
        counter: &AtomicUsize,
        f: impl FnOnce(&[WatchedIssue<Value>]) -> T,
    ) -> Result<T, String> {
        counter.fetch_add(1, Ordering::SeqCst);
        if self.0.fail.load(Ordering::SeqCst) {
            return Err("503 from the fake".into());
        }
        Ok(f(&self.0.issues.lock().unwrap()))
    }
}

impl WatchSource for Fake {
    type Value = Value;
    type Error = String;

    async fn list(&self) -> Result<Vec<WatchedIssue<Value>>, String> {
        self.answer(&self.0.list_calls, <[_]>::to_vec)
    }

    // The fake ignores `since`: the diff must tolerate repeated answers.
    async fn changed_since(&self, since: &str) -> Result<Vec<WatchedIssue<Value>>, String> {
        assert_eq!(since.len(), "yyyy-MM-dd HH:mm".len());
        let blind = self.0.since_blind.load(Ordering::SeqCst);
        self.answer(&self.0.since_calls, |l| {
            if blind {
                Vec::new()
            } else {
                l.to_vec()
            }
        })
    }

    async fn ids(&self) -> Result<Vec<String>, String> {
        self.answer(&self.0.ids_calls, |l| {
            l.iter().map(|i| i.id.clone()).collect()
        })
    }
}

fn registry() -> WatchRegistry<Fake> {
    WatchRegistry::new(WatchTiming {
        id_pass_every: 3,
        skew: Duration::from_secs(120),
        min_interval: Duration::from_millis(1),
        max_backoff: 2,
        requests_per_second: 10_000.0,
        max_pollers: 3,
    })
}

fn key(q: &str) -> WatchKey {
    WatchKey::new(Namespace::new("p", "s"), q)
}

/// Waits for a first change (or gives up), then several more ticks and an id pass, and
/// takes every change sent.
async fn settle(sub: &mut Subscription<Value>) -> Vec<Arc<Change<Value>>> {
    let mut out = Vec::new();
    if let Ok(Some(c)) = tokio::time::timeout(Duration::from_secs(2), sub.changes.recv()).await {
        out.push(c);
    }
    tokio::time::sleep(TICK * 8).await;
    while let Ok(c) = sub.changes.try_recv() {
        out.push(c);
    }
    out
}

/// Several ticks and an id pass with nothing to report.
async fn quiet(sub: &mut Subscription<Value>) -> bool {
    tokio::time::sleep(TICK * 8).await;
    sub.changes.try_recv().is_err()
}

fn ids(issues: &[WatchedIssue<Value>]) -> Vec<&str> {
    issues.iter().map(|i| i.id.as_str()).collect()
}

#[tokio::test]
async fn one_change_one_deletion_one_addition_each_notified_once() {
    let reg = registry();
    let fake = Fake::with(&["1", "2"]);
    let mut sub = reg
        .watch(key("project = A"), TICK, fake.clone())
        .await
        .unwrap();
    assert_eq!(ids(&sub.initial), ["1", "2"]);
    assert!(quiet(&mut sub).await);

    fake.upsert("1", "t1");
    let changes = settle(&mut sub).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(ids(&changes[0].changed), ["1"]);
    assert!(changes[0].added.is_empty() && changes[0].removed.is_empty());

    fake.delete("2");
    let changes = settle(&mut sub).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(ids(&changes[0].removed), ["2"]);
    assert!(changes[0].added.is_empty() && changes[0].changed.is_empty());

    fake.upsert("3", "t0");
    let changes = settle(&mut sub).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(ids(&changes[0].added), ["3"]);
    assert_eq!(
        changes[0].added[0].value,
        json!({"id": "3", "updated": "t0"})
    );
}

#[tokio::test]
async fn a_profile_polls_a_bounded_number_of_queries_and_identical_ones_still_join() {
    let reg = registry();
    let fake = Fake::with(&["1"]);
    let mut subs = Vec::new();
    for q in ["a = 1", "a = 2", "a = 3"] {
        subs.push(reg.watch(key(q), TICK, fake.clone()).await.unwrap());
    }
    let refused = reg.watch(key("a = 4"), TICK, fake.clone()).await;
    assert!(matches!(
        refused,
        Err(WatchError::TooManyQueries { max: 3 })
    ));
    assert!(reg.watch(key("a = 1"), TICK, fake.clone()).await.is_ok());
    let other = WatchKey::new(Namespace::new("q", "s"), "a = 4");
    assert!(
        reg.watch(other, TICK, fake.clone()).await.is_ok(),
        "another profile has its own"
    );
    assert_eq!(reg.pollers(), 4);
}

#[tokio::test]
async fn identical_watches_share_one_poller() {
    let reg = registry();
    let fake = Fake::with(&["1"]);
    let mut a = reg
        .watch(key("project = A"), TICK, fake.clone())
        .await
        .unwrap();
    let mut b = reg
        .watch(key(" project  =  A"), TICK, fake.clone())
        .await
        .unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(ids(&b.initial), ["1"]);
    assert_eq!(reg.pollers(), 1);
    assert_eq!(reg.subscribers(), 2);
    assert_eq!(fake.0.list_calls.load(Ordering::SeqCst), 1);

    // One tick of one poller makes one call, whatever the number of subscribers.
    tokio::time::sleep(TICK * 10).await;
    let calls = fake.calls();
    assert!((1..=12).contains(&calls), "{calls} calls in ~10 ticks");

    fake.upsert("1", "t1");
    for sub in [&mut a, &mut b] {
        let changes = settle(sub).await;
        assert_eq!(changes.len(), 1);
        assert_eq!(ids(&changes[0].changed), ["1"]);
    }

    let _c = reg
        .watch(key("project = B"), TICK, fake.clone())
        .await
        .unwrap();
    assert_eq!(reg.pollers(), 2);
}

#[tokio::test]
async fn the_poller_stops_when_the_last_subscriber_leaves() {
    let reg = registry();
    let fake = Fake::with(&["1"]);
    let a = reg.watch(key("q"), TICK, fake.clone()).await.unwrap();
    let b = reg.watch(key("q"), TICK, fake.clone()).await.unwrap();
    assert!(reg.unwatch(a.id));
    assert!(!reg.unwatch(a.id));
    assert_eq!(reg.pollers(), 1);
    assert!(reg.unwatch(b.id));
    assert_eq!(reg.pollers(), 0);
    let calls = fake.calls();
    tokio::time::sleep(TICK * 5).await;
    assert_eq!(fake.calls(), calls);

    // A dropped receiver (the connection ended) ends the watch at the next tick.
    let c = reg.watch(key("q"), TICK, fake.clone()).await.unwrap();
    assert_eq!(reg.pollers(), 1);
    drop(c);
    // Bounded wait, not a fixed sleep: a loaded machine may run the next tick late.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while reg.pollers() != 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(TICK).await;
    }
    assert_eq!((reg.pollers(), reg.subscribers()), (0, 0));
    let calls = fake.calls();
    tokio::time::sleep(TICK * 5).await;
    assert_eq!(fake.calls(), calls);
}

#[tokio::test]
async fn polling_errors_are_retried_at_the_next_tick() {
    let reg = registry();
    let fake = Fake::with(&["1"]);
    let mut sub = reg.watch(key("q"), TICK, fake.clone()).await.unwrap();
    fake.0.fail.store(true, Ordering::SeqCst);
    fake.upsert("1", "t1");
    assert!(quiet(&mut sub).await);
    fake.0.fail.store(false, Ordering::SeqCst);
    let changes = settle(&mut sub).await;
    assert_eq!(changes.len(), 1);
    assert_eq!(ids(&changes[0].changed), ["1"]);
}

#[tokio::test]
async fn a_failed_initial_list_fails_the_watch() {
    let reg = registry();
    let fake = Fake::with(&["1"]);
    fake.0.fail.store(true, Ordering::SeqCst);
    let err = reg.watch(key("q"), TICK, fake.clone()).await.unwrap_err();
    assert!(matches!(err, WatchError::Upstream(_)));
    assert_eq!((reg.pollers(), reg.subscribers()), (0, 0));
    fake.0.fail.store(false, Ordering::SeqCst);
    assert!(reg.watch(key("q"), TICK, fake).await.is_ok());
}

#[tokio::test]
async fn an_issue_appearing_without_an_update_is_found_by_the_id_pass() {
    let reg = registry();
    let fake = Fake::with(&["1"]);
    let mut sub = reg.watch(key("q"), TICK, fake.clone()).await.unwrap();
    // Simulate an issue the incremental query misses (e.g. it entered the query's scope
    // without its `updated` moving): only ids and full lists show it.
    fake.0.since_blind.store(true, Ordering::SeqCst);
    fake.upsert("2", "t0");
    let changes = settle(&mut sub).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(ids(&changes[0].added), ["2"]);
    assert!(fake.0.list_calls.load(Ordering::SeqCst) >= 2);
}

/// A query within a wider scope (a live board's sprint within its project).
#[derive(Default)]
struct Scoped {
    /// What the query returns now.
    members: Mutex<Vec<WatchedIssue<Value>>>,
    /// Ids of the scope's issues updated lately.
    scope_updated: Mutex<Vec<String>>,
    ids_calls: AtomicUsize,
}

impl WatchSource for Arc<Scoped> {
    type Value = Value;
    type Error = String;

    async fn list(&self) -> Result<Vec<WatchedIssue<Value>>, String> {
        Ok(self.members.lock().unwrap().clone())
    }

    async fn changed_since(&self, _since: &str) -> Result<Vec<WatchedIssue<Value>>, String> {
        let updated = self.scope_updated.lock().unwrap().clone();
        Ok(self
            .members
            .lock()
            .unwrap()
            .iter()
            .filter(|i| updated.contains(&i.id))
            .cloned()
            .collect())
    }

    async fn ids(&self) -> Result<Vec<String>, String> {
        self.ids_calls.fetch_add(1, Ordering::SeqCst);
        Ok(self
            .members
            .lock()
            .unwrap()
            .iter()
            .map(|i| i.id.clone())
            .collect())
    }

    fn has_scope(&self) -> bool {
        true
    }

    async fn scope_changed_since(&self, _since: &str) -> Result<Vec<String>, String> {
        Ok(self.scope_updated.lock().unwrap().clone())
    }
}

#[tokio::test]
async fn an_issue_leaving_a_scoped_query_is_removed_at_the_next_tick_without_an_id_pass() {
    let reg = WatchRegistry::new(WatchTiming {
        id_pass_every: 1_000_000,
        min_interval: Duration::from_millis(1),
        requests_per_second: 10_000.0,
        ..WatchTiming::default()
    });
    let source = Arc::new(Scoped::default());
    *source.members.lock().unwrap() = vec![issue("1", "t0"), issue("2", "t0")];
    let mut sub = reg
        .watch(key("sprint = 2"), TICK, Arc::clone(&source))
        .await
        .unwrap();
    assert_eq!(ids(&sub.initial), ["1", "2"]);
    // "2" moves to the backlog: updated in the project, no longer in the sprint; "1" changes.
    source.members.lock().unwrap().retain(|i| i.id != "2");
    source.members.lock().unwrap()[0] = issue("1", "t1");
    *source.scope_updated.lock().unwrap() = vec!["1".into(), "2".into()];
    let change = tokio::time::timeout(Duration::from_secs(5), sub.changes.recv())
        .await
        .expect("a change")
        .expect("the watch lives");
    assert_eq!(ids(&change.removed), ["2"]);
    assert_eq!(ids(&change.changed), ["1"]);
    assert_eq!(
        source.ids_calls.load(Ordering::SeqCst),
        0,
        "no id-only pass"
    );
    // Seen once: later ticks with the same answers report nothing.
    assert!(quiet(&mut sub).await);
}
