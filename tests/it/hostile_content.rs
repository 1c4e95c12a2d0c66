//! Issue text is written by other people: hostile Markdown from a client and hostile wiki markup
//! or ADF from Jira, 100,000 levels deep and megabytes long, through the real daemon against the
//! fake. Each call answers with a result or a clear error, the daemon stays up and keeps answering
//! other clients, and its memory comes back down.

#![cfg(target_os = "linux")]

use crate::support;

use jirad::jira::adf::json_depth;
use serde_json::{json, Value};
use support::auth::kind;
use support::jira::JiraWorld;
use support::{Daemon, Framing};

/// Jira's text field limit, as the fake (like Jira) enforces it.
const LIMIT: usize = 32_767;

fn status_answers(d: &Daemon) {
    let mut c = d.client(Framing::Ndjson);
    assert_eq!(c.result("daemon/status", json!(null))["pid"], d.pid());
}

/// Puts `description` (ADF) on `key` inside the fake, bypassing Jira's own limits, as a broken or
/// hostile upstream would serve it.
fn plant_description(w: &JiraWorld, key: &str, description: Value) {
    let mut inner = w.fake.shared().lock();
    let id = inner.find(key).expect("issue exists");
    inner.issues.get_mut(&id).expect("issue").description = Some(description);
}

fn paragraph(text: &str) -> Value {
    json!({"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": text}]}]})
}

fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

#[test]
fn a_comment_of_nested_bullets_one_line_long_is_posted_flattened_on_both_flavours() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let body = "- ".repeat(5000) + "x";
    for (profile, key) in [("cloud", "DEMO-2"), ("dc", "DEMO-3")] {
        let added = c.call(
            "issues/addComment",
            json!({"profile": profile, "key": key, "body": body}),
        );
        assert!(added.get("result").is_some(), "{profile}: {added}");
        let inner = w.fake.shared().lock();
        let issue = &inner.issues[&inner.find(key).expect("issue")];
        let stored = &issue.comments.last().expect("a comment").body;
        // Flattened to a depth Jira and every reader of it handle, the text kept.
        assert!(
            json_depth(stored) < 100,
            "{profile}: {} levels",
            json_depth(stored)
        );
        assert!(stored.to_string().contains('x'), "{profile}: text lost");
    }
    status_answers(&d);
}

#[test]
fn text_over_jiras_limit_is_refused_before_conversion_and_nothing_changes() {
    let w = JiraWorld::start();
    let d = w.daemon("cloud");
    let mut c = d.client(Framing::Ndjson);
    let deep = "- ".repeat(100_000) + "x";
    let long = "[".repeat(2 << 20);
    for profile in ["cloud", "dc"] {
        for text in [&deep, &long] {
            let before = w.fake.requests().len();
            let create = c.call(
                "issues/create",
                json!({"profile": profile, "project": "DEMO", "type": "Task",
                       "summary": "hostile", "description": text}),
            );
            assert_eq!(kind(&create), "invalidFields", "{profile}: {create}");
            let message = create["error"]["data"]["errors"]["description"]
                .as_str()
                .unwrap_or_default();
            assert!(message.contains(&LIMIT.to_string()), "{message}");
            let comment = c.call(
                "issues/addComment",
                json!({"profile": profile, "key": "DEMO-1", "body": text}),
            );
            assert_eq!(kind(&comment), "invalidFields", "{profile}: {comment}");
            assert!(comment["error"]["data"]["errors"]["body"].is_string());
            let writes = w.fake.requests()[before..]
                .iter()
                .filter(|r| r.method == "POST" || r.method == "PUT")
                .count();
            assert_eq!(writes, 0, "{profile}: a refused text reached Jira");
        }
    }
    status_answers(&d);
}

#[test]
fn hostile_data_center_descriptions_read_while_other_clients_are_served() {
    let w = JiraWorld::start();
    let d = w.daemon("dc");
    let stars = "*".repeat(32_000);
    let marker = "*".repeat(32_000) + " x";
    let bullets = "- ".repeat(100_000) + "x";
    let effects = "*_-+[".repeat(50_000);
    let cases = [
        ("DEMO-1", stars.as_str()),
        ("DEMO-2", marker.as_str()),
        ("DEMO-3", bullets.as_str()),
        ("DEMO-4", effects.as_str()),
    ];
    for (key, wiki) in cases {
        plant_description(&w, key, paragraph(wiki));
    }
    let socket = d.socket.clone();
    let keys = cases.map(|(key, _)| key);
    let reader = std::thread::spawn(move || {
        let mut c = support::SocketClient::connect(&socket, Framing::Ndjson);
        keys.map(|key| c.call("issues/get", json!({"key": key, "fields": ["description"]})))
    });
    // Another client keeps being answered while those convert.
    let mut other = d.client(Framing::Lsp);
    while !reader.is_finished() {
        assert!(other.result("daemon/status", json!(null))["pid"].is_number());
    }
    for (reply, (key, _)) in reader.join().expect("reader").iter().zip(cases) {
        let description = reply["result"]["description"].as_str();
        assert!(description.is_some_and(|d| !d.is_empty()), "{key}: {reply}");
    }
    status_answers(&d);
}

#[test]
fn a_response_over_the_size_cap_is_refused_with_a_clear_error() {
    let w = JiraWorld::start();
    let config = w.config("cloud", "\n[jira]\nmax_response_bytes = 300000\n");
    let d = Daemon::start_with(&[], Some(&config));
    plant_description(&w, "DEMO-5", paragraph(&"a".repeat(400_000)));
    let mut c = d.client(Framing::Ndjson);
    let reply = c.call("issues/get", json!({"key": "DEMO-5"}));
    assert_eq!(kind(&reply), "upstreamUnavailable", "{reply}");
    let message = reply["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("max_response_bytes"), "{message}");
    let fine = c.call("issues/get", json!({"key": "DEMO-1"}));
    assert!(fine.get("result").is_some(), "{fine}");
}

#[test]
fn memory_comes_back_down_after_megabytes_of_hostile_text() {
    let w = JiraWorld::start();
    let d = w.daemon("dc");
    let mut c = d.client(Framing::Ndjson);
    let warm = c.call("issues/get", json!({"key": "DEMO-1"}));
    assert!(warm.get("result").is_some(), "{warm}");
    let baseline = resident_kib(d.pid());
    plant_description(
        &w,
        "DEMO-4",
        paragraph(&"- *a* [b|http://c] ".repeat(20_000)),
    );
    for round in 0..10 {
        let text = format!("{round}") + &"- [*".repeat(1 << 20);
        let refused = c.call("issues/addComment", json!({"key": "DEMO-1", "body": text}));
        assert_eq!(kind(&refused), "invalidFields", "{refused}");
        let read = c.call(
            "issues/get",
            json!({"key": "DEMO-4", "fields": ["description"], "expand": ["renderedFields"]}),
        );
        assert!(read.get("result").is_some(), "{read}");
    }
    // The daemon gives free heap back on a timer (every 2 s): wait for it, up to 15 s.
    let ceiling = baseline * 3 / 2 + 4096;
    let mut after = resident_kib(d.pid());
    for _ in 0..150 {
        if after <= ceiling {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        after = resident_kib(d.pid());
    }
    assert!(
        after <= ceiling,
        "resident {baseline} KiB before, {after} KiB 15 s after"
    );
    status_answers(&d);
}

#[test]
fn data_center_markup_far_over_jiras_limit_is_shown_whole_not_parsed() {
    let w = JiraWorld::start();
    let d = w.daemon("dc");
    let wiki = "*a* [b|http://c] ".repeat(20_000); // 340 KB, 10x Jira's default limit
    plant_description(&w, "DEMO-2", paragraph(&wiki));
    let mut c = d.client(Framing::Ndjson);
    let reply = c.call(
        "issues/get",
        json!({"key": "DEMO-2", "fields": ["description"]}),
    );
    let description = reply["result"]["description"].as_str().unwrap_or_default();
    assert!(
        description.starts_with("```"),
        "{}",
        &description[..80.min(description.len())]
    );
    assert!(
        description.contains(wiki.trim_end()),
        "the markup is kept whole"
    );
    status_answers(&d);
}

/// Wiki markup that takes the daemon a while to convert: effects and brackets, under the size
/// that is still parsed (`MAX_PARSED_MARKUP`), on four issues.
fn plant_slow_markup(w: &JiraWorld) -> [&'static str; 4] {
    let keys = ["DEMO-1", "DEMO-2", "DEMO-3", "DEMO-4"];
    for key in keys {
        plant_description(w, key, paragraph(&"*_-+[".repeat(50_000)));
    }
    keys
}

fn cancel(c: &mut support::SocketClient, id: u64) {
    c.send(&json!({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": id}}));
}

#[test]
fn a_cancelled_or_abandoned_page_of_hostile_markup_leaves_other_clients_answered() {
    let w = JiraWorld::start();
    let d = w.daemon("dc");
    let keys = plant_slow_markup(&w);
    let jql = format!("key in ({})", keys.join(", "));
    let page = |limit: u64| json!({"jql": jql, "fields": ["description"], "limit": limit});
    let mut other = d.client(Framing::Lsp);

    let mut cancelled = d.client(Framing::Ndjson);
    let id = cancelled.request("issues/list", page(10));
    cancel(&mut cancelled, id);
    let reply = cancelled.recv().expect("a reply to the cancelled call");
    assert_eq!(reply["id"], id, "{reply}");
    assert_eq!(reply["error"]["code"], -32800, "{reply}");

    // A client that leaves before its page is converted gets nothing, and takes nothing down.
    let mut gone = d.client(Framing::Ndjson);
    gone.request("issues/list", page(9));
    drop(gone);

    for _ in 0..20 {
        assert_eq!(other.result("daemon/status", json!(null))["pid"], d.pid());
    }
    let listed = other.result("issues/list", page(10));
    for key in keys {
        let issue = listed["issues"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|i| i["key"] == key);
        let description = issue.and_then(|i| i["description"].as_str());
        assert!(description.is_some_and(|d| !d.is_empty()), "{key}");
    }
    status_answers(&d);
}

/// A Data Center daemon whose debug log of conversions goes to the file returned.
fn daemon_logging_conversions(w: &JiraWorld) -> (Daemon, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let socket = dir.path().join("jirad.sock");
    let config = dir.path().join("config.toml");
    support::write_private(&config, &w.config("dc", ""));
    let log = dir.path().join("stderr.log");
    let child = support::jirad(dir.path())
        .env("RUST_LOG", "warn,jirad::jira::budget=debug")
        .arg("serve")
        .arg("--socket")
        .arg(&socket)
        .arg("--config")
        .arg(&config)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("spawn jirad");
    let d = Daemon { dir, socket, child };
    support::wait_for_socket(&d.socket);
    (d, log)
}

/// Cancels `issues/get {params}` while the daemon converts DEMO-1's hostile description, and
/// checks the conversion stopped part-way (it logs so). The cancel is sent once Jira has
/// answered, so it finds the description converting; should it land earlier or later (a loaded
/// machine), the call is tried again.
fn cancelled_while_converting_stops_part_way(params: Value) {
    let w = JiraWorld::start();
    let (d, log) = daemon_logging_conversions(&w);
    plant_slow_markup(&w);
    let mut c = d.client(Framing::Ndjson);
    let stopped = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("conversion stopped: its caller went away")
    };
    for _ in 0..5 {
        // A conversion that finished (too early a cancel) would answer the next read from the cache.
        c.call("cache/clear", json!({}));
        let served = w.fake.requests().len();
        let id = c.request("issues/get", params.clone());
        let asked = || {
            w.fake.requests()[served..]
                .iter()
                .any(|r| r.path.ends_with("/issue/DEMO-1"))
        };
        for _ in 0..2000 {
            if asked() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(asked(), "the read never reached Jira");
        std::thread::sleep(std::time::Duration::from_millis(200));
        cancel(&mut c, id);
        let reply = c.recv().expect("a reply to the cancelled call");
        if reply.get("result").is_some() {
            continue; // converted before the cancel came
        }
        assert_eq!(reply["error"]["code"], -32800, "{reply}");
        status_answers(&d);
        // The stop is seen within 1,024 units of work: give the log a moment to say so.
        for _ in 0..100 {
            if stopped() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        if stopped() {
            break;
        }
    }
    assert!(stopped(), "no stopped conversion in the log");
}

/// A read with expansions goes to Jira and converts for this call alone.
#[test]
fn a_read_cancelled_while_converting_stops_part_way_and_says_so() {
    cancelled_while_converting_stops_part_way(
        json!({"key": "DEMO-1", "fields": ["description"], "expand": ["names"]}),
    );
}

/// A read through the shared cache stops too once its only caller is gone.
#[test]
fn a_cached_read_cancelled_while_converting_stops_part_way() {
    cancelled_while_converting_stops_part_way(json!({"key": "DEMO-1", "fields": ["description"]}));
}

/// Comments and worklog comments are text others wrote too: Data Center pages of hostile ones,
/// 100,000 levels deep and megabytes long, are converted off the runtime's threads, each within
/// its budget, while other clients are answered.
#[test]
fn hostile_data_center_comments_read_while_other_clients_are_served() {
    let w = JiraWorld::start();
    let d = w.daemon("dc");
    let bodies = [
        "*".repeat(32_000),
        "- ".repeat(100_000) + "x",
        "*_-+[".repeat(50_000),
        "[".repeat(200_000),
        "{quote}".repeat(300_000),
    ];
    {
        let mut inner = w.fake.shared().lock();
        let id = inner.find("DEMO-7").expect("issue exists");
        let author = inner.issues[&id].reporter.clone().unwrap_or_default();
        for body in &bodies {
            fake_jira::seed::add_comment(&mut inner, id, &author, paragraph(body), 0)
                .expect("comment added");
        }
        let first = inner.next_worklog_id;
        inner.next_worklog_id += bodies.len() as u64;
        let issue = inner.issues.get_mut(&id).expect("issue");
        for (n, body) in bodies.iter().enumerate() {
            issue.worklogs.push(fake_jira::store::Worklog {
                id: first + n as u64,
                author: author.clone(),
                comment: Some(paragraph(body)),
                started: "2026-12-01T09:00:00.000+0000".into(),
                seconds: 60,
                created: 0,
                updated: 0,
            });
        }
    }
    let socket = d.socket.clone();
    let reader = std::thread::spawn(move || {
        let mut c = support::SocketClient::connect(&socket, Framing::Ndjson);
        let comments = c.call("issues/comments", json!({"key": "DEMO-7", "limit": 100}));
        (comments, c.call("worklogs/list", json!({"key": "DEMO-7"})))
    });
    let mut other = d.client(Framing::Lsp);
    while !reader.is_finished() {
        assert!(other.result("daemon/status", json!(null))["pid"].is_number());
    }
    let (comments, worklogs) = reader.join().expect("reader");
    let comments = comments["result"]["comments"].as_array().expect("comments");
    assert!(comments.len() >= bodies.len());
    for c in &comments[comments.len() - bodies.len()..] {
        assert!(c["body"].as_str().is_some_and(|b| !b.is_empty()), "{c}");
    }
    let worklogs = worklogs["result"]["worklogs"].as_array().expect("worklogs");
    assert!(worklogs.len() >= bodies.len());
    for wl in &worklogs[worklogs.len() - bodies.len()..] {
        assert!(
            wl["comment"].as_str().is_some_and(|b| !b.is_empty()),
            "{wl}"
        );
    }
    status_answers(&d);
}
