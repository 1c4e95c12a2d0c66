//! Issue methods on Jira Cloud through OAuth (the Atlassian gateway, `/ex/jira/{cloudId}`), the
//! profile authorized by the user through the `authRequired` link, as in real use.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use support::jira::JiraWorld;
use support::{Daemon, Framing};

/// A daemon whose `oauth` profile the user has authorized: the first call's `authRequired` link
/// is followed as a browser would (the fake approves at once and redirects to the daemon's
/// loopback callback, which exchanges the code).
fn authorized_daemon(world: &JiraWorld) -> Daemon {
    let d = world.daemon("oauth");
    let mut c = d.client(Framing::Ndjson);
    let reply = c.call("issues/get", json!({"key": "OPS-1"}));
    assert_eq!(reply["error"]["data"]["kind"], "authRequired", "{reply}");
    let url = reply["error"]["data"]["authorizationUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let consent = http.get(&url).send().await.unwrap();
        assert_eq!(consent.status().as_u16(), 302);
        let callback = consent.headers()["location"].to_str().unwrap().to_owned();
        let done = http.get(&callback).send().await.unwrap();
        assert!(done.status().is_success(), "{}", done.status());
    });
    d
}

fn keys(list: &Value) -> Vec<&str> {
    list["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect()
}

#[test]
fn oauth_cloud_round_trip_through_the_gateway() {
    let world = JiraWorld::start();
    let d = authorized_daemon(&world);
    let mut c = d.client(Framing::Ndjson);
    let created = c.result(
        "issues/create",
        json!({"project": "OPS", "type": "Task", "summary": "Via OAuth", "description": "*hi*"}),
    );
    let key = created["key"].as_str().unwrap().to_owned();
    let gateway = format!("/ex/jira/{}/rest/api/3/issue", world.s(&["cloudId"]));
    assert_eq!(
        world.count_requests("POST", &gateway),
        1,
        "went through the gateway"
    );
    let listed = c.result("issues/list", json!({"project": "OPS"}));
    assert!(keys(&listed).contains(&key.as_str()));
    let updated = c.result(
        "issues/update",
        json!({"key": key, "summary": "Via OAuth, renamed"}),
    );
    assert_eq!(updated["summary"], "Via OAuth, renamed");
    let got = c.result("issues/get", json!({"key": key}));
    assert_eq!(got["summary"], "Via OAuth, renamed");
    assert_eq!(got["description"].as_str().map(str::trim_end), Some("*hi*"));
    c.result("issues/delete", json!({"key": key}));
    let gone = c.call("issues/get", json!({"key": key}));
    assert_eq!(gone["error"]["data"]["kind"], "notFound", "{gone}");
}
