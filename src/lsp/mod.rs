//! `jirad lsp`: a Language Server Protocol server on stdin/stdout (`Content-Length` framing) that
//! makes the issue keys of any document live (hover, links, completion, inlay hints, diagnostics,
//! code actions, workspace symbols), forwarding to the shared daemon like `jirad mcp` does, so the
//! editor shares its tokens, cache and watches. This file is the session and the route from a
//! message to its handler; `text.rs` holds documents and positions, `features.rs` the answers.
//! Stdout carries nothing but LSP messages; logs go to stderr.

mod features;
mod text;

use crate::daemon_client::multiplexed::{Conn, Forwarder};
use crate::daemon_client::SpawnArgs;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use text::{Encoding, Text};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;

tokio::task_local! {
    /// The editor's request a task serves (its id as JSON text), so its daemon calls can be
    /// cancelled with it.
    static REQUEST: String;
}

/// The largest message accepted from the editor (a whole document on open).
const MAX_MESSAGE: usize = 64 << 20;

/// What the command line gives the session.
#[derive(Debug, Clone)]
pub struct LspArgs {
    /// The daemon's socket.
    pub socket: PathBuf,
    /// `None` never starts the daemon.
    pub spawn: Option<SpawnArgs>,
    /// The profile, overriding `initializationOptions`.
    pub profile: Option<String>,
}

/// Per-session choices, from `initializationOptions` and `workspace/didChangeConfiguration`
/// (`{"jirad": {...}}` or the options themselves).
#[derive(Debug, Clone)]
pub struct Settings {
    pub profile: Option<String>,
    /// The status after each key.
    pub inlay_hints: bool,
    /// Hints on keys of done or missing issues.
    pub diagnostics: bool,
    /// Where issues created from a TODO go (default: the first project).
    pub project: Option<String>,
    /// Their type.
    pub issue_type: String,
    /// Seconds between refreshes of the referenced issues (the daemon's floor applies).
    pub watch_interval: Option<f64>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            profile: None,
            inlay_hints: true,
            diagnostics: true,
            project: None,
            issue_type: "Task".into(),
            watch_interval: None,
        }
    }
}

impl Settings {
    fn update(&mut self, v: &Value) {
        let v = v.get("jirad").unwrap_or(v);
        if let Some(p) = v["profile"].as_str() {
            self.profile = Some(p.to_owned()).filter(|p| !p.is_empty());
        }
        if let Some(b) = v["inlayHints"].as_bool() {
            self.inlay_hints = b;
        }
        if let Some(b) = v["diagnostics"].as_bool() {
            self.diagnostics = b;
        }
        if let Some(p) = v["project"].as_str() {
            self.project = Some(p.to_owned());
        }
        if let Some(t) = v["issueType"].as_str() {
            self.issue_type = t.to_owned();
        }
        if let Some(s) = v["watchIntervalSeconds"].as_f64() {
            self.watch_interval = Some(s);
        }
    }
}

/// An open document.
pub struct Doc {
    pub text: Text,
    pub language: String,
}

/// What is known of the issues documents mention: the issue, or `None` when Jira has none by
/// that key (or the profile cannot see it).
#[derive(Default)]
pub struct Issues {
    pub by_key: HashMap<String, Option<Value>>,
    /// The daemon watch covering them, and the keys it covers.
    pub watch: Option<(u64, BTreeSet<String>)>,
}

/// Everything the session's tasks share.
pub struct Server {
    out: mpsc::UnboundedSender<Value>,
    args: LspArgs,
    forwarder: RwLock<Option<Arc<Forwarder>>>,
    notes: mpsc::UnboundedSender<Value>,
    pub encoding: RwLock<Encoding>,
    pub settings: RwLock<Settings>,
    client_caps: RwLock<Value>,
    pub docs: Mutex<HashMap<String, Doc>>,
    pub issues: Mutex<Issues>,
    /// The profile's project keys, once fetched.
    projects: tokio::sync::Mutex<Option<Arc<Vec<String>>>>,
    /// `jql/autocomplete`, once fetched.
    pub jql_reference: tokio::sync::Mutex<Option<Arc<Value>>>,
    /// Serializes resolving, so two edits never open two watches.
    resolving: tokio::sync::Mutex<()>,
    running: Mutex<HashMap<String, AbortHandle>>,
    /// The daemon calls each running editor request made, to cancel with it.
    daemon_calls: Mutex<HashMap<String, Vec<DaemonCall>>>,
    pending: Mutex<HashMap<u64, oneshot::Sender<Value>>>,
    next_id: AtomicU64,
    shut_down: AtomicBool,
}

/// A call sent to the daemon: its connection and the id it has there.
type DaemonCall = (Arc<Conn>, u64);

/// A handler's failure: a JSON-RPC error code and message.
pub type Failure = (i64, String);

impl Server {
    /// Sends a notification to the editor.
    pub fn notify(&self, method: &str, params: Value) {
        let _ = self
            .out
            .send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request to the editor and waits for its answer (`None` if it never comes).
    pub async fn ask(&self, method: &str, params: Value) -> Option<Value> {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = oneshot::channel();
        if let Ok(mut p) = self.pending.lock() {
            p.insert(id, tx);
        }
        let _ = self
            .out
            .send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        rx.await.ok()
    }

    /// The editor's declared capability at `path` (`["workspace", "inlayHint", "refreshSupport"]`).
    pub fn client_can(&self, path: &[&str]) -> bool {
        let caps = self
            .client_caps
            .read()
            .map(|c| c.clone())
            .unwrap_or_default();
        path.iter()
            .try_fold(&caps, |v, k| v.get(k))
            .is_some_and(|v| v.as_bool().unwrap_or(v.is_object()))
    }

    pub fn enc(&self) -> Encoding {
        self.encoding.read().map_or(Encoding::Utf16, |e| *e)
    }

    pub fn settings(&self) -> Settings {
        self.settings.read().map(|s| s.clone()).unwrap_or_default()
    }

    fn forwarder(&self) -> Arc<Forwarder> {
        if let Some(f) = self.forwarder.read().ok().and_then(|f| f.clone()) {
            return f;
        }
        let profile = self
            .args
            .profile
            .clone()
            .or_else(|| self.settings().profile);
        let f = Arc::new(Forwarder::new(
            "jirad-lsp",
            self.args.socket.clone(),
            self.args.spawn.clone(),
            profile,
            self.notes.clone(),
        ));
        if let Ok(mut slot) = self.forwarder.write() {
            *slot = Some(f.clone());
        }
        f
    }

    /// Calls a daemon method; a JSON-RPC error becomes a [`Failure`] carrying its message.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, Failure> {
        let conn = self
            .forwarder()
            .conn()
            .await
            .map_err(|e| (-32603, e.to_string()))?;
        let call = conn
            .start(method, params)
            .await
            .map_err(|e| (-32603, format!("the jirad daemon: {e}")))?;
        let _ = REQUEST.try_with(|key| {
            if let Ok(mut calls) = self.daemon_calls.lock() {
                calls
                    .entry(key.clone())
                    .or_default()
                    .push((conn.clone(), call.id));
            }
        });
        call.reply().await.map_err(|e| {
            let message = e["message"].as_str().unwrap_or("the daemon failed");
            // The daemon's own code, so callers can tell a missing issue from a failure.
            (e["code"].as_i64().unwrap_or(-32603), message.to_owned())
        })
    }

    /// The profile's project keys (`projects/list`), fetched once per session.
    pub async fn projects(&self) -> Arc<Vec<String>> {
        let mut slot = self.projects.lock().await;
        if let Some(p) = slot.as_ref() {
            return p.clone();
        }
        let Ok(list) = self.call("projects/list", json!({})).await else {
            // Not cached: the next document retries (the daemon may still be authorizing).
            return Arc::default();
        };
        let keys: Vec<String> = list
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["key"].as_str().map(str::to_owned))
            .collect();
        let keys = Arc::new(keys);
        *slot = Some(keys.clone());
        keys
    }
}

/// Serves LSP on stdio until `exit` or the end of stdin.
pub async fn serve(args: LspArgs) -> std::io::Result<bool> {
    serve_on(tokio::io::stdin(), tokio::io::stdout(), args).await
}

/// [`serve`] over any pipes; `Ok(true)` when the session ended cleanly (`shutdown` before `exit`,
/// or the end of input).
pub async fn serve_on(
    input: impl tokio::io::AsyncRead + Unpin,
    mut output: impl tokio::io::AsyncWrite + Unpin + Send + 'static,
    args: LspArgs,
) -> std::io::Result<bool> {
    let (out, mut out_rx) = mpsc::unbounded_channel::<Value>();
    let writer = tokio::spawn(async move {
        while let Some(msg) = out_rx.recv().await {
            // Sent last, by the session's end: tasks still holding the server never block exit.
            if msg.is_null() {
                break;
            }
            let body = serde_json::to_vec(&msg).unwrap_or_default();
            let head = format!("Content-Length: {}\r\n\r\n", body.len());
            if output.write_all(head.as_bytes()).await.is_err()
                || output.write_all(&body).await.is_err()
                || output.flush().await.is_err()
            {
                break;
            }
        }
    });
    let (notes, notes_rx) = mpsc::unbounded_channel();
    let server = Arc::new(Server {
        out,
        args,
        forwarder: RwLock::new(None),
        notes,
        encoding: RwLock::new(Encoding::Utf16),
        settings: RwLock::default(),
        client_caps: RwLock::default(),
        docs: Mutex::default(),
        issues: Mutex::default(),
        projects: tokio::sync::Mutex::new(None),
        jql_reference: tokio::sync::Mutex::new(None),
        resolving: tokio::sync::Mutex::new(()),
        running: Mutex::default(),
        daemon_calls: Mutex::default(),
        pending: Mutex::default(),
        next_id: AtomicU64::new(1),
        shut_down: AtomicBool::new(false),
    });
    let watcher = tokio::spawn(features::daemon_notifications(server.clone(), notes_rx));
    let mut input = BufReader::new(input);
    let mut initialized = false;
    let clean = loop {
        let msg = match read_message(&mut input).await? {
            Some(Ok(msg)) => msg,
            Some(Err(e)) => {
                let _ = server.out.send(error(Value::Null, -32700, &e));
                continue;
            }
            // Editors may kill us or close the pipe without `exit`.
            None => break true,
        };
        let Some(method) = msg.get("method").and_then(Value::as_str) else {
            // An answer to one of our requests.
            if let Some(id) = msg.get("id").and_then(Value::as_u64) {
                let tx = server.pending.lock().ok().and_then(|mut p| p.remove(&id));
                if let Some(tx) = tx {
                    // An error answer keeps its `error`, so the asker can tell it from a result.
                    let answer = match msg.get("error") {
                        Some(e) => json!({ "error": e }),
                        None => msg.get("result").cloned().unwrap_or(Value::Null),
                    };
                    let _ = tx.send(answer);
                }
            }
            continue;
        };
        let method = method.to_owned();
        let params = msg.get("params").cloned().unwrap_or(Value::Null);
        let id = msg.get("id").cloned();
        if method == "exit" {
            break server.shut_down.load(Ordering::SeqCst);
        }
        let Some(id) = id else {
            if initialized || method == "initialized" {
                notification(&server, &method, params);
            }
            continue;
        };
        if method == "initialize" {
            initialized = true;
            let _ = server.out.send(reply(id, initialize(&server, &params)));
            continue;
        }
        if !initialized {
            let _ = server
                .out
                .send(error(id, -32002, "the server is not initialized"));
            continue;
        }
        if server.shut_down.load(Ordering::SeqCst) {
            let _ = server
                .out
                .send(error(id, -32600, "the server is shutting down"));
            continue;
        }
        if method == "shutdown" {
            server.shut_down.store(true, Ordering::SeqCst);
            let _ = server.out.send(reply(id, Value::Null));
            continue;
        }
        let key = id.to_string();
        let s = server.clone();
        let task = tokio::spawn(REQUEST.scope(key.clone(), async move {
            let answer = features::request(&s, &method, params).await;
            let key = id.to_string();
            if let Ok(mut calls) = s.daemon_calls.lock() {
                calls.remove(&key);
            }
            let done = s.running.lock().ok().and_then(|mut r| r.remove(&key));
            // A cancelled request was answered by the cancellation already.
            if done.is_some() {
                let _ = s.out.send(match answer {
                    Ok(result) => reply(id, result),
                    Err((code, message)) => error(id, code, &message),
                });
            }
        }));
        if let Ok(mut r) = server.running.lock() {
            r.retain(|_, t| !t.is_finished());
            if !task.is_finished() {
                r.insert(key, task.abort_handle());
            }
        }
    };
    watcher.abort();
    if let Ok(mut r) = server.running.lock() {
        r.values().for_each(AbortHandle::abort);
        r.clear();
    }
    if let Ok(mut p) = server.pending.lock() {
        p.clear();
    }
    let _ = server.out.send(Value::Null);
    drop(server);
    let _ = writer.await;
    Ok(clean)
}

/// One `Content-Length` framed message; `None` at the end of input, `Some(Err)` for a body that
/// is not JSON (the stream stays in step).
async fn read_message(
    input: &mut (impl tokio::io::AsyncBufRead + Unpin),
) -> std::io::Result<Option<Result<Value, String>>> {
    let mut length = None;
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        let header = line.trim_end();
        if header.is_empty() {
            if length.is_some() {
                break;
            }
            continue;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
    let length = length.unwrap_or(0);
    if length > MAX_MESSAGE {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("a message of {length} bytes is over the limit"),
        ));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body).await?;
    Ok(Some(
        serde_json::from_slice(&body).map_err(|e| format!("parse error: {e}")),
    ))
}

fn reply(id: Value, result: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "result": result })
}

fn error(id: Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

/// The commands code actions run (`workspace/executeCommand`).
pub const COMMANDS: [&str; 4] = [
    "jirad.open",
    "jirad.assignToMe",
    "jirad.transition",
    "jirad.createFromTodo",
];

fn initialize(server: &Server, params: &Value) -> Value {
    let caps = &params["capabilities"];
    let enc = Encoding::negotiate(caps["general"]["positionEncodings"].as_array());
    if let Ok(mut e) = server.encoding.write() {
        *e = enc;
    }
    if let Ok(mut c) = server.client_caps.write() {
        *c = caps.clone();
    }
    if let Ok(mut s) = server.settings.write() {
        if params["initializationOptions"].is_object() {
            s.update(&params["initializationOptions"]);
        }
    }
    if let Some(name) = params["clientInfo"]["name"].as_str() {
        server.forwarder().set_client_name(name);
    }
    json!({
        "capabilities": {
            "positionEncoding": enc.name(),
            "textDocumentSync": { "openClose": true, "change": 2 },
            "hoverProvider": true,
            "completionProvider": { "triggerCharacters": ["-", "@"], "resolveProvider": false },
            "documentLinkProvider": { "resolveProvider": false },
            "inlayHintProvider": { "resolveProvider": false },
            "codeActionProvider": { "codeActionKinds": ["quickfix", "refactor"] },
            "executeCommandProvider": { "commands": COMMANDS },
            "workspaceSymbolProvider": true,
        },
        "serverInfo": { "name": "jirad", "version": env!("CARGO_PKG_VERSION") },
    })
}

/// Notifications change the session's state in the order they come; the work they start (reading
/// the issues a document mentions) runs beside it.
fn notification(server: &Arc<Server>, method: &str, params: Value) {
    let uri = params["textDocument"]["uri"].as_str().unwrap_or_default();
    match method {
        "$/cancelRequest" => {
            let key = params["id"].to_string();
            if let Some(task) = server.running.lock().ok().and_then(|mut r| r.remove(&key)) {
                task.abort();
                let calls = server
                    .daemon_calls
                    .lock()
                    .ok()
                    .and_then(|mut c| c.remove(&key))
                    .unwrap_or_default();
                if !calls.is_empty() {
                    // The daemon stops its side too (and Jira's, where nothing else waits).
                    tokio::spawn(async move {
                        for (conn, id) in calls {
                            let _ = conn.notify("$/cancelRequest", json!({ "id": id })).await;
                        }
                    });
                }
                let _ = server.out.send(error(
                    params["id"].clone(),
                    -32800,
                    "the request was cancelled",
                ));
            }
        }
        "textDocument/didOpen" => {
            let doc = Doc {
                text: Text::new(
                    params["textDocument"]["text"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                ),
                language: params["textDocument"]["languageId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            };
            if let Ok(mut d) = server.docs.lock() {
                d.insert(uri.to_owned(), doc);
            }
            tokio::spawn(features::refresh(server.clone(), Some(uri.to_owned())));
        }
        "textDocument/didChange" => {
            let enc = server.enc();
            if let Ok(mut d) = server.docs.lock() {
                if let Some(doc) = d.get_mut(uri) {
                    for change in params["contentChanges"].as_array().into_iter().flatten() {
                        doc.text.apply(change, enc);
                    }
                }
            }
            tokio::spawn(features::refresh(server.clone(), Some(uri.to_owned())));
        }
        "textDocument/didClose" => {
            if let Ok(mut d) = server.docs.lock() {
                d.remove(uri);
            }
            server.notify(
                "textDocument/publishDiagnostics",
                json!({ "uri": uri, "diagnostics": [] }),
            );
        }
        "workspace/didChangeConfiguration" => {
            let before = server.settings().profile;
            if let Ok(mut s) = server.settings.write() {
                s.update(&params["settings"]);
            }
            if server.settings().profile != before && server.args.profile.is_none() {
                // Another profile: other projects and issues.
                if let Ok(mut f) = server.forwarder.write() {
                    *f = None;
                }
                if let Ok(mut i) = server.issues.lock() {
                    *i = Issues::default();
                }
                if let Ok(mut p) = server.projects.try_lock() {
                    *p = None;
                }
            }
            tokio::spawn(features::refresh(server.clone(), None));
        }
        _ => {}
    }
}
