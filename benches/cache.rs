//! The shared cache, measured over the socket against the fake (10,000 generated issues):
//! cached `issues/get` round trips (p50, p99) next to a bare Unix-socket echo of the very same
//! reply bytes in the same run; cached reads per second with 1, 8 and 64 clients; resident
//! memory of the daemon holding 10,000 cached issues against the bytes of their JSON.
//! Run: `cargo bench --bench cache`. Targets: p50 ≤ 1.3x and p99 ≤ 2x the echo; memory ≤ 3x.

// Elsewhere the file is empty, and a harness-less bench still needs a `main` to type-check.
#![cfg_attr(not(unix), no_main)]
#![cfg(unix)]

#[path = "support/awake.rs"]
mod awake;
#[path = "support/pingpong.rs"]
mod pingpong;

use fake_jira::{FakeJira, Options};
use pingpong::{interleaved, percentiles, us, Conn, Echo, N};
use serde_json::Value;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ISSUES: usize = 10_000;

fn main() {
    if pingpong::serve_if_echo() {
        return;
    }
    let _awake = awake::KeepAwake::start();
    awake::pin_measuring_thread();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let fake = rt
        .block_on(FakeJira::start(Options {
            auto_approve: true,
            issues: Some(ISSUES),
            ..Options::default()
        }))
        .expect("fake");
    let info = fake.info();
    let s = |a: &str, b: Option<&str>| {
        let v = &info[a];
        let v = b.map_or(v, |b| &v[b]);
        v.as_str().unwrap_or_default().to_owned()
    };
    let config = format!(
        "default_profile = \"cloud\"\n[profiles.cloud]\nauth = \"api_token\"\nbase_url = \"{}\"\n\
         email = \"{}\"\ntoken = \"{}\"\n[cache]\nissue_ttl = 86400\nlist_ttl = 86400\n",
        s("siteUrl", None),
        s("apiToken", Some("email")),
        s("apiToken", Some("token")),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = dir.path().join("jirad.sock");
    let mut daemon = start_daemon(dir.path(), &sock, &config);

    let request = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"issues/get\",\"params\":{\"key\":\"DEMO-1\"}}\n";
    let mut get = Conn::connect(&sock);
    let first = String::from_utf8_lossy(get.call(request)).into_owned();
    assert!(first.contains("\"hit\":false"), "{first}");
    let rss_one = rss_kib(daemon.id());
    let reply = get.call(request).to_vec();
    assert!(String::from_utf8_lossy(&reply).contains("\"hit\":true"));
    let echo = Echo::start(dir.path().join("echo.sock"), &reply, false);
    let mut echo_conn = Conn::connect(&echo.sock);
    // The core's floor in the same run: a call that touches neither cache nor Jira client.
    let status = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon/status\"}\n";
    let mut status_conn = Conn::connect(&sock);
    let mut lat = interleaved(&mut [
        (&mut get, request),
        (&mut echo_conn, request),
        (&mut status_conn, status),
    ])
    .into_iter();
    let mut next = || percentiles(lat.next().expect("latencies"));
    let ((d50, d99), (e50, e99), (s50, s99)) = (next(), next(), next());
    println!(
        "cached issues/get: {} byte request, {} byte reply; {N} round trips each, in alternating chunks",
        request.len(),
        reply.len()
    );
    println!(
        "issues/get (hit)  p50 {:>7.1} µs   p99 {:>7.1} µs",
        us(d50),
        us(d99)
    );
    println!(
        "bare echo         p50 {:>7.1} µs   p99 {:>7.1} µs",
        us(e50),
        us(e99)
    );
    println!(
        "daemon/status     p50 {:>7.1} µs   p99 {:>7.1} µs   (the rpc floor)",
        us(s50),
        us(s99)
    );
    println!(
        "ratio             p50 {:>7.2}x      p99 {:>7.2}x   (targets 1.3x, 2x)",
        us(d50) / us(e50),
        us(d99) / us(e99)
    );

    // Load every issue into the cache (8 clients, so the fake's latency overlaps). The baseline
    // is taken with 8 connections open and used, so their buffers do not count as cache.
    let mut idle: Vec<Conn> = (0..8).map(|_| Conn::connect(&sock)).collect();
    for c in &mut idle {
        c.call(get_request(1).as_bytes());
    }
    let rss_base = rss_kib(daemon.id());
    println!(
        "RSS: {:.1} MiB after one cached issue, {:.1} MiB with 8 more connections",
        mib(rss_one * 1024),
        mib(rss_base * 1024)
    );
    drop(idle);
    let t = Instant::now();
    let json_bytes: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|w| {
                let sock = &sock;
                scope.spawn(move || {
                    let mut c = Conn::connect(sock);
                    (1..=ISSUES)
                        .filter(|n| n % 8 == w)
                        .map(|n| issue_json_len(c.call(get_request(n).as_bytes())))
                        .sum::<usize>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("loader")).sum()
    });
    let load = t.elapsed();
    let rss_all = rss_kib(daemon.id());
    let stats: Value = serde_json::from_slice(
        Conn::connect(&sock).call(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"cache/stats\"}\n"),
    )
    .expect("stats");
    let grown = rss_all.saturating_sub(rss_one) * 1024;
    println!(
        "memory: {ISSUES} issues loaded in {:.1} s; their JSON {:.1} MiB, cache weight {:.1} MiB, \
         RSS grew {:.1} MiB (RSS {:.1} MiB in all) = {:.2}x the JSON (target 3x)",
        load.as_secs_f64(),
        mib(json_bytes as u64),
        mib(stats["result"]["issues"]["bytes"].as_u64().unwrap_or(0)),
        mib(grown),
        mib(rss_all * 1024),
        grown as f64 / json_bytes as f64
    );

    for clients in [1usize, 8, 64] {
        let per_sec = throughput(&sock, clients, Duration::from_secs(2));
        println!("cached reads/s with {clients:>2} clients: {per_sec:>9.0}");
    }

    let _ = Command::new("kill").arg(daemon.id().to_string()).status();
    let _ = daemon.wait();
    drop(fake);
}

fn start_daemon(dir: &Path, sock: &Path, config: &str) -> Child {
    let config_path = dir.join("config.toml");
    std::fs::write(&config_path, config).expect("config");
    // It holds a token: owner-only, as the daemon expects (it warns otherwise).
    std::fs::set_permissions(
        &config_path,
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .expect("config mode");
    let bin = std::env::var("JIRAD_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_jirad").to_owned());
    let child = awake::server(bin)
        .args(["serve", "--socket"])
        .arg(sock)
        .arg("--config")
        .arg(&config_path)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_RUNTIME_DIR", dir.join("run"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env_remove("JIRAD_SYSTEM_CONFIG")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn jirad");
    let deadline = Instant::now() + Duration::from_secs(10);
    while UnixStream::connect(sock).is_err() {
        assert!(Instant::now() < deadline, "daemon did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

fn get_request(n: usize) -> String {
    format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":{n},\"method\":\"issues/get\",\"params\":{{\"key\":\"DEMO-{n}\"}}}}\n"
    )
}

/// The bytes of the issue in a reply, without the envelope and cache info.
fn issue_json_len(reply: &[u8]) -> usize {
    let mut v: Value = serde_json::from_slice(reply).expect("reply");
    let Some(r) = v.get_mut("result").and_then(Value::as_object_mut) else {
        return 0;
    };
    r.remove("cache");
    serde_json::to_string(r).map_or(0, |s| s.len())
}

/// Cached gets per second over `clients` connections, each reading its own set of issues.
fn throughput(path: &Path, clients: usize, for_: Duration) -> f64 {
    let start = Instant::now();
    let total: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|w| {
                scope.spawn(move || {
                    let mut c = Conn::connect(path);
                    let requests: Vec<String> = (0..100)
                        .map(|i| get_request(1 + (w * 100 + i) % ISSUES))
                        .collect();
                    let mut done = 0;
                    while start.elapsed() < for_ {
                        let reply = c.call(requests[done % requests.len()].as_bytes());
                        debug_assert!(String::from_utf8_lossy(reply).contains("\"hit\":true"));
                        done += 1;
                    }
                    done
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("client")).sum()
    });
    total as f64 / start.elapsed().as_secs_f64()
}

/// Resident set of a process, KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn mib(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}
