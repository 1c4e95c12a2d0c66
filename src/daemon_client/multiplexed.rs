//! The stdio faces' (`jirad mcp`, `jirad lsp`) connection to the shared daemon: concurrent calls
//! multiplexed by id over one socket connection (opened with [`DaemonClient`], which also starts
//! the daemon when allowed), reopened when the daemon went away. The daemon's notifications
//! (progress, watched issues, authorization changes) go to one channel for the face to translate.

use super::{ClientError, DaemonClient, SpawnArgs, Stream};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, WriteHalf};
use tokio::sync::{mpsc, oneshot, Mutex};

type Reply = Result<Value, Value>;
type Pending = Arc<StdMutex<HashMap<u64, oneshot::Sender<Reply>>>>;

/// One live connection.
pub struct Conn {
    writer: Mutex<WriteHalf<Stream>>,
    pending: Pending,
    next_id: AtomicU64,
    closed: Arc<AtomicBool>,
}

/// A call sent to the daemon, awaiting its reply.
pub struct InFlight {
    /// The daemon-side id (for `$/cancelRequest`).
    pub id: u64,
    rx: oneshot::Receiver<Reply>,
}

impl InFlight {
    /// The reply; `Err(error object)` for a JSON-RPC error, or a synthetic one when the daemon
    /// closed the connection.
    pub async fn reply(self) -> Reply {
        self.rx.await.unwrap_or_else(|_| {
            Err(json!({ "code": -32603, "message": "the jirad daemon closed the connection" }))
        })
    }
}

impl Conn {
    fn new(client: DaemonClient, notes: mpsc::UnboundedSender<Value>) -> Arc<Conn> {
        let (mut reader, writer) = client.into_parts();
        let pending: Pending = Arc::default();
        let closed = Arc::new(AtomicBool::new(false));
        let (p, c) = (pending.clone(), closed.clone());
        tokio::spawn(async move {
            let mut line = String::new();
            loop {
                line.clear();
                match reader.read_line(&mut line).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let Ok(msg) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                let Some(id) = msg.get("id").and_then(Value::as_u64) else {
                    if msg.get("method").is_some() {
                        let _ = notes.send(msg);
                    }
                    continue;
                };
                let reply = match msg.get("error") {
                    Some(e) => Err(e.clone()),
                    None => Ok(msg.get("result").cloned().unwrap_or(Value::Null)),
                };
                let tx = p.lock().ok().and_then(|mut m| m.remove(&id));
                if let Some(tx) = tx {
                    let _ = tx.send(reply);
                }
            }
            c.store(true, Ordering::SeqCst);
            // Dropping the senders fails every waiting call.
            if let Ok(mut m) = p.lock() {
                m.clear();
            }
        });
        Arc::new(Conn {
            writer: Mutex::new(writer),
            pending,
            next_id: AtomicU64::new(1),
            closed,
        })
    }

    /// Sends a request.
    pub async fn start(&self, method: &str, params: Value) -> std::io::Result<InFlight> {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = oneshot::channel();
        if let Ok(mut m) = self.pending.lock() {
            m.insert(id, tx);
        }
        let msg = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        if let Err(e) = self.send(&msg).await {
            if let Ok(mut m) = self.pending.lock() {
                m.remove(&id);
            }
            return Err(e);
        }
        Ok(InFlight { id, rx })
    }

    /// Sends a notification.
    pub async fn notify(&self, method: &str, params: Value) -> std::io::Result<()> {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
            .await
    }

    async fn send(&self, msg: &Value) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(msg).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut w = self.writer.lock().await;
        w.write_all(&line).await?;
        w.flush().await
    }
}

/// Opens (and reopens) the connection on demand.
pub struct Forwarder {
    socket: PathBuf,
    spawn: Option<SpawnArgs>,
    profile: Option<String>,
    face: &'static str,
    client_name: StdMutex<String>,
    conn: Mutex<Option<Arc<Conn>>>,
    notes: mpsc::UnboundedSender<Value>,
}

impl Forwarder {
    /// `face` names this client in `daemon/status` (`jirad-mcp`); `spawn: None` never starts the
    /// daemon (`--no-spawn`); `profile` is the connection's (`initialize {profile}`); the daemon's
    /// notifications go to `notes`.
    pub fn new(
        face: &'static str,
        socket: PathBuf,
        spawn: Option<SpawnArgs>,
        profile: Option<String>,
        notes: mpsc::UnboundedSender<Value>,
    ) -> Self {
        Forwarder {
            socket,
            spawn,
            profile,
            face,
            client_name: StdMutex::new(face.into()),
            conn: Mutex::new(None),
            notes,
        }
    }

    /// Names the host (MCP host, editor) in the daemon's `daemon/status` (sent on the next
    /// connection).
    pub fn set_client_name(&self, host: &str) {
        if let Ok(mut n) = self.client_name.lock() {
            *n = format!("{} ({host})", self.face);
        }
    }

    /// The live connection, connecting (and `initialize`-ing) first when needed.
    pub async fn conn(&self) -> Result<Arc<Conn>, ClientError> {
        let mut slot = self.conn.lock().await;
        if let Some(c) = slot.as_ref().filter(|c| !c.closed.load(Ordering::SeqCst)) {
            return Ok(c.clone());
        }
        let client = match &self.spawn {
            Some(args) => DaemonClient::connect_or_spawn(&self.socket, args).await?,
            None => DaemonClient::connect(&self.socket).await?,
        };
        let conn = Conn::new(client, self.notes.clone());
        let name = self
            .client_name
            .lock()
            .map(|n| n.clone())
            .unwrap_or_default();
        let mut init =
            json!({ "clientInfo": { "name": name, "version": env!("CARGO_PKG_VERSION") } });
        if let Some(p) = &self.profile {
            init["profile"] = json!(p);
        }
        // Naming ourselves is a courtesy; a daemon that refuses it still serves calls.
        if let Ok(call) = conn.start("initialize", init).await {
            let _ = call.reply().await;
        }
        *slot = Some(conn.clone());
        Ok(conn)
    }
}
