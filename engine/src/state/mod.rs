//! The per-office state machine: `apply(command) -> outcome` over the calendars of the
//! people and rooms an office owns. Deterministic and serializable, so the node, the
//! simulator and a later replica group (each applying the same log) reach the same state.
//!
//! Read in this order:
//! - [`meeting`]: [`MeetingSpec`] (who, when, how it repeats) and attendee responses.
//! - [`edit`]: retiming one instance, this and the following ones, or the series
//!   ([`MeetingSpec::retimed`]): the next version a change books.
//! - [`command`]: [`Command`], every change an office can be asked for.
//! - [`outcome`]: [`Outcome`], what each command did, and [`Rejection`]s.
//! - [`machine`]: [`OfficeState`] and `apply`.
//! - [`import`]: `Import`, bringing existing single-office calendars in.
//! - [`ics`]: meetings as iCalendar VEVENTs (overrides as RECURRENCE-IDs) and back.
//! - [`invariant`]: the check run after every change: no resource double-booked unless
//!   the organizer overrode, and then it is recorded.
//! - [`outbox`]: [`Effect`]s a command leaves for the node (deliveries to other offices,
//!   [`Notification`]s), durable until done.
//! - [`remind`]: reminders, each once (a watermark moved by `Remind`).
//! - [`messaging`]: `Originate`, `Deliver` (once per key), `Done`, and who is notified.
//! - [`counter`]: an invitee's counter-proposal and the organizer's decline.
//!
//! Two-phase commit lives in the node; here it is three commands: `Prepare` places holds
//! (status `Hold`, which block like bookings), `Commit` turns them into bookings, `Abort`
//! removes them. Every command is idempotent by transaction or meeting id.

pub mod command;
pub mod counter;
pub mod edit;
pub mod ics;
pub mod import;
pub mod invariant;
pub mod machine;
pub mod meeting;
pub mod messaging;
pub mod outbox;
pub mod outcome;
pub mod remind;

pub use command::{CancelScope, Command};
pub use edit::{EditError, EditScope, Retime};
#[cfg(any(feature = "planted-bugs", debug_assertions))]
pub use machine::Bug;
pub use machine::OfficeState;
pub use meeting::{Attendee, MeetingSpec, Moved, Response};
pub use outbox::{Effect, NoticeKind, Notification, Outbox};
pub use outcome::{Outcome, Rejection};
