//! The work one conversion of content may do: a counter of units of work, checked every so often
//! against the caller's stop flag and a limit linear in the input's size, so that a conversion
//! stops part-way when its caller leaves and never runs on past what a linear one needs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Raised when the call that asked for the work is gone (cancelled, or its client left).
#[derive(Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    pub(super) fn raise(&self) {
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
/// written. Measured (`jira/tests.rs`): at most 5.4 per byte of hostile text and 6.5 per unit
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
