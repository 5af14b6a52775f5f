//! [`Event`]s to iCalendar text: a VCALENDAR with one VTIMEZONE per zone used (its
//! transitions around the events' years, read from the tz database) and folded, escaped
//! content lines, so that other calendar software reads the times exactly.

use super::event::Event;
use super::value::format_duration;
use crate::recurrence::rule::compact;
use crate::time::format::write_offset;
use crate::time::{Instant, Wall, Zone};
use std::collections::BTreeMap;

/// Writes `events` as one VCALENDAR.
pub fn export_events(events: &[Event]) -> String {
    export_events_at(events, Instant(0))
}

/// [`export_events`] with `stamp` (when the file is written) as every event's DTSTAMP;
/// the engine has no clock, so the caller says when.
pub fn export_events_at(events: &[Event], stamp: Instant) -> String {
    let mut out = Lines::default();
    out.push("BEGIN:VCALENDAR".into());
    out.push("VERSION:2.0".into());
    out.push("PRODID:-//dms//distributed meeting scheduler//EN".into());
    let mut zones: BTreeMap<&'static str, (Zone, i32, i32)> = BTreeMap::new();
    for e in events {
        if let Zone::Iana(_) = e.recurrence.zone {
            let (y, _, _) = e.recurrence.dtstart.ymd();
            let entry = zones
                .entry(e.recurrence.zone.name())
                .or_insert((e.recurrence.zone, y, y));
            entry.1 = entry.1.min(y);
            entry.2 = entry.2.max(y + 1);
        }
    }
    for (zone, from, to) in zones.values() {
        write_vtimezone(&mut out, *zone, *from, *to);
    }
    for e in events {
        write_event(&mut out, e, stamp);
    }
    out.push("END:VCALENDAR".into());
    out.finish()
}

#[derive(Default)]
struct Lines(Vec<String>);

impl Lines {
    fn push(&mut self, line: String) {
        self.0.push(line);
    }
    fn extend<const N: usize>(&mut self, lines: [String; N]) {
        self.0.extend(lines);
    }
    /// Joins with CRLF, folding lines longer than 75 octets (RFC 5545 §3.1) on character
    /// boundaries.
    fn finish(self) -> String {
        let mut s = String::new();
        for line in self.0 {
            let mut width = 0;
            for c in line.chars() {
                if width + c.len_utf8() > 75 {
                    s.push_str("\r\n ");
                    width = 1;
                }
                s.push(c);
                width += c.len_utf8();
            }
            s.push_str("\r\n");
        }
        s
    }
}

/// Escapes an RFC 5545 TEXT value.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

fn time_prop(name: &str, t: Instant, zone: Zone, all_day: bool) -> String {
    match zone {
        _ if all_day => {
            let (y, m, d) = Wall(t.0).ymd();
            format!("{name};VALUE=DATE:{y:04}{m:02}{d:02}")
        }
        Zone::Utc => format!("{name}:{}", compact(t.utc_wall(), "Z")),
        Zone::Floating => format!("{name}:{}", compact(t.utc_wall(), "")),
        Zone::Iana(_) => format!(
            "{name};TZID={}:{}",
            zone.name(),
            compact(zone.to_wall(t), "")
        ),
    }
}

fn write_event(out: &mut Lines, e: &Event, stamp: Instant) {
    let rec = &e.recurrence;
    let zone = rec.zone;
    out.push("BEGIN:VEVENT".into());
    out.push(format!("UID:{}", escape_text(&e.uid)));
    out.push(format!("DTSTAMP:{}", compact(stamp.utc_wall(), "Z")));
    if let Some(id) = e.recurrence_id {
        out.push(time_prop("RECURRENCE-ID", id, zone, e.all_day));
    }
    out.push(time_prop("DTSTART", rec.start(), zone, e.all_day));
    out.push(format!("DURATION:{}", format_duration(e.duration_secs)));
    for (name, v) in [
        ("SUMMARY", &e.summary),
        ("DESCRIPTION", &e.description),
        ("LOCATION", &e.location),
    ] {
        if let Some(v) = v {
            out.push(format!("{name}:{}", escape_text(v)));
        }
    }
    if let Some(o) = &e.organizer {
        out.push(format!("ORGANIZER:{o}"));
    }
    for a in &e.attendees {
        let role = if a.optional {
            "OPT-PARTICIPANT"
        } else {
            "REQ-PARTICIPANT"
        };
        let partstat = (a.partstat.as_deref()).map_or(String::new(), |p| format!(";PARTSTAT={p}"));
        out.push(format!("ATTENDEE;ROLE={role}{partstat}:{}", a.address));
    }
    if let Some(s) = &e.status {
        out.push(format!("STATUS:{s}"));
    }
    if e.sequence > 0 {
        out.push(format!("SEQUENCE:{}", e.sequence));
    }
    if e.transparent {
        out.push("TRANSP:TRANSPARENT".into());
    }
    for r in &rec.rrules {
        out.push(format!("RRULE:{r}"));
    }
    for r in &rec.exrules {
        out.push(format!("EXRULE:{r}"));
    }
    for (name, list) in [("RDATE", &rec.rdates), ("EXDATE", &rec.exdates)] {
        for &t in list {
            out.push(time_prop(name, t, zone, e.all_day));
        }
    }
    match e.alarm_minutes {
        None => {}
        // RFC 9074's alarm that does nothing: no reminder for this event.
        Some(0) => out.extend([
            "BEGIN:VALARM".into(),
            "ACTION:NONE".into(),
            "TRIGGER;VALUE=DATE-TIME:19760401T005545Z".into(),
            "END:VALARM".into(),
        ]),
        Some(m) => out.extend([
            "BEGIN:VALARM".into(),
            "ACTION:DISPLAY".into(),
            format!(
                "DESCRIPTION:{}",
                escape_text(e.summary.as_deref().unwrap_or("Reminder"))
            ),
            format!("TRIGGER:-PT{m}M"),
            "END:VALARM".into(),
        ]),
    }
    out.push("END:VEVENT".into());
}

/// A VTIMEZONE with the zone's transitions from January `from` to December `to`, then
/// its rule from then on as yearly RRULEs, so that a program evaluating the VTIMEZONE
/// (rather than looking its name up) reads every later year of a series right too.
fn write_vtimezone(out: &mut Lines, zone: Zone, from: i32, to: i32) {
    out.push("BEGIN:VTIMEZONE".into());
    out.push(format!("TZID:{}", zone.name()));
    out.push(format!("X-LIC-LOCATION:{}", zone.name()));
    let changes = transitions(zone, from, to);
    for &(at, before, after) in &changes {
        write_observance(out, at, before, after, None);
    }
    match yearly_rules(zone, to + 1) {
        Some(rules) => {
            for (at, before, after, rule) in rules {
                write_observance(out, at, before, after, Some(&rule));
            }
        }
        // A zone whose changes no yearly rule describes: each change, written out.
        None => {
            for (at, before, after) in transitions(zone, to + 1, to + RULE_YEARS) {
                write_observance(out, at, before, after, None);
            }
        }
    }
    if changes.is_empty() && transitions(zone, to + 1, to + RULE_YEARS).is_empty() {
        let offset = zone.offset_at(Instant(Wall::from_ymd_hms(from, 1, 1, 0, 0, 0).0));
        write_observance(out, Instant(0), offset, offset, None);
    }
    out.push("END:VTIMEZONE".into());
}

/// How many years a zone's yearly rule is checked against its real changes (and written
/// out change by change when none fits).
const RULE_YEARS: i32 = 20;

/// The zone's offset changes from January `from` to December `to`: (instant, offset
/// before, offset after).
fn transitions(zone: Zone, from: i32, to: i32) -> Vec<(Instant, i32, i32)> {
    let mut out = Vec::new();
    let start = Wall::from_ymd_hms(from, 1, 1, 0, 0, 0).0;
    let end = Wall::from_ymd_hms(to, 12, 31, 0, 0, 0).0 + 86_400;
    let mut t = start;
    let mut prev = zone.offset_at(Instant(t));
    while t < end {
        let next = t + 86_400;
        let off = zone.offset_at(Instant(next));
        if off != prev {
            // Bisect to the second the offset changes.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if zone.offset_at(Instant(mid)) == prev {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push((Instant(hi), prev, off));
            prev = off;
        }
        t = next;
    }
    out
}

/// The zone's changes in `year` as yearly rules (`BYMONTH=3;BYDAY=2SU`, or `-1SU` for
/// the last one of the month) with their first change, if those rules give exactly the
/// zone's changes for [`RULE_YEARS`] years; `None` otherwise (or with no changes).
fn yearly_rules(zone: Zone, year: i32) -> Option<Vec<(Instant, i32, i32, String)>> {
    use crate::recurrence::{RecurrenceSet, Rule};
    let first = transitions(zone, year, year);
    if first.is_empty() {
        return None;
    }
    let later = transitions(zone, year, year + RULE_YEARS - 1);
    let mut out = Vec::new();
    let mut predicted = Vec::new();
    for &(at, before, after) in &first {
        let local = Wall(at.0 + i64::from(before));
        let (_, month, day) = local.ymd();
        let last = day + 7 > crate::time::civil::days_in_month(year, month);
        let nth = if last { -1 } else { (day as i32 - 1) / 7 + 1 };
        let text = format!(
            "FREQ=YEARLY;BYMONTH={month};BYDAY={nth}{}",
            local.weekday().code()
        );
        let rule = Rule::parse(&text).ok()?;
        let set = RecurrenceSet::with_rule(local, Zone::Floating, rule);
        let end = Instant(Wall::from_ymd_hms(year + RULE_YEARS, 1, 1, 0, 0, 0).0);
        for o in set.between(Instant(local.0), end, 1_000).ok()? {
            predicted.push((Instant(o.start.0 - i64::from(before)), before, after));
        }
        out.push((at, before, after, text));
    }
    predicted.sort();
    (predicted == later).then_some(out)
}

/// An RFC 5545 UTC-OFFSET value: `+0530`, `-0330`, `+001115` for offsets with seconds.
fn utc_offset(secs: i32) -> String {
    let mut s = String::new();
    write_offset(&mut s, secs);
    s.replace(':', "")
}

fn write_observance(out: &mut Lines, at: Instant, from: i32, to: i32, rule: Option<&str>) {
    let kind = if to > from { "DAYLIGHT" } else { "STANDARD" };
    out.push(format!("BEGIN:{kind}"));
    out.push(format!(
        "DTSTART:{}",
        compact(Wall(at.0 + i64::from(from)), "")
    ));
    out.push(format!("TZOFFSETFROM:{}", utc_offset(from)));
    out.push(format!("TZOFFSETTO:{}", utc_offset(to)));
    if let Some(r) = rule {
        out.push(format!("RRULE:{r}"));
    }
    out.push(format!("END:{kind}"));
}

#[cfg(test)]
mod tests {
    use super::super::import::parse_events;
    use super::*;

    #[test]
    fn round_trips_through_the_parser() {
        let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:r@x\r\nDTSTART;TZID=America/New_York:20260121T100000\r\nDURATION:PT1H\r\nSUMMARY:A long summary, with commas; semicolons and a line\\nbreak that goes on past seventy-five octets\r\nRRULE:FREQ=MONTHLY;BYDAY=3WE;BYMONTH=1,2,3,4,5,6,7,8,9,10,11;UNTIL=20281231T235959Z\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=-2FR;UNTIL=20281231T235959Z\r\nEXDATE;TZID=America/New_York:20260218T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let events = parse_events(text).unwrap();
        let exported = export_events(&events);
        assert!(exported.contains("BEGIN:VTIMEZONE"));
        assert!(exported.contains("TZOFFSETFROM:-0500"));
        assert!(exported.lines().all(|l| l.len() <= 76));
        let again = parse_events(&exported).unwrap();
        assert_eq!(
            again,
            events
                .iter()
                .map(|e| Event {
                    line: again[0].line,
                    ..e.clone()
                })
                .collect::<Vec<_>>()
        );
    }
}
