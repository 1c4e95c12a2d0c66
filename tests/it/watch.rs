//! `issues/watch` against the fake: changes made directly in Jira reach the watching client as
//! one `issues/didChange`, deletions too; identical watches share one poller; a connection's
//! watches end with it.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use support::jira::JiraWorld;
use support::{Framing, SocketClient};

/// Polls fast so a test sees a change within a fraction of a second.
const FAST: &str =
    "[cache]\nwatch_min_interval_ms = 20\n[limits]\nwatch_requests_per_second = 1000\n";

fn searches(world: &JiraWorld) -> usize {
    world.count_requests("POST", "/search/jql")
}

/// Waits (bounded) until `f` holds.
fn until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The next `issues/didChange`, skipping nothing else (a watching client gets only these).
fn next_change(c: &mut SocketClient) -> Value {
    let msg = c.recv().expect("connection closed");
    assert_eq!(msg["method"], "issues/didChange", "{msg}");
    msg["params"].clone()
}

/// Lets the poller run a few more ticks, then checks no notification came meanwhile: the
/// `cache/stats` reply must be the next message.
fn assert_quiet(world: &JiraWorld, c: &mut SocketClient) {
    let seen = searches(world);
    until("three more polls", || searches(world) >= seen + 3);
    let id = c.request("cache/stats", json!({}));
    let msg = c.recv().expect("reply");
    assert_eq!(msg["id"], json!(id), "unexpected message: {msg}");
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect()
}

#[test]
fn direct_changes_and_deletions_arrive_once() {
    let world = JiraWorld::start();
    let d = support::Daemon::start_with(&[], Some(&world.config("cloud", FAST)));
    let mut c = d.client(Framing::Ndjson);
    let w = c.result(
        "issues/watch",
        json!({"project": "DEMO", "status": "To Do", "intervalSeconds": 0.05}),
    );
    let watch_id = w["watchId"].clone();
    let listed = keys(&w["issues"]);
    assert!(listed.len() >= 2, "{w}");
    let (edited, deleted) = (listed[0].to_owned(), listed[1].to_owned());
    assert!(w["issues"][0]["summary"].is_string());

    let (status, body) = world.control(
        "PATCH",
        &format!("/issues/{edited}"),
        json!({"fields": {"summary": "Renamed by a colleague"}}),
    );
    assert_eq!(status, 200, "{body}");
    let change = next_change(&mut c);
    assert_eq!(change["watchId"], watch_id);
    assert_eq!(keys(&change["changed"]), [edited.as_str()]);
    assert_eq!(change["changed"][0]["summary"], "Renamed by a colleague");
    assert!(change["added"].as_array().unwrap().is_empty());
    assert!(change["removed"].as_array().unwrap().is_empty());
    assert_quiet(&world, &mut c);

    let (status, body) = world.control("DELETE", &format!("/issues/{deleted}"), json!(null));
    assert!(status < 300, "{status} {body}");
    let change = next_change(&mut c);
    assert_eq!(keys(&change["removed"]), [deleted.as_str()]);
    assert!(change["changed"].as_array().unwrap().is_empty());

    // Leaving the list counts as removal too.
    world.control(
        "PATCH",
        &format!("/issues/{edited}"),
        json!({"fields": {"status": "Done"}}),
    );
    let change = next_change(&mut c);
    assert_eq!(keys(&change["removed"]), [edited.as_str()]);
    assert_quiet(&world, &mut c);
}

#[test]
fn identical_watches_share_one_poller_and_end_with_their_connections() {
    let world = JiraWorld::start();
    let d = support::Daemon::start_with(&[], Some(&world.config("cloud", FAST)));
    let mut a = d.client(Framing::Ndjson);
    let mut b = d.client(Framing::Lsp);
    // Long interval: the only searches are the initial lists.
    let query = json!({"jql": "project = DEMO", "intervalSeconds": 600});
    let wa = a.result("issues/watch", query.clone());
    let wb = b.result("issues/watch", query);
    assert_eq!(
        searches(&world),
        1,
        "the second watch joined the first's poller"
    );
    assert_eq!(wa["issues"], wb["issues"]);
    assert_ne!(wa["watchId"], wb["watchId"]);
    let other = a.result(
        "issues/watch",
        json!({"jql": "project = DEMO", "fields": ["summary"], "intervalSeconds": 600}),
    );
    assert_eq!(searches(&world), 2, "other fields, other poller");
    let stats = a.result("cache/stats", json!({}));
    assert_eq!(
        (stats["watchPollers"].as_u64(), stats["watches"].as_u64()),
        (Some(2), Some(3))
    );

    // Only the owner may end a watch.
    let reply = b.call("issues/unwatch", json!({"watchId": wa["watchId"]}));
    assert_eq!(reply["error"]["data"]["kind"], "notFound", "{reply}");
    a.result("issues/unwatch", json!({"watchId": other["watchId"]}));
    let reply = a.call("issues/unwatch", json!({"watchId": other["watchId"]}));
    assert_eq!(reply["error"]["data"]["kind"], "notFound", "{reply}");

    drop(a);
    until("a's watch to end with its connection", || {
        b.result("cache/stats", json!({}))["watches"] == 1
    });
    b.result("issues/unwatch", json!({"watchId": wb["watchId"]}));
    let stats = b.result("cache/stats", json!({}));
    assert_eq!(
        (stats["watchPollers"].as_u64(), stats["watches"].as_u64()),
        (Some(0), Some(0))
    );
}

#[test]
fn bad_interval_and_failing_jira_are_errors() {
    let world = JiraWorld::start();
    let d = support::Daemon::start_with(&[], Some(&world.config("cloud", FAST)));
    let mut c = d.client(Framing::Ndjson);
    let reply = c.call(
        "issues/watch",
        json!({"project": "DEMO", "intervalSeconds": -1}),
    );
    assert_eq!(reply["error"]["data"]["kind"], "invalidFields", "{reply}");
    world.control(
        "POST",
        "/faults",
        json!({"pathContains": "/search", "action": "status", "status": 400}),
    );
    let reply = c.call("issues/watch", json!({"project": "DEMO"}));
    assert!(reply["error"]["data"]["kind"].is_string(), "{reply}");
    let stats = c.result("cache/stats", json!({}));
    assert_eq!(stats["watchPollers"], 0);
}

/// Eight different queries within DEMO (one written `project in (DEMO)`): one scope.
const DEMO_QUERIES: [&str; 8] = [
    "project = DEMO",
    "project = DEMO AND status = \"To Do\"",
    "project = DEMO AND status != \"To Do\"",
    "project = DEMO AND labels = watched",
    "project = DEMO AND issuetype = Bug",
    "project = DEMO AND issuetype != Bug",
    "project in (DEMO) AND priority = High",
    "project = DEMO AND priority != High",
];

/// The searches of a stretch of the log, by what asked them.
#[derive(Debug, Default)]
struct Searches {
    /// The scope's change detector: which DEMO issues were updated lately.
    detector: usize,
    /// A query asked about the issues the detector found changed.
    reevaluations: usize,
    /// A query's own incremental search (a watch polling alone).
    own_incremental: usize,
    /// Full lists and id-only passes.
    lists: usize,
}

fn classify(jqls: &[String]) -> Searches {
    let mut s = Searches::default();
    for q in jqls {
        if q.starts_with("(project in (\"DEMO\")) AND updated >=") {
            s.detector += 1;
        } else if q.contains(") AND key in (") {
            s.reevaluations += 1;
        } else if q.contains("updated >=") {
            s.own_incremental += 1;
        } else {
            s.lists += 1;
        }
    }
    s
}

fn detector_ticks(world: &JiraWorld, from: usize) -> usize {
    classify(world.search_jqls().get(from..).unwrap_or_default()).detector
}

#[test]
fn watches_of_one_project_poll_jira_once_a_tick_and_each_hears_only_its_changes() {
    for profile in ["cloud", "dc"] {
        let world = JiraWorld::start();
        let d = support::Daemon::start_with(&[], Some(&world.config(profile, FAST)));
        let mut clients = Vec::new();
        for (n, q) in DEMO_QUERIES.iter().enumerate() {
            let framing = if n % 2 == 0 {
                Framing::Ndjson
            } else {
                Framing::Lsp
            };
            let mut c = d.client(framing);
            let w = c.result("issues/watch", json!({"jql": q, "intervalSeconds": 0.05}));
            let listed: Vec<String> = keys(&w["issues"]).iter().map(|k| k.to_string()).collect();
            clients.push((c, w["watchId"].clone(), listed));
        }
        // Each watch is first served once whatever changed lately; then the tick is steady.
        let start = world.search_jqls().len();
        until("the detector to settle", || {
            detector_ticks(&world, start) >= 3
        });

        let start = world.search_jqls().len();
        until("ten detector ticks", || detector_ticks(&world, start) >= 10);
        let quiet = classify(&world.search_jqls()[start..]);
        let total = quiet.detector + quiet.reevaluations + quiet.own_incremental + quiet.lists;
        println!(
            "{profile}: 8 watches of DEMO, nothing changing: {total} searches in {} ticks ({quiet:?})",
            quiet.detector
        );
        assert_eq!(
            (quiet.own_incremental, quiet.reevaluations),
            (0, 0),
            "{profile}: {quiet:?}"
        );
        // What is left besides the detector is each watch's id-only pass, every fifth tick.
        assert!(total <= 4 * quiet.detector, "{profile}: {quiet:?}");

        // Another client labels an issue of the "To Do" list.
        let edited = clients[1].2[0].clone();
        let mut editor = d.client(Framing::Ndjson);
        let start = world.search_jqls().len();
        editor.result(
            "issues/update",
            json!({"key": edited, "labels": ["watched"]}),
        );
        let mut told = Vec::new();
        for (n, (c, watch_id, listed)) in clients.iter_mut().enumerate() {
            let labels = DEMO_QUERIES[n].contains("labels");
            if !labels && !listed.contains(&edited) {
                continue;
            }
            let change = next_change(c);
            assert_eq!(&change["watchId"], watch_id, "{profile}");
            let (added, changed) = if labels {
                (vec![edited.as_str()], vec![])
            } else {
                (vec![], vec![edited.as_str()])
            };
            assert_eq!(
                keys(&change["added"]),
                added,
                "{profile} {}",
                DEMO_QUERIES[n]
            );
            assert_eq!(
                keys(&change["changed"]),
                changed,
                "{profile} {}",
                DEMO_QUERIES[n]
            );
            assert!(change["removed"].as_array().unwrap().is_empty(), "{change}");
            told.push(DEMO_QUERIES[n]);
        }
        assert!(told.len() >= 3, "{profile}: {told:?}");
        // The others hear nothing, and no query is asked twice about the same change.
        until("three more ticks", || detector_ticks(&world, start) >= 4);
        for (c, ..) in &mut clients {
            let id = c.request("cache/stats", json!({}));
            let msg = c.recv().expect("reply");
            assert_eq!(msg["id"], json!(id), "{profile}: unexpected message: {msg}");
        }
        let after = classify(&world.search_jqls()[start..]);
        println!("{profile}: one issue edited: {after:?}");
        assert_eq!(
            after.reevaluations,
            DEMO_QUERIES.len(),
            "{profile}: {after:?}"
        );
        assert_eq!(after.own_incremental, 0, "{profile}: {after:?}");
    }
}
