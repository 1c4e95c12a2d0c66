//! Worklogs through the real daemon on Jira Cloud and Data Center: RFC 3339 times turned into
//! Jira's one accepted format, the remaining estimate adjusted, edits keeping what they leave
//! out, and the refusals.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use support::jira::JiraWorld;
use support::{Framing, SocketClient};

fn remaining(c: &mut SocketClient, profile: &str, key: &str) -> Value {
    let got = c.result_as(
        profile,
        "issues/get",
        json!({"key": key, "fields": ["timetracking"]}),
    );
    got["fields"]["timetracking"]["remainingEstimate"].clone()
}

#[test]
fn work_is_logged_changed_and_deleted_with_the_estimate_following_on_both_flavours() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    for (profile, key) in [("cloud", "DEMO-8"), ("dc", "DEMO-9")] {
        c.result_as(
            profile,
            "issues/update",
            json!({"key": key, "fields": {"timetracking": {"remainingEstimate": "1d"}}}),
        );
        assert_eq!(remaining(&mut c, profile, key), "1d", "{profile}");
        let logged = c.result_as(profile,
            "worklogs/add",
            json!({"key": key, "timeSpent": "1h 30m", "started": "2026-12-07T09:30:00+01:00", "comment": "fixed **it**"}),
        );
        assert_eq!(
            logged["started"], "2026-12-07T09:30:00.000+0100",
            "{profile}"
        );
        assert_eq!(logged["timeSpentSeconds"], 5400, "{profile}");
        assert_eq!(logged["comment"], "fixed **it**\n", "{profile}");
        assert_eq!(logged["author"]["displayName"], "Alex Morgan", "{profile}");
        assert_eq!(remaining(&mut c, profile, key), "6h 30m", "{profile}: auto");

        let id = logged["id"].as_str().expect("id").to_owned();
        let changed = c.result_as(
            profile,
            "worklogs/update",
            json!({"key": key, "id": id, "timeSpent": "2h", "adjustEstimate": "leave"}),
        );
        assert_eq!(changed["timeSpentSeconds"], 7200, "{profile}");
        assert_eq!(changed["comment"], "fixed **it**\n", "{profile}: kept");
        assert_eq!(remaining(&mut c, profile, key), "6h 30m", "{profile}: left");
        let all = c.result_as(profile, "worklogs/list", json!({"key": key}));
        assert_eq!(
            (all["total"].as_u64(), all["timeSpentSeconds"].as_u64()),
            (Some(1), Some(7200))
        );

        let before = w.count_requests("POST", "/worklog");
        let bad = c.call_as(
            profile,
            "worklogs/add",
            json!({"key": key, "timeSpent": "1h", "started": "yesterday"}),
        );
        assert_eq!(
            bad["error"]["data"]["errors"]["started"],
            "'yesterday' is not a time like 2026-12-07T09:30:00+01:00",
            "{bad}"
        );
        assert_eq!(w.count_requests("POST", "/worklog"), before, "nothing sent");
        let tiny = c.call_as(
            profile,
            "worklogs/add",
            json!({"key": key, "timeSpent": "10s"}),
        );
        assert_eq!(tiny["error"]["data"]["kind"], "invalidFields", "{tiny}");
        let manual = c.call_as(
            profile,
            "worklogs/update",
            json!({"key": key, "id": id, "timeSpent": "3h", "adjustEstimate": "manual"}),
        );
        assert_eq!(
            manual["error"]["data"]["errors"]["adjustEstimate"],
            "Manual adjustment of remaining estimate not allowed when editing a worklog"
        );

        c.result_as(profile, "worklogs/delete", json!({"key": key, "id": id}));
        // 6h 30m left, and the 2h the worklog held given back.
        assert_eq!(
            remaining(&mut c, profile, key),
            "1d 30m",
            "{profile}: given back"
        );
        assert_eq!(
            c.result_as(profile, "worklogs/list", json!({"key": key}))["total"],
            0
        );
        let gone = c.call_as(profile, "worklogs/delete", json!({"key": key, "id": id}));
        assert_eq!(gone["error"]["data"]["kind"], "notFound", "{gone}");
    }
}
