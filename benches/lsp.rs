//! `jirad lsp` end to end, as an editor sees it: a 10,000-line document with 500 issue keys
//! opened against the fake (10,000 generated issues), counting the upstream requests it takes to
//! resolve them; then `textDocument/hover` on a cached issue through `jirad lsp` and the daemon,
//! p50 and p99 of 2,000 round trips. Run: `cargo bench --bench lsp`. Targets: at most a handful of
//! upstream requests; hover p50 within 2 ms.

// Elsewhere the file is empty, and a harness-less bench still needs a `main` to type-check.
#![cfg_attr(not(unix), no_main)]
#![cfg(unix)]

#[path = "support/awake.rs"]
mod awake;

use fake_jira::{FakeJira, Options};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const ISSUES: usize = 10_000;
const LINES: usize = 10_000;
const KEYS: usize = 500;
const HOVERS: usize = 2_000;

struct Lsp {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Lsp {
    fn send(&mut self, msg: &Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn recv(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).expect("read") > 0,
                "jirad lsp exited"
            );
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                length = v.trim().parse().expect("length");
            }
        }
        let mut body = vec![0; length];
        self.stdout.read_exact(&mut body).expect("body");
        serde_json::from_slice(&body).expect("JSON")
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let msg = self.recv();
            if msg["id"] == id && msg.get("method").is_none() {
                return msg;
            }
        }
    }
}

fn main() {
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
    let s = |a: &str, b: &str| info[a][b].as_str().unwrap_or_default().to_owned();
    let config = format!(
        "default_profile = \"cloud\"\n[profiles.cloud]\nauth = \"api_token\"\nbase_url = \"{}\"\n\
         email = \"{}\"\ntoken = \"{}\"\n",
        info["siteUrl"].as_str().unwrap_or_default(),
        s("apiToken", "email"),
        s("apiToken", "token"),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = dir.path().join("jirad.sock");
    let mut daemon = start_daemon(dir.path(), &sock, &config);
    let bin = std::env::var("JIRAD_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_jirad").to_owned());
    let mut child = Command::new(bin)
        .args(["lsp", "--no-spawn", "--socket"])
        .arg(&sock)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn jirad lsp");
    let mut lsp = Lsp {
        stdin: child.stdin.take().expect("stdin"),
        stdout: BufReader::new(child.stdout.take().expect("stdout")),
        child,
        next_id: 0,
    };
    lsp.call("initialize", json!({ "capabilities": {} }));
    lsp.send(&json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }));

    // One key every 20 lines, spread over the generated issues.
    let text: String = (0..LINES)
        .map(|n| match n % (LINES / KEYS) {
            0 => format!("line {n}: see DEMO-{}\n", 1 + n / (LINES / KEYS) * 7),
            _ => format!("line {n}: nothing to see\n"),
        })
        .collect();
    let before = fake.requests().len();
    let opened = Instant::now();
    lsp.send(
        &json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": { "uri": "file:///bench.txt", "languageId": "plaintext", "version": 1,
                          "text": text } } }),
    );
    loop {
        let msg = lsp.recv();
        if msg["method"] == "textDocument/publishDiagnostics" {
            break;
        }
    }
    let resolved = opened.elapsed();
    let upstream = fake.requests().len() - before;
    println!(
        "open {LINES} lines with {KEYS} keys: resolved in {:.1} ms with {upstream} upstream requests",
        resolved.as_secs_f64() * 1e3
    );

    let hover = json!({ "textDocument": { "uri": "file:///bench.txt" },
                        "position": { "line": 0, "character": 16 } });
    let first = lsp.call("textDocument/hover", hover.clone());
    assert!(first["result"]["contents"]["value"]
        .as_str()
        .is_some_and(|v| v.contains("DEMO-1")));
    let mut times = Vec::with_capacity(HOVERS);
    for _ in 0..HOVERS {
        let t = Instant::now();
        let r = lsp.call("textDocument/hover", hover.clone());
        times.push(t.elapsed());
        assert!(r["result"].is_object());
    }
    let (p50, p99) = percentiles(times);
    println!(
        "hover on a cached issue through jirad lsp: p50 {:.0} µs, p99 {:.0} µs ({HOVERS} round trips)",
        us(p50),
        us(p99)
    );
    let _ = lsp.child.kill();
    let _ = lsp.child.wait();
    let _ = daemon.kill();
    let _ = daemon.wait();
}

fn start_daemon(dir: &Path, sock: &Path, config: &str) -> Child {
    let config_path = dir.join("config.toml");
    std::fs::write(&config_path, config).expect("config");
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

fn percentiles(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort_unstable();
    (v[v.len() / 2], v[v.len() * 99 / 100])
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
