//! A connection's outbound queue: what waits for the writer task, bounded by bytes (the
//! connection's budget, and the daemon-wide [`OutputBudget`]) and by number of messages, with the
//! turn that reply builders take so their bytes count before the next reply is built.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, Mutex, MutexGuard, Notify};
use tokio_util::sync::CancellationToken;

/// Bytes queued for all connections together. Past it, a connection that still has output
/// queued builds no more replies until its client reads; one with nothing queued always gets its
/// next reply, so clients that read are never held up by ones that do not.
#[derive(Debug)]
pub struct OutputBudget {
    queued: AtomicUsize,
    max: usize,
    /// Connections waiting for the total to fall: only then does a write wake anyone.
    waiting: AtomicUsize,
    drained: Notify,
}

impl OutputBudget {
    /// A budget of `max` bytes.
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(OutputBudget {
            queued: AtomicUsize::new(0),
            max,
            waiting: AtomicUsize::new(0),
            drained: Notify::new(),
        })
    }

    /// Bytes queued now, all connections together.
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    // SeqCst here and on `waiting`: a writer that does not see a waiter must leave the new total
    // for that waiter's second look.
    fn add(&self, n: usize) {
        self.queued.fetch_add(n, Ordering::SeqCst);
    }

    fn sub(&self, n: usize) {
        self.queued.fetch_sub(n, Ordering::SeqCst);
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.drained.notify_waiters();
        }
    }
}

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
    shared: Arc<OutputBudget>,
    /// Signalled whenever the writer has written some of the queue.
    drained: Notify,
    /// Taken to build a reply that waited: one at a time, each once the queue has room.
    turn: Mutex<()>,
}

impl OutboundQueue {
    /// A queue of at most `messages` messages, whose writer stops taking more requests' replies
    /// beyond `budget` bytes, or while `shared` is spent and this queue holds anything.
    pub(crate) fn new(
        messages: usize,
        budget: usize,
        shared: Arc<OutputBudget>,
    ) -> (Self, mpsc::Receiver<Outgoing>) {
        let (tx, rx) = mpsc::channel(messages.max(1));
        let queue = OutboundQueue {
            tx,
            queued: AtomicUsize::new(0),
            budget,
            shared,
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

    fn add(&self, n: usize) {
        self.queued.fetch_add(n, Ordering::AcqRel);
        self.shared.add(n);
    }

    fn sub(&self, n: usize) {
        self.queued.fetch_sub(n, Ordering::AcqRel);
        self.shared.sub(n);
    }

    /// Past this connection's budget, or past the shared one with output of its own queued.
    fn over(&self) -> bool {
        let queued = self.queued();
        queued > self.budget || (queued > 0 && self.shared.queued() > self.shared.max)
    }

    /// Queues `msg` without waiting (notifications: bounded by number, not bytes).
    pub(crate) fn push(&self, msg: Box<str>) -> Result<(), Refused> {
        let n = msg.len();
        self.add(n);
        self.tx.try_send(Outgoing::Message(msg)).map_err(|e| {
            self.sub(n);
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
        self.add(n);
        // Usually there is room: skip building the waiters below.
        let msg = match self.tx.try_send(Outgoing::Message(msg)) {
            Ok(()) => return,
            Err(mpsc::error::TrySendError::Full(msg)) => msg,
            Err(mpsc::error::TrySendError::Closed(_)) => {
                self.sub(n);
                return;
            }
        };
        tokio::select! {
            r = self.tx.send(msg) => if r.is_err() {
                self.sub(n);
            },
            _ = closed.cancelled() => {}
        }
    }

    /// The reader left `n` bytes (or only a flush) for the writer task to finish: they count as
    /// queued, and the writer is woken.
    pub(crate) fn hand_over(&self, n: usize) {
        self.add(n);
        // Full: the writer has messages to wake it; closed: nothing more is written.
        let _ = self.tx.try_send(Outgoing::Finish);
    }

    /// The writer wrote `n` queued bytes.
    pub(crate) fn written(&self, n: usize) {
        self.sub(n);
        self.drained.notify_waiters();
    }

    /// Resolves once what is queued fits the budgets, or `closed` fires.
    pub(crate) async fn room(&self, closed: &CancellationToken) {
        // Checked before building a waiter: this runs before every request read.
        while self.over() && !closed.is_cancelled() {
            let drained = self.drained.notified();
            let shared = self.shared.drained.notified();
            tokio::pin!(drained, shared);
            drained.as_mut().enable();
            shared.as_mut().enable();
            self.shared.waiting.fetch_add(1, Ordering::SeqCst);
            if self.over() {
                tokio::select! {
                    _ = drained => {}
                    _ = shared => {}
                    _ = closed.cancelled() => {}
                }
            }
            self.shared.waiting.fetch_sub(1, Ordering::SeqCst);
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
        let (q, mut rx) = OutboundQueue::new(4, 10, OutputBudget::new(usize::MAX));
        q.push("12345".into()).unwrap();
        q.send("678".into(), &CancellationToken::new()).await;
        assert_eq!(q.queued(), 8);
        assert_eq!(rx.recv().await, Some(Outgoing::Message("12345".into())));
        q.written(5);
        assert_eq!(q.queued(), 3);
    }

    #[tokio::test]
    async fn a_full_queue_refuses_a_push_and_takes_nothing() {
        let (q, _rx) = OutboundQueue::new(1, 100, OutputBudget::new(usize::MAX));
        q.push("a".into()).unwrap();
        assert_eq!(q.push("bb".into()), Err(Refused::Full));
        assert_eq!(q.queued(), 1);
    }

    #[tokio::test]
    async fn handing_over_wakes_the_writer_without_a_message() {
        let (q, mut rx) = OutboundQueue::new(4, 100, OutputBudget::new(usize::MAX));
        q.hand_over(7);
        assert_eq!(rx.recv().await, Some(Outgoing::Finish));
        assert_eq!(q.queued(), 7);
    }

    #[tokio::test]
    async fn room_waits_until_the_writer_brings_the_queue_under_budget() {
        let (q, _rx) = OutboundQueue::new(4, 10, OutputBudget::new(usize::MAX));
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

    #[tokio::test]
    async fn past_the_shared_budget_only_connections_with_output_queued_wait() {
        let shared = OutputBudget::new(10);
        let (reader, _rx1) = OutboundQueue::new(4, 100, shared.clone());
        let (stuck, _rx2) = OutboundQueue::new(4, 100, shared.clone());
        stuck.push("x".repeat(15).into()).unwrap();
        let closed = CancellationToken::new();
        // Nothing of its own queued: its next reply is built whatever the others hold.
        reader.room(&closed).await;
        reader.push("y".into()).unwrap();
        let mut room = std::pin::pin!(reader.room(&closed));
        assert!(
            futures::poll!(room.as_mut()).is_pending(),
            "the shared budget is spent and this queue holds a byte"
        );
        stuck.written(15);
        room.await;
        assert_eq!(shared.queued(), 1);
    }
}
