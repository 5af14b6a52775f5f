//! RFC 5545 recurrence: rules, their expansion, and recurrence sets.
//!
//! Read in this order:
//! - [`rule`]: [`Rule`], an RRULE/EXRULE parsed and validated from its text.
//! - [`limits`]: the named bounds on every expansion.
//! - [`year`]: per-year day masks (month, day of month, week number, nth weekday).
//! - [`plan`]: a rule bound to its DTSTART: RFC 5545's implicit parts filled in.
//! - [`iter`]: [`RuleIter`], the lazy period-by-period expansion of one rule in its zone.
//! - [`set`]: [`RecurrenceSet`], RRULEs + RDATEs minus EXRULEs and EXDATEs, windowed.
//!
//! Expansion follows RFC 5545 as python-dateutil, rrule.js and the `rrule` crate read it
//! (the shared conformance corpus pins the reading): rules are expanded on the wall clock of
//! the event's zone, a reading skipped by DST moves forward by the gap, a repeated one takes
//! its first occurrence, invalid dates (February 30) are skipped.

pub mod error;
pub mod iter;
pub mod limits;
pub mod plan;
pub mod rule;
pub mod set;
pub mod year;

pub use error::{ExpandError, RuleError};
pub use iter::RuleIter;
pub use rule::{ByDay, Frequency, Rule, Until};
pub use set::{Occurrence, RecurrenceSet};
