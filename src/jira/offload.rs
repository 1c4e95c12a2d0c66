//! Content work that can take a while (parsing a large response, normalizing and converting issue
//! text) runs on tokio's blocking pool, never on the threads that accept connections or read other
//! clients' requests. Each piece of work is bounded (responses by `max_response_bytes`, converters
//! linear in their input), and stops early when its caller goes away.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::JiraError;

/// Raised when the call that asked for the work is gone (cancelled, or its client left).
#[derive(Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn raise(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Why a conversion ended before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Halt {
    /// The caller went away: nobody waits for the result.
    #[error("the call was cancelled or its client left")]
    Stopped,
    /// The conversion spent more work than any linear conversion of its input needs.
    #[error(
        "converting {input} bytes of content took over {limit} units of work, the limit for \
         that size ({UNITS_PER_BYTE} per byte plus {BASE_UNITS})"
    )]
    OverBudget { limit: u64, input: usize },
}

/// Units of work a conversion may spend per byte of input (for ADF, per unit of
/// `adf::json_weight`). A unit is an event, a node, a line, or a character read, scanned or
/// written. Measured (`hostile_tests.rs`): at most 5.4 per byte of hostile text and 6.5 per unit
/// of the ADF built from it; the costliest linear case is ADF from Jira of 60 nested quotes, as deep
/// as JSON parsing allows, whose text is written again at each level: 60 per unit. So a linear
/// conversion stays 4x below this, and a superlinear one is stopped at a small multiple of its
/// fair share.
pub const UNITS_PER_BYTE: u64 = 256;

/// Units of work any conversion may spend, however short its input.
pub const BASE_UNITS: u64 = 1 << 20;

/// How often (in units) a conversion looks at its stop flag and its limit.
const CHECK_EVERY: u64 = 1024;

/// The work one conversion may do: a counter of units spent, checked every [`CHECK_EVERY`] units
/// against the caller's [`Stop`] and a limit linear in the input's size.
pub struct Budget {
    stop: Stop,
    spent: u64,
    next_check: u64,
    limit: u64,
    input: usize,
    /// Raises the stop once this many units are spent: tests stop a conversion part-way.
    stop_after: u64,
}

impl Budget {
    /// A budget for converting `input` bytes on behalf of the caller behind `stop`.
    pub fn new(stop: &Stop, input: usize) -> Self {
        let limit = (input as u64)
            .saturating_mul(UNITS_PER_BYTE)
            .saturating_add(BASE_UNITS);
        Self {
            stop: stop.clone(),
            spent: 0,
            next_check: CHECK_EVERY.min(limit + 1),
            limit,
            input,
            stop_after: u64::MAX,
        }
    }

    /// No limit and no caller to lose: for text already bounded (a client's, within Jira's
    /// length limit), tests and benchmarks.
    pub fn unlimited() -> Self {
        Self {
            limit: u64::MAX - 1,
            ..Self::new(&Stop::default(), 0)
        }
    }

    /// A budget whose stop is raised once `units` are spent, as if the caller left then.
    #[cfg(test)]
    pub(crate) fn stopping_after(units: u64) -> Self {
        Self {
            stop_after: units,
            ..Self::unlimited()
        }
    }

    /// Counts `units` of work; every [`CHECK_EVERY`] units, halts if the caller is gone or the
    /// limit is passed.
    #[inline]
    pub fn spend(&mut self, units: usize) -> Result<(), Halt> {
        self.spent += units as u64;
        if self.spent < self.next_check {
            return Ok(());
        }
        self.check()
    }

    #[cold]
    fn check(&mut self) -> Result<(), Halt> {
        if self.spent >= self.stop_after {
            self.stop.raise();
        }
        if self.stop.requested() {
            tracing::debug!(
                units = self.spent,
                "conversion stopped: its caller went away"
            );
            return Err(Halt::Stopped);
        }
        if self.spent > self.limit {
            tracing::warn!(
                units = self.spent,
                input = self.input,
                "conversion stopped: over its work limit"
            );
            return Err(Halt::OverBudget {
                limit: self.limit,
                input: self.input,
            });
        }
        self.next_check = self.spent.saturating_add(CHECK_EVERY).min(self.limit + 1);
        Ok(())
    }

    /// Units spent so far.
    pub fn spent(&self) -> u64 {
        self.spent
    }
}

/// Sets the stop flag when the waiting future is dropped.
struct StopOnDrop(Stop);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.raise();
    }
}

/// Input below this size is handled in place: a hop to the pool would cost more than the work.
const IN_PLACE_BYTES: usize = 64 << 10;

/// The size to give [`heavy`] for normalizing and converting issues: how much text they hold is not
/// known before the work, so it always goes to the pool.
pub const UNKNOWN_SIZE: usize = usize::MAX;

/// Runs `work` on the blocking pool (in place when `size` is small). `work` should check
/// [`Stop::requested`] between units of work (issues of a page, for instance), and give each
/// conversion a [`Budget`] made from the stop, so a long one stops part-way too.
pub async fn heavy<T, F>(size: usize, work: F) -> Result<T, JiraError>
where
    T: Send + 'static,
    F: FnOnce(&Stop) -> T + Send + 'static,
{
    let stop = Stop::default();
    if size < IN_PLACE_BYTES {
        return Ok(work(&stop));
    }
    let _stop_on_drop = StopOnDrop(stop.clone());
    tokio::task::spawn_blocking(move || work(&stop))
        .await
        .map_err(|e| JiraError::Protocol(format!("converting Jira content failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn large_work_runs_off_the_calling_thread_and_small_work_in_place() {
        let here = std::thread::current().id();
        let small = heavy(10, |_| std::thread::current().id()).await.unwrap();
        let large = heavy(1 << 20, |_| std::thread::current().id())
            .await
            .unwrap();
        assert_eq!(small, here);
        assert_ne!(large, here);
    }

    #[test]
    fn a_budget_sees_its_callers_stop_within_1024_units() {
        let stop = Stop::default();
        let mut budget = Budget::new(&stop, 1 << 20);
        assert_eq!(budget.spend(10), Ok(()));
        stop.raise();
        let mut spent = 10;
        while budget.spend(1).is_ok() {
            spent += 1;
        }
        assert_eq!(budget.spend(1), Err(Halt::Stopped));
        assert!(spent < CHECK_EVERY, "{spent} units after the stop");
    }

    #[test]
    fn a_budget_refuses_work_past_its_limit_and_names_it() {
        let mut budget = Budget::new(&Stop::default(), 10);
        let limit = 10 * UNITS_PER_BYTE + BASE_UNITS;
        assert_eq!(budget.spend(limit as usize), Ok(()));
        let mut over = budget.spend(1);
        while over.is_ok() {
            over = budget.spend(1);
        }
        assert_eq!(over, Err(Halt::OverBudget { limit, input: 10 }));
        assert!(budget.spent() <= limit + 1);
        let message = over.err().map(|h| h.to_string()).unwrap_or_default();
        assert!(message.contains(&limit.to_string()), "{message}");
    }

    #[tokio::test]
    async fn work_stops_when_its_caller_goes_away() {
        let (tx, rx) = std::sync::mpsc::channel();
        let call = heavy(1 << 20, move |stop| {
            let mut units = 0u64;
            while !stop.requested() && units < 10_000 {
                std::thread::sleep(Duration::from_millis(1));
                units += 1;
            }
            let _ = tx.send(units);
        });
        // The caller gives up after 20 ms: the work sees the stop long before its 10,000 units.
        let _ = tokio::time::timeout(Duration::from_millis(20), call).await;
        let units = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(units < 10_000, "work ran to the end: {units} units");
    }
}
