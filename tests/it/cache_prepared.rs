//! Cached `issues/get` replies the daemon prepares once and sends again: every reply shape
//! (format, field list) asked again and again gives the same issue, each shape stays its own, the
//! prepared replies count in the cache's bytes, and a write shows in the very next read.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use support::jira::JiraWorld;
use support::{Framing, SocketClient};

fn get(c: &mut SocketClient, params: &Value) -> Value {
    c.result("issues/get", params.clone())
}

/// The reply without its `cache` info, which differs per call.
fn issue(mut reply: Value) -> Value {
    let cache = reply.as_object_mut().and_then(|o| o.remove("cache"));
    assert_eq!(
        cache.map(|c| c["hit"].clone()),
        Some(json!(true)),
        "{reply}"
    );
    reply
}

fn issue_bytes(c: &mut SocketClient) -> u64 {
    let stats = c.result("cache/stats", json!({}));
    stats["issues"]["bytes"].as_u64().expect("bytes")
}

#[test]
fn every_shape_asked_again_gives_the_same_issue_and_a_write_shows_at_once() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    // The read-back of the update fills the cache with the default fields.
    c.result(
        "issues/update",
        json!({"key": "DEMO-1", "summary": "Prepared"}),
    );
    let shapes = [
        json!({"key": "DEMO-1"}),
        json!({"key": "DEMO-1", "format": "adf"}),
        json!({"key": "DEMO-1", "format": "both"}),
        json!({"key": "DEMO-1", "fields": ["summary", "status"]}),
        // More shapes than an entry remembers: this one is rendered on every read.
        json!({"key": "demo-1", "fields": ["description"], "format": "adf"}),
    ];
    let first: Vec<Value> = shapes.iter().map(|p| issue(get(&mut c, p))).collect();
    let before = issue_bytes(&mut c);
    for _ in 0..3 {
        for (p, f) in shapes.iter().zip(&first) {
            assert_eq!(&issue(get(&mut c, p)), f, "{p}");
        }
    }
    assert!(issue_bytes(&mut c) > before, "prepared replies count");

    let [md, adf, both, narrow, adf_only] = &first[..] else {
        unreachable!()
    };
    assert!(md["description"].is_string(), "{md}");
    assert_eq!(md["summary"], "Prepared");
    assert!(md.get("descriptionAdf").is_none(), "{md}");
    assert_eq!(adf["descriptionAdf"]["type"], "doc");
    assert!(adf.get("description").is_none(), "{adf}");
    assert!(both.get("description").is_some() && both.get("descriptionAdf").is_some());
    assert_eq!(narrow["status"]["name"], "To Do");
    assert!(
        narrow.get("summary").is_some() && narrow.get("type").is_none(),
        "{narrow}"
    );
    assert!(
        adf_only.get("summary").is_none() && adf_only["descriptionAdf"]["type"] == "doc",
        "{adf_only}"
    );
    assert_eq!(md["key"], "DEMO-1");

    c.result(
        "issues/update",
        json!({"key": "DEMO-1", "summary": "Renamed"}),
    );
    for _ in 0..3 {
        assert_eq!(issue(get(&mut c, &shapes[0]))["summary"], "Renamed");
        assert_eq!(issue(get(&mut c, &shapes[3]))["summary"], "Renamed");
    }
}
