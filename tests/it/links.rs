//! Links between issues and to the web through the real daemon, on Jira Cloud and Data Center:
//! the direction of a link whichever phrase names it, reading links from either end, the cache
//! seeing each write, remote links replaced by globalId, and the refusals.

#![cfg(unix)]

use crate::support;

use serde_json::json;
use support::jira::JiraWorld;
use support::{Framing, SocketClient};

/// `(phrase, other issue)` of each link of `key`, read from its side.
fn links(c: &mut SocketClient, profile: &str, key: &str) -> Vec<(String, String)> {
    let all = c.result_as(profile, "links/list", json!({"key": key}));
    all["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| {
            (
                l["phrase"].as_str().unwrap_or_default().to_owned(),
                l["issue"]["key"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn links_read_the_same_whichever_phrase_made_them_on_both_flavours() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (profile, [a, b, x]) in [
        ("cloud", ["DEMO-1", "DEMO-4", "DEMO-5"]),
        ("dc", ["OPS-1", "OPS-2", "OPS-3"]),
    ] {
        let types = c.result_as(profile, "links/types", json!({}));
        assert!(
            types.as_array().expect("types").contains(
                &json!({"id": "10000", "name": "Blocks", "outward": "blocks", "inward": "is blocked by"})
            ),
            "{profile}: {types}"
        );
        // Read into the cache first: the link must show through it afterwards.
        c.result_as(
            profile,
            "issues/get",
            json!({"key": b, "fields": ["issuelinks"]}),
        );

        let made = c.result_as(
            profile,
            "links/create",
            json!({"from": a, "type": "Blocks", "to": b, "comment": "blocking **this**"}),
        );
        assert_eq!(
            (made["phrase"].as_str(), made["issue"]["key"].as_str()),
            (Some("blocks"), Some(b))
        );
        // The inward phrase names the same link the other way round: x is blocked by a.
        c.result_as(
            profile,
            "links/create",
            json!({"from": x, "type": "is blocked by", "to": a}),
        );
        let mut from_a = links(&mut c, profile, a);
        from_a.sort();
        assert_eq!(
            from_a,
            [
                ("blocks".to_owned(), b.to_owned()),
                ("blocks".to_owned(), x.to_owned())
            ],
            "{profile}"
        );
        assert_eq!(
            links(&mut c, profile, b),
            [("is blocked by".to_owned(), a.to_owned())]
        );
        let cached = c.result_as(
            profile,
            "issues/get",
            json!({"key": b, "fields": ["issuelinks"]}),
        );
        assert_eq!(
            cached["cache"]["hit"], false,
            "{profile}: the write evicted {b}"
        );
        let comments = c.result_as(profile, "issues/comments", json!({"key": b, "limit": 1000}));
        assert!(
            comments["comments"]
                .as_array()
                .expect("comments")
                .iter()
                .any(|m| m["body"] == "blocking **this**\n"),
            "{profile}: the link's comment is on {b}"
        );

        let unknown = c.call_as(
            profile,
            "links/create",
            json!({"from": a, "type": "causes", "to": b}),
        );
        assert_eq!(
            unknown["error"]["data"]["kind"], "invalidFields",
            "{unknown}"
        );
        assert!(
            unknown["error"]["data"]["errors"]["type"]
                .as_str()
                .is_some_and(|m| m.starts_with(
                    "no link type 'causes'; the site has Blocks (blocks / is blocked by)"
                )),
            "{unknown}"
        );
        let missing = c.call_as(
            profile,
            "links/create",
            json!({"from": a, "type": "Blocks", "to": "NOPE-9"}),
        );
        assert_eq!(missing["error"]["data"]["kind"], "notFound", "{missing}");

        c.result_as(profile, "links/delete", json!({"id": made["id"]}));
        assert_eq!(links(&mut c, profile, b), []);
        let again = c.call_as(profile, "links/delete", json!({"id": made["id"]}));
        assert_eq!(again["error"]["data"]["kind"], "notFound", "{again}");
    }
}

#[test]
fn a_remote_link_with_a_known_global_id_is_replaced_not_doubled() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (profile, key) in [("cloud", "DEMO-2"), ("dc", "DEMO-3")] {
        let first = c.result_as(profile,
            "links/addRemote",
            json!({"key": key, "url": "https://ci.example/1", "title": "Build 1", "globalId": "ci:1"}),
        );
        assert_eq!(first["created"], true, "{profile}");
        let second = c.result_as(profile,
            "links/addRemote",
            json!({"key": key, "url": "https://ci.example/1", "title": "Build 1 passed", "globalId": "ci:1", "summary": "green"}),
        );
        assert_eq!(
            (second["created"].clone(), second["id"].clone()),
            (json!(false), first["id"].clone())
        );
        let all = c.result_as(profile, "links/list", json!({"key": key}));
        assert_eq!(
            all["remote"],
            json!([{"id": first["id"], "globalId": "ci:1", "url": "https://ci.example/1", "title": "Build 1 passed", "summary": "green"}]),
            "{profile}"
        );
        let bad = c.call_as(
            profile,
            "links/addRemote",
            json!({"key": key, "url": "ci/1", "title": "x"}),
        );
        assert_eq!(
            bad["error"]["data"]["errors"]["url"], "not an absolute URL",
            "{bad}"
        );
        c.result_as(
            profile,
            "links/deleteRemote",
            json!({"key": key, "globalId": "ci:1"}),
        );
        assert_eq!(
            c.result_as(profile, "links/list", json!({"key": key}))["remote"],
            json!([])
        );
        let gone = c.call_as(
            profile,
            "links/deleteRemote",
            json!({"key": key, "globalId": "ci:1"}),
        );
        assert_eq!(gone["error"]["data"]["kind"], "notFound", "{gone}");
    }
}
