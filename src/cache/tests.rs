//! Tests of reads through the cache: hits, coalescing, stale-if-error, invalidation.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::*;

#[derive(Debug, thiserror::Error)]
#[error("upstream failed (transient: {0})")]
struct Up(bool);

impl Transient for Up {
    fn is_transient(&self) -> bool {
        self.0
    }
}

type C = Cache<Value, Up>;

fn ns() -> Namespace {
    Namespace::new("work", "example.atlassian.net")
}

fn config(issue_ttl: u64, stale_max: u64) -> CacheConfig {
    CacheConfig {
        issue_ttl,
        stale_max,
        ..CacheConfig::default()
    }
}

fn issue_key(key: &str, fields: &[&str]) -> CacheKey {
    CacheKey::issue(key, FieldSet::from_request(fields))
}

/// A fetch that counts its calls and answers `value` after `delay`.
fn counted(
    calls: &Arc<AtomicUsize>,
    value: Value,
    delay: Duration,
) -> impl FnOnce() -> futures::future::BoxFuture<'static, Result<Value, Up>> {
    let calls = Arc::clone(calls);
    move || {
        Box::pin(async move {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(delay).await;
            Ok(value)
        })
    }
}

fn failing(transient: bool) -> impl FnOnce() -> futures::future::Ready<Result<Value, Up>> {
    move || futures::future::ready(Err(Up(transient)))
}

#[tokio::test]
async fn miss_then_hit_with_age_and_fresh_bypass() {
    let c = C::new(CacheConfig::default());
    let calls = Arc::new(AtomicUsize::new(0));
    let k = issue_key("a-1", &["summary"]);
    let first = c
        .get_or_fetch(
            &ns(),
            k.clone(),
            false,
            counted(&calls, json!(1), Duration::ZERO),
        )
        .await
        .unwrap();
    assert!(!first.info.hit);
    assert_eq!(first.info.age_ms, 0);
    tokio::time::sleep(Duration::from_millis(15)).await;
    let second = c
        .get_or_fetch(
            &ns(),
            k.clone(),
            false,
            counted(&calls, json!(2), Duration::ZERO),
        )
        .await
        .unwrap();
    assert!(second.info.hit && !second.info.stale);
    assert!(second.info.age_ms >= 15, "{:?}", second.info);
    assert_eq!(*second.value, json!(1));
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let fresh = c
        .get_or_fetch(&ns(), k, true, counted(&calls, json!(3), Duration::ZERO))
        .await
        .unwrap();
    assert!(!fresh.info.hit);
    assert_eq!(*fresh.value, json!(3));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let s = c.stats();
    assert_eq!((s.hits, s.misses), (1, 2));
    assert_eq!(s.issues.entries, 1);
}

#[tokio::test]
async fn field_superset_misses_subset_hits() {
    let c = C::new(CacheConfig::default());
    let calls = Arc::new(AtomicUsize::new(0));
    let z = Duration::ZERO;
    let f = |fields: &[&str]| issue_key("A-1", fields);
    c.get_or_fetch(
        &ns(),
        f(&["summary", "status"]),
        false,
        counted(&calls, json!(1), z),
    )
    .await
    .unwrap();
    let sub = c
        .get_or_fetch(&ns(), f(&["status"]), false, counted(&calls, json!(2), z))
        .await
        .unwrap();
    assert!(sub.info.hit);
    let sup = c
        .get_or_fetch(
            &ns(),
            f(&["status", "assignee"]),
            false,
            counted(&calls, json!(3), z),
        )
        .await
        .unwrap();
    assert!(!sup.info.hit);
    let all = c
        .get_or_fetch(&ns(), f(&[]), false, counted(&calls, json!(4), z))
        .await
        .unwrap();
    assert!(!all.info.hit);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_identical_reads_share_one_fetch() {
    let c = C::new(CacheConfig::default());
    let calls = Arc::new(AtomicUsize::new(0));
    let key = CacheKey::list("project = A", &FieldSet::All, None, Some(50));
    let reads = (0..100).map(|_| {
        let (c, key, calls) = (c.clone(), key.clone(), Arc::clone(&calls));
        tokio::spawn(async move {
            let fetch = counted(&calls, json!(["A-1"]), Duration::from_millis(50));
            c.get_or_fetch(&ns(), key, false, fetch).await
        })
    });
    for r in futures::future::join_all(reads).await {
        assert_eq!(*r.unwrap().unwrap().value, json!(["A-1"]));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let s = c.stats();
    assert_eq!(s.hits + s.misses, 100);
    assert_eq!(s.coalesced + 1, s.misses);
}

#[tokio::test]
async fn shared_errors_reach_every_waiter() {
    let c = C::new(CacheConfig::default());
    let k = issue_key("A-1", &[]);
    let slow_fail = || async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err::<Value, _>(Up(false))
    };
    let n = ns();
    let (a, b) = tokio::join!(
        c.get_or_fetch(&n, k.clone(), false, slow_fail),
        c.get_or_fetch(&n, k.clone(), false, failing(false)),
    );
    assert!(matches!(a, Err(CacheError::Upstream(_))));
    assert!(matches!(b, Err(CacheError::Upstream(_))));
    assert_eq!(c.stats().coalesced, 1);
}

#[tokio::test]
async fn a_cancelled_first_caller_does_not_break_the_others() {
    let c = C::new(CacheConfig::default());
    let calls = Arc::new(AtomicUsize::new(0));
    let k = issue_key("A-1", &[]);
    let n = ns();
    let first = c.get_or_fetch(
        &n,
        k.clone(),
        false,
        counted(&calls, json!(1), Duration::from_millis(40)),
    );
    let second = c.get_or_fetch(
        &n,
        k.clone(),
        false,
        counted(&calls, json!(2), Duration::ZERO),
    );
    let (first, second) = tokio::join!(
        tokio::time::timeout(Duration::from_millis(10), first),
        second
    );
    assert!(first.is_err(), "the first caller gave up");
    assert_eq!(*second.unwrap().value, json!(1));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// Once its last caller is gone, a fetch stops: its future is dropped part-way, nothing is
/// stored, and the next read fetches again.
#[tokio::test]
async fn a_fetch_nobody_waits_for_any_more_stops() {
    struct Dropped(Arc<AtomicUsize>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let c = C::new(CacheConfig::default());
    let (calls, dropped) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let k = issue_key("A-1", &[]);
    let (counter, guard) = (Arc::clone(&calls), Dropped(Arc::clone(&dropped)));
    let slow = move || {
        Box::pin(async move {
            let _guard = guard;
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok::<_, Up>(json!("never"))
        }) as futures::future::BoxFuture<'static, Result<Value, Up>>
    };
    let gave_up = tokio::time::timeout(
        Duration::from_millis(20),
        c.get_or_fetch(&ns(), k.clone(), false, slow),
    )
    .await;
    assert!(gave_up.is_err());
    // The abort takes effect at the task's next poll.
    for _ in 0..100 {
        if dropped.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(dropped.load(Ordering::SeqCst), 1, "the fetch was stopped");
    assert!(c.get(&ns(), &k).is_none(), "nothing was stored");
    let again = c
        .get_or_fetch(&ns(), k, false, counted(&calls, json!(2), Duration::ZERO))
        .await
        .unwrap();
    assert_eq!(*again.value, json!(2));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn stale_if_error_only_for_transient_errors_within_stale_max() {
    // A zero TTL makes every entry expired at once.
    let c = C::new(config(0, 60));
    let k = issue_key("A-1", &[]);
    c.put(&ns(), k.clone(), json!("old"));
    tokio::time::sleep(Duration::from_millis(2)).await;
    let stale = c
        .get_or_fetch(&ns(), k.clone(), false, failing(true))
        .await
        .unwrap();
    assert_eq!(*stale.value, json!("old"));
    assert!(stale.info.hit && stale.info.stale);
    assert!(c
        .get_or_fetch(&ns(), k.clone(), false, failing(false))
        .await
        .is_err());
    assert_eq!(c.stats().stale_answers, 1);

    let c = C::new(config(0, 0));
    c.put(&ns(), k.clone(), json!("old"));
    tokio::time::sleep(Duration::from_millis(2)).await;
    assert!(c
        .get_or_fetch(&ns(), k, false, failing(true))
        .await
        .is_err());
}

#[tokio::test]
async fn evicts_least_recently_used_at_the_byte_budget() {
    let c = C::new(CacheConfig {
        max_bytes: 30,
        ..CacheConfig::default()
    });
    let ten = |s: &str| json!(format!("{s:-<8}")); // 10 bytes of JSON
    for k in ["A-1", "A-2", "A-3"] {
        c.put(&ns(), issue_key(k, &[]), ten(k));
    }
    assert!(c.get(&ns(), &issue_key("A-1", &[])).is_some());
    c.put(&ns(), issue_key("A-4", &[]), ten("A-4"));
    assert!(c.get(&ns(), &issue_key("A-2", &[])).is_none());
    for k in ["A-1", "A-3", "A-4"] {
        assert!(c.get(&ns(), &issue_key(k, &[])).is_some(), "{k}");
    }
    assert_eq!(c.stats().issues.bytes, 30);
}

#[tokio::test]
async fn writes_evict_the_issue_and_the_lists_of_its_project() {
    let c = C::new(CacheConfig::default());
    let n = ns();
    let list_a = CacheKey::list("project = A ORDER BY key", &FieldSet::All, None, None);
    let list_b = CacheKey::list("project = B", &FieldSet::All, None, None);
    let list_any = CacheKey::list("assignee = currentUser()", &FieldSet::All, None, None);
    for k in [&list_a, &list_b, &list_any] {
        c.put(&n, k.clone(), json!([]));
    }
    c.put(&n, issue_key("A-1", &[]), json!("v1"));
    c.put(&n, issue_key("10001", &[]), json!("v1 by id"));
    let transitions = CacheKey::Meta(MetaKey::Transitions {
        issue: "A-1".into(),
    });
    c.put(&n, transitions.clone(), json!([]));
    c.put(&n, CacheKey::Meta(MetaKey::Fields), json!([]));

    let other = Namespace::new("other", "example.atlassian.net");
    c.put(&other, list_a.clone(), json!([]));

    let a1 = IssueRef::from_key("a-1").with_id("10001");
    assert_eq!(a1.project, "A");
    c.issue_written(&n, &a1, Some((json!("v2"), FieldSet::All)));

    assert!(c.get(&n, &list_a).is_none());
    assert!(c.get(&n, &list_any).is_none());
    assert!(c.get(&n, &list_b).is_some());
    assert!(c.get(&n, &transitions).is_none());
    assert!(c.get(&n, &CacheKey::Meta(MetaKey::Fields)).is_some());
    assert!(c.get(&n, &issue_key("10001", &[])).is_none());
    assert_eq!(
        *c.get(&n, &issue_key("A-1", &["summary"])).unwrap().value,
        json!("v2")
    );
    assert!(c.get(&other, &list_a).is_some());
    assert_eq!(c.recent_writes(&n), vec!["10001".to_owned()]);

    c.issue_deleted(&n, &a1);
    assert!(c.get(&n, &issue_key("A-1", &[])).is_none());

    // Changes seen by a watch evict the same way but are not Jira's to reconcile.
    c.put(&n, issue_key("B-7", &[]), json!(1));
    c.put(&n, list_b.clone(), json!([]));
    c.issue_changed(&n, &IssueRef::from_key("B-7").with_id("20007"));
    assert!(c.get(&n, &issue_key("B-7", &[])).is_none());
    assert!(c.get(&n, &list_b).is_none());
    assert_eq!(c.recent_writes(&n), vec!["10001".to_owned()]);
}

#[tokio::test]
async fn a_fetch_begun_before_a_write_does_not_store_its_answer() {
    let c = C::new(CacheConfig::default());
    let calls = Arc::new(AtomicUsize::new(0));
    let k = issue_key("A-1", &[]);
    let before = {
        let (c, k) = (c.clone(), k.clone());
        let fetch = counted(&calls, json!("before"), Duration::from_millis(30));
        tokio::spawn(async move { c.get_or_fetch(&ns(), k, false, fetch).await })
    };
    // The fetch is running (so its flight is registered) before the write.
    while calls.load(Ordering::SeqCst) == 0 {
        tokio::task::yield_now().await;
    }
    c.issue_written(&ns(), &IssueRef::from_key("A-1"), None);
    // A read after the write must not join the older fetch.
    let after = c
        .get_or_fetch(
            &ns(),
            k.clone(),
            false,
            counted(&calls, json!("after"), Duration::ZERO),
        )
        .await
        .unwrap();
    assert_eq!(*after.value, json!("after"));
    assert_eq!(*before.await.unwrap().unwrap().value, json!("before"));
    assert_eq!(*c.get(&ns(), &k).unwrap().value, json!("after"));
}

#[tokio::test]
async fn clear_by_profile_and_all() {
    let c = C::new(CacheConfig::default());
    let (a, b) = (Namespace::new("p1", "s1"), Namespace::new("p2", "s1"));
    let a2 = Namespace::new("p1", "s2");
    for n in [&a, &b, &a2] {
        c.put(n, issue_key("A-1", &[]), json!(1));
    }
    c.clear_profile("p1");
    assert!(c.get(&a, &issue_key("A-1", &[])).is_none());
    assert!(c.get(&a2, &issue_key("A-1", &[])).is_none());
    assert!(c.get(&b, &issue_key("A-1", &[])).is_some());
    c.clear_all();
    assert_eq!(c.stats().issues, KindStats::default());
}

#[tokio::test]
async fn raw_json_values_are_weighed_by_their_bytes() {
    use serde_json::value::RawValue;
    let c: Cache<Box<RawValue>, Up> = Cache::new(CacheConfig::default());
    let raw = RawValue::from_string(r#"{"key":"A-1"}"#.to_owned()).unwrap();
    let read = c
        .get_or_fetch(&ns(), issue_key("A-1", &[]), false, || async { Ok(raw) })
        .await
        .unwrap();
    assert_eq!(read.value.get(), r#"{"key":"A-1"}"#);
    assert_eq!(c.stats().issues.bytes, 13);
}
