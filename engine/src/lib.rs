//! # engine: the pure core of the distributed meeting scheduler
//!
//! No I/O, no clock, no randomness: every function takes its inputs (and `now` where time
//! matters) and returns decisions. The node, the simulator and a future replica group all
//! run this same code.
//!
//! Read it bottom-up:
//! - [`time`]: instants, wall-clock readings, zones, DST disambiguation, RFC 3339 output.
//! - [`recurrence`]: RFC 5545 rules, their lazy windowed expansion, recurrence sets.
//! - [`ical`]: iCalendar (RFC 5545) import and export of VEVENTs.
//! - [`ids`]: identifiers of offices, resources, meetings and transactions.
//! - [`calendar`]: intervals, the per-resource busy index, free/busy and conflicts.
//! - [`office`]: offices, people and rooms: zones, working hours, lunch, holidays.
//! - [`suggest`]: ranked, explained meeting-time suggestions.
//! - [`state`]: the per-office state machine, `apply(command) -> outcome`.

#![deny(missing_docs)]

pub mod calendar;
pub mod ical;
pub mod ids;
pub mod office;
pub mod recurrence;
pub mod state;
pub mod suggest;
pub mod time;
