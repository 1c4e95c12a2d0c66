//! The MCP host as seen from the server: where messages go, what it declared at `initialize`,
//! and the requests we send it (`elicitation/create`), matched to their responses by id.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use tokio::sync::{mpsc, oneshot};

type Reply = Result<Value, Value>;

/// The cloneable-by-`Arc` handle every task writes through.
pub struct Host {
    out: mpsc::UnboundedSender<Value>,
    pending: Mutex<HashMap<String, oneshot::Sender<Reply>>>,
    next_id: AtomicU64,
    capabilities: Mutex<Value>,
}

/// Which elicitation modes the host declared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Elicitation {
    /// Forms (an empty `elicitation: {}` means forms only).
    pub form: bool,
    /// Opening a link (2025-11-25).
    pub url: bool,
}

impl Host {
    /// Messages sent to `out` are written to stdout in order.
    pub fn new(out: mpsc::UnboundedSender<Value>) -> Host {
        Host {
            out,
            pending: Mutex::default(),
            next_id: AtomicU64::new(1),
            capabilities: Mutex::new(Value::Null),
        }
    }

    /// Sends any message.
    pub fn send(&self, msg: Value) {
        let _ = self.out.send(msg);
    }

    /// Sends a notification.
    pub fn notify(&self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Records the capabilities of `initialize`.
    pub fn set_capabilities(&self, caps: Value) {
        if let Ok(mut c) = self.capabilities.lock() {
            *c = caps;
        }
    }

    /// The elicitation modes declared.
    pub fn elicitation(&self) -> Elicitation {
        let caps = self
            .capabilities
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default();
        match caps.get("elicitation") {
            Some(Value::Object(e)) if e.is_empty() => Elicitation {
                form: true,
                url: false,
            },
            Some(Value::Object(e)) => Elicitation {
                form: e.contains_key("form"),
                url: e.contains_key("url"),
            },
            _ => Elicitation::default(),
        }
    }

    /// Sends a request and waits for its response: `Err` is the host's error object, or a
    /// synthetic one when the host went away first.
    pub async fn request(&self, method: &str, params: Value) -> Reply {
        let id = format!("jirad-{}", self.next_id.fetch_add(1, Ordering::SeqCst));
        let (tx, rx) = oneshot::channel();
        if let Ok(mut p) = self.pending.lock() {
            p.insert(id.clone(), tx);
        }
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        rx.await
            .unwrap_or_else(|_| Err(json!({ "code": -32603, "message": "the host went away" })))
    }

    /// Routes a response from the host to its request; false when no request has its id.
    pub fn answer(&self, msg: &Value) -> bool {
        let Some(id) = msg["id"].as_str() else {
            return false;
        };
        let tx = self.pending.lock().ok().and_then(|mut p| p.remove(id));
        let Some(tx) = tx else {
            return false;
        };
        let reply = match msg.get("error") {
            Some(e) => Err(e.clone()),
            None => Ok(msg.get("result").cloned().unwrap_or(Value::Null)),
        };
        let _ = tx.send(reply);
        true
    }

    /// Fails every request still waiting (stdin closed: no answer can come).
    pub fn close(&self) {
        if let Ok(mut p) = self.pending.lock() {
            p.clear();
        }
    }
}
