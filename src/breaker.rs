//! A circuit breaker for one upstream host (a Jira site, a token endpoint): after a connection
//! fails (refused, unresolvable, timed out), calls fail at once, saying why and when the next try
//! will be, instead of each waiting for its own failure. The first call after that time tries again (half-open); a
//! success closes the circuit, a failure opens it for twice as long, up to a cap.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Why the circuit is open and for how much longer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    /// The failure that opened it (`connection refused`).
    pub cause: String,
    /// Until the next try is let through.
    pub retry_in: Duration,
}

#[derive(Debug, Default)]
struct State {
    /// Connection failures in a row.
    failures: u32,
    open_until: Option<Instant>,
    cause: String,
}

/// Shared by every caller of one site.
#[derive(Debug)]
pub struct Breaker {
    base: Duration,
    max: Duration,
    state: Mutex<State>,
}

impl Breaker {
    /// Opens for `base` after a failure, doubling per failure in a row up to `max`.
    pub fn new(base: Duration, max: Duration) -> Self {
        Breaker {
            base,
            max,
            state: Mutex::default(),
        }
    }

    /// `Err` while the circuit is open.
    pub fn check(&self) -> Result<(), Open> {
        let s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match s.open_until {
            Some(until) if until > Instant::now() => Err(Open {
                cause: s.cause.clone(),
                retry_in: until.saturating_duration_since(Instant::now()),
            }),
            _ => Ok(()),
        }
    }

    /// A connection failed: opens the circuit; returns for how long.
    pub fn failed(&self, cause: &str) -> Duration {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.failures = s.failures.saturating_add(1);
        let open = self
            .base
            .saturating_mul(1u32 << (s.failures - 1).min(16))
            .min(self.max);
        s.open_until = Some(Instant::now() + open);
        s.cause = cause.to_owned();
        open
    }

    /// Jira answered (whatever the status): the host is there.
    pub fn succeeded(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.failures > 0 {
            *s = State::default();
        }
    }
}

/// The innermost cause of a failed request (`Connection refused (os error 111)`, `failed to
/// lookup address information: …`), or `None` when the error has no cause of its own. The outer
/// texts are never used: reqwest's hold the URL, and a URL may hold a query.
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut inner = e.source()?;
    while let Some(next) = inner.source() {
        inner = next;
    }
    Some(inner.to_string()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_on_failure_doubles_and_closes_on_success() {
        let b = Breaker::new(Duration::from_secs(1), Duration::from_secs(3));
        assert_eq!(b.check(), Ok(()));
        assert_eq!(b.failed("connection refused"), Duration::from_secs(1));
        let open = b.check().unwrap_err();
        assert_eq!(open.cause, "connection refused");
        assert!(open.retry_in <= Duration::from_secs(1));
        assert_eq!(b.failed("x"), Duration::from_secs(2));
        assert_eq!(b.failed("x"), Duration::from_secs(3), "capped");
        b.succeeded();
        assert_eq!(b.check(), Ok(()));
        assert_eq!(
            b.failed("y"),
            Duration::from_secs(1),
            "a new run of failures"
        );
    }

    #[test]
    fn lets_a_try_through_once_the_time_is_up() {
        let b = Breaker::new(Duration::ZERO, Duration::ZERO);
        b.failed("connection refused");
        assert_eq!(b.check(), Ok(()));
    }
}
