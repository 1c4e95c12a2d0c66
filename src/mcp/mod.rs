//! `jirad mcp`: a Model Context Protocol server on stdin/stdout (one JSON message per line) whose
//! tools forward to the shared daemon, so agents and editors share one cache and one token per
//! profile. Handshake-era MCP: versions 2025-11-25 and 2025-06-18; `initialize`, `ping`,
//! `tools/list`, `tools/call`, `notifications/cancelled` (→ the daemon's `$/cancelRequest`).
//! Stdout carries nothing but MCP messages; logs go to stderr.

mod daemon;
pub mod tools;

use daemon::Forwarder;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};

pub use crate::client::SpawnArgs;

/// Supported protocol versions, newest first.
pub const PROTOCOL_VERSIONS: [&str; 2] = ["2025-11-25", "2025-06-18"];

const INSTRUCTIONS: &str = "Tools of jirad, the local Jira daemon: read, search (JQL), create, \
update and delete Jira issues, and check or start authorization. When a tool reports that \
authorization is required, show the user the link it gives.";

/// How long calls still running when stdin closes may take to finish.
const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A `tools/call` in progress: its task, and the daemon call to cancel with it.
struct Running {
    task: AbortHandle,
    daemon: Option<(Arc<daemon::Conn>, u64)>,
}

type Calls = Arc<Mutex<HashMap<String, Running>>>;

/// Serves MCP on stdio until stdin closes. `spawn: None` never starts the daemon.
pub async fn serve(socket: std::path::PathBuf, spawn: Option<SpawnArgs>) -> std::io::Result<()> {
    serve_on(tokio::io::stdin(), tokio::io::stdout(), socket, spawn).await
}

/// [`serve`] over any pipes.
pub async fn serve_on(
    input: impl tokio::io::AsyncRead + Unpin,
    mut output: impl tokio::io::AsyncWrite + Unpin + Send + 'static,
    socket: std::path::PathBuf,
    spawn: Option<SpawnArgs>,
) -> std::io::Result<()> {
    let (out, mut out_rx) = mpsc::unbounded_channel::<Value>();
    let writer = tokio::spawn(async move {
        while let Some(msg) = out_rx.recv().await {
            // serde_json never emits raw newlines, as MCP's stdio transport requires.
            let mut line = serde_json::to_vec(&msg).unwrap_or_default();
            line.push(b'\n');
            if output.write_all(&line).await.is_err() || output.flush().await.is_err() {
                break;
            }
        }
    });
    let forwarder = Arc::new(Forwarder::new(socket, spawn));
    let tools = Arc::new(tools::tools());
    let calls: Calls = Arc::default();
    let mut tasks = JoinSet::new();
    let mut lines = BufReader::new(input).lines();
    while let Some(line) = lines.next_line().await? {
        while tasks.try_join_next().is_some() {}
        if line.trim().is_empty() {
            continue;
        }
        let msg: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                let _ = out.send(error(Value::Null, -32700, &format!("parse error: {e}")));
                continue;
            }
        };
        let (Some(method), id) = (msg.get("method").and_then(Value::as_str), msg.get("id")) else {
            // A response to a server request (we send none) or junk without a method.
            if msg.get("id").is_some() && msg.get("result").is_none() && msg.get("error").is_none()
            {
                let _ = out.send(error(msg["id"].clone(), -32600, "invalid request"));
            }
            continue;
        };
        let params = msg.get("params").cloned().unwrap_or(Value::Null);
        let Some(id) = id.filter(|id| !id.is_null()).cloned() else {
            notification(method, &params, &calls).await;
            continue;
        };
        let reply = match method {
            "initialize" => Ok(initialize(&params, &forwarder)),
            "ping" => Ok(json!({})),
            "tools/list" => Ok(json!({
                "tools": tools.iter().map(|t| t.listing.clone()).collect::<Vec<_>>()
            })),
            "tools/call" => {
                start_call(
                    id.clone(),
                    params,
                    &tools,
                    &forwarder,
                    &calls,
                    &out,
                    &mut tasks,
                );
                continue;
            }
            _ => Err((-32601, format!("method not found: {method}"))),
        };
        let _ = out.send(match reply {
            Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
            Err((code, message)) => error(id, code, &message),
        });
    }
    // Stdin closed: answer the calls in flight (a piped script expects its replies), then exit.
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(DRAIN_TIMEOUT, drain).await.is_err() {
        tracing::warn!("stdin closed; abandoning calls still running");
    }
    drop(out);
    let _ = writer.await;
    Ok(())
}

fn error(id: Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

fn initialize(params: &Value, forwarder: &Forwarder) -> Value {
    let asked = params["protocolVersion"].as_str().unwrap_or_default();
    let version = PROTOCOL_VERSIONS
        .iter()
        .find(|v| **v == asked)
        .unwrap_or(&PROTOCOL_VERSIONS[0]);
    if let Some(host) = params["clientInfo"]["name"].as_str() {
        forwarder.set_client_name(host);
    }
    json!({
        "protocolVersion": version,
        "capabilities": { "tools": { "listChanged": false } },
        "serverInfo": { "name": "jirad", "title": "jirad (local Jira daemon)",
                        "version": env!("CARGO_PKG_VERSION") },
        "instructions": INSTRUCTIONS,
    })
}

/// Notifications are never answered. `notifications/cancelled` stops the call's task (so it sends
/// no reply, as MCP requires) and cancels the daemon's side.
async fn notification(method: &str, params: &Value, calls: &Calls) {
    if method != "notifications/cancelled" {
        return;
    }
    let key = params["requestId"].to_string();
    let running = calls.lock().ok().and_then(|mut c| c.remove(&key));
    let Some(running) = running else {
        return;
    };
    running.task.abort();
    if let Some((conn, id)) = running.daemon {
        let _ = conn.notify("$/cancelRequest", json!({ "id": id })).await;
    }
}

/// Runs a `tools/call` in its own task so slow Jira calls do not block `ping` or cancellation.
fn start_call(
    id: Value,
    params: Value,
    tools: &Arc<Vec<tools::Tool>>,
    forwarder: &Arc<Forwarder>,
    calls: &Calls,
    out: &mpsc::UnboundedSender<Value>,
    tasks: &mut JoinSet<()>,
) {
    let name = params["name"].as_str().unwrap_or_default();
    let Some(tool) = tools.iter().find(|t| t.name == name) else {
        let _ = out.send(error(id, -32602, &format!("unknown tool: {name}")));
        return;
    };
    let args = match params.get("arguments") {
        None | Some(Value::Null) => json!({}),
        Some(a @ Value::Object(_)) => a.clone(),
        Some(_) => {
            let _ = out.send(error(id, -32602, "tool arguments must be an object"));
            return;
        }
    };
    let key = id.to_string();
    let (method, forwarder, out2, calls2) = (
        tool.method.clone(),
        forwarder.clone(),
        out.clone(),
        calls.clone(),
    );
    let key2 = key.clone();
    // Hold the lock while spawning so the task cannot finish before it is registered.
    let Ok(mut map) = calls.lock() else {
        return;
    };
    let task = tasks.spawn(async move {
        let result = call_daemon(&forwarder, &method, args, &calls2, &key2).await;
        if calls2
            .lock()
            .ok()
            .and_then(|mut c| c.remove(&key2))
            .is_some()
        {
            let _ = out2.send(json!({ "jsonrpc": "2.0", "id": id, "result": result }));
        }
    });
    map.insert(key, Running { task, daemon: None });
}

async fn call_daemon(
    forwarder: &Forwarder,
    method: &str,
    args: Value,
    calls: &Calls,
    key: &str,
) -> Value {
    let conn = match forwarder.conn().await {
        Ok(c) => c,
        Err(e) => return tools::error_text(format!("jirad is not reachable: {e}"), None),
    };
    let call = match conn.start(method, args).await {
        Ok(c) => c,
        Err(e) => return tools::error_text(format!("jirad is not reachable: {e}"), None),
    };
    if let Some(r) = calls.lock().ok().as_mut().and_then(|c| c.get_mut(key)) {
        r.daemon = Some((conn.clone(), call.id));
    }
    match call.reply().await {
        Ok(result) => tools::success(result),
        Err(e) => tools::failure(&e),
    }
}
