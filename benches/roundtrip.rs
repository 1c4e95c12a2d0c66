//! Latency of `daemon/status` round trips over the socket (NDJSON), next to a bare Unix-socket echo
//! of a same-sized payload measured in the same run. Run: `cargo bench --bench roundtrip`.
//! Prints p50/p99 for both and their ratio (target: p50 within 1.3x of the echo).

// Elsewhere the file is empty, and a harness-less bench still needs a `main` to type-check.
#![cfg_attr(not(unix), no_main)]
#![cfg(unix)]

#[path = "support/awake.rs"]
mod awake;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const WARMUP: usize = 2_000;
const N: usize = 20_000;

const ECHO_ENV: &str = "ROUNDTRIP_ECHO_SOCKET";

fn main() {
    if let Some(path) = std::env::var_os(ECHO_ENV) {
        if std::env::var_os("ECHO_TOKIO").is_some() {
            return tokio_echo_server(Path::new(&path));
        }
        return echo_server(Path::new(&path));
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
    let (daemon_lat, reply_len) = measure(&sock, request);

    // The echo runs in its own process, like the daemon (this same binary, re-executed), so both
    // pay the same cross-process wakeups. It answers each line with a line as long as the reply.
    let echo_sock = dir.path().join("echo.sock");
    let echo_lat = run_echo(&echo_sock, reply_len, request, false);
    // The same echo on a single-threaded tokio runtime: what epoll alone costs, without our code.
    let tokio_sock = dir.path().join("tokio-echo.sock");
    let tokio_lat = run_echo(&tokio_sock, reply_len, request, true);

    let _ = Command::new("kill").arg(daemon.id().to_string()).status();
    let _ = daemon.wait();

    let (d50, d99) = percentiles(daemon_lat);
    let (e50, e99) = percentiles(echo_lat);
    let (t50, t99) = percentiles(tokio_lat);
    println!(
        "payload: {} byte request, {reply_len} byte reply; {N} sequential round trips each",
        request.len()
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

/// A blocking echo serving one connection: read a line, write a same-sized reply line.
fn echo_server(path: &Path) {
    let reply_len: usize = std::env::var("ECHO_REPLY_LEN")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(128);
    let listener = UnixListener::bind(path).expect("bind echo");
    let _probe = listener.accept().expect("accept probe"); // the readiness probe
    let (stream, _) = listener.accept().expect("accept");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut writer = stream;
    let mut reply = vec![b'x'; reply_len - 1];
    reply.push(b'\n');
    let mut line = Vec::new();
    while reader
        .read_until(b'\n', &mut line)
        .map(|n| n > 0)
        .unwrap_or(false)
    {
        if writer.write_all(&reply).is_err() {
            break;
        }
        line.clear();
    }
}

/// Starts an echo process, measures it, and lets it exit (it serves one connection).
fn run_echo(sock: &Path, reply_len: usize, request: &[u8], tokio: bool) -> Vec<Duration> {
    let mut cmd = awake::server(std::env::current_exe().expect("current_exe"));
    cmd.env(ECHO_ENV, sock)
        .env("ECHO_REPLY_LEN", reply_len.to_string());
    if tokio {
        cmd.env("ECHO_TOKIO", "1");
    }
    let mut echo = cmd.spawn().expect("spawn echo");
    while UnixStream::connect(sock).is_err() {
        std::thread::sleep(Duration::from_millis(5));
    }
    let (lat, _) = measure(sock, request);
    let _ = echo.wait();
    lat
}

/// The echo on a current-thread tokio runtime, the daemon's default runtime.
fn tokio_echo_server(path: &Path) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let reply_len: usize = std::env::var("ECHO_REPLY_LEN")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(128);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let listener = tokio::net::UnixListener::bind(path).expect("bind");
        let _probe = listener.accept().await.expect("probe");
        let (stream, _) = listener.accept().await.expect("accept");
        let (rd, mut wr) = stream.into_split();
        let mut reader = tokio::io::BufReader::new(rd);
        let mut reply = vec![b'x'; reply_len - 1];
        reply.push(b'\n');
        let mut line = Vec::new();
        while reader
            .read_until(b'\n', &mut line)
            .await
            .map(|n| n > 0)
            .unwrap_or(false)
        {
            if wr.write_all(&reply).await.is_err() {
                break;
            }
            line.clear();
        }
    });
}

/// Sequential round trips on one connection; returns each latency and the reply length.
fn measure(path: &Path, request: &[u8]) -> (Vec<Duration>, usize) {
    let stream = UnixStream::connect(path).expect("connect");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut writer = stream;
    let mut line = Vec::new();
    let mut lat = Vec::with_capacity(N);
    for i in 0..WARMUP + N {
        line.clear();
        let t = Instant::now();
        writer.write_all(request).expect("write");
        reader.read_until(b'\n', &mut line).expect("read");
        if i >= WARMUP {
            lat.push(t.elapsed());
        }
    }
    (lat, line.len())
}

fn percentiles(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort_unstable();
    (v[v.len() / 2], v[v.len() * 99 / 100])
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
