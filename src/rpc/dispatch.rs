//! The dispatcher: reads frames from any byte stream and starts each through the [`Router`]. A
//! call that finishes at once is answered by the reader; the rest run concurrently in tasks
//! ([`super::job`]). Replies go to the connection's [`Outlet`](super::writer), which keeps frames
//! from interleaving.
//!
//! jsonrpsee's own server speaks only HTTP/WebSocket; this is the small part of a JSON-RPC server
//! we need: single calls, batches, notifications, `$/cancelRequest`, the LSP lifecycle, panics
//! turned into -32603.

use super::call::start_call_of;
use super::cancel::CANCEL_METHOD;
use super::connection::{ConnectionHandle, HangupProbe, Hub, Interrupt};
use super::framing::{FrameError, JsonRpcCodec, DEFAULT_MAX_MESSAGE};
use super::input_budget::InputBudget;
use super::job::{limit_exceeded, Job};
use super::message::{self, Answer, Message};
use super::outbound::{OutboundQueue, OutputBudget};
use super::pending::PendingCalls;
use super::register::Router;
use super::writer::{write_loop, Outlet};
use bytes::Bytes;
use futures::StreamExt;
use jsonrpsee::types::{ErrorCode, ErrorObject};
use std::future::Future;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::codec::FramedRead;

/// Per-connection limits and policies.
#[derive(Clone)]
pub struct ServeOptions {
    /// Largest accepted message, in bytes.
    pub max_message_bytes: usize,
    /// Replies and notifications queued for the writer before the client counts as not reading.
    pub outbound_queue: usize,
    /// Bytes queued for the writer beyond which the connection reads no more requests and
    /// replies wait: a client that stops reading costs this much memory, not unbounded work.
    pub outbound_bytes: usize,
    /// Calls running at once on this connection; reading pauses beyond it.
    pub max_in_flight: usize,
    /// Most calls in one batch; a longer one is refused whole.
    pub max_batch: usize,
    /// Bytes of unfinished messages all connections sharing it may hold together (beyond a small
    /// free share each); a message that does not fit closes its connection with an error.
    pub input_budget: Arc<InputBudget>,
    /// Bytes queued for all connections sharing it; past it, a connection with output of its own
    /// queued builds no more replies until its client reads.
    pub output_budget: Arc<OutputBudget>,
    /// A write that makes no progress for this long drops the client.
    pub write_timeout: Duration,
    /// On end of input, cancel in-flight calls (socket: the client left) rather than finish them
    /// (stdio: `printf ... | jirad serve --stdio` still gets its replies).
    pub cancel_on_eof: bool,
    /// After [`Hub::stop`], how long in-flight calls may run before they are cancelled.
    pub stop_grace: Duration,
}

/// What a transport knows of its peer that the dispatcher cannot learn from the byte stream.
#[derive(Default)]
pub(crate) struct Peer {
    /// With `cancel_on_eof`, EOF cancels only when this says the peer hung up completely; a peer
    /// that merely closed its write side still gets its replies. `None`: every EOF cancels.
    pub hangup: Option<HangupProbe>,
    /// For a reader that blocks: how to wake it on close and stop.
    pub interrupt: Option<Interrupt>,
    /// Whether bytes wait unread in the connection's socket: a connection whose first message
    /// is there but not yet read (a daemon short of CPU) is not silent, and admission control
    /// never picks it to make room.
    pub unread: Option<HangupProbe>,
}

impl std::fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeOptions")
            .field("max_message_bytes", &self.max_message_bytes)
            .field("outbound_queue", &self.outbound_queue)
            .field("outbound_bytes", &self.outbound_bytes)
            .field("max_in_flight", &self.max_in_flight)
            .field("max_batch", &self.max_batch)
            .field("cancel_on_eof", &self.cancel_on_eof)
            .finish_non_exhaustive()
    }
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            max_message_bytes: DEFAULT_MAX_MESSAGE,
            outbound_queue: 1024,
            outbound_bytes: 1 << 20,
            max_in_flight: 64,
            max_batch: 1000,
            input_budget: InputBudget::new(usize::MAX),
            output_budget: OutputBudget::new(usize::MAX),
            write_timeout: Duration::from_secs(30),
            cancel_on_eof: true,
            stop_grace: Duration::from_secs(5),
        }
    }
}

/// Serves one connection until the client leaves, `exit`, a fatal framing error or daemon stop.
pub async fn serve_connection<R, W>(
    methods: Router,
    hub: Hub,
    reader: R,
    writer: W,
    opts: ServeOptions,
) where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    serve_peer(methods, hub, reader, writer, opts, Peer::default()).await
}

/// [`serve_connection`], for a transport that knows more of its peer.
pub(crate) async fn serve_peer<R, W>(
    methods: Router,
    hub: Hub,
    reader: R,
    writer: W,
    opts: ServeOptions,
    peer: Peer,
) where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (queue, rx) = OutboundQueue::new(
        opts.outbound_queue,
        opts.outbound_bytes,
        opts.output_budget.clone(),
    );
    let conn = ConnectionHandle::new(hub.clone(), queue, peer.interrupt).with_unread(peer.unread);
    let outlet = Outlet::new(writer);
    let writer_task = tokio::spawn(write_loop(
        outlet.clone(),
        rx,
        conn.clone(),
        opts.write_timeout,
    ));
    let reader = Arrivals {
        inner: reader,
        conn: conn.clone(),
    };
    let codec =
        JsonRpcCodec::new(opts.max_message_bytes).with_input_budget(opts.input_budget.clone());
    let mut frames = FramedRead::new(reader, codec);
    let mut reader = Reader {
        methods,
        conn: conn.clone(),
        outlet,
        pending: PendingCalls::default(),
        permits: Arc::new(Semaphore::new(opts.max_in_flight.max(1))),
        tasks: JoinSet::new(),
        max_batch: opts.max_batch,
        batch_width: opts.max_in_flight.max(1),
    };
    let mut seq = 0u64;

    let ended_by_eof = loop {
        while reader.tasks.try_join_next().is_some() {}
        let next = tokio::select! {
            biased;
            daemon_stops = conn.reader_stop() => break daemon_stops,
            next = async {
                conn.outbound_room().await;
                frames.next().await
            } => next,
        };
        let frame = match next {
            None => break true,
            Some(Ok(frame)) => frame,
            Some(Err(err)) => {
                fatal_frame_error(&conn, frames.decoder().framing(), err).await;
                break false;
            }
        };
        if let Some(f) = frames.decoder().framing() {
            conn.set_framing(f);
        }
        conn.frame_done(frames.read_buffer().is_empty());
        seq += 1;
        if reader.handle(frame, seq).await.is_break() {
            break false;
        }
    };

    let tasks = &mut reader.tasks;
    if ended_by_eof {
        if hub.is_stopping() {
            let drain = async { while tasks.join_next().await.is_some() {} };
            let _ = tokio::time::timeout(opts.stop_grace, drain).await;
        } else if !opts.cancel_on_eof {
            while tasks.join_next().await.is_some() {}
        } else if let Some(probe) = &peer.hangup {
            drain_until_hangup(tasks, probe, &conn).await;
        }
    }
    tasks.abort_all();
    conn.unregister();
    conn.close(); // lets the writer flush what is queued and finish
    let _ = writer_task.await;
}

/// One connection's reading side: what it needs to start calls, and the calls it started.
struct Reader<W> {
    methods: Router,
    conn: ConnectionHandle,
    outlet: Outlet<W>,
    pending: PendingCalls,
    /// Slots for calls that run in tasks of their own (`max_in_flight`).
    permits: Arc<Semaphore>,
    tasks: JoinSet<()>,
    max_batch: usize,
    batch_width: usize,
}

impl<W: AsyncWrite + Unpin + Send + 'static> Reader<W> {
    /// Handles one frame (the `seq`-th); `Break` when the connection closed meanwhile.
    async fn handle(&mut self, frame: Bytes, seq: u64) -> ControlFlow<()> {
        match route(frame) {
            Route::Single(msg) if msg.is_call() => return self.call(msg, seq).await,
            Route::Single(msg) if msg.method() == CANCEL_METHOD => {
                self.job(seq).cancel(msg.params()).await;
            }
            Route::Single(msg) => {
                let job = self.job(seq);
                return self
                    .spawn(async move { job.run_notification(&msg).await })
                    .await;
            }
            Route::Batch(frame) => {
                let job = self.job(seq);
                return self.spawn(async move { job.run_batch(frame).await }).await;
            }
            Route::Reply(reply) => send(&self.outlet, &self.conn, Answer::Text(reply)).await,
        }
        ControlFlow::Continue(())
    }

    /// A call. Most finish without waiting (status, cache hits): polled once here, they are
    /// answered at once, saving a task spawn and a switch. Calls that wait move to a task of their
    /// own, with a slot (when none is free, the reader waits before starting the call), and can be
    /// cancelled from then on.
    async fn call(&mut self, msg: Message, seq: u64) -> ControlFlow<()> {
        let mut reserved = None;
        if self.permits.available_permits() == 0 {
            let Some(permit) = permit(&self.permits).await else {
                return ControlFlow::Break(());
            };
            reserved = Some(permit);
        }
        let mut started = match start_call_of(&self.methods, &self.conn, &msg) {
            Ok(started) => started,
            Err(reply) => {
                send(&self.outlet, &self.conn, Answer::Text(reply)).await;
                return ControlFlow::Continue(());
            }
        };
        if let Poll::Ready(outcome) = futures::poll!(&mut started.response) {
            let reply = started.reply(outcome, &msg);
            send(&self.outlet, &self.conn, reply).await;
            return ControlFlow::Continue(());
        }
        // Free at once when none was reserved: only this reader takes slots.
        let permit = match reserved {
            Some(permit) => permit,
            None => match permit(&self.permits).await {
                Some(permit) => permit,
                None => return ControlFlow::Break(()),
            },
        };
        // Cancellable from now on: no `$/cancelRequest` could be read before.
        let id = msg.id().unwrap_or("null").to_owned();
        self.pending.insert(&id, seq);
        let (job, task_id) = (self.job(seq), id.clone());
        let task = self.tasks.spawn(async move {
            let outcome = (&mut started.response).await;
            let conn = job.conn.clone();
            let turn = conn.reply_turn().await;
            let reply = started.reply(outcome, &msg).into_text();
            job.finish(&task_id, reply).await;
            drop((turn, permit));
        });
        self.pending.attach(&id, seq, task);
        ControlFlow::Continue(())
    }

    /// Runs `work` in a task of its own, under a slot.
    async fn spawn(&mut self, work: impl Future<Output = ()> + Send + 'static) -> ControlFlow<()> {
        let Some(permit) = permit(&self.permits).await else {
            return ControlFlow::Break(());
        };
        self.tasks.spawn(async move {
            work.await;
            drop(permit);
        });
        ControlFlow::Continue(())
    }

    /// What a call that outlives this frame takes along.
    fn job(&self, seq: u64) -> Job {
        Job {
            methods: self.methods.clone(),
            conn: self.conn.clone(),
            pending: self.pending.clone(),
            seq,
            max_batch: self.max_batch,
            batch_width: self.batch_width,
        }
    }
}

/// Sends a reply from the reader: at once when nothing is queued, else through the queue.
async fn send<W: AsyncWrite + Unpin>(
    outlet: &Outlet<W>,
    conn: &ConnectionHandle,
    reply: Answer<'_>,
) {
    if !outlet.write_now(conn, &reply.pieces().map(str::as_bytes)) {
        conn.reply(reply.into_text()).await;
    }
}

/// A slot for a call that runs in its own task: at most `max_in_flight` do, and reading pauses
/// while they all run.
async fn permit(permits: &Arc<Semaphore>) -> Option<OwnedSemaphorePermit> {
    match permits.clone().try_acquire_owned() {
        Ok(permit) => Some(permit),
        Err(_) => permits.clone().acquire_owned().await.ok(),
    }
}

/// Finishes in-flight calls after a half-close, giving up as soon as the peer is entirely gone.
async fn drain_until_hangup(tasks: &mut JoinSet<()>, probe: &HangupProbe, conn: &ConnectionHandle) {
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    loop {
        tokio::select! {
            next = tasks.join_next() => if next.is_none() { return },
            _ = tick.tick() => if probe() { return },
            _ = conn.closed_token().cancelled() => return,
        }
    }
}

enum Route {
    Single(Message),
    Batch(Bytes),
    Reply(Box<str>),
}

fn route(frame: Bytes) -> Route {
    if message::is_batch(&frame) {
        return Route::Batch(frame);
    }
    match message::parse(frame) {
        Ok(msg) => Route::Single(msg),
        Err(reply) => Route::Reply(reply),
    }
}

/// Sends a final error reply where it can still be framed, then the connection closes.
async fn fatal_frame_error(
    conn: &ConnectionHandle,
    framing: Option<super::Framing>,
    err: FrameError,
) {
    tracing::info!(conn = conn.id(), "closing connection: {err}");
    if let (true, Some(f)) = (err.can_reply(), framing) {
        conn.set_framing(f);
        let obj = match err {
            FrameError::TooLarge { .. } => ErrorObject::owned(
                ErrorCode::InvalidRequest.code(),
                err.to_string(),
                None::<()>,
            ),
            FrameError::InputBudget { max } => {
                limit_exceeded(err.to_string(), "max_buffered_input_bytes", max)
            }
            _ => ErrorObject::owned(ErrorCode::ParseError.code(), err.to_string(), None::<()>),
        };
        conn.reply(message::error_reply(None, obj)).await;
    }
}

/// The connection's reader, noting when bytes arrive: from then the connection owes the end of
/// a message, and the admission deadlines count.
struct Arrivals<R> {
    inner: R,
    conn: ConnectionHandle,
}

impl<R: AsyncRead + Unpin> AsyncRead for Arrivals<R> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.conn.bytes_arrived();
        }
        polled
    }
}
