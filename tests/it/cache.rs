//! The shared cache as clients see it, against the fake: hits and misses with their age, the
//! `fresh` bypass, coalescing of identical reads over many connections, reads after writes,
//! stale answers while Jira fails, field supersets, the byte budget, `cache/clear`.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use std::time::Duration;
use support::jira::JiraWorld;
use support::{Daemon, Framing, SocketClient};

/// Retries of a failing Jira take milliseconds, not seconds.
const QUICK_RETRIES: &str = "[jira]\nretry_base_ms = 1\n";

fn daemon(world: &JiraWorld, cache_toml: &str) -> Daemon {
    let extra = format!("{QUICK_RETRIES}[cache]\n{cache_toml}\n");
    Daemon::start_with(&[], Some(&world.config("cloud", &extra)))
}

fn get(c: &mut SocketClient, params: Value) -> Value {
    c.result("issues/get", params)
}

fn hit(v: &Value) -> bool {
    v["cache"]["hit"].as_bool().expect("cache info")
}

fn issue_gets(world: &JiraWorld, key: &str) -> usize {
    world.count_requests("GET", &format!("/issue/{key}"))
}

#[test]
fn hit_miss_age_and_fresh_bypass() {
    let world = JiraWorld::start();
    let d = daemon(&world, "");
    let mut c = d.client(Framing::Ndjson);
    let first = get(&mut c, json!({"key": "DEMO-1"}));
    assert!(!hit(&first));
    assert_eq!(first["cache"]["ageMs"], 0);
    assert_eq!(first["cache"]["stale"], false);
    std::thread::sleep(Duration::from_millis(20));
    let second = get(&mut c, json!({"key": "DEMO-1"}));
    assert!(hit(&second));
    assert!(second["cache"]["ageMs"].as_u64().unwrap() >= 20, "{second}");
    assert_eq!(second["summary"], first["summary"]);
    assert_eq!(issue_gets(&world, "DEMO-1"), 1);

    let fresh = get(&mut c, json!({"key": "DEMO-1", "fresh": true}));
    assert!(!hit(&fresh));
    assert_eq!(issue_gets(&world, "DEMO-1"), 2);
    // The fresh answer refilled the cache.
    let after = get(&mut c, json!({"key": "DEMO-1"}));
    assert!(hit(&after));
    assert!(
        after["cache"]["ageMs"].as_u64().unwrap()
            < second["cache"]["ageMs"].as_u64().unwrap() + 1000
    );

    let stats = c.result("cache/stats", json!({}));
    assert_eq!(
        (stats["hits"].as_u64(), stats["misses"].as_u64()),
        (Some(2), Some(2)),
        "{stats}"
    );
    assert_eq!(stats["issues"]["entries"], 1);
    assert!(stats["issues"]["bytes"].as_u64().unwrap() > 100);
}

#[test]
fn a_field_superset_is_a_miss_and_a_subset_a_hit() {
    let world = JiraWorld::start();
    let d = daemon(&world, "");
    let mut c = d.client(Framing::Ndjson);
    assert!(!hit(&get(
        &mut c,
        json!({"key": "DEMO-2", "fields": ["summary"]})
    )));
    let wider = get(
        &mut c,
        json!({"key": "DEMO-2", "fields": ["summary", "labels"]}),
    );
    assert!(!hit(&wider), "{wider}");
    assert!(wider["labels"].is_array());
    assert_eq!(issue_gets(&world, "DEMO-2"), 2);
    assert!(hit(&get(
        &mut c,
        json!({"key": "DEMO-2", "fields": ["labels"]})
    )));
    assert_eq!(issue_gets(&world, "DEMO-2"), 2);
}

#[test]
fn identical_concurrent_lists_over_many_connections_make_one_search() {
    let world = JiraWorld::start();
    // Each search takes long enough for every call to arrive while it is in flight.
    world.control("POST", "/config", json!({"latencyMs": 400}));
    let d = daemon(&world, "");
    let mut clients: Vec<SocketClient> = (0..20).map(|_| d.client(Framing::Ndjson)).collect();
    let params = json!({"project": "DEMO", "status": "To Do"});
    let mut ids = Vec::new();
    for c in &mut clients {
        ids.push(
            (0..5)
                .map(|_| c.request("issues/list", params.clone()))
                .collect::<Vec<_>>(),
        );
    }
    let mut lists = Vec::new();
    for (c, ids) in clients.iter_mut().zip(ids) {
        for _ in ids {
            let reply = c.recv().expect("reply");
            assert!(reply.get("error").is_none(), "{reply}");
            lists.push(reply["result"]["issues"].clone());
        }
    }
    assert_eq!(lists.len(), 100);
    assert!(lists.iter().all(|l| *l == lists[0]));
    assert!(!lists[0].as_array().unwrap().is_empty());
    assert_eq!(world.count_requests("POST", "/search/jql"), 1);
    let stats = clients[0].result("cache/stats", json!({}));
    assert_eq!(
        stats["hits"].as_u64().unwrap() + stats["misses"].as_u64().unwrap(),
        100
    );
    assert_eq!(
        stats["misses"].as_u64().unwrap() - stats["coalesced"].as_u64().unwrap(),
        1,
        "{stats}"
    );
}

#[test]
fn reads_after_writes_through_the_daemon_see_them() {
    let world = JiraWorld::start();
    let d = daemon(&world, "");
    let mut c = d.client(Framing::Ndjson);
    let list = |c: &mut SocketClient| c.result("issues/list", json!({"project": "DEMO"}));
    let before = list(&mut c);
    assert!(hit(&list(&mut c)));
    let created = c.result(
        "issues/create",
        json!({"project": "DEMO", "type": "Task", "summary": "Fresh from the daemon"}),
    );
    let key = created["key"].as_str().unwrap().to_owned();
    let after = list(&mut c);
    let keys: Vec<&str> = after["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert!(keys.contains(&key.as_str()), "{key} not in {keys:?}");
    assert_eq!(
        after["issues"].as_array().unwrap().len(),
        before["issues"].as_array().unwrap().len() + 1
    );

    assert!(!hit(&get(&mut c, json!({"key": "DEMO-3"}))));
    assert!(hit(&get(&mut c, json!({"key": "DEMO-3"}))));
    c.result(
        "issues/update",
        json!({"key": "DEMO-3", "summary": "Renamed here"}),
    );
    let read = get(&mut c, json!({"key": "DEMO-3"}));
    assert_eq!(read["summary"], "Renamed here");
}

#[test]
fn stale_answers_while_jira_fails() {
    let world = JiraWorld::start();
    // Entries expire at once; expired ones may answer for an hour while Jira fails.
    let d = daemon(&world, "issue_ttl = 0\nstale_max = 3600");
    let mut c = d.client(Framing::Ndjson);
    let first = get(&mut c, json!({"key": "DEMO-4"}));
    assert!(!hit(&first));
    world.control(
        "POST",
        "/faults",
        json!({"pathContains": "/issue/DEMO-4", "action": "status", "status": 503, "count": 0, "omitRetryAfter": true}),
    );
    let stale = get(&mut c, json!({"key": "DEMO-4"}));
    assert!(hit(&stale));
    assert_eq!(stale["cache"]["stale"], true);
    assert_eq!(stale["summary"], first["summary"]);
    // Never cached: the error reaches the client.
    world.control(
        "POST",
        "/faults",
        json!({"pathContains": "/issue/DEMO-5", "action": "status", "status": 503, "count": 0, "omitRetryAfter": true}),
    );
    let reply = c.call("issues/get", json!({"key": "DEMO-5"}));
    assert_eq!(
        reply["error"]["data"]["kind"], "upstreamUnavailable",
        "{reply}"
    );
    let stats = c.result("cache/stats", json!({}));
    assert_eq!(stats["staleAnswers"], 1);

    world.control("DELETE", "/faults", json!(null));
    let recovered = get(&mut c, json!({"key": "DEMO-4"}));
    assert_eq!(recovered["cache"]["stale"], false);
    assert!(!hit(&recovered));
}

#[test]
fn the_byte_budget_evicts_least_recently_used_and_clear_empties() {
    let world = JiraWorld::start();
    let budget = 6000;
    let d = daemon(&world, &format!("max_bytes = {budget}"));
    let mut c = d.client(Framing::Ndjson);
    for n in 1..=12 {
        get(&mut c, json!({"key": format!("DEMO-{n}")}));
        // Keeps DEMO-1 recently used.
        assert!(hit(&get(&mut c, json!({"key": "DEMO-1"}))) || n == 1);
    }
    let stats = c.result("cache/stats", json!({}));
    let (entries, bytes) = (
        stats["issues"]["entries"].as_u64().unwrap(),
        stats["issues"]["bytes"].as_u64().unwrap(),
    );
    assert!(bytes <= budget, "{stats}");
    assert!((2..12).contains(&entries), "{stats}");
    assert!(hit(&get(&mut c, json!({"key": "DEMO-12"}))));
    assert!(hit(&get(&mut c, json!({"key": "DEMO-1"}))));
    assert!(
        !hit(&get(&mut c, json!({"key": "DEMO-2"}))),
        "the oldest unused entry went first"
    );

    let reply = c.call("cache/clear", json!({"profile": "nope"}));
    assert_eq!(reply["error"]["data"]["kind"], "notFound");
    let cleared = c.result("cache/clear", json!({"profile": "cloud"}));
    assert!(cleared["entries"].as_u64().unwrap() >= 2, "{cleared}");
    let stats = c.result("cache/stats", json!({}));
    assert_eq!(stats["issues"]["entries"], 0);
    assert!(!hit(&get(&mut c, json!({"key": "DEMO-1"}))));
}

/// The metadata a create is checked against (createmeta) lives in the shared cache: a second
/// create reuses it, and `cache/clear` forgets it like everything else, so a screen changed in
/// Jira is seen at once after a clear.
#[test]
fn create_metadata_is_cached_once_and_cleared_with_the_cache() {
    let world = JiraWorld::start();
    let d = daemon(&world, "");
    let mut c = d.client(Framing::Ndjson);
    let createmeta = || world.count_requests("GET", "/issue/createmeta/DEMO");
    let create = |c: &mut SocketClient, summary: &str| {
        c.result(
            "issues/create",
            json!({"project": "DEMO", "type": "Task", "summary": summary}),
        )
    };
    create(&mut c, "first");
    let fetched = createmeta();
    assert!(fetched >= 2, "the types and the Task screen: {fetched}");
    create(&mut c, "second");
    assert_eq!(createmeta(), fetched, "the second create reuses them");
    let stats = c.result("cache/stats", json!({}));
    assert!(
        stats["meta"]["entries"].as_u64().unwrap_or(0) >= 2
            && stats["meta"]["bytes"].as_u64().unwrap_or(0) > 0,
        "counted as the daemon's metadata: {stats}"
    );
    c.result("cache/clear", json!({}));
    create(&mut c, "third");
    assert_eq!(createmeta(), 2 * fetched, "refetched after cache/clear");
}

/// An issue's worklogs, links, changelog page and status history: the second read is the
/// cache's (no request reaches Jira), and a write through the daemon makes the next one fresh.
#[test]
fn an_issues_worklogs_links_and_history_are_read_once_until_a_write_through_the_daemon() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for profile in ["cloud", "dc"] {
        let new = |c: &mut SocketClient, summary: &str| {
            let made = c.result_as(
                profile,
                "issues/create",
                json!({"project": "OPS", "type": "Task", "summary": summary}),
            );
            made["key"].as_str().expect("key").to_owned()
        };
        let key = new(&mut c, &format!("{profile}: cached parts"));
        let other = new(&mut c, &format!("{profile}: linked"));
        let reads = [
            ("worklogs/list", json!({"key": key})),
            ("links/list", json!({"key": key})),
            ("issues/changelog", json!({"key": key})),
            ("issues/statusHistory", json!({"key": key})),
        ];
        let mut first = Vec::new();
        for (method, params) in &reads {
            first.push(c.result_as(profile, method, params.clone()));
        }
        // The current status's time runs on: compare without it.
        let timeless = |mut v: Value| {
            if let Some(periods) = v["periods"].as_array_mut() {
                periods.iter_mut().for_each(|p| p["ms"] = Value::Null);
            }
            v["totals"] = Value::Null;
            v
        };
        let before = w.fake.requests().len();
        for ((method, params), was) in reads.iter().zip(&first) {
            assert_eq!(
                timeless(c.result_as(profile, method, params.clone())),
                timeless(was.clone()),
                "{method}"
            );
        }
        assert_eq!(
            w.fake.requests().len(),
            before,
            "{profile}: every second read came from the cache"
        );
        let mut fresh = reads[0].1.clone();
        fresh["fresh"] = json!(true);
        c.result_as(profile, "worklogs/list", fresh);
        assert_eq!(
            w.fake.requests().len(),
            before + 1,
            "{profile}: fresh asks Jira"
        );

        // Someone changes the issue in Jira. Once the daemon reads the issue again, the parts it
        // read before that change are read again too, then kept.
        let (status, body) = w.control(
            "PATCH",
            &format!("/issues/{key}"),
            json!({"fields": {"summary": "changed in Jira"}}),
        );
        assert_eq!(status, 200, "{body}");
        let unaware = w.fake.requests().len();
        c.result_as(profile, "worklogs/list", json!({"key": key}));
        assert_eq!(w.fake.requests().len(), unaware, "{profile}: not known yet");
        c.result_as(profile, "issues/get", json!({"key": key, "fresh": true}));
        let aware = w.fake.requests().len();
        for _ in 0..2 {
            c.result_as(profile, "worklogs/list", json!({"key": key}));
        }
        assert_eq!(
            w.fake.requests().len(),
            aware + 1,
            "{profile}: read again once the issue's updated moved"
        );

        c.result_as(
            profile,
            "worklogs/add",
            json!({"key": key, "timeSpent": "1h"}),
        );
        let logged = c.result_as(profile, "worklogs/list", json!({"key": key}));
        assert_eq!(
            logged["worklogs"].as_array().map(Vec::len),
            Some(1),
            "{profile}"
        );

        c.result_as(
            profile,
            "links/create",
            json!({"from": key, "type": "Blocks", "to": other}),
        );
        let links = c.result_as(profile, "links/list", json!({"key": key}));
        assert_eq!(links["links"][0]["issue"]["key"], json!(other), "{profile}");
        assert_eq!(links["links"][0]["issue"]["status"], "To Do");
        // The linked issue moves on: the link shows it, though only the other issue was written.
        c.result_as(
            profile,
            "issues/transition",
            json!({"key": other, "to": "In Progress"}),
        );
        let links = c.result_as(profile, "links/list", json!({"key": key}));
        assert_eq!(
            links["links"][0]["issue"]["status"], "In Progress",
            "{profile}"
        );

        c.result_as(
            profile,
            "issues/transition",
            json!({"key": key, "to": "In Progress"}),
        );
        let history = c.result_as(profile, "issues/statusHistory", json!({"key": key}));
        let statuses: Vec<&str> = history["periods"]
            .as_array()
            .expect("periods")
            .iter()
            .filter_map(|p| p["status"].as_str())
            .collect();
        assert_eq!(statuses, ["To Do", "In Progress"], "{profile}: {history}");
        let page = c.result_as(profile, "issues/changelog", json!({"key": key}));
        assert_ne!(page, first[2], "{profile}: the changelog page is fresh");
    }
}
