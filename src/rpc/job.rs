//! Work a frame leaves behind, once the reader has moved on: the reply of a call that waited,
//! `$/cancelRequest`, a notification's handler, and a batch, whose replies count against the
//! connection's outbound budget as they are built.

use super::call::{start, start_call_of};
use super::cancel::{Cancellation, CANCEL_METHOD};
use super::connection::ConnectionHandle;
use super::message::{self, Message};
use super::pending::PendingCalls;
use super::register::Router;
use bytes::Bytes;
use futures::StreamExt;
use jsonrpsee::types::{ErrorCode, ErrorObject};
use serde_json::value::RawValue;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What a frame's work takes along from the reader.
pub(super) struct Job {
    pub(super) methods: Router,
    pub(super) conn: ConnectionHandle,
    pub(super) pending: PendingCalls,
    /// The frame's number on the connection.
    pub(super) seq: u64,
    pub(super) max_batch: usize,
    /// Calls of a batch running at once.
    pub(super) batch_width: usize,
}

impl Job {
    /// Sends the reply of a call that waited in its own task, unless `$/cancelRequest` answered it.
    pub(super) async fn finish(self, id: &str, reply: Box<str>) {
        if self.pending.finish(id, self.seq) {
            self.conn.reply(reply).await;
        }
    }

    /// `$/cancelRequest`: the cancelled call's reply, if it still waited.
    pub(super) async fn cancel(&self, params: Option<&str>) {
        if let Some(reply) = Cancellation::parse(params).and_then(|c| c.apply(&self.pending)) {
            self.conn.reply(reply).await;
        }
    }

    /// Runs a notification's method, if there is one; its outcome goes nowhere.
    pub(super) async fn run_notification(&self, msg: &Message) {
        if let Some(started) = start(&self.methods, &self.conn, msg.method(), msg.params()) {
            let _ = started.response.await;
        }
    }

    pub(super) async fn run_batch(self, frame: Bytes) {
        let Ok(items) = serde_json::from_slice::<Vec<&RawValue>>(&frame) else {
            return self
                .conn
                .reply(message::error_reply(None, ErrorCode::ParseError.into()))
                .await;
        };
        if items.is_empty() {
            return self
                .conn
                .reply(message::error_reply(None, ErrorCode::InvalidRequest.into()))
                .await;
        }
        if items.len() > self.max_batch {
            let obj = limit_exceeded(
                format!(
                    "a batch of {} calls exceeds the limit of {}; send smaller batches",
                    items.len(),
                    self.max_batch
                ),
                "max_batch",
                self.max_batch,
            );
            return self.conn.reply(message::error_reply(None, obj)).await;
        }
        // The batch's replies go out as one message: they count against the outbound budget as
        // they are built, and once it is spent the remaining calls are refused, not run.
        let spent = AtomicUsize::new(0);
        let mut items = items.iter();
        let mut running = futures::stream::FuturesOrdered::new();
        let mut replies = Vec::new();
        loop {
            while running.len() < self.batch_width {
                match items.next() {
                    Some(item) => running.push_back(self.batch_item(&frame, item, &spent)),
                    None => break,
                }
            }
            match running.next().await {
                Some(reply) => replies.extend(reply),
                None => break,
            }
        }
        if !replies.is_empty() {
            self.conn.reply(message::join_batch(&replies)).await;
        }
    }

    /// Runs one item of a batch; `spent` is what the batch's replies have taken so far.
    async fn batch_item(
        &self,
        frame: &Bytes,
        item: &RawValue,
        spent: &AtomicUsize,
    ) -> Option<Box<str>> {
        let budget = self.conn.outbound_budget();
        match message::parse(frame.slice_ref(item.get().as_bytes())) {
            Err(reply) => Some(reply),
            Ok(msg) if msg.is_call() => {
                if spent.load(Ordering::Relaxed) + self.conn.queued_bytes() > budget {
                    let obj = limit_exceeded(
                        format!(
                            "the batch's replies exceed this connection's outbound budget of \
                             {budget} bytes; this call was not run"
                        ),
                        "outbound_bytes",
                        budget,
                    );
                    return Some(message::error_reply(msg.id(), obj));
                }
                let reply = self.call(&msg).await;
                spent.fetch_add(reply.len(), Ordering::Relaxed);
                Some(reply)
            }
            Ok(msg) if msg.method() == CANCEL_METHOD => {
                self.cancel(msg.params()).await;
                None
            }
            Ok(msg) => {
                self.run_notification(&msg).await;
                None
            }
        }
    }

    /// Runs a call (a message with an id) and builds its reply.
    async fn call(&self, msg: &Message) -> Box<str> {
        match start_call_of(&self.methods, &self.conn, msg) {
            Ok(mut started) => {
                let outcome = (&mut started.response).await;
                started.reply(outcome, msg).into_text()
            }
            Err(reply) => reply,
        }
    }
}

/// A `limitExceeded` error naming the `[limits]` key that refused the call.
pub(super) fn limit_exceeded(message: String, limit: &str, max: usize) -> ErrorObject<'static> {
    let kind = jirad_protocol::ErrorKind::LimitExceeded;
    let data = serde_json::json!({"kind": kind.as_str(), "limit": limit, "max": max});
    ErrorObject::owned(kind.code(), message, Some(data))
}
