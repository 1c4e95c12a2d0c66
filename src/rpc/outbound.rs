//! A connection's outbound queue: what waits for the writer task, bounded by bytes (the
//! connection's budget) and by number of messages, with the turn that reply builders take so
//! their bytes count before the next reply is built.

use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{mpsc, Mutex, MutexGuard, Notify};
use tokio_util::sync::CancellationToken;

/// What the writer task is given.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outgoing {
    /// A serialized message to frame and write.
    Message(Box<str>),
    /// No message: finish what the reader began writing itself (its unwritten head, or a flush).
    Finish,
}

/// Why a message was not queued.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// As many messages wait as the queue holds: the client is not reading.
    Full,
    /// The writer task is gone.
    Closed,
}

/// The sending side; the writer task holds the receiver.
pub(crate) struct OutboundQueue {
    tx: mpsc::Sender<Outgoing>,
    /// Bytes queued or handed to the writer and not yet written.
    queued: AtomicUsize,
    budget: usize,
    /// Signalled whenever the writer has written some of the queue.
    drained: Notify,
    /// Taken to build a reply that waited: one at a time, each once the queue has room.
    turn: Mutex<()>,
}

impl OutboundQueue {
    /// A queue of at most `messages` messages, whose writer stops taking more requests' replies
    /// beyond `budget` bytes.
    pub(crate) fn new(messages: usize, budget: usize) -> (Self, mpsc::Receiver<Outgoing>) {
        let (tx, rx) = mpsc::channel(messages.max(1));
        let queue = OutboundQueue {
            tx,
            queued: AtomicUsize::new(0),
            budget,
            drained: Notify::new(),
            turn: Mutex::new(()),
        };
        (queue, rx)
    }

    /// The byte budget.
    pub(crate) fn budget(&self) -> usize {
        self.budget
    }

    /// Bytes not yet written.
    pub(crate) fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    /// Queues `msg` without waiting (notifications: bounded by number, not bytes).
    pub(crate) fn push(&self, msg: Box<str>) -> Result<(), Refused> {
        let n = msg.len();
        self.queued.fetch_add(n, Ordering::AcqRel);
        self.tx.try_send(Outgoing::Message(msg)).map_err(|e| {
            self.queued.fetch_sub(n, Ordering::AcqRel);
            match e {
                mpsc::error::TrySendError::Full(_) => Refused::Full,
                mpsc::error::TrySendError::Closed(_) => Refused::Closed,
            }
        })
    }

    /// Queues `msg`, waiting for a place among the messages unless `closed` fires first. Its
    /// bytes count at once.
    pub(crate) async fn send(&self, msg: Box<str>, closed: &CancellationToken) {
        let n = msg.len();
        self.queued.fetch_add(n, Ordering::AcqRel);
        // Usually there is room: skip building the waiters below.
        let msg = match self.tx.try_send(Outgoing::Message(msg)) {
            Ok(()) => return,
            Err(mpsc::error::TrySendError::Full(msg)) => msg,
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.queued.fetch_sub(n, Ordering::AcqRel);
                return;
            }
        };
        tokio::select! {
            r = self.tx.send(msg) => if r.is_err() {
                self.queued.fetch_sub(n, Ordering::AcqRel);
            },
            _ = closed.cancelled() => {}
        }
    }

    /// The reader left `n` bytes (or only a flush) for the writer task to finish: they count as
    /// queued, and the writer is woken.
    pub(crate) fn hand_over(&self, n: usize) {
        self.queued.fetch_add(n, Ordering::AcqRel);
        // Full: the writer has messages to wake it; closed: nothing more is written.
        let _ = self.tx.try_send(Outgoing::Finish);
    }

    /// The writer wrote `n` queued bytes.
    pub(crate) fn written(&self, n: usize) {
        self.queued.fetch_sub(n, Ordering::AcqRel);
        self.drained.notify_waiters();
    }

    /// Resolves once what is queued fits the budget, or `closed` fires.
    pub(crate) async fn room(&self, closed: &CancellationToken) {
        // Checked before building a waiter: this runs before every request read.
        while self.queued() > self.budget && !closed.is_cancelled() {
            let drained = self.drained.notified();
            tokio::pin!(drained);
            drained.as_mut().enable();
            if self.queued() <= self.budget {
                return;
            }
            tokio::select! {
                _ = drained => {}
                _ = closed.cancelled() => return,
            }
        }
    }

    /// Waits for the turn to build a reply and for room in the budget. Hold the guard until the
    /// reply is queued: its bytes then count before anyone else builds.
    pub(crate) async fn turn(&self, closed: &CancellationToken) -> MutexGuard<'_, ()> {
        let turn = self.turn.lock().await;
        self.room(closed).await;
        turn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bytes_count_from_queueing_to_writing() {
        let (q, mut rx) = OutboundQueue::new(4, 10);
        q.push("12345".into()).unwrap();
        q.send("678".into(), &CancellationToken::new()).await;
        assert_eq!(q.queued(), 8);
        assert_eq!(rx.recv().await, Some(Outgoing::Message("12345".into())));
        q.written(5);
        assert_eq!(q.queued(), 3);
    }

    #[tokio::test]
    async fn a_full_queue_refuses_a_push_and_takes_nothing() {
        let (q, _rx) = OutboundQueue::new(1, 100);
        q.push("a".into()).unwrap();
        assert_eq!(q.push("bb".into()), Err(Refused::Full));
        assert_eq!(q.queued(), 1);
    }

    #[tokio::test]
    async fn handing_over_wakes_the_writer_without_a_message() {
        let (q, mut rx) = OutboundQueue::new(4, 100);
        q.hand_over(7);
        assert_eq!(rx.recv().await, Some(Outgoing::Finish));
        assert_eq!(q.queued(), 7);
    }

    #[tokio::test]
    async fn room_waits_until_the_writer_brings_the_queue_under_budget() {
        let (q, _rx) = OutboundQueue::new(4, 10);
        q.push("x".repeat(15).into()).unwrap();
        let closed = CancellationToken::new();
        {
            let mut room = std::pin::pin!(q.room(&closed));
            assert!(
                futures::poll!(room.as_mut()).is_pending(),
                "over budget: no room yet"
            );
            q.written(15);
            room.await;
        }
        assert_eq!(q.queued(), 0);
        // A closed connection stops waiting at once.
        q.push("x".repeat(15).into()).unwrap();
        closed.cancel();
        q.room(&closed).await;
    }
}
