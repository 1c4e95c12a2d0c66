//! A daemon configured with one profile of each kind (API token, PAT, OAuth) starts and serves.

#![cfg(unix)]

use crate::support;

use serde_json::json;
use support::jira::JiraWorld;
use support::Framing;

#[test]
fn a_config_with_every_kind_of_profile_serves() {
    let world = JiraWorld::start();
    let d = world.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let status = c.result("daemon/status", json!(null));
    assert_eq!(status["pid"], d.pid());
}
