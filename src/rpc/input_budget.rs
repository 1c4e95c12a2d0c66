//! The daemon-wide budget for bytes of messages not yet whole. Each connection may buffer a small
//! message for free; beyond that, what its unfinished message holds is charged to one budget
//! shared by every connection, so many clients each sending most of a large message cannot
//! together take the machine's memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// What a connection may buffer of an unfinished message without charge.
pub const FREE_PER_CONNECTION: usize = 64 << 10;

/// The shared budget.
#[derive(Debug)]
pub struct InputBudget {
    used: AtomicUsize,
    max: usize,
}

impl InputBudget {
    /// A budget of `max` bytes.
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(InputBudget {
            used: AtomicUsize::new(0),
            max,
        })
    }

    /// Its size.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Bytes charged now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }
}

/// The budget is spent: the message that asked for more cannot be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spent {
    /// The budget's size.
    pub max: usize,
}

/// One connection's charge against the budget; given back when dropped.
#[derive(Debug)]
pub struct InputCharge {
    budget: Arc<InputBudget>,
    held: usize,
}

impl InputCharge {
    /// A connection's charge, holding nothing yet.
    pub fn new(budget: Arc<InputBudget>) -> Self {
        InputCharge { budget, held: 0 }
    }

    /// The unfinished message now takes `bytes`: charge what exceeds the free share, or refuse.
    pub fn hold(&mut self, bytes: usize) -> Result<(), Spent> {
        let want = bytes.saturating_sub(FREE_PER_CONNECTION);
        if want <= self.held {
            self.set(want);
            return Ok(());
        }
        let more = want - self.held;
        let max = self.budget.max;
        self.budget
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(more).filter(|&n| n <= max)
            })
            .map_err(|_| Spent { max })?;
        self.held = want;
        Ok(())
    }

    /// The message is whole (or gone): nothing is held.
    pub fn release(&mut self) {
        self.set(0);
    }

    fn set(&mut self, want: usize) {
        if want < self.held {
            self.budget
                .used
                .fetch_sub(self.held - want, Ordering::AcqRel);
            self.held = want;
        }
    }
}

impl Drop for InputCharge {
    fn drop(&mut self) {
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_messages_are_free_and_large_ones_share_the_budget() {
        let budget = InputBudget::new(1 << 20);
        let mut a = InputCharge::new(budget.clone());
        let mut b = InputCharge::new(budget.clone());
        assert_eq!(a.hold(FREE_PER_CONNECTION), Ok(()));
        assert_eq!(budget.used(), 0);
        assert_eq!(a.hold(FREE_PER_CONNECTION + 700_000), Ok(()));
        assert_eq!(
            b.hold(FREE_PER_CONNECTION + 400_000),
            Err(Spent { max: 1 << 20 })
        );
        assert_eq!(budget.used(), 700_000, "a refusal takes nothing");
        a.release();
        assert_eq!(b.hold(FREE_PER_CONNECTION + 400_000), Ok(()));
        drop(b);
        assert_eq!(budget.used(), 0, "a closed connection gives its share back");
    }
}
