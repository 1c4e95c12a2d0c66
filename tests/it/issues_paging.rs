//! `issues/list` over 1,000+ issues: page by page with no gap and no duplicate, and `all: true`
//! gathering every page inside the daemon with `$/progress` for the caller's token.

#![cfg(unix)]

use crate::support;

use fake_jira::Options;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use support::jira::JiraWorld;
use support::{Framing, SocketClient};

fn world() -> JiraWorld {
    JiraWorld::start_with(Options {
        auto_approve: true,
        issues: Some(1000),
        ..Options::default()
    })
}

fn keys(list: &Value) -> Vec<String> {
    list["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["key"].as_str().expect("key").to_owned())
        .collect()
}

/// Pages through DEMO `limit` at a time, checking each key is seen once.
fn page_through(c: &mut SocketClient, limit: u32) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut token = Value::Null;
    for _ in 0..1000 {
        let page = c.result(
            "issues/list",
            json!({"project": "DEMO", "limit": limit, "pageToken": token, "fields": ["summary"]}),
        );
        for k in keys(&page) {
            assert!(seen.insert(k.clone()), "{k} came twice");
        }
        if page["isLast"] == true {
            assert!(page.get("nextPageToken").is_none());
            return seen;
        }
        token = page["nextPageToken"].clone();
        assert!(token.is_string(), "not last but no token: {page}");
    }
    panic!("paging did not end");
}

/// Every DEMO key of the world: 14 seeded, their sub-tasks, and the 1,000 generated.
fn all_demo(c: &mut SocketClient) -> BTreeSet<String> {
    let all = c.result(
        "issues/list",
        json!({"project": "DEMO", "all": true, "fields": ["summary"]}),
    );
    assert_eq!(all["isLast"], true);
    let keys = keys(&all);
    let set: BTreeSet<String> = keys.iter().cloned().collect();
    assert_eq!(set.len(), keys.len(), "no duplicate in all");
    set
}

#[test]
fn cloud_pages_over_a_thousand_issues_without_gap_or_duplicate() {
    let world = world();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let paged = page_through(&mut c, 100);
    assert!(paged.len() > 1000, "{}", paged.len());
    assert_eq!(paged, all_demo(&mut c));
}

#[test]
fn data_center_pages_over_a_thousand_issues_without_gap_or_duplicate() {
    let world = world();
    let d = world.daemon("dc");
    let mut c = d.client(Framing::Ndjson);
    let paged = page_through(&mut c, 250);
    assert!(paged.len() > 1000, "{}", paged.len());
    assert_eq!(paged, all_demo(&mut c));
}

#[test]
fn all_reports_progress_to_the_caller_and_stops_at_the_cap() {
    let world = world();
    let d = support::Daemon::start_with(
        &[],
        Some(&world.config("cloud", "[jira]\nlist_cap = 450\n")),
    );
    let mut c = d.client(Framing::Ndjson);
    let id = c.request(
        "issues/list",
        json!({"all": true, "progressToken": "p1", "fields": ["summary"]}),
    );
    let mut progress = Vec::new();
    let reply = loop {
        let msg = c.recv().expect("reply");
        if msg["method"] == "$/progress" {
            assert_eq!(msg["params"]["token"], "p1");
            progress.push(msg["params"]["value"].clone());
        } else if msg["id"] == id {
            break msg;
        }
    };
    let list = &reply["result"];
    assert_eq!(list["issues"].as_array().unwrap().len(), 450, "the cap");
    assert_eq!(list["isLast"], false, "more exist beyond the cap");
    assert_eq!(progress.first().unwrap()["kind"], "begin");
    assert_eq!(progress.last().unwrap()["kind"], "end");
    assert_eq!(progress.last().unwrap()["done"], 450);
    let reports: Vec<u64> = progress
        .iter()
        .filter(|p| p["kind"] == "report")
        .map(|p| p["done"].as_u64().unwrap())
        .collect();
    assert!(reports.len() >= 4, "one report per page: {reports:?}");
    assert!(reports.windows(2).all(|w| w[0] < w[1]), "{reports:?}");
    // Without a token, no progress is sent.
    let id = c.request("issues/list", json!({"all": true, "fresh": true}));
    let msg = c.recv().expect("reply");
    assert_eq!(msg["id"], id, "only the reply: {msg}");
}
