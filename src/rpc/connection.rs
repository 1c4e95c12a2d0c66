//! Connections: the cloneable [`ConnectionHandle`] domain code uses to push notifications, the
//! per-connection [`Session`] (profile, client capabilities), and the [`Hub`] of all connections.

use super::framing::Framing;
use super::message;
use super::outbound::{OutboundQueue, Refused};
use super::signal::Signal;
use futures::task::AtomicWaker;
use jirad_protocol::Notification;
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::task::Poll;
use std::time::Instant;
use tokio_util::sync::CancellationToken;

/// Reports whether the peer is gone for good (both directions closed).
pub type HangupProbe = Arc<dyn Fn() -> bool + Send + Sync>;

/// Wakes a reader blocked in a read of its own (a connection served on its own thread) when the
/// connection closes or the daemon stops: it then reads end of input.
pub type Interrupt = Arc<dyn Fn() + Send + Sync>;

/// Milliseconds since the first call, never 0 (0 means "not waiting").
pub(crate) fn now_ms() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1
}

/// Per-connection state set by `initialize` and readable from every handler.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// The profile chosen in `initialize`, used when a call names none.
    pub profile: Option<String>,
    /// `clientInfo.name` from `initialize`.
    pub client_name: Option<String>,
    /// Client capabilities declared in `initialize` (free-form JSON).
    pub capabilities: Option<serde_json::Value>,
    /// `initialize` has been answered.
    pub initialized: bool,
    /// `shutdown` has been answered: only `exit` is accepted now.
    pub shutdown: bool,
}

/// Why a push did not reach the client's queue.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The connection is closed.
    #[error("connection closed")]
    Closed,
    /// The client does not read fast enough; the connection has been dropped.
    #[error("client too slow; connection dropped")]
    Overflow,
    /// The params do not serialize.
    #[error("cannot serialize notification: {0}")]
    Serialize(#[from] serde_json::Error),
}

/// A cheap, cloneable handle to one connection.
#[derive(Clone)]
pub struct ConnectionHandle {
    inner: Arc<Inner>,
}

struct Inner {
    id: u64,
    /// Bounded by bytes, so a client that stops reading costs a bounded amount of memory and
    /// work.
    out: OutboundQueue,
    framing: OnceLock<Framing>,
    session: Mutex<Session>,
    /// The one closed signal: set by `close`, checked by the reader and writer per message.
    closed: Signal,
    /// The reader and the writer task, woken on close (the reader also on daemon stop).
    reader: AtomicWaker,
    writer: AtomicWaker,
    /// Wakes a reader that blocks in a read of its own rather than waiting on `reader`.
    interrupt: Option<Interrupt>,
    /// Says whether input waits unread (see `Peer::unread`).
    unread: OnceLock<HangupProbe>,
    hub: Hub,
    /// Since when ([`now_ms`]) the connection owes the rest of a message; 0 when it
    /// owes nothing. Starts at the connection's start: it owes its first message.
    waiting_since: AtomicU64,
    /// It has sent at least one whole message.
    framed: AtomicBool,
}

impl std::fmt::Debug for ConnectionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionHandle")
            .field("id", &self.inner.id)
            .finish()
    }
}

impl ConnectionHandle {
    pub(crate) fn new(hub: Hub, out: OutboundQueue, interrupt: Option<Interrupt>) -> Self {
        let id = hub.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let handle = ConnectionHandle {
            inner: Arc::new(Inner {
                id,
                out,
                framing: OnceLock::new(),
                session: Mutex::new(Session::default()),
                closed: Signal::default(),
                reader: AtomicWaker::new(),
                writer: AtomicWaker::new(),
                interrupt,
                unread: OnceLock::new(),
                hub: hub.clone(),
                waiting_since: AtomicU64::new(now_ms()),
                framed: AtomicBool::new(false),
            }),
        };
        hub.lock().insert(id, handle.clone());
        handle
    }

    /// Gives the connection its probe for unread input.
    pub(crate) fn with_unread(self, probe: Option<HangupProbe>) -> Self {
        if let Some(p) = probe {
            let _ = self.inner.unread.set(p);
        }
        self
    }

    /// Whether the peer has sent bytes the daemon has not read yet.
    pub(crate) fn has_unread(&self) -> bool {
        self.inner.unread.get().is_some_and(|p| p())
    }

    /// A daemon-unique connection number (for logs).
    pub fn id(&self) -> u64 {
        self.inner.id
    }

    /// The hub of all connections (for broadcasts and counts).
    pub fn hub(&self) -> &Hub {
        &self.inner.hub
    }

    /// Pushes a typed notification to this connection.
    pub fn notify<N: Notification>(&self, params: &N::Params) -> Result<(), PushError> {
        self.notify_raw(N::METHOD, params)
    }

    /// Pushes a notification by name. Dropped silently before the client's first message (its
    /// framing is unknown); a full queue drops the client, since it stopped reading.
    pub fn notify_raw<P: Serialize>(&self, method: &str, params: &P) -> Result<(), PushError> {
        let msg = message::notification(method, params)?;
        self.push(msg.into())
    }

    /// Queues a notification without waiting. Notifications count towards the byte budget but are
    /// bounded by number, not bytes: a large reply being written must not get a reading client
    /// dropped for a progress report. A full message queue means the client stopped reading.
    pub(crate) fn push(&self, msg: Box<str>) -> Result<(), PushError> {
        if self.inner.framing.get().is_none() {
            return Ok(());
        }
        self.inner.out.push(msg).map_err(|refused| match refused {
            Refused::Closed => PushError::Closed,
            Refused::Full => self.overflow(),
        })
    }

    fn overflow(&self) -> PushError {
        tracing::warn!(conn = self.id(), "outbound queue full; dropping the client");
        self.close();
        PushError::Overflow
    }

    /// Queues a reply, waiting for a place in the queue unless the connection closes first.
    /// Replies count against the byte budget at once, so the reader stops taking requests from a
    /// client that does not read (see [`ConnectionHandle::outbound_room`]).
    pub(crate) async fn reply(&self, msg: impl Into<Box<str>>) {
        self.inner
            .out
            .send(msg.into(), self.inner.closed.token())
            .await;
    }

    /// Resolves once the queued output fits the byte budget again (or the connection closes):
    /// the reader waits here before taking more requests from a client that does not read.
    pub(crate) async fn outbound_room(&self) {
        self.inner.out.room(self.inner.closed.token()).await;
    }

    /// The writer wrote `n` queued bytes.
    pub(crate) fn written(&self, n: usize) {
        self.inner.out.written(n);
    }

    /// The reader left `n` bytes of a reply (or only a flush) for the writer task to finish (see
    /// [`super::writer::Outlet::write_now`]).
    pub(crate) fn hand_to_writer(&self, n: usize) {
        self.inner.out.hand_over(n);
    }

    /// Waits for the turn to build a reply and for room in the outbound budget. Hold the guard
    /// until the reply is queued: its bytes then count before anyone else builds.
    pub(crate) async fn reply_turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.inner.out.turn(self.inner.closed.token()).await
    }

    /// The outbound budget in bytes.
    pub(crate) fn outbound_budget(&self) -> usize {
        self.inner.out.budget()
    }

    /// Bytes of this connection's output not yet written.
    pub(crate) fn queued_bytes(&self) -> usize {
        self.inner.out.queued()
    }

    /// Bytes of a message arrived: from now the connection owes its end, unless it already did.
    pub(crate) fn bytes_arrived(&self) {
        let _ = self.inner.waiting_since.compare_exchange(
            0,
            now_ms(),
            Ordering::AcqRel,
            Ordering::Relaxed,
        );
    }

    /// A whole message was read; `rest_empty`: nothing of the next one is buffered.
    pub(crate) fn frame_done(&self, rest_empty: bool) {
        self.inner.framed.store(true, Ordering::Release);
        let since = if rest_empty { 0 } else { now_ms() };
        self.inner.waiting_since.store(since, Ordering::Release);
    }

    /// Whether a whole message has arrived on this connection.
    pub(crate) fn has_framed(&self) -> bool {
        self.inner.framed.load(Ordering::Acquire)
    }

    /// Since when the connection owes the end of a message, if it does.
    pub(crate) fn waiting_since_ms(&self) -> Option<u64> {
        Some(self.inner.waiting_since.load(Ordering::Acquire)).filter(|&t| t != 0)
    }

    /// This connection's session (do not hold the guard across `.await`).
    pub fn session(&self) -> MutexGuard<'_, Session> {
        self.inner
            .session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The profile chosen in `initialize`, if any.
    pub fn profile(&self) -> Option<String> {
        self.session().profile.clone()
    }

    /// Closes the connection: in-flight calls are cancelled, queued output is flushed.
    pub fn close(&self) {
        self.inner.closed.set();
        self.wake_reader();
        self.inner.writer.wake();
    }

    fn wake_reader(&self) {
        self.inner.reader.wake();
        if let Some(interrupt) = &self.inner.interrupt {
            interrupt();
        }
    }

    /// Whether the connection has been closed.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.is_set()
    }

    /// Resolves when the reader must stop taking requests: `false` once this connection closes,
    /// `true` once the daemon stops. Polled for every request, so it registers with an atomic
    /// waker instead of the cancellation tokens' waiter lists (a lock per poll).
    pub(crate) fn reader_stop(&self) -> impl Future<Output = bool> + '_ {
        std::future::poll_fn(move |cx| {
            self.inner.reader.register(cx.waker());
            if self.is_closed() {
                Poll::Ready(false)
            } else if self.inner.hub.is_stopping() {
                Poll::Ready(true)
            } else {
                Poll::Pending
            }
        })
    }

    /// Resolves once the connection closes; for the writer task, like [`Self::reader_stop`].
    pub(crate) fn writer_stop(&self) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(move |cx| {
            self.inner.writer.register(cx.waker());
            if self.is_closed() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
    }

    pub(crate) fn closed_token(&self) -> &CancellationToken {
        self.inner.closed.token()
    }

    pub(crate) fn set_framing(&self, framing: Framing) {
        let _ = self.inner.framing.set(framing);
    }

    pub(crate) fn framing(&self) -> Option<Framing> {
        self.inner.framing.get().copied()
    }

    pub(crate) fn unregister(&self) {
        self.inner.hub.lock().remove(&self.inner.id);
    }
}

/// Every live connection, plus the daemon-wide stop signal. Cheap to clone.
#[derive(Clone, Default)]
pub struct Hub {
    inner: Arc<HubInner>,
}

#[derive(Default)]
struct HubInner {
    next_id: AtomicU64,
    conns: Mutex<HashMap<u64, ConnectionHandle>>,
    /// The one stopping signal, for every connection and listener.
    stopping: Signal,
}

impl Hub {
    /// An empty hub.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<u64, ConnectionHandle>> {
        self.inner
            .conns
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Number of open connections.
    pub fn connection_count(&self) -> usize {
        self.lock().len()
    }

    /// A snapshot of the open connections.
    pub fn connections(&self) -> Vec<ConnectionHandle> {
        self.lock().values().cloned().collect()
    }

    /// Pushes a typed notification to every connection; returns how many queued it.
    pub fn broadcast<N: Notification>(
        &self,
        params: &N::Params,
    ) -> Result<usize, serde_json::Error> {
        self.broadcast_raw(N::METHOD, params)
    }

    /// Pushes a notification by name to every connection.
    pub fn broadcast_raw<P: Serialize>(
        &self,
        method: &str,
        params: &P,
    ) -> Result<usize, serde_json::Error> {
        let msg: Box<str> = message::notification(method, params)?.into();
        Ok(self
            .connections()
            .iter()
            .filter(|c| c.push(msg.clone()).is_ok())
            .count())
    }

    /// Asks the daemon to stop: listeners stop accepting, connections finish in-flight calls.
    pub fn stop(&self) {
        self.inner.stopping.set();
        for conn in self.connections() {
            conn.wake_reader();
        }
    }

    /// Resolves once [`Hub::stop`] has been called.
    pub async fn stopped(&self) {
        self.inner.stopping.wait().await
    }

    /// Whether [`Hub::stop`] has been called.
    pub fn is_stopping(&self) -> bool {
        self.inner.stopping.is_set()
    }
}
