//! Calendars: busy time per resource (a person or a room), free/busy, and conflicts.
//!
//! Read in this order:
//! - [`interval`]: half-open [`Interval`]s and their algebra (merge, subtract, intersect).
//! - [`index`]: [`IntervalIndex`], overlap queries in O(d·log n + k).
//! - [`resource`]: [`ResourceCalendar`], one resource's busy entries with their status.
//! - [`freebusy`]: free/busy over a window, merged per status.
//! - [`conflict`]: [`Conflict`], a proposed instance that collides with a booking.

pub mod conflict;
pub mod freebusy;
pub mod index;
pub mod interval;
pub mod resource;

pub use conflict::Conflict;
pub use freebusy::{FreeBusy, FreeBusyPeriod};
pub use index::IntervalIndex;
pub use interval::Interval;
pub use resource::{BusyEntry, BusyStatus, ResourceCalendar};
