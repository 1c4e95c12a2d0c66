//! `token_store = "keyring"` through the real daemon (Linux: the kernel keyring): a profile that
//! logs in keeps its tokens in the keyring and none on disk, works after a restart without a new
//! consent, rotates its refresh token there, and `auth/logout` removes the entry so the next
//! daemon needs authorization again. Profile names are unique per run, and entries are removed
//! even when a test fails, because the user keyring outlives the test.
#![cfg(target_os = "linux")]

use crate::support;

use serde_json::{json, Value};
use support::auth::{kind, login, start_in, stop_keeping_dir, tempdir};
use support::jira::JiraWorld;
use support::keyring::KeyringProfile;
use support::Framing;

/// The world's config plus a custom-app profile `name` keeping its tokens in the keyring.
fn config(world: &JiraWorld, name: &str) -> String {
    let profile = world.custom_app_profile(name, &world.redirect_uri);
    world.config(name, &format!("\n{profile}token_store = \"keyring\"\n"))
}

/// The JSON token document in the keyring entry.
fn entry_json(p: &KeyringProfile) -> Value {
    let text = p.read().expect("the profile has a keyring entry");
    serde_json::from_str(&text).expect("the entry is the token JSON")
}

/// Token files (`*.json`) in the daemon's state directory.
fn token_files(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir.join("state/jirad"))
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".json"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_keyring_profile_survives_restarts_writes_no_token_file_and_logout_removes_the_entry() {
    let world = JiraWorld::start();
    let p = KeyringProfile::unique("kr");
    let config = config(&world, &p.name);
    let env = [("RUST_LOG", "trace".to_owned())];
    let d = start_in(tempdir(), &config, &env);
    let mut c = d.client(Framing::Ndjson);
    assert_eq!(c.result("auth/status", json!({}))["state"], "unauthorized");

    login(&mut c, &p.name);
    let first = entry_json(&p);
    assert_eq!(first["client_id"], world.s(&["customApp", "clientId"]));
    assert!(first["refresh_token"].is_string(), "{first}");
    assert_eq!(token_files(d.dir.path()), Vec::<String>::new());
    let issue = c.result("issues/get", json!({"key": "DEMO-1"}));
    assert_eq!(issue["key"], "DEMO-1");

    // A restart: the tokens come back from the keyring, no one consents again.
    drop(c);
    let consents = world.count_requests("GET", "/authorize");
    let dir = stop_keeping_dir(d, false);
    let d = start_in(dir, &config, &env);
    let mut c = d.client(Framing::Ndjson);
    let status = c.result("auth/status", json!({"verify": true}));
    assert_eq!(status["state"], "authorized", "{status}");
    assert_eq!(status["account"]["displayName"], "Alex Morgan");
    let issue = c.result("issues/get", json!({"key": "DEMO-1"}));
    assert_eq!(issue["key"], "DEMO-1");

    // An expired access token is refreshed and the rotated refresh token lands in the keyring.
    world.control("POST", "/__fake/clock", json!({"advanceSeconds": 4000}));
    let status = c.result("auth/status", json!({"verify": true}));
    assert_eq!(status["state"], "authorized", "{status}");
    let rotated = entry_json(&p);
    assert_ne!(rotated["refresh_token"], first["refresh_token"]);
    assert_eq!(world.count_requests("GET", "/authorize"), consents);
    assert_eq!(token_files(d.dir.path()), Vec::<String>::new());

    c.result("auth/logout", json!({}));
    assert!(p.read().is_none(), "logout left the keyring entry");
    drop(c);

    // The next daemon finds nothing and asks for authorization again.
    let dir = stop_keeping_dir(d, false);
    let d = start_in(dir, &config, &env);
    let mut c = d.client(Framing::Ndjson);
    let reply = c.call("issues/get", json!({"key": "DEMO-1"}));
    assert_eq!(kind(&reply), "authRequired", "{reply}");
    assert!(reply["error"]["data"]["authorizationUrl"].is_string());
    drop(c);

    let dir = stop_keeping_dir(d, false);
    let log = std::fs::read_to_string(dir.path().join("jirad.log")).unwrap();
    for t in [&first, &rotated] {
        for key in ["refresh_token", "access_token"] {
            let secret = t[key].as_str().unwrap();
            assert!(
                !log.contains(secret),
                "a token from the keyring reached the log"
            );
        }
    }
}

#[test]
fn a_corrupt_keyring_entry_fails_the_profile_with_a_message_naming_it() {
    let world = JiraWorld::start();
    let p = KeyringProfile::unique("kr-bad");
    p.write("{ not json canary-keyring-secret");
    let d = start_in(tempdir(), &config(&world, &p.name), &[]);
    let mut c = d.client(Framing::Ndjson);
    let status = c.result("auth/status", json!({}));
    assert_eq!(status["state"], "failed", "{status}");
    let why = status["error"].as_str().unwrap();
    assert!(why.contains(&format!("profile `{}`", p.name)), "{why}");
    assert!(why.contains("corrupt") && !why.contains("canary"), "{why}");
    // The other profiles are unaffected.
    let cloud = c.result("auth/status", json!({"profile": "cloud"}));
    assert_eq!(cloud["state"], "authorized");
}
