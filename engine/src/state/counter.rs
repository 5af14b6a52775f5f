//! `Counter`: an invitee proposes another time (iTIP COUNTER) or the organizer declines
//! the proposal (DECLINECOUNTER). It books nothing: each office that holds a copy checks
//! the proposal against it (the attendee invited, the instance one of the meeting's) and
//! queues the notification for its own person: the organizer hears of a proposal, the
//! invitee of a decline. An accepted proposal is a change of the meeting (`edit.rs`),
//! checked and booked like any.

use super::machine::OfficeState;
use super::meeting::MAX_DURATION_SECS;
use super::outbox::NoticeKind;
use super::outcome::{Outcome, Rejection};
use crate::ids::{MeetingId, ResourceId};
use crate::time::Instant;

impl OfficeState {
    pub(super) fn counter(
        &mut self,
        id: &MeetingId,
        attendee: &ResourceId,
        instance: Option<Instant>,
        (start, duration_secs): (Instant, i64),
        declined: bool,
    ) -> (Outcome, Vec<MeetingId>) {
        let reject = |r| (Outcome::Rejected(r), vec![]);
        let Some(m) = self.meetings.get(id).cloned() else {
            return reject(Rejection::UnknownMeeting(id.clone()));
        };
        if !m.attendees.iter().any(|a| &a.resource == attendee) {
            return reject(Rejection::NotInvited(attendee.clone()));
        }
        if let Some(key) = instance {
            let known = (m.instances().unwrap_or_default().iter()).any(|(k, _)| *k == key);
            if !known {
                return reject(Rejection::NoSuchInstance {
                    meeting: id.clone(),
                    at: key,
                });
            }
        }
        if duration_secs <= 0 || duration_secs > MAX_DURATION_SECS {
            return reject(Rejection::BadMeeting(format!(
                "a proposed length of {duration_secs} seconds; 1 to {MAX_DURATION_SECS} only"
            )));
        }
        let (to, kind) = if declined {
            let kind = NoticeKind::ProposalDeclined { instance, start };
            (attendee.clone(), kind)
        } else {
            let kind = NoticeKind::Proposed {
                attendee: attendee.clone(),
                instance,
                start,
                duration_secs,
            };
            (m.organizer.clone(), kind)
        };
        if self.owns(&to) {
            self.notify(&m, [to], kind);
        }
        (
            Outcome::Countered {
                meeting: id.clone(),
            },
            vec![],
        )
    }
}
