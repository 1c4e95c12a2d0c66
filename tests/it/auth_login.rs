//! The OAuth login flow through the daemon: the loopback callback, `state` checks, denied consent,
//! an unregistered callback URL, and a grant covering several sites.

#![cfg(unix)]

use crate::support;

use serde_json::json;
use support::auth::{browse, first_redirect, kind, login, wait_notification};
use support::jira::{free_port, JiraWorld};
use support::Framing;

#[test]
fn login_through_the_loopback_authorizes_the_profile() {
    let world = JiraWorld::start();
    let d = world.daemon("oauth");
    let mut c = d.client(Framing::Ndjson);
    let before = c.result("auth/status", json!({}));
    assert_eq!(before["state"], "unauthorized");
    assert_eq!(before["kind"], "oauth");
    assert_eq!(before["app"], "custom");
    assert_eq!(before["authorization"], "user");

    let start = c.result("auth/login", json!({}));
    let url = start["authorizationUrl"].as_str().unwrap();
    assert!(url.starts_with(&world.s(&["url"])), "{url}");
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    assert_eq!(start["listening"], true);
    assert!(start["expiresAt"].as_str().unwrap().ends_with('Z'));

    let landing = browse(url);
    assert!(
        landing.url.starts_with(&world.redirect_uri),
        "{}",
        landing.url
    );
    assert_eq!(landing.status, 200);
    assert!(
        landing.body.contains("Authorized as Alex Morgan"),
        "{}",
        landing.body
    );
    wait_notification(&mut c, "auth/didChange", |p| {
        p["profile"] == "oauth" && p["state"] == "authorized"
    });

    let status = c.result("auth/status", json!({"verify": true}));
    assert_eq!(status["state"], "authorized");
    assert_eq!(status["account"]["displayName"], "Alex Morgan");
    assert_eq!(status["site"]["id"], world.s(&["cloudId"]));
    assert!(status["accessTokenExpiresAt"].is_string());
    let text = status.to_string();
    assert!(!text.contains("oken\":"), "no token in the status: {text}");
}

#[test]
fn a_wrong_or_replayed_state_is_rejected() {
    let world = JiraWorld::start();
    let d = world.daemon("oauth");
    let mut c = d.client(Framing::Ndjson);
    let start = c.result("auth/login", json!({}));
    let callback = first_redirect(start["authorizationUrl"].as_str().unwrap());
    assert!(callback.contains("state="), "{callback}");

    let forged = regex_replace_state(&callback, "forged-state");
    let wrong = browse(&forged);
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(
        wrong.body.contains("unknown, expired or already used"),
        "{}",
        wrong.body
    );
    assert_eq!(c.result("auth/status", json!({}))["state"], "pending");

    let good = browse(&callback);
    assert_eq!(good.status, 200, "{}", good.body);
    wait_notification(&mut c, "auth/didChange", |p| p["state"] == "authorized");

    // The same redirect again, through auth/complete: the state was single-use.
    let replay = c.call("auth/complete", json!({"redirectUrl": callback}));
    assert_eq!(kind(&replay), "authFailed", "{replay}");
    assert_eq!(c.result("auth/status", json!({}))["state"], "authorized");
}

fn regex_replace_state(url: &str, new: &str) -> String {
    let mut u = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                new.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    u.query_pairs_mut().clear().extend_pairs(pairs);
    u.to_string()
}

#[test]
fn denied_consent_is_a_clear_failure() {
    let world = JiraWorld::start();
    let d = world.daemon("oauth");
    let mut c = d.client(Framing::Ndjson);
    world.control("POST", "/__fake/authorization", json!({"decision": "deny"}));
    world.control("POST", "/__fake/config", json!({"autoApprove": false}));
    let start = c.result("auth/login", json!({}));
    let landing = browse(start["authorizationUrl"].as_str().unwrap());
    assert!(landing.body.contains("denied"), "{}", landing.body);
    let change = wait_notification(&mut c, "auth/didChange", |p| p["state"] == "failed");
    let why = change["error"].as_str().unwrap();
    assert!(why.contains("denied"), "{why}");
    let status = c.result("auth/status", json!({}));
    assert_eq!(status["state"], "failed");
}

#[test]
fn an_unregistered_callback_url_surfaces_atlassians_error() {
    let world = JiraWorld::start();
    let redirect = format!("http://127.0.0.1:{}/callback", free_port());
    let extra = format!("\n{}", world.custom_app_profile("elsewhere", &redirect));
    let d = support::Daemon::start_with(&[], Some(&world.config("elsewhere", &extra)));
    let mut c = d.client(Framing::Ndjson);
    let start = c.result("auth/login", json!({}));
    // Atlassian never redirects to an unregistered callback: the browser ends on its error page.
    let landing = browse(start["authorizationUrl"].as_str().unwrap());
    assert!(landing.url.contains("/error?"), "{}", landing.url);
    let reply = c.call("auth/complete", json!({"redirectUrl": landing.url}));
    assert_eq!(kind(&reply), "authFailed", "{reply}");
    let msg = reply["error"]["message"].as_str().unwrap();
    assert!(msg.contains("Callback URL mismatch"), "{msg}");
}

#[test]
fn several_sites_are_ambiguous_until_one_is_selected() {
    let world = JiraWorld::start();
    let second = "11111111-2222-3333-4444-555555555555";
    world.control("POST", "/__fake/config", json!({"extraSites": [second]}));
    let d = world.daemon("oauth");
    let mut c = d.client(Framing::Ndjson);
    let landing = login(&mut c, "oauth");
    assert!(
        landing.body.contains("Several Jira sites"),
        "{}",
        landing.body
    );

    let reply = c.call("auth/status", json!({"verify": true}));
    assert_eq!(kind(&reply), "siteAmbiguous", "{reply}");
    let listed = reply["error"]["data"]["sites"].as_array().unwrap();
    assert_eq!(listed.len(), 2);

    let sites = c.result("auth/sites", json!({}));
    assert_eq!(sites["sites"].as_array().unwrap().len(), 2);
    let chosen = c.result("auth/selectSite", json!({"site": second}));
    assert_eq!(chosen["site"]["id"], second);
    assert_eq!(chosen["account"]["displayName"], "Alex Morgan");
    let status = c.result("auth/status", json!({"verify": true}));
    assert_eq!(status["site"]["id"], second);

    let unknown = c.call(
        "auth/selectSite",
        json!({"site": "https://nope.atlassian.net"}),
    );
    assert!(unknown.get("error").is_some(), "{unknown}");
}

#[test]
fn a_login_is_finished_with_the_url_the_browser_ended_on() {
    let world = JiraWorld::start();
    let d = world.daemon("oauth");
    let mut c = d.client(Framing::Ndjson);
    let start = c.result("auth/login", json!({"profile": "oauth"}));
    // The browser could not reach the loopback; the user pastes the address bar instead.
    let ended_on = first_redirect(start["authorizationUrl"].as_str().unwrap());
    let status = c.result(
        "auth/complete",
        json!({"profile": "oauth", "redirectUrl": ended_on}),
    );
    assert_eq!(status["state"], "authorized");
    assert_eq!(status["account"]["displayName"], "Alex Morgan");
    wait_notification(&mut c, "auth/didChange", |p| p["state"] == "authorized");
}

#[test]
fn jirad_auth_login_reports_a_denied_consent() {
    use std::io::BufRead;
    let world = JiraWorld::start();
    world.control("POST", "/__fake/authorization", json!({"decision": "deny"}));
    world.control("POST", "/__fake/config", json!({"autoApprove": false}));
    let d = world.daemon("oauth");
    let mut cli = support::jirad(d.dir.path())
        .env("JIRAD_SOCKET", &d.socket)
        .args(["auth", "login", "--no-browser"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(cli.stdout.take().unwrap());
    let url = loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "no link printed");
        if let Some(rest) = line.trim().strip_prefix("http") {
            break format!("http{rest}");
        }
    };
    browse(&url);
    let done = cli.wait_with_output().unwrap();
    assert_eq!(done.status.code(), Some(1));
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(err.contains("login failed for profile `oauth`"), "{err}");
    assert!(err.contains("denied"), "{err}");
}

#[test]
fn jirad_auth_login_json_gives_the_link_then_the_outcome_as_json() {
    use std::io::{BufRead, Read};
    let world = JiraWorld::start();
    let d = world.daemon("oauth");
    let mut cli = support::jirad(d.dir.path())
        .env("JIRAD_SOCKET", &d.socket)
        .args(["auth", "login", "--no-browser", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(cli.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let start: serde_json::Value = serde_json::from_str(&first).expect("the first line is JSON");
    let url = start["authorizationUrl"]
        .as_str()
        .expect("authorizationUrl");
    browse(url);
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let done = cli.wait_with_output().unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let status: serde_json::Value = serde_json::from_str(&rest).expect("then the outcome as JSON");
    assert_eq!(status["state"], "authorized", "{status}");
    assert!(String::from_utf8_lossy(&done.stderr).contains("Waiting for consent"));
}
