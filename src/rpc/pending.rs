//! The calls of one connection that wait in a task of their own, by id, for `$/cancelRequest`.
//! Whoever takes a call's entry sends its one reply: the call itself when it finishes, or the
//! cancellation, which also aborts the call's task. Ids are the raw JSON text (`1`, `"a"`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::task::AbortHandle;

/// One connection's table; cheap to clone (clones share it).
#[derive(Clone, Default)]
pub(crate) struct PendingCalls {
    calls: Arc<Mutex<HashMap<String, Entry>>>,
}

/// A waiting call: its sequence number on the connection (a client may reuse an id while a call
/// with it still runs) and, once spawned, its task.
struct Entry {
    seq: u64,
    task: Option<AbortHandle>,
}

impl PendingCalls {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Call `seq` with id `id` starts waiting: cancellable from now on.
    pub(crate) fn insert(&self, id: &str, seq: u64) {
        self.lock().insert(id.to_owned(), Entry { seq, task: None });
    }

    /// Call `seq`'s task, for a cancellation to abort; ignored when the entry is no longer
    /// `seq`'s (cancelled already, or its id reused).
    pub(crate) fn attach(&self, id: &str, seq: u64, task: AbortHandle) {
        if let Some(entry) = self.lock().get_mut(id) {
            if entry.seq == seq {
                entry.task = Some(task);
            }
        }
    }

    /// Call `seq` finished: whether it should send its reply (`false`: a cancellation answered
    /// it already). A later call that reused the id keeps its entry, and this one still answers.
    pub(crate) fn finish(&self, id: &str, seq: u64) -> bool {
        let mut calls = self.lock();
        match calls.get(id) {
            Some(entry) if entry.seq == seq => calls.remove(id).is_some(),
            Some(_) => true,
            None => false,
        }
    }

    /// `$/cancelRequest` for `id`: aborts its task and returns `true` when the caller must send
    /// the cancellation reply; `false` when no call with that id waits (finished, or never was).
    pub(crate) fn cancel(&self, id: &str) -> bool {
        let Some(entry) = self.lock().remove(id) else {
            return false;
        };
        if let Some(task) = entry.task {
            task.abort();
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_call_answers_and_cannot_be_cancelled_after() {
        let p = PendingCalls::default();
        p.insert("1", 1);
        assert!(p.finish("1", 1));
        assert!(!p.cancel("1"), "nothing left to cancel: no second reply");
    }

    #[test]
    fn a_cancelled_call_does_not_answer_again() {
        let p = PendingCalls::default();
        p.insert("\"a\"", 7);
        assert!(p.cancel("\"a\""));
        assert!(!p.finish("\"a\"", 7));
        assert!(!p.cancel("\"a\""), "one cancellation reply");
    }

    #[test]
    fn a_reused_id_belongs_to_the_latest_call_and_both_answer() {
        let p = PendingCalls::default();
        p.insert("1", 1);
        p.insert("1", 2);
        assert!(p.finish("1", 1), "the first still answers");
        assert!(p.cancel("1"), "the cancellation reaches the second");
        assert!(!p.finish("1", 2));
    }

    #[tokio::test]
    async fn cancelling_aborts_the_task() {
        let p = PendingCalls::default();
        p.insert("1", 1);
        let task = tokio::spawn(std::future::pending::<()>());
        p.attach("1", 1, task.abort_handle());
        assert!(p.cancel("1"));
        assert!(task.await.is_err_and(|e| e.is_cancelled()));
    }

    #[tokio::test]
    async fn a_task_attached_after_its_cancellation_is_left_alone() {
        let p = PendingCalls::default();
        p.insert("1", 1);
        assert!(p.cancel("1"));
        let task = tokio::spawn(async { 5 });
        p.attach("1", 1, task.abort_handle());
        assert_eq!(task.await.ok(), Some(5));
    }
}
