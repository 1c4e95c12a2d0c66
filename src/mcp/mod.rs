//! `jirad mcp`: a Model Context Protocol server on stdin/stdout (one JSON message per line) whose
//! tools forward to the shared daemon, so agents and editors share one cache and one token per
//! profile. Handshake-era MCP: versions 2025-11-25 and 2025-06-18. This file is the route from a
//! message to its handler; `call.rs` runs tool calls, `resources.rs` serves issues as resources.
//! Stdout carries nothing but MCP messages; logs go to stderr.

mod call;
mod host;
pub mod policy;
mod resources;
pub mod results;
pub mod tools;

use crate::daemon_client::multiplexed as daemon;
use daemon::Forwarder;
use host::Host;
use policy::{McpConfig, Policy};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{broadcast, mpsc};
use tokio::task::{AbortHandle, JoinSet};

pub use crate::daemon_client::SpawnArgs;

/// Supported protocol versions, newest first.
pub const PROTOCOL_VERSIONS: [&str; 2] = ["2025-11-25", "2025-06-18"];

const INSTRUCTIONS: &str = "Tools of jirad, the local Jira daemon: read and search (JQL) Jira \
issues, and create, update, transition, comment on or delete them where this session allows. \
Results are compact: ask for more with the arguments each tool names. When a tool reports that \
authorization is required, show the user the link it gives.";

/// How long calls still running when stdin closes may take to finish.
const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A `tools/call` in progress: its task, and the daemon call to cancel with it.
struct Running {
    task: AbortHandle,
    daemon: Option<(Arc<daemon::Conn>, u64)>,
}

/// Everything the session's tasks share.
struct Server {
    host: Arc<Host>,
    forwarder: Forwarder,
    tools: Vec<tools::Tool>,
    policy: Policy,
    calls: Mutex<HashMap<String, Running>>,
    /// Daemon progress tokens in use → the host's token and the last progress sent.
    progress: Mutex<HashMap<String, (Value, Option<u64>)>>,
    /// Resource subscriptions, by daemon watch id.
    subscriptions: Mutex<HashMap<u64, String>>,
    /// The daemon's `auth/didChange` params, for calls waiting on a consent.
    auth_changes: broadcast::Sender<Value>,
}

/// Serves MCP on stdio until stdin closes. `spawn: None` never starts the daemon.
pub async fn serve(
    socket: std::path::PathBuf,
    spawn: Option<SpawnArgs>,
    config: McpConfig,
) -> std::io::Result<()> {
    serve_on(
        tokio::io::stdin(),
        tokio::io::stdout(),
        socket,
        spawn,
        config,
    )
    .await
}

/// [`serve`] over any pipes. A setting naming no tool or toolset is an `InvalidInput` error.
pub async fn serve_on(
    input: impl tokio::io::AsyncRead + Unpin,
    mut output: impl tokio::io::AsyncWrite + Unpin + Send + 'static,
    socket: std::path::PathBuf,
    spawn: Option<SpawnArgs>,
    config: McpConfig,
) -> std::io::Result<()> {
    let shape = tools::Shape {
        pinned_profile: config.profile.as_deref().is_some_and(|p| !p.is_empty()),
    };
    let doc = jirad_protocol::openrpc::document();
    let mut tools = tools::from_document(&doc, &tools::not_tools());
    let policy = Policy::new(config, &tools)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    tools::describe(&mut tools, &doc, shape, |t| policy.check(t).is_ok());
    drop(doc);
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
    let (notes, notes_rx) = mpsc::unbounded_channel();
    let server = Arc::new(Server {
        host: Arc::new(Host::new(out)),
        forwarder: Forwarder::new(
            "jirad-mcp",
            socket,
            spawn,
            policy.profile().map(str::to_owned),
            notes,
        ),
        tools,
        policy,
        calls: Mutex::default(),
        progress: Mutex::default(),
        subscriptions: Mutex::default(),
        auth_changes: broadcast::channel(16).0,
    });
    let translator = tokio::spawn(daemon_notifications(server.clone(), notes_rx));
    let mut tasks = JoinSet::new();
    let mut lines = BufReader::new(input).lines();
    while let Some(line) = lines.next_line().await? {
        while tasks.try_join_next().is_some() {}
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(&line) {
            Ok(msg) => route(&server, msg, &mut tasks).await,
            Err(e) => server
                .host
                .send(error(Value::Null, -32700, &format!("parse error: {e}"))),
        }
    }
    // Stdin closed: no elicitation can be answered; answer the calls in flight (a piped script
    // expects its replies), then exit.
    server.host.close();
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(DRAIN_TIMEOUT, drain).await.is_err() {
        tracing::warn!("stdin closed; abandoning calls still running");
    }
    translator.abort();
    drop(server);
    let _ = writer.await;
    Ok(())
}

/// One message from the host to its handler.
async fn route(server: &Arc<Server>, msg: Value, tasks: &mut JoinSet<()>) {
    let (Some(method), id) = (msg.get("method").and_then(Value::as_str), msg.get("id")) else {
        // A response to one of our requests, or junk without a method.
        if msg.get("id").is_some() && msg.get("result").is_none() && msg.get("error").is_none() {
            server
                .host
                .send(error(msg["id"].clone(), -32600, "invalid request"));
        } else if msg.get("id").is_some() {
            server.host.answer(&msg);
        }
        return;
    };
    let params = msg.get("params").cloned().unwrap_or(Value::Null);
    let Some(id) = id.filter(|id| !id.is_null()).cloned() else {
        notification(server, method, &params).await;
        return;
    };
    let reply = match method {
        "initialize" => Ok(initialize(server, &params)),
        "ping" => Ok(json!({})),
        "tools/list" => Ok(json!({ "tools": server.tools.iter()
            .filter(|t| server.policy.check(t).is_ok())
            .map(|t| t.listing.clone()).collect::<Vec<_>>() })),
        "tools/call" => return call::start(server, id, params, tasks),
        "resources/templates/list" => Ok(resources::templates(server)),
        "resources/list" | "resources/read" | "resources/subscribe" | "resources/unsubscribe" => {
            let server = server.clone();
            let method = method.to_owned();
            tasks.spawn(async move {
                let reply = resources::handle(&server, &method, &params).await;
                server.host.send(match reply {
                    Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
                    Err((code, message)) => error(id, code, &message),
                });
            });
            return;
        }
        _ => Err((-32601, format!("method not found: {method}"))),
    };
    server.host.send(match reply {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err((code, message)) => error(id, code, &message),
    });
}

fn error(id: Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

fn initialize(server: &Server, params: &Value) -> Value {
    let asked = params["protocolVersion"].as_str().unwrap_or_default();
    let version = PROTOCOL_VERSIONS
        .iter()
        .find(|v| **v == asked)
        .unwrap_or(&PROTOCOL_VERSIONS[0]);
    if let Some(host) = params["clientInfo"]["name"].as_str() {
        server.forwarder.set_client_name(host);
    }
    server.host.set_capabilities(params["capabilities"].clone());
    let mut capabilities = json!({ "tools": { "listChanged": false } });
    if resources::offered(server) {
        capabilities["resources"] = json!({ "subscribe": true, "listChanged": false });
    }
    json!({
        "protocolVersion": version,
        "capabilities": capabilities,
        "serverInfo": { "name": "jirad", "title": "jirad (local Jira daemon)",
                        "version": env!("CARGO_PKG_VERSION") },
        "instructions": INSTRUCTIONS,
    })
}

/// Notifications are never answered. `notifications/cancelled` stops the call's task (so it sends
/// no reply, as MCP requires) and cancels the daemon's side.
async fn notification(server: &Server, method: &str, params: &Value) {
    if method != "notifications/cancelled" {
        return;
    }
    let key = params["requestId"].to_string();
    let running = server.calls.lock().ok().and_then(|mut c| c.remove(&key));
    let Some(running) = running else {
        return;
    };
    running.task.abort();
    if let Some((conn, id)) = running.daemon {
        let _ = conn.notify("$/cancelRequest", json!({ "id": id })).await;
    }
}

/// The daemon's notifications in MCP terms: work-done progress → `notifications/progress`, a
/// watched issue → `notifications/resources/updated`; authorization changes wake the calls
/// waiting on a consent.
async fn daemon_notifications(server: Arc<Server>, mut notes: mpsc::UnboundedReceiver<Value>) {
    while let Some(msg) = notes.recv().await {
        let params = &msg["params"];
        match msg["method"].as_str().unwrap_or_default() {
            "$/progress" => {
                let value = &params["value"];
                let done = value["done"].as_u64().unwrap_or(0);
                // MCP wants each report to be further along than the last: send only those.
                let host_token = server.progress.lock().ok().and_then(|mut p| {
                    let (token, last) = p.get_mut(&params["token"].to_string())?;
                    if last.is_some_and(|l| done <= l) {
                        return None;
                    }
                    *last = Some(done);
                    Some(token.clone())
                });
                let Some(host_token) = host_token else {
                    continue;
                };
                let mut note = json!({ "progressToken": host_token, "progress": done });
                if let Some(m) = value["message"].as_str() {
                    note["message"] = json!(m);
                }
                server.host.notify("notifications/progress", note);
            }
            "issues/didChange" | "sprints/didChange" => {
                let uri = params["watchId"].as_u64().and_then(|id| {
                    let subs = server.subscriptions.lock().ok()?;
                    subs.get(&id).cloned()
                });
                if let Some(uri) = uri {
                    server
                        .host
                        .notify("notifications/resources/updated", json!({ "uri": uri }));
                }
            }
            "auth/didChange" => {
                let _ = server.auth_changes.send(params.clone());
            }
            _ => {}
        }
    }
}
