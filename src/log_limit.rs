//! A log line at most once per period, for refusals an abuser can provoke at will (a connection
//! cap, a flooded loopback listener): the log stays readable and cannot be used to fill a disk.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A log line at most once per period; the lines held back are counted into the next one.
pub struct LogLimiter {
    every: Duration,
    last: Mutex<Option<Instant>>,
    held: AtomicU64,
}

impl LogLimiter {
    pub const fn new(every: Duration) -> Self {
        LogLimiter {
            every,
            last: Mutex::new(None),
            held: AtomicU64::new(0),
        }
    }

    /// `Some(n)`: log now, mentioning the `n` occurrences held back since the last line.
    pub fn allow(&self) -> Option<u64> {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match *last {
            Some(t) if now.duration_since(t) < self.every => {
                self.held.fetch_add(1, Ordering::Relaxed);
                None
            }
            _ => {
                *last = Some(now);
                Some(self.held.swap(0, Ordering::Relaxed))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_holds_back_and_counts() {
        let l = LogLimiter::new(Duration::from_secs(3600));
        assert_eq!(l.allow(), Some(0));
        assert_eq!(l.allow(), None);
        assert_eq!(l.allow(), None);
        assert_eq!(l.held.load(Ordering::Relaxed), 2);
    }
}
