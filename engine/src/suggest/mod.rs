//! Suggestions: the best times for a meeting, ranked by a documented score and explained.
//!
//! Read in this order:
//! - [`request`]: [`SuggestRequest`] and its limits.
//! - [`source`]: [`BusySource`], where busy time comes from (local calendars, or a
//!   remote office's cached free/busy).
//! - [`grid`]: candidate start times on a grid, and per-resource flags per slot (busy,
//!   tentative, inside working hours, over lunch) marked in O(intervals + marked slots).
//! - [`score`]: the score and its weights.
//! - [`answer`]: [`Suggestions`], [`Candidate`], and why an answer is empty.
//! - [`search`]: [`suggest`], which puts them together.

pub mod answer;
pub mod grid;
pub mod request;
pub mod score;
pub mod search;
pub mod source;

pub use answer::{AttendeeStatus, Availability, Candidate, InstanceFit, Suggestions};
pub use request::{RoomRequest, SuggestError, SuggestRequest};
pub use search::suggest;
pub use source::BusySource;
