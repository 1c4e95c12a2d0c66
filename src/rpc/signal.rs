//! A one-way signal: a connection closing, the daemon stopping. Set once; read without a lock by
//! the loops that check it per message; awaited by any number of tasks.

use std::sync::atomic::{AtomicBool, Ordering};
use tokio_util::sync::CancellationToken;

/// The signal.
#[derive(Default)]
pub(crate) struct Signal {
    /// Readable without the token's lock.
    set: AtomicBool,
    /// For the tasks that await it.
    token: CancellationToken,
}

impl Signal {
    /// Sets it; `true` the first time.
    pub(crate) fn set(&self) -> bool {
        let first = !self.set.swap(true, Ordering::AcqRel);
        self.token.cancel();
        first
    }

    /// Whether it is set.
    pub(crate) fn is_set(&self) -> bool {
        self.set.load(Ordering::Acquire)
    }

    /// Resolves once it is set.
    pub(crate) async fn wait(&self) {
        self.token.cancelled().await
    }

    /// The token behind it, for waiters that outlive a borrow (tasks that own a clone).
    pub(crate) fn token(&self) -> &CancellationToken {
        &self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn set_once_seen_by_readers_and_waiters() {
        let s = std::sync::Arc::new(Signal::default());
        let waiter = tokio::spawn({
            let s = s.clone();
            async move { s.wait().await }
        });
        assert!(!s.is_set());
        assert!(s.set());
        assert!(!s.set(), "only the first set counts");
        assert!(s.is_set() && s.token().is_cancelled());
        assert!(waiter.await.is_ok());
    }
}
