//! Crash safety: the daemon is SIGKILLed at random moments while a client creates issues and the
//! OAuth access token keeps expiring (so refreshes are in flight too). After every restart the
//! profile still works without a new login, no acknowledged create is lost, and no create exists
//! twice. `JIRAD_CRASH_ROUNDS=N` for more rounds (default 6); the seed is printed.

#![cfg(unix)]

use crate::support;

use serde_json::json;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::auth::{login, start_in, stop_keeping_dir, tempdir};
use support::jira::JiraWorld;
use support::{Framing, SocketClient};

type Log = std::sync::Arc<std::sync::Mutex<(Vec<String>, Vec<String>)>>;

/// Creates issues one after another until the connection dies, logging (sent, acknowledged) as it
/// goes: a write into the killed daemon panics the thread, the log survives.
fn creator(mut c: SocketClient, round: usize, log: Log) {
    for i in 0.. {
        let summary = format!("crash {round}.{i}");
        log.lock().unwrap().0.push(summary.clone());
        let id = c.request(
            "issues/create",
            json!({"project": "DEMO", "type": "Task", "summary": summary}),
        );
        match c.recv() {
            Some(r) if r["id"] == id && r.get("result").is_some() => {
                log.lock().unwrap().1.push(summary)
            }
            Some(_) => {}
            None => break,
        }
    }
}

#[test]
fn sigkill_at_random_moments_loses_and_doubles_nothing() {
    let rounds: usize = std::env::var("JIRAD_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    println!("crash seed {seed}");
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };

    let world = JiraWorld::start();
    let config = world.config("oauth", "[jira]\nretry_base_ms = 20\n");
    let mut d = start_in(tempdir(), &config, &[]);
    login(&mut d.client(Framing::Ndjson), "oauth");
    let (mut sent, mut acked) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // The next call must refresh: the kill may land during the rotation.
        world.fake.advance_clock(3700);
        let c = d.client(Framing::Ndjson);
        let log = Log::default();
        let worker = std::thread::spawn({
            let log = log.clone();
            move || creator(c, round, log)
        });
        std::thread::sleep(Duration::from_millis(30 + next() % 400));
        let dir = stop_keeping_dir(d, true);
        let _ = worker.join(); // Err: it was writing when the daemon died
        let (s, a) = std::mem::take(&mut *log.lock().unwrap_or_else(|p| p.into_inner()));
        sent.extend(s);
        acked.extend(a);
        d = start_in(dir, &config, &[]);
        let mut c = d.client(Framing::Ndjson);
        let r = c.call("issues/get", json!({"key": "DEMO-1", "fresh": true}));
        assert!(
            r.get("error").is_none(),
            "round {round}: the profile no longer works after a SIGKILL: {r}"
        );
    }
    let count = |s: &str| {
        let inner = world.fake.shared().lock();
        inner.issues.values().filter(|i| i.summary == s).count()
    };
    for s in &sent {
        assert!(count(s) <= 1, "{s} created {} times", count(s));
    }
    for s in &acked {
        assert_eq!(count(s), 1, "{s} was acknowledged but is missing");
    }
    println!(
        "crash: {rounds} SIGKILLs, {} creates sent, {} acknowledged, none lost or doubled",
        sent.len(),
        acked.len()
    );
    assert!(!acked.is_empty(), "some creates completed between kills");
}
