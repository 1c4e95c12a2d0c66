//! The login through a real browser: headless Chromium opens the link and clicks Accept on the
//! consent page. Needs `chromium` and `chromedriver` (Debian: `chromium`, `chromium-driver`) and
//! `python3`; without them the test fails under CI and is a no-op elsewhere.

#![cfg(unix)]

use crate::support;

use fake_jira::Options;
use serde_json::json;
use support::auth::wait_notification;
use support::jira::JiraWorld;
use support::Framing;

fn found(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

#[test]
fn headless_chromium_accepts_the_consent_page() {
    let missing: Vec<&str> = ["chromium", "chromedriver", "python3"]
        .into_iter()
        .filter(|p| !found(p))
        .collect();
    if !missing.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install {missing:?} (apt: chromium chromium-driver python3)"
        );
        eprintln!("skipping the browser login: {missing:?} not installed");
        return;
    }
    let world = JiraWorld::start_with(Options::default());
    let d = world.daemon("oauth");
    let mut c = d.client(Framing::Ndjson);
    let start = c.result("auth/login", json!({}));
    let url = start["authorizationUrl"].as_str().unwrap();

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/consent.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(url)
        .arg("Authorized as Alex Morgan")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "browser login failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    wait_notification(&mut c, "auth/didChange", |p| p["state"] == "authorized");
    let status = c.result("auth/status", json!({"verify": true}));
    assert_eq!(status["account"]["displayName"], "Alex Morgan");
}
