//! `jirad demo` in a private temp dir, and a line-oriented MCP client of `jirad mcp`.

use super::{jirad, wait_for_socket, Daemon, READ_TIMEOUT};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc;

/// Starts `jirad demo --socket DIR/jirad.sock`; returns the daemon and the banner it printed.
pub fn start_demo() -> (Daemon, String) {
    start_demo_in(tempfile::tempdir().expect("tempdir"))
}

/// [`start_demo`] in `dir`, whose `tmp/` is the demo's temp dir (`TMPDIR`).
pub fn start_demo_in(dir: tempfile::TempDir) -> (Daemon, String) {
    let socket = dir.path().join("jirad.sock");
    let tmp = dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).expect("tmp dir");
    let mut child = jirad(dir.path())
        .env("TMPDIR", &tmp)
        .arg("demo")
        .arg("--socket")
        .arg(&socket)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn jirad demo");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut banner = String::new();
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            banner.push_str(&line);
            banner.push('\n');
            if line.contains("ends the demo") {
                let _ = tx.send(banner.clone());
            }
        }
    });
    let banner = rx.recv_timeout(READ_TIMEOUT).expect("demo banner");
    wait_for_socket(&socket);
    (Daemon { dir, socket, child }, banner)
}

/// `jirad mcp` on pipes, speaking one JSON message per line.
pub struct Mcp {
    pub child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    next_id: i64,
}

impl Mcp {
    /// Starts `jirad mcp` with `args` (isolated like [`jirad`], in `dir`).
    pub fn start(dir: &std::path::Path, args: &[&str]) -> Mcp {
        let mut child = jirad(dir)
            .arg("mcp")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn jirad mcp");
        let out = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Mcp {
            stdin: child.stdin.take(),
            child,
            lines,
            next_id: 0,
        }
    }

    /// Writes one raw line.
    pub fn send_line(&mut self, line: &str) {
        let w = self.stdin.as_mut().expect("stdin open");
        writeln!(w, "{line}").expect("write");
        w.flush().expect("flush");
    }

    /// The next message the server wrote (fails on anything but one JSON object per line).
    pub fn recv(&mut self) -> Value {
        let line = self
            .lines
            .recv_timeout(READ_TIMEOUT)
            .expect("an MCP message");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// Sends a request and returns the whole reply.
    pub fn call(&mut self, method: &str, params: Option<Value>) -> Value {
        self.next_id += 1;
        let mut msg = json!({ "jsonrpc": "2.0", "id": self.next_id, "method": method });
        if let Some(p) = params {
            msg["params"] = p;
        }
        self.send_line(&msg.to_string());
        let reply = self.recv();
        assert_eq!(reply["id"], self.next_id, "{reply}");
        reply
    }

    /// `initialize` + `notifications/initialized`; returns the initialize result.
    pub fn handshake(&mut self, version: &str) -> Value {
        self.handshake_with(version, json!({}))
    }

    /// [`Mcp::handshake`] declaring the client `capabilities` (e.g. elicitation).
    pub fn handshake_with(&mut self, version: &str, capabilities: Value) -> Value {
        let r = self.call(
            "initialize",
            Some(
                json!({ "protocolVersion": version, "capabilities": capabilities,
                          "clientInfo": { "name": "mcp-test", "version": "1" } }),
            ),
        );
        self.send_line(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        r["result"].clone()
    }

    /// Sends a `tools/call` without waiting for its reply; returns its id.
    pub fn start_tool(&mut self, name: &str, arguments: Value) -> i64 {
        self.next_id += 1;
        let msg = json!({ "jsonrpc": "2.0", "id": self.next_id, "method": "tools/call",
                          "params": { "name": name, "arguments": arguments } });
        self.send_line(&msg.to_string());
        self.next_id
    }

    /// The names `tools/list` gives.
    pub fn tool_names(&mut self) -> Vec<String> {
        let r = self.call("tools/list", None);
        let mut names: Vec<String> = r["result"]["tools"]
            .as_array()
            .expect("tools")
            .iter()
            .map(|t| t["name"].as_str().expect("name").to_owned())
            .collect();
        names.sort();
        names
    }

    /// `tools/call` result.
    pub fn tool(&mut self, name: &str, arguments: Value) -> Value {
        let r = self.call(
            "tools/call",
            Some(json!({ "name": name, "arguments": arguments })),
        );
        r["result"].clone()
    }

    /// Closes stdin (the host is done sending).
    pub fn close_stdin(&mut self) {
        drop(self.stdin.take());
    }

    /// Closes stdin and waits for a clean exit.
    pub fn finish(mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        self.child.wait().expect("wait")
    }
}

impl Drop for Mcp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
