//! iCalendar (RFC 5545): VEVENTs in and out.
//!
//! Read in this order:
//! - [`error`]: [`IcalError`], which always names the line and the problem.
//! - [`lines`]: unfolding with a map back to the physical lines of the input.
//! - [`value`]: DATE, DATE-TIME, DURATION and date-list values with their TZID.
//! - [`zones`]: TZID to zone: IANA names, prefixed IANA names, VTIMEZONE's
//!   X-LIC-LOCATION, the common Windows zone names, and VTIMEZONE rules
//!   ([`vtimezone`]: evaluated, matched to the IANA zone that keeps them).
//! - [`event`]: [`Event`] and [`Series`] (a master plus its RECURRENCE-ID overrides).
//! - [`import`]: text to events, through the `icalendar` crate's parser.
//! - [`export`]: events to text, with VTIMEZONE components and folded lines.

pub mod error;
pub mod event;
pub mod export;
pub mod import;
pub mod lines;
pub mod value;
pub mod vtimezone;
pub mod zones;

pub use error::IcalError;
pub use event::{Event, Instance, Invitee, Series};
pub use export::{export_events, export_events_at};
pub use import::{parse_each_event, parse_events, parse_series, parse_series_each};

/// The largest iCalendar input accepted, in bytes.
pub const MAX_ICS_BYTES: usize = 16 * 1024 * 1024;
/// The most VEVENTs one input may hold.
pub const MAX_EVENTS: usize = 100_000;
/// The most RDATE or EXDATE values one event may hold.
pub const MAX_DATES_PER_EVENT: usize = 10_000;
