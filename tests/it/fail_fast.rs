//! Failing fast when Jira is away, through the real daemon: a refused connection is
//! one attempt and an error naming the host and the cause, the site's circuit then answers other
//! calls without trying, and a cached copy is served at once, marked stale. Timings are printed,
//! not asserted: the tests count connection attempts (the daemon logs each failed one) instead.

#![cfg(unix)]

use crate::support;

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::jira::JiraWorld;
use support::{Daemon, Framing};

/// A port nothing listens on.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

/// An API-token profile `p` on `site`, with `extra` TOML after it.
fn config(world: &JiraWorld, site: &str, extra: &str) -> String {
    format!(
        "default_profile = \"p\"\n\n[profiles.p]\nauth = \"api_token\"\nbase_url = \"{site}\"\n\
         email = \"{email}\"\ntoken = \"{token}\"\n{extra}",
        email = world.s(&["apiToken", "email"]),
        token = world.s(&["apiToken", "token"]),
    )
}

/// The daemon's log lines reporting a failed connection to Jira.
fn failed_connections(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("cannot reach Jira"))
        .count()
}

#[test]
fn a_refused_connection_fails_at_once_and_the_circuit_spares_the_host() {
    let world = JiraWorld::start();
    let port = closed_port();
    let site = format!("http://127.0.0.1:{port}/site");
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("jirad.log");
    let log_arg = log.display().to_string();
    let d = Daemon::start_with(&["--log-file", &log_arg], Some(&config(&world, &site, "")));
    let mut c = d.client(Framing::Ndjson);

    let started = Instant::now();
    let first = c.call("issues/get", json!({"key": "DEMO-1"}));
    let first_ms = started.elapsed().as_secs_f64() * 1e3;
    let error = &first["error"];
    assert_eq!(error["data"]["kind"], "upstreamUnavailable", "{first}");
    let message = error["message"].as_str().expect("message");
    assert!(
        message.starts_with(&format!("cannot reach Jira at 127.0.0.1:{port}: ")),
        "{message}"
    );
    assert!(message.to_lowercase().contains("refused"), "{message}");
    assert_eq!(error["data"]["host"], format!("127.0.0.1:{port}"));
    assert_eq!(failed_connections(&log), 1, "one attempt, no retries");

    // Other calls to the site, of any method, are answered from the open circuit: no attempt.
    let mut others_ms = Vec::new();
    for (method, params) in [
        ("issues/get", json!({"key": "DEMO-2"})),
        ("issues/list", json!({"project": "DEMO"})),
        (
            "issues/create",
            json!({"project": "DEMO", "type": "Task", "summary": "x"}),
        ),
        ("projects/list", json!({})),
    ] {
        let t = Instant::now();
        let reply = c.call(method, params);
        others_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let error = &reply["error"];
        assert_eq!(error["data"]["kind"], "upstreamUnavailable", "{reply}");
        assert!(
            error["data"]["retryAfterMs"].as_u64().is_some(),
            "{method}: the circuit says when it tries again: {reply}"
        );
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.contains("not trying again for")),
            "{reply}"
        );
    }
    assert_eq!(failed_connections(&log), 1, "the open circuit sent nothing");
    eprintln!(
        "refused connection: first call {first_ms:.1} ms; calls with the circuit open {:?} ms",
        others_ms
            .iter()
            .map(|ms| format!("{ms:.1}"))
            .collect::<Vec<_>>()
    );
}

/// A host name that does not resolve (`.invalid` never does, RFC 2606) fails like a refused
/// connection: one attempt, an error naming the host, and the circuit answering the next call.
#[test]
fn an_unresolvable_host_fails_naming_it_and_opens_the_circuit() {
    let world = JiraWorld::start();
    let site = "https://jira.example.invalid/site";
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("jirad.log");
    let log_arg = log.display().to_string();
    let d = Daemon::start_with(&["--log-file", &log_arg], Some(&config(&world, site, "")));
    let mut c = d.client(Framing::Ndjson);

    let started = Instant::now();
    let first = c.call("issues/get", json!({"key": "DEMO-1"}));
    let first_ms = started.elapsed().as_secs_f64() * 1e3;
    let error = &first["error"];
    assert_eq!(error["data"]["kind"], "upstreamUnavailable", "{first}");
    assert_eq!(error["data"]["host"], "jira.example.invalid:443", "{first}");
    let message = error["message"].as_str().expect("message");
    assert!(
        message.starts_with("cannot reach Jira at jira.example.invalid:443: failed to lookup"),
        "{message}"
    );
    assert_eq!(failed_connections(&log), 1, "one attempt, no retries");
    let again = c.call("issues/get", json!({"key": "DEMO-2"}));
    assert!(
        again["error"]["data"]["retryAfterMs"].as_u64().is_some(),
        "the circuit answers: {again}"
    );
    assert_eq!(failed_connections(&log), 1, "the open circuit sent nothing");
    eprintln!("unresolvable host: first call {first_ms:.1} ms");
}

/// A TCP forwarder to the fake Jira that can be cut, so the site goes away while the daemon
/// holds a cached copy. Cutting closes the listener (later connections are refused) and every
/// forwarded connection.
struct Cuttable {
    port: u16,
    stop: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Cuttable {
    fn to(target: u16) -> Cuttable {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (stop2, open2) = (stop.clone(), open.clone());
        std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let _ = client.set_nonblocking(false);
                let Ok(upstream) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let mut guard = open2.lock().unwrap_or_else(|p| p.into_inner());
                for s in [&client, &upstream] {
                    if let Ok(c) = s.try_clone() {
                        guard.push(c);
                    }
                }
                pipe(&client, &upstream);
                pipe(&upstream, &client);
            }
            // The listener is dropped here: the port refuses from now on.
        });
        Cuttable { port, stop, open }
    }

    fn cut(&self) {
        self.stop.store(true, Ordering::SeqCst);
        for s in self
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            let _ = s.shutdown(Shutdown::Both);
        }
        // Wait until the accept loop has let the port go.
        let deadline = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "the forwarder still listens");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn pipe(from: &TcpStream, to: &TcpStream) {
    let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else {
        return;
    };
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}

#[test]
fn with_jira_gone_a_cached_copy_is_served_at_once_marked_stale() {
    let world = JiraWorld::start();
    let fake_port = url::Url::parse(&world.s(&["siteUrl"]))
        .ok()
        .and_then(|u| u.port())
        .expect("fake port");
    let proxy = Cuttable::to(fake_port);
    let site = world
        .s(&["siteUrl"])
        .replace(&format!(":{fake_port}"), &format!(":{}", proxy.port));
    let d = Daemon::start_with(&[], Some(&config(&world, &site, "")));
    let mut c = d.client(Framing::Ndjson);
    let cached = c.result("issues/get", json!({"key": "DEMO-1"}));
    assert_eq!(cached["cache"]["hit"], false);

    proxy.cut();
    let t = Instant::now();
    let stale: Value = c.result("issues/get", json!({"key": "DEMO-1", "fresh": true}));
    let stale_ms = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!(stale["cache"]["stale"], true, "{stale}");
    assert_eq!(stale["summary"], cached["summary"]);
    // Not in the cache: the error, naming the host.
    let missing = c.call("issues/get", json!({"key": "DEMO-3"}));
    assert_eq!(missing["error"]["data"]["kind"], "upstreamUnavailable");
    assert_eq!(
        missing["error"]["data"]["host"],
        format!("127.0.0.1:{}", proxy.port)
    );
    eprintln!("Jira gone: stale copy served in {stale_ms:.1} ms");
}
