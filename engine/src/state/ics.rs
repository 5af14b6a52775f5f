//! Meetings as iCalendar and back: [`events_of`] writes a meeting as its master VEVENT
//! (cancelled instances as EXDATEs) and one VEVENT per instance changed on its own
//! (RECURRENCE-ID); [`meetings_of_ics`] reads a file's series as meetings of one
//! organizer, overrides included. The CLI's `dms calendar --ics` and `dms import`, the
//! HTTP feed and import all use these two.

use super::meeting::{Attendee, MeetingSpec, Moved, Response};
use crate::ical::{Event, IcalError, Invitee, Series};
use crate::ids::{MeetingId, ResourceId};
use crate::office::Directory;
use crate::recurrence::RecurrenceSet;
use crate::time::format::rfc3339_in;
use crate::time::{Disambiguation, Instant, Zone};
use std::collections::BTreeSet;

/// The domain of the addresses in exported files.
pub const MAIL_DOMAIN: &str = "dms.example";

/// An answer as iCalendar's PARTSTAT.
pub fn partstat(r: Response) -> &'static str {
    match r {
        Response::NeedsAction => "NEEDS-ACTION",
        Response::Accepted => "ACCEPTED",
        Response::Declined => "DECLINED",
        Response::Tentative => "TENTATIVE",
    }
}

/// A PARTSTAT as an answer (anything else, or none: not answered yet).
pub fn response_of(partstat: Option<&str>) -> Response {
    match partstat {
        Some("ACCEPTED") => Response::Accepted,
        Some("DECLINED") => Response::Declined,
        Some("TENTATIVE") => Response::Tentative,
        _ => Response::NeedsAction,
    }
}

/// A meeting as VEVENTs: the master, then one per instance moved or resized on its own,
/// each with the RECURRENCE-ID of the instance it replaces.
pub fn events_of(m: &MeetingSpec) -> Vec<Event> {
    let addr = |r: &ResourceId| format!("mailto:{r}@{MAIL_DOMAIN}");
    let mut recurrence = m.recurrence.clone();
    recurrence.exdates.extend(m.cancelled.iter().copied());
    let master = Event {
        uid: m.uid.clone().unwrap_or_else(|| m.id.to_string()),
        summary: Some(m.title.clone()),
        description: None,
        location: m.rooms.first().map(|r| r.to_string()),
        organizer: Some(addr(&m.organizer)),
        // Roles and answers go out as ROLE and PARTSTAT; rooms as required attendees.
        attendees: (m.attendees.iter())
            .map(|a| Invitee {
                address: addr(&a.resource),
                optional: !a.required,
                partstat: Some(partstat(a.response).into()),
            })
            .chain(m.rooms.iter().map(|r| Invitee::new(addr(r))))
            .collect(),
        status: Some("CONFIRMED".into()),
        sequence: m.sequence,
        all_day: false,
        transparent: false,
        duration_secs: m.duration_secs,
        recurrence,
        recurrence_id: None,
        alarm_minutes: m.reminder_minutes,
        line: 0,
    };
    let zone = m.recurrence.zone;
    let overrides = m.overrides.iter().map(|(&key, moved)| Event {
        duration_secs: moved.duration_secs,
        recurrence: RecurrenceSet::single(zone.to_wall(moved.start), zone),
        recurrence_id: Some(key),
        ..master.clone()
    });
    let mut out: Vec<Event> = overrides.collect();
    out.insert(0, master);
    out
}

/// The meetings an iCalendar text describes, each organized by `organizer` (whose zone
/// is `zone`): one per series that is not cancelled, named by its UID
/// ([`MeetingSpec::name`]); floating times in `zone`; attendees the directory knows
/// become attendees or rooms, the others are left off with a note each. Overrides
/// (RECURRENCE-ID) become the meeting's moved instances, or cancelled ones. One event
/// that does not read is a note and the others are still read; a text none of whose
/// events reads is the first error.
pub fn meetings_of_ics(
    dir: &Directory,
    organizer: &ResourceId,
    zone: Zone,
    text: &str,
) -> Result<(Vec<MeetingSpec>, Vec<String>), IcalError> {
    let (series, mut bad) = crate::ical::parse_series_each(text)?;
    if series.is_empty() && !bad.is_empty() {
        return Err(bad.remove(0));
    }
    let mut notes: Vec<String> = (bad.into_iter())
        .map(|e| format!("{e}; that event was left out"))
        .collect();
    let mut specs = Vec::new();
    for s in &series {
        if let Some(m) = meeting_of(dir, organizer, zone, s, &mut notes) {
            specs.push(m);
        }
    }
    Ok((specs, notes))
}

/// One series as a meeting, or `None` (cancelled, transparent, or no master) with a note
/// where a person would want one.
fn meeting_of(
    dir: &Directory,
    organizer: &ResourceId,
    zone: Zone,
    s: &Series,
    notes: &mut Vec<String>,
) -> Option<MeetingSpec> {
    let master = s.master.as_ref()?;
    if master.is_cancelled() {
        return None;
    }
    // A transparent event takes no one's time (a birthday, a holiday marker): it is
    // not booked, and the note says so.
    if master.transparent {
        notes.push(format!(
            "{}: TRANSP:TRANSPARENT takes no time; not booked",
            s.uid
        ));
        return None;
    }
    // Another person of the company organizes it and invites the importer: it is an
    // invitation the importer has already, theirs to change; a copy would double-book
    // everyone in it. (Someone else's meeting without the importer is copied as the
    // importer's own, like any event of a file.)
    let invited = (master.attendees.iter()).any(|a| person_of(&a.address) == *organizer);
    if let Some(other) = (master.organizer.as_deref())
        .map(person_of)
        .filter(|p| invited && p != organizer && dir.people.contains_key(p))
    {
        notes.push(format!(
            "{}: {other}'s meeting, to which {organizer} is invited already; not imported",
            s.uid
        ));
        return None;
    }
    let mut recurrence = master.recurrence.clone();
    if recurrence.zone == Zone::Floating {
        recurrence.zone = zone;
    }
    let mut attendees = Vec::new();
    let mut rooms = Vec::new();
    for a in &master.attendees {
        let address = &a.address;
        let id = person_of(address);
        if dir.rooms.contains_key(&id) {
            rooms.push(id);
        } else if dir.people.contains_key(&id) && id != *organizer {
            attendees.push(Attendee {
                resource: id,
                required: !a.optional,
                response: response_of(a.partstat.as_deref()),
            });
        } else if id != *organizer {
            notes.push(format!(
                "{address} is not in the company; left off {}",
                s.uid
            ));
        }
    }
    let mut m = MeetingSpec {
        id: MeetingId::made(organizer, &s.uid),
        organizer: organizer.clone(),
        title: master.summary.clone().unwrap_or_default(),
        attendees,
        rooms,
        duration_secs: master.duration_secs,
        recurrence,
        cancelled: Default::default(),
        expansion: Default::default(),
        uid: Some(s.uid.clone()),
        sequence: master.sequence,
        overrides: Default::default(),
        reminder_minutes: master.alarm_minutes,
    };
    add_overrides(&mut m, s, zone);
    // What this version keeps of an instance is its time and length: say so where a
    // file gives one instance people or a title of its own.
    let own = |ov: &&Event| {
        let people = |e: &Event| -> BTreeSet<String> {
            (e.attendees.iter())
                .map(|a| a.address.to_ascii_lowercase())
                .collect()
        };
        !ov.is_cancelled() && (people(ov) != people(master) || ov.summary != master.summary)
    };
    let differing: Vec<String> = (s.overrides.iter().filter(own))
        .filter_map(|ov| ov.recurrence_id)
        .map(|k| rfc3339_in(k, m.recurrence.zone))
        .collect();
    if !differing.is_empty() {
        notes.push(format!(
            "{}: the instances of {} have people or a title of their own in the file; \
             their time is kept, the series' people and title apply",
            s.uid,
            differing.join(", ")
        ));
    }
    Some(m)
}

/// The person an address names: `mailto:dev@dms.example` is `dev`.
fn person_of(address: &str) -> ResourceId {
    let local = address.rsplit(':').next().unwrap_or(address);
    ResourceId::new(local.split('@').next().unwrap_or(local))
}

/// The series' RECURRENCE-ID overrides on `m`: a cancelled instance is cancelled, a
/// moved or resized one is an override (its own people and title are not kept: a
/// meeting's people are the series'). An override of a time the rule never gives is an
/// extra instance (an RDATE), as calendar programs show it. RANGE=THISANDFUTURE is read
/// as naming its one instance, as the independent reading of real files does.
fn add_overrides(m: &mut MeetingSpec, s: &Series, zone: Zone) {
    let keys: Vec<Instant> = match m.instances() {
        Ok(i) => i.into_iter().map(|(k, _)| k).collect(),
        Err(_) => return, // the meeting is refused with the reason when it is admitted
    };
    let read = |e: &Event| match e.recurrence.zone {
        Zone::Floating => zone
            .to_instant(e.recurrence.dtstart, Disambiguation::Compatible)
            .unwrap_or(e.recurrence.start()),
        _ => e.recurrence.start(),
    };
    for ov in &s.overrides {
        let Some(key) = ov.recurrence_id else {
            continue;
        };
        let moved = Moved {
            start: read(ov),
            duration_secs: ov.duration_secs,
        };
        if keys.binary_search(&key).is_ok() {
            if ov.is_cancelled() {
                m.overrides.remove(&key);
                m.cancelled.insert(key);
            } else {
                m.overrides.insert(key, moved);
            }
        } else if !ov.is_cancelled() && !keys.contains(&moved.start) {
            m.recurrence.rdates.push(moved.start);
            if moved.duration_secs != m.duration_secs {
                m.overrides.insert(moved.start, moved);
            }
        }
    }
    m.overrides
        .retain(|k, v| v.start != *k || v.duration_secs != m.duration_secs);
}
