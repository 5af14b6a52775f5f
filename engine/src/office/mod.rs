//! Offices, people and rooms: where everyone is, in which zone, and when they work.
//!
//! Read in this order:
//! - [`hours`]: [`WeekHours`] (`MO-FR 09:00-17:30`) and [`Span`]s of the day (lunch).
//! - [`directory`]: [`Office`], [`Person`], [`Room`] and the [`Directory`] of them all,
//!   which turns hours, lunch and holidays into intervals of instants.

pub mod directory;
pub mod hours;

pub use directory::{Directory, DirectoryError, Office, Person, Room};
pub use hours::{Span, WeekHours};
