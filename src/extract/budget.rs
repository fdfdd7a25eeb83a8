//! How long one extraction may run, and a way to stop it from outside.
//!
//! The extractor is linear in its input, but a server still needs to stop
//! work nobody is waiting for: a request whose client has gone, or one that
//! has run past its time limit (because the machine is busy). The extractor's
//! loops call [`Meter::tick`], which every [`CHECK_EVERY`] ticks looks at the
//! cancel flag and the clock; the extraction then ends with [`Stopped`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Ticks between two looks at the flag and the clock. A tick is a line, a
/// character of a paragraph being split, a sentence or a word, so even the
/// slowest run of ticks takes well under a millisecond.
pub const CHECK_EVERY: u32 = 1024;

/// Why an extraction stopped before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Stopped {
    #[error("the extraction was cancelled")]
    Cancelled,
    #[error("the extraction ran past its time limit")]
    TimedOut,
}

/// A deadline (or none) and a cancel flag, shared with whoever may cancel.
#[derive(Debug, Clone)]
pub struct Budget {
    deadline: Option<Instant>,
    cancelled: Arc<AtomicBool>,
}

impl Budget {
    /// No deadline; stops only when cancelled.
    pub fn unlimited() -> Self {
        Budget { deadline: None, cancelled: Arc::new(AtomicBool::new(false)) }
    }

    /// Stops `limit` from now.
    pub fn within(limit: Duration) -> Self {
        Budget { deadline: Instant::now().checked_add(limit), ..Budget::unlimited() }
    }

    /// Tells the extraction (on whatever thread) to stop at its next check.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// A guard that cancels this budget when dropped: kept in a request
    /// handler's future, it stops the work when actix drops the future
    /// because the client has gone.
    pub fn cancel_on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.cancelled.clone())
    }

    /// `Err` once cancelled or past the deadline.
    pub fn check(&self) -> Result<(), Stopped> {
        if self.is_cancelled() {
            Err(Stopped::Cancelled)
        } else if self.deadline.is_some_and(|d| Instant::now() >= d) {
            Err(Stopped::TimedOut)
        } else {
            Ok(())
        }
    }

    /// How long is left before the deadline (`None` without one).
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline.map(|d| d.saturating_duration_since(Instant::now()))
    }
}

/// Cancels its budget when dropped (see [`Budget::cancel_on_drop`]).
#[derive(Debug)]
pub struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Counts the extractor's steps and checks the budget every [`CHECK_EVERY`].
pub(crate) struct Meter<'a> {
    budget: &'a Budget,
    until_check: u32,
}

impl<'a> Meter<'a> {
    /// Checks at once, then every [`CHECK_EVERY`] ticks.
    pub(crate) fn new(budget: &'a Budget) -> Self {
        Meter { budget, until_check: 0 }
    }

    #[inline]
    pub(crate) fn tick(&mut self) -> Result<(), Stopped> {
        if self.until_check == 0 {
            self.until_check = CHECK_EVERY;
            self.budget.check()?;
        }
        self.until_check -= 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_stops_when_cancelled_or_past_its_deadline() {
        let budget = Budget::unlimited();
        assert_eq!(budget.check(), Ok(()));
        assert_eq!(budget.remaining(), None);
        {
            let _guard = budget.cancel_on_drop();
            assert_eq!(budget.check(), Ok(()), "not before the guard goes");
        }
        assert_eq!(budget.check(), Err(Stopped::Cancelled), "dropping the guard cancels");

        let budget = Budget::within(Duration::ZERO);
        assert_eq!(budget.check(), Err(Stopped::TimedOut));
        let budget = Budget::within(Duration::from_secs(3600));
        assert_eq!(budget.check(), Ok(()));
        assert!(budget.remaining().unwrap() > Duration::from_secs(3500));
    }

    #[test]
    fn a_meter_checks_at_once_and_then_every_so_often() {
        let budget = Budget::unlimited();
        budget.cancel();
        assert_eq!(Meter::new(&budget).tick(), Err(Stopped::Cancelled));
        let budget = Budget::unlimited();
        let mut meter = Meter::new(&budget);
        meter.tick().unwrap();
        budget.cancel();
        for _ in 1..CHECK_EVERY {
            meter.tick().unwrap();
        }
        assert_eq!(meter.tick(), Err(Stopped::Cancelled));
    }
}
