//! Instants, wall-clock times and zones.
//!
//! Read in this order:
//! - [`civil`]: proleptic Gregorian calendar arithmetic on day numbers (no allocation, no zone).
//! - [`instant`]: [`Instant`], a point on the UTC time line, and [`Wall`], a wall-clock reading.
//! - [`zone`]: [`Zone`] (UTC, floating or an IANA zone) with explicit [`Disambiguation`]
//!   of DST gaps and folds when a wall-clock time becomes an instant.
//! - [`cache`]: [`OffsetCache`], fast wall-to-instant conversion for forward walks.
//! - [`table`]: per-zone offset tables read once from the tz database.
//! - [`format`]: RFC 3339 text with the offset in force, the form every output uses.

pub mod cache;
pub mod civil;
pub mod format;
pub mod instant;
pub mod table;
pub mod zone;

pub use cache::OffsetCache;
pub use civil::Weekday;
pub use instant::{Instant, Wall};
pub use zone::{Disambiguation, Zone, ZoneError};
