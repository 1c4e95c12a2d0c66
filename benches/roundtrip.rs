//! Latency of `daemon/status` round trips over the socket (NDJSON), next to a bare Unix-socket echo
//! answering with the very same reply bytes, measured in the same run (in alternating chunks).
//! Run: `cargo bench --bench roundtrip`. Prints p50/p99 for both and their ratio (target: p50
//! within 1.3x of the echo), and the same echo on tokio for reference.

// Elsewhere the file is empty, and a harness-less bench still needs a `main` to type-check.
#![cfg_attr(not(unix), no_main)]
#![cfg(unix)]

#[path = "support/awake.rs"]
mod awake;
#[path = "support/pingpong.rs"]
mod pingpong;

use pingpong::{interleaved, percentiles, us, Conn, Echo, N};
use std::os::unix::net::UnixStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    if pingpong::serve_if_echo() {
        return;
    }
    let _awake = awake::KeepAwake::start();
    awake::pin_measuring_thread();
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = dir.path().join("jirad.sock");
    // JIRAD_BIN compares another build (A/B) against the same echo.
    let bin = std::env::var("JIRAD_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_jirad").to_owned());
    let mut daemon = awake::server(bin)
        .args(["serve", "--socket"])
        .arg(&sock)
        .env("XDG_CONFIG_HOME", dir.path())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn jirad");
    let deadline = Instant::now() + Duration::from_secs(10);
    while UnixStream::connect(&sock).is_err() {
        assert!(Instant::now() < deadline, "daemon did not start");
        std::thread::sleep(Duration::from_millis(10));
    }

    let request = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon/status\"}\n";
    let mut status = Conn::connect(&sock);
    let reply = status.call(request).to_vec();
    let echo = Echo::start(dir.path().join("echo.sock"), &reply, false);
    let tokio_echo = Echo::start(dir.path().join("tokio-echo.sock"), &reply, true);
    let mut echo_conn = Conn::connect(&echo.sock);
    let mut tokio_conn = Conn::connect(&tokio_echo.sock);
    let mut lat = interleaved(&mut [
        (&mut status, request),
        (&mut echo_conn, request),
        (&mut tokio_conn, request),
    ])
    .into_iter();

    let _ = Command::new("kill").arg(daemon.id().to_string()).status();
    let _ = daemon.wait();

    let mut next = || percentiles(lat.next().expect("latencies"));
    let ((d50, d99), (e50, e99), (t50, t99)) = (next(), next(), next());
    println!(
        "payload: {} byte request, {} byte reply; {N} round trips each, in alternating chunks",
        request.len(),
        reply.len()
    );
    println!(
        "daemon/status  p50 {:>7.1} µs   p99 {:>7.1} µs",
        us(d50),
        us(d99)
    );
    println!(
        "bare echo      p50 {:>7.1} µs   p99 {:>7.1} µs",
        us(e50),
        us(e99)
    );
    println!(
        "ratio          p50 {:>7.2}x      p99 {:>7.2}x",
        us(d50) / us(e50),
        us(d99) / us(e99)
    );
    println!(
        "tokio echo     p50 {:>7.1} µs   p99 {:>7.1} µs   (the async I/O floor; daemon/this p50 {:.2}x)",
        us(t50),
        us(t99),
        us(d50) / us(t50)
    );
}
