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

/// One project's issues, each with a number `n`; the watched queries are `n >= min` within it.
#[derive(Default)]
struct Project {
    issues: Mutex<Vec<WatchedIssue<Value>>>,
    /// Ids of the issues updated lately (the fake ignores `since`).
    recent: Mutex<Vec<String>>,
    /// The detector's requests.
    scope_calls: AtomicUsize,
    /// Re-evaluations of changed issues, one per watched query.
    among_calls: AtomicUsize,
    /// Every other request: lists, incremental queries, id passes.
    own_calls: AtomicUsize,
    ids_calls: AtomicUsize,
}

fn numbered(id: &str, n: i64, updated: &str) -> WatchedIssue<Value> {
    WatchedIssue {
        id: id.into(),
        key: format!("A-{id}"),
        updated: updated.into(),
        value: json!({ "id": id, "n": n, "updated": updated }),
    }
}

impl Project {
    fn with(count: i64) -> Arc<Self> {
        let p = Project::default();
        *p.issues.lock().unwrap() = (0..count)
            .map(|n| numbered(&n.to_string(), n, "t0"))
            .collect();
        Arc::new(p)
    }

    /// Sets (or adds) an issue and marks it updated lately.
    fn put(&self, id: &str, n: i64, updated: &str) {
        let mut issues = self.issues.lock().unwrap();
        issues.retain(|i| i.id != id);
        issues.push(numbered(id, n, updated));
        self.recent.lock().unwrap().push(id.into());
    }
}

struct AtLeast {
    project: Arc<Project>,
    min: i64,
}

impl AtLeast {
    fn matching(&self) -> Vec<WatchedIssue<Value>> {
        let issues = self.project.issues.lock().unwrap();
        issues
            .iter()
            .filter(|i| i.value["n"].as_i64().unwrap() >= self.min)
            .cloned()
            .collect()
    }
}

impl WatchSource for AtLeast {
    type Value = Value;
    type Error = String;

    async fn list(&self) -> Result<Vec<WatchedIssue<Value>>, String> {
        self.project.own_calls.fetch_add(1, Ordering::SeqCst);
        Ok(self.matching())
    }

    async fn changed_since(&self, _since: &str) -> Result<Vec<WatchedIssue<Value>>, String> {
        self.project.own_calls.fetch_add(1, Ordering::SeqCst);
        Ok(self.matching())
    }

    async fn ids(&self) -> Result<Vec<String>, String> {
        self.project.own_calls.fetch_add(1, Ordering::SeqCst);
        self.project.ids_calls.fetch_add(1, Ordering::SeqCst);
        Ok(self.matching().into_iter().map(|i| i.id).collect())
    }

    fn scope(&self) -> Option<&str> {
        Some("project = A")
    }

    fn in_scope(&self, key: &str) -> bool {
        key.starts_with("A-")
    }

    async fn scope_changed_since(&self, since: &str) -> Result<Vec<WatchedIssue<()>>, String> {
        assert_eq!(since.len(), "yyyy-MM-dd HH:mm".len());
        self.project.scope_calls.fetch_add(1, Ordering::SeqCst);
        let recent = self.project.recent.lock().unwrap().clone();
        let issues = self.project.issues.lock().unwrap();
        Ok(issues
            .iter()
            .filter(|i| recent.contains(&i.id))
            .map(|i| WatchedIssue {
                id: i.id.clone(),
                key: i.key.clone(),
                updated: i.updated.clone(),
                value: (),
            })
            .collect())
    }

    async fn changed_among(&self, keys: &[String]) -> Result<Vec<WatchedIssue<Value>>, String> {
        assert!(!keys.is_empty() && keys.len() <= MAX_KEYS);
        self.project.among_calls.fetch_add(1, Ordering::SeqCst);
        Ok(self
            .matching()
            .into_iter()
            .filter(|i| keys.contains(&i.key))
            .collect())
    }
}

/// Waits (bounded, not timed) until the detector has asked `n` more times.
async fn detector_ticks(project: &Project, n: usize) {
    let target = project.scope_calls.load(Ordering::SeqCst) + n;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while project.scope_calls.load(Ordering::SeqCst) < target {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the detector stalled"
        );
        tokio::time::sleep(TICK).await;
    }
}

#[tokio::test]
async fn watches_within_one_project_share_one_change_detector() {
    let reg = WatchRegistry::new(WatchTiming {
        // No id pass in this test: every request after the lists is the detector's or a
        // re-evaluation.
        id_pass_every: 1_000_000,
        min_interval: Duration::from_millis(1),
        requests_per_second: 10_000.0,
        ..WatchTiming::default()
    });
    let project = Project::with(20);
    let mut subs = Vec::new();
    for min in 0..10 {
        let source = AtLeast {
            project: Arc::clone(&project),
            min,
        };
        let q = format!("project = A AND n >= {min}");
        subs.push(reg.watch(key(&q), TICK, source).await.unwrap());
    }
    assert_eq!((reg.pollers(), reg.detectors()), (10, 1));
    assert_eq!(subs[9].initial.len(), 11);

    // Nothing changes: each tick is one request for all ten queries.
    let own = project.own_calls.load(Ordering::SeqCst);
    assert_eq!(own, 10, "the initial lists");
    let before = project.scope_calls.load(Ordering::SeqCst);
    detector_ticks(&project, 5).await;
    assert_eq!(project.own_calls.load(Ordering::SeqCst), own);
    assert_eq!(project.among_calls.load(Ordering::SeqCst), 0);
    let ticks = project.scope_calls.load(Ordering::SeqCst) - before;
    println!("{ticks} quiet ticks of 10 watches: {ticks} requests");
    for sub in &mut subs {
        assert!(sub.changes.try_recv().is_err());
    }

    // Issue 5 drops to n = 3 (it leaves the queries n >= 4 and n >= 5, changes in n >= 0..3);
    // issue 20 arrives with n = 7 (it enters n >= 0..7).
    project.put("5", 3, "t1");
    project.put("20", 7, "t0");
    for (min, sub) in subs.iter_mut().enumerate() {
        if min >= 8 {
            continue;
        }
        let change = tokio::time::timeout(Duration::from_secs(5), sub.changes.recv())
            .await
            .expect("a change")
            .expect("the watch lives");
        let (added, changed, removed) = (
            ids(&change.added),
            ids(&change.changed),
            ids(&change.removed),
        );
        assert_eq!(added, ["20"], "n >= {min}");
        assert_eq!(
            changed,
            if min <= 3 { vec!["5"] } else { vec![] },
            "n >= {min}"
        );
        assert_eq!(
            removed,
            if (4..=5).contains(&min) {
                vec!["5"]
            } else {
                vec![]
            },
            "n >= {min}"
        );
    }
    // One re-evaluation per query, once: later ticks see the same issues and ask nothing more.
    detector_ticks(&project, 3).await;
    assert_eq!(project.among_calls.load(Ordering::SeqCst), 10);
    assert_eq!(project.own_calls.load(Ordering::SeqCst), own);
    assert_eq!(
        project.ids_calls.load(Ordering::SeqCst),
        0,
        "no id-only pass"
    );
    for sub in &mut subs {
        assert!(sub.changes.try_recv().is_err(), "told once");
    }

    // The detector ends with its last watch.
    for sub in &subs {
        reg.unwatch(sub.id);
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while reg.detectors() != 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(TICK).await;
    }
    assert_eq!((reg.pollers(), reg.detectors()), (0, 0));
}

#[tokio::test]
async fn a_watch_joining_a_running_detector_sees_deletions_at_its_id_pass() {
    let reg = WatchRegistry::new(WatchTiming {
        id_pass_every: 3,
        min_interval: Duration::from_millis(1),
        requests_per_second: 10_000.0,
        ..WatchTiming::default()
    });
    let project = Project::with(4);
    let at = |min| AtLeast {
        project: Arc::clone(&project),
        min,
    };
    let _first = reg
        .watch(key("project = A AND n >= 0"), TICK, at(0))
        .await
        .unwrap();
    project.put("1", 1, "t1");
    detector_ticks(&project, 2).await;
    let mut late = reg
        .watch(key("project = A AND n >= 2"), TICK, at(2))
        .await
        .unwrap();
    assert_eq!(ids(&late.initial), ["2", "3"]);
    assert_eq!(reg.detectors(), 1);
    // Issue 3 is deleted: no scope query shows it, the late watch's id pass does.
    project.issues.lock().unwrap().retain(|i| i.id != "3");
    let change = tokio::time::timeout(Duration::from_secs(5), late.changes.recv())
        .await
        .expect("a change")
        .expect("the watch lives");
    assert_eq!(ids(&change.removed), ["3"]);
    assert!(change.added.is_empty() && change.changed.is_empty());
}

#[tokio::test]
async fn a_scoped_watch_holding_an_issue_beyond_its_scope_also_polls_on_its_own() {
    let reg = WatchRegistry::new(WatchTiming {
        id_pass_every: 1_000_000,
        min_interval: Duration::from_millis(1),
        requests_per_second: 10_000.0,
        ..WatchTiming::default()
    });
    let project = Project::with(2);
    let stray = |updated: &str| WatchedIssue {
        key: "B-1".into(),
        ..numbered("100", 5, updated)
    };
    project.issues.lock().unwrap().push(stray("t0"));
    let source = AtLeast {
        project: Arc::clone(&project),
        min: 0,
    };
    let mut sub = reg.watch(key("sprint = 1"), TICK, source).await.unwrap();
    assert_eq!(ids(&sub.initial), ["0", "1", "100"]);
    // The issue of project B changes: the detector of project A cannot see it.
    {
        let mut issues = project.issues.lock().unwrap();
        issues.retain(|i| i.id != "100");
        issues.push(stray("t1"));
    }
    let change = tokio::time::timeout(Duration::from_secs(5), sub.changes.recv())
        .await
        .expect("a change")
        .expect("the watch lives");
    assert_eq!(ids(&change.changed), ["100"]);
}

#[test]
fn pacer_requests_waiting_together_go_out_one_gap_apart() {
    let pacer = Pacer::new(4.0);
    let now = tokio::time::Instant::now();
    let slots: Vec<Duration> = (0..4).map(|_| pacer.slot(now) - now).collect();
    let ms: Vec<u128> = slots.iter().map(Duration::as_millis).collect();
    assert_eq!(ms, [0, 250, 500, 750]);
    // After a quiet spell the budget does not pile up into a burst.
    let later = now + Duration::from_secs(60);
    assert_eq!(pacer.slot(later), later);
    assert_eq!(pacer.slot(later) - later, Duration::from_millis(250));
}
