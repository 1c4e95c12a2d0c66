//! Authorization at run time: `authRequired` with the link and the notification to the right
//! connections, held calls (`waitForAuthorization`), single-flight refresh, rotation and the reuse
//! leeway, `invalid_grant`, and a daemon killed in the middle of a refresh.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use support::auth::{
    browse, kind, login, start_in, stop_keeping_dir, tempdir, token_file, wait_notification,
};
use support::jira::JiraWorld;
use support::{Framing, SocketClient};

fn initialize(c: &mut SocketClient, profile: &str, capabilities: Value) {
    c.result(
        "initialize",
        json!({"profile": profile, "capabilities": capabilities}),
    );
}

#[test]
fn a_user_authorized_profile_gives_the_link_and_a_held_call_completes_after_consent() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut a = d.client(Framing::Ndjson);
    initialize(&mut a, "oauth", json!({}));
    let mut other = d.client(Framing::Ndjson);
    initialize(&mut other, "cloud", json!({}));
    let mut waiter = d.client(Framing::Lsp);
    initialize(
        &mut waiter,
        "oauth",
        json!({"auth": {"waitForAuthorization": true}}),
    );

    let reply = a.call("auth/status", json!({"verify": true}));
    assert_eq!(kind(&reply), "authRequired", "{reply}");
    let data = &reply["error"]["data"];
    assert_eq!(data["profile"], "oauth");
    let url = data["authorizationUrl"].as_str().unwrap().to_owned();
    let pushed = wait_notification(&mut a, "auth/authorizationRequired", |_| true);
    assert_eq!(pushed, json!({"profile": "oauth", "authorizationUrl": url}));

    // The waiter's call is held; the same link (a login is already pending) is pushed to it.
    let id = waiter.request("auth/status", json!({"verify": true}));
    let pushed = wait_notification(&mut waiter, "auth/authorizationRequired", |_| true);
    assert_eq!(pushed["authorizationUrl"], url);
    let landing = browse(&url);
    assert_eq!(landing.status, 200, "{}", landing.body);
    let reply = loop {
        let msg = waiter.recv().expect("reply");
        if msg["id"] == id {
            break msg;
        }
    };
    assert_eq!(
        reply["result"]["account"]["displayName"], "Alex Morgan",
        "{reply}"
    );

    // A connection on another profile saw the state change but was never asked to authorize.
    let id = other.request("daemon/status", json!(null));
    loop {
        let msg = other.recv().expect("reply");
        assert_ne!(msg["method"], "auth/authorizationRequired", "{msg}");
        if msg["id"] == id {
            break;
        }
    }
}

#[test]
fn a_held_call_times_out_with_auth_required() {
    let world = JiraWorld::start();
    let d = world.daemon("oauth");
    let mut c = d.client(Framing::Ndjson);
    initialize(
        &mut c,
        "oauth",
        json!({"auth": {"waitForAuthorization": true, "waitTimeoutMs": 200}}),
    );
    let reply = c.call("auth/status", json!({"verify": true}));
    assert_eq!(kind(&reply), "authRequired", "{reply}");
    assert!(reply["error"]["data"]["authorizationUrl"].is_string());
}

/// The number of token requests the fake has served so far.
fn token_requests(world: &JiraWorld) -> usize {
    world.count_requests("POST", "/oauth/token")
}

#[test]
fn a_hundred_concurrent_calls_with_an_expired_token_refresh_once_and_rotate() {
    let world = JiraWorld::start();
    let d = world.daemon("oauth");
    let mut c = d.client(Framing::Ndjson);
    login(&mut c, "oauth");
    let before = token_file(d.dir.path(), "oauth");
    let exchanges = token_requests(&world);

    world.control("POST", "/__fake/clock", json!({"advanceSeconds": 4000}));
    let mut clients: Vec<SocketClient> = (0..4).map(|_| d.client(Framing::Ndjson)).collect();
    let mut ids = Vec::new();
    for (n, cl) in clients.iter_mut().enumerate() {
        for _ in 0..25 {
            ids.push((n, cl.request("auth/status", json!({"verify": true}))));
        }
    }
    for (n, cl) in clients.iter_mut().enumerate() {
        let mut left = ids.iter().filter(|(m, _)| *m == n).count();
        while left > 0 {
            let msg = cl.recv().expect("reply");
            if msg.get("id").is_some() {
                assert_eq!(msg["result"]["state"], "authorized", "{msg}");
                left -= 1;
            }
        }
    }
    assert_eq!(token_requests(&world) - exchanges, 1, "exactly one refresh");
    let after = token_file(d.dir.path(), "oauth");
    assert_ne!(
        before["refresh_token"], after["refresh_token"],
        "the rotated refresh token is stored"
    );
}

#[test]
fn a_refresh_whose_answer_was_lost_is_retried_within_the_reuse_leeway() {
    let world = JiraWorld::start();
    let d = world.daemon("oauth");
    let mut c = d.client(Framing::Ndjson);
    login(&mut c, "oauth");
    world.control("POST", "/__fake/clock", json!({"advanceSeconds": 4000}));
    // Atlassian rotates the token, but the answer never arrives.
    world.control(
        "POST",
        "/__fake/faults",
        json!({"method": "POST", "pathContains": "/oauth/token", "action": "resetAfter", "count": 1}),
    );
    let lost = c.call("auth/status", json!({"verify": true}));
    assert!(lost.get("error").is_some(), "{lost}");
    assert_ne!(
        kind(&lost),
        "authRequired",
        "a lost answer is no reason to re-consent: {lost}"
    );
    // The old refresh token is still good for the leeway: the next call just works.
    let status = c.result("auth/status", json!({"verify": true}));
    assert_eq!(status["account"]["displayName"], "Alex Morgan");
}

#[test]
fn invalid_grant_makes_the_profile_unauthorized_with_a_fresh_link() {
    let world = JiraWorld::start();
    let d = world.daemon("oauth");
    let mut c = d.client(Framing::Ndjson);
    login(&mut c, "oauth");
    c.result("auth/status", json!({"verify": true}));
    let tokens = token_file(d.dir.path(), "oauth");
    world.control(
        "POST",
        "/__fake/revoke",
        json!({"refreshToken": tokens["refresh_token"]}),
    );
    // Mid-call: the gateway rejects the access token, the refresh gets invalid_grant.
    let refreshes = token_requests(&world);
    let reply = c.call("auth/status", json!({"verify": true}));
    assert_eq!(token_requests(&world) - refreshes, 1, "no retry loop");
    assert_eq!(kind(&reply), "authRequired", "{reply}");
    assert_eq!(reply["error"]["data"]["profile"], "oauth");
    let url = reply["error"]["data"]["authorizationUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("no link: {reply}"))
        .to_owned();
    let pushed = wait_notification(&mut c, "auth/authorizationRequired", |_| true);
    assert_eq!(pushed["authorizationUrl"], url);
    assert_eq!(c.result("auth/status", json!({}))["state"], "pending");
    browse(&url);
    wait_notification(&mut c, "auth/didChange", |p| p["state"] == "authorized");
    c.result("auth/status", json!({"verify": true}));
}

#[test]
fn a_daemon_killed_during_a_refresh_still_has_a_working_profile_after_restart() {
    let world = JiraWorld::start();
    let config = world.config("oauth", "");
    let d = start_in(tempdir(), &config, &[]);
    let mut c = d.client(Framing::Ndjson);
    login(&mut c, "oauth");
    world.control("POST", "/__fake/clock", json!({"advanceSeconds": 4000}));
    world.control(
        "POST",
        "/__fake/faults",
        json!({"method": "POST", "pathContains": "/oauth/token", "action": "delay", "delayMs": 1500, "count": 1}),
    );
    c.request("auth/status", json!({"verify": true}));
    // Give the refresh time to reach the fake, which holds it. Not a timing assertion: killed
    // before sending, the old token is simply still current; killed while the fake holds the
    // request, the rotation may or may not happen, and either way the stored refresh token must
    // still work (the reuse leeway covers a rotation the daemon never saw).
    std::thread::sleep(std::time::Duration::from_millis(500));
    let dir = stop_keeping_dir(d, true);
    let d = start_in(dir, &config, &[]);
    let mut c = d.client(Framing::Ndjson);
    let status = c.result("auth/status", json!({"verify": true}));
    assert_eq!(status["state"], "authorized");
    assert_eq!(status["account"]["displayName"], "Alex Morgan");
}

#[test]
fn a_cached_issue_is_not_served_once_the_profile_lost_its_tokens_or_logged_out() {
    let world = JiraWorld::start();
    let d = world.daemon("oauth");
    let mut c = d.client(Framing::Ndjson);
    login(&mut c, "oauth");
    let get = json!({"key": "DEMO-1"});
    c.result("issues/get", get.clone());
    assert_eq!(c.result("issues/get", get.clone())["cache"]["hit"], true);
    // Token loss: the refresh is refused, the profile becomes unauthorized.
    let tokens = token_file(d.dir.path(), "oauth");
    world.control(
        "POST",
        "/__fake/revoke",
        json!({"refreshToken": tokens["refresh_token"]}),
    );
    world.control("POST", "/__fake/clock", json!({"advanceSeconds": 4000}));
    let lost = c.call("auth/status", json!({"verify": true}));
    assert_eq!(kind(&lost), "authRequired", "{lost}");
    let reply = c.call("issues/get", get.clone());
    assert_eq!(
        kind(&reply),
        "authRequired",
        "a cached read after token loss: {reply}"
    );

    // Authorized again and cached again, then logged out.
    let url = reply["error"]["data"]["authorizationUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("no link: {reply}"))
        .to_owned();
    browse(&url);
    wait_notification(&mut c, "auth/didChange", |p| p["state"] == "authorized");
    c.result("issues/get", get.clone());
    assert_eq!(c.result("issues/get", get.clone())["cache"]["hit"], true);
    c.result("auth/logout", json!({}));
    let reply = c.call("issues/get", get);
    assert_eq!(kind(&reply), "authRequired", "a read after logout: {reply}");
}

/// A token endpoint slower than the call deadline: the call fails at its deadline naming the
/// host, while the refresh goes on; its rotated pair is saved and used by the next call with no
/// second refresh (under Atlassian's strict rotation a lost pair would mean logging in again).
#[test]
fn a_slow_token_endpoint_fails_the_call_at_its_deadline_and_the_refresh_still_lands() {
    let world = JiraWorld::start();
    let config = world.config("oauth", "\n[jira]\ncall_deadline_ms = 500\n");
    let d = support::Daemon::start_with(&[], Some(&config));
    let mut c = d.client(Framing::Ndjson);
    login(&mut c, "oauth");
    let before = token_file(d.dir.path(), "oauth");
    let exchanges = token_requests(&world);
    world.control("POST", "/__fake/clock", json!({"advanceSeconds": 4000}));
    world.control(
        "POST",
        "/__fake/faults",
        json!({"method": "POST", "pathContains": "/oauth/token", "action": "delay", "delayMs": 2000, "count": 1}),
    );
    let late = c.call("issues/get", json!({"key": "DEMO-1"}));
    assert_eq!(kind(&late), "upstreamUnavailable", "{late}");
    let message = late["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("token endpoint 127.0.0.1 did not answer within 500 ms"),
        "{message}"
    );
    // The refresh finishes on its own and saves the rotated pair.
    let saved = std::time::Instant::now();
    while token_file(d.dir.path(), "oauth")["refresh_token"] == before["refresh_token"] {
        assert!(
            saved.elapsed().as_secs() < 20,
            "the rotated pair was never saved"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let issue = c.result("issues/get", json!({"key": "DEMO-1"}));
    assert_eq!(issue["key"], "DEMO-1");
    assert_eq!(token_requests(&world) - exchanges, 1, "exactly one refresh");
}

/// A token endpoint that cannot be reached: the call fails at once naming the host and the
/// cause, and while its circuit is open further calls fail without trying again (the daemon logs
/// each failed connection; the test counts those lines).
#[test]
fn an_unreachable_token_endpoint_fails_at_once_and_is_not_hammered() {
    let world = JiraWorld::start();
    let port = support::jira::free_port();
    let extra = format!("refresh_url = \"http://127.0.0.1:{port}/oauth/token\"\n");
    let dir = tempdir();
    let log = dir.path().join("jirad.log");
    let log_arg = log.display().to_string();
    let d = support::Daemon::start_with(
        &["--log-file", &log_arg],
        Some(&world.config("oauth", &extra)),
    );
    let tries = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("cannot reach the token endpoint"))
            .count()
    };
    let mut c = d.client(Framing::Ndjson);
    login(&mut c, "oauth");
    world.control("POST", "/__fake/clock", json!({"advanceSeconds": 4000}));

    let first = c.call("issues/get", json!({"key": "DEMO-1"}));
    assert_eq!(kind(&first), "upstreamUnavailable", "{first}");
    let message = first["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("cannot reach the token endpoint 127.0.0.1: ")
            && message.contains("refused")
            && message.contains("the next try is in")
            && !message.contains("http://"),
        "{message}"
    );
    assert_eq!(tries(), 1);
    for _ in 0..5 {
        let again = c.call("issues/get", json!({"key": "DEMO-1"}));
        assert_eq!(kind(&again), "upstreamUnavailable", "{again}");
    }
    assert_eq!(tries(), 1, "the open circuit spared the endpoint");
    // The tokens are kept: nothing here is a reason to log in again.
    let status = c.result("auth/status", json!({"profile": "oauth"}));
    assert_eq!(status["state"], "authorized", "{status}");
}
