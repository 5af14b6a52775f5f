//! iCalendar text to [`Event`]s. The `icalendar` crate's parser reads the content lines,
//! components, properties and parameters; this module gives them meaning and locates
//! every problem on a physical line of the input.

use super::error::IcalError;
use super::event::{Event, Invitee, Series};
use super::lines::Unfolded;
use super::value::{parse_date_list, parse_duration, TimeValue};
use super::vtimezone::{parse_offset, Observance, Rules};
use super::zones::ZoneResolver;
use super::{MAX_DATES_PER_EVENT, MAX_EVENTS, MAX_ICS_BYTES};
use crate::recurrence::rule::parse_ical_datetime;
use crate::recurrence::{RecurrenceSet, Rule};
use crate::state::meeting::MAX_REMINDER_MINUTES;
use crate::time::{Disambiguation, Instant, Wall, Zone};
use icalendar::parser::{read_calendar_simple, Component, Property};

/// Parses every VEVENT of an iCalendar text, in file order; the first event that does
/// not read is the error.
pub fn parse_events(input: &str) -> Result<Vec<Event>, IcalError> {
    parse_each_event(input)?.into_iter().collect()
}

/// Parses every VEVENT of an iCalendar text, in file order, each on its own: an event
/// that does not read is its own error, and the others still read. The error of the
/// whole is what spoils every event (the file's size, its structure).
pub fn parse_each_event(input: &str) -> Result<Vec<Result<Event, IcalError>>, IcalError> {
    if input.len() > MAX_ICS_BYTES {
        return Err(IcalError::at(
            0,
            format!(
                "input is {} bytes; the limit is {MAX_ICS_BYTES}",
                input.len()
            ),
        ));
    }
    let unfolded = Unfolded::new(input);
    precheck(&unfolded)?;
    let roots = read_calendar_simple(&unfolded.text).map_err(|e| {
        let offset = unfolded.text.len() - e.input.len();
        IcalError::at(
            unfolded.line_at(offset),
            format!(
                "cannot parse {:?}: not a valid content line or a BEGIN/END mismatch",
                unfolded.excerpt(offset)
            ),
        )
    })?;
    let mut vevents: Vec<&Component<'_>> = Vec::new();
    let mut zones = ZoneResolver::default();
    let mut calendar_zone = None;
    for root in &roots {
        match root.name.as_str().to_ascii_uppercase().as_str() {
            "VCALENDAR" => {
                for c in &root.components {
                    collect(c, &mut vevents, &mut zones);
                }
                // X-WR-TIMEZONE (Google, Apple): the calendar's zone. Times written in UTC
                // are shown, and repeat, in it (what the programs that write it mean).
                calendar_zone = (root.find_prop("X-WR-TIMEZONE"))
                    .and_then(|p| zones.resolve(p.val.as_str().trim()).ok());
            }
            _ => collect(root, &mut vevents, &mut zones),
        }
    }
    if vevents.len() > MAX_EVENTS {
        return Err(IcalError::at(
            0,
            format!("{} VEVENTs; the limit is {MAX_EVENTS}", vevents.len()),
        ));
    }
    let reader = Reader {
        unfolded: &unfolded,
        zones,
    };
    let mut events: Vec<Result<Event, IcalError>> =
        vevents.iter().map(|c| reader.event(c)).collect();
    if let Some(z) = calendar_zone {
        for e in events.iter_mut().flatten() {
            if e.recurrence.zone == Zone::Utc && !e.all_day {
                let start = e.recurrence.start();
                e.recurrence.dtstart = z.to_wall(start);
                e.recurrence.zone = z;
            }
        }
    }
    Ok(events)
}

/// Parses every VEVENT and groups them by UID into series, in order of first appearance.
pub fn parse_series(input: &str) -> Result<Vec<Series>, IcalError> {
    Ok(group(parse_events(input)?))
}

/// [`parse_series`] of the events that read, and the errors of those that do not (an
/// import books the others and reports these).
pub fn parse_series_each(input: &str) -> Result<(Vec<Series>, Vec<IcalError>), IcalError> {
    let (good, bad): (Vec<_>, Vec<_>) = parse_each_event(input)?
        .into_iter()
        .partition(Result::is_ok);
    let good = good.into_iter().flatten().collect();
    let bad = bad.into_iter().filter_map(Result::err).collect();
    Ok((group(good), bad))
}

/// Groups events by UID into series, in order of first appearance.
fn group(events: Vec<Event>) -> Vec<Series> {
    let mut out: Vec<Series> = Vec::new();
    for ev in events {
        let idx = match out.iter().position(|s| s.uid == ev.uid) {
            Some(i) => i,
            None => {
                out.push(Series {
                    uid: ev.uid.clone(),
                    master: None,
                    overrides: vec![],
                });
                out.len() - 1
            }
        };
        let s = &mut out[idx];
        // Several versions of one VEVENT (programs that append on each change): the one
        // with the highest SEQUENCE stands; of equal ones, the first.
        if ev.recurrence_id.is_some() {
            match s
                .overrides
                .iter_mut()
                .find(|o| o.recurrence_id == ev.recurrence_id)
            {
                Some(o) if ev.sequence > o.sequence => *o = ev,
                Some(_) => {}
                None => s.overrides.push(ev),
            }
        } else {
            match &s.master {
                Some(m) if ev.sequence <= m.sequence => {}
                _ => s.master = Some(ev),
            }
        }
    }
    out
}

/// Problems the generic parser would report vaguely, found and named first.
fn precheck(u: &Unfolded) -> Result<(), IcalError> {
    let mut depth: Vec<&str> = Vec::new();
    for (k, line) in u.text.lines().enumerate() {
        let at = u.origin.get(k).copied().unwrap_or(1);
        let Some((head, value)) = line.split_once(':') else {
            return Err(IcalError::at(
                at,
                format!("no ':' between name and value in {:?}", excerpt(line)),
            ));
        };
        let name = head.split(';').next().unwrap_or(head);
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(IcalError::at(
                at,
                format!("bad property name {:?}", excerpt(name)),
            ));
        }
        if name.eq_ignore_ascii_case("BEGIN") {
            if depth.len() >= 8 {
                return Err(IcalError::at(at, "components nested deeper than 8 levels"));
            }
            depth.push(value.trim());
        } else if name.eq_ignore_ascii_case("END") {
            match depth.pop() {
                Some(open) if open.eq_ignore_ascii_case(value.trim()) => {}
                Some(open) => {
                    return Err(IcalError::at(
                        at,
                        format!("END:{} closes BEGIN:{open}", excerpt(value)),
                    ))
                }
                None => {
                    return Err(IcalError::at(
                        at,
                        format!("END:{} without a BEGIN", excerpt(value)),
                    ))
                }
            }
        } else if depth.is_empty() {
            return Err(IcalError::at(
                at,
                format!("property {:?} outside any component", excerpt(name)),
            ));
        }
    }
    if let Some(open) = depth.last() {
        return Err(IcalError::at(
            u.origin.last().copied().unwrap_or(1),
            format!("BEGIN:{open} is never closed"),
        ));
    }
    if u.origin.is_empty() {
        return Err(IcalError::at(0, "empty input: expected BEGIN:VCALENDAR"));
    }
    Ok(())
}

/// A UID for a VEVENT that has none: `dms-` and 16 hex digits of an FNV-1a hash of its
/// properties (a label, not a secret).
fn made_up_uid(c: &Component<'_>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in &c.properties {
        for part in [p.name.as_str(), ":", p.val.as_str(), "\n"] {
            for b in part.bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    format!("dms-{h:016x}")
}

fn excerpt(s: &str) -> String {
    s.chars().take(60).collect()
}

fn collect<'a>(c: &'a Component<'a>, out: &mut Vec<&'a Component<'a>>, zones: &mut ZoneResolver) {
    match c.name.as_str().to_ascii_uppercase().as_str() {
        "VEVENT" => out.push(c),
        "VTIMEZONE" => {
            let tzid = c.find_prop("TZID").map(|p| p.val.as_str().to_string());
            let loc = c
                .find_prop("X-LIC-LOCATION")
                .map(|p| p.val.as_str().to_string());
            if let (Some(t), Some(l)) = (&tzid, loc) {
                zones.add_location(t, &l);
            }
            if let Some(t) = tzid {
                if let Some(rules) = observances(c) {
                    zones.add_rules(&t, rules);
                }
            }
        }
        _ => {}
    }
}

/// A VTIMEZONE's STANDARD and DAYLIGHT observances, or `None` if one does not read
/// (the TZID then stays unknown, and the events using it say so).
fn observances(c: &Component<'_>) -> Option<Rules> {
    let mut out = Vec::new();
    for o in &c.components {
        let kind = o.name.as_str().to_ascii_uppercase();
        if kind != "STANDARD" && kind != "DAYLIGHT" {
            continue;
        }
        let prop = |name: &str| o.find_prop(name).map(|p| p.val.as_str().trim().to_string());
        let wall = |v: &str| parse_ical_datetime(v).map(|(w, _, _)| w);
        let start = wall(&prop("DTSTART")?)?;
        let rule = match prop("RRULE") {
            Some(r) => Some(Rule::parse(&r).ok()?),
            None => None,
        };
        let mut rdates = Vec::new();
        for p in o
            .properties
            .iter()
            .filter(|p| p.name.as_str().eq_ignore_ascii_case("RDATE"))
        {
            for v in p.val.as_str().split(',') {
                rdates.push(wall(v.trim())?);
            }
        }
        out.push(Observance {
            start,
            from: parse_offset(&prop("TZOFFSETFROM")?).ok()?,
            to: parse_offset(&prop("TZOFFSETTO")?).ok()?,
            rule,
            rdates,
        });
    }
    (!out.is_empty()).then_some(Rules(out))
}

struct Reader<'u> {
    unfolded: &'u Unfolded,
    zones: ZoneResolver,
}

/// Unescapes an RFC 5545 TEXT value.
pub fn unescape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') | Some('N') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

impl Reader<'_> {
    fn line(&self, p: &Property<'_>) -> usize {
        self.unfolded.line_of(p.name.as_str()).unwrap_or(0)
    }

    fn param<'p>(p: &'p Property<'_>, key: &str) -> Option<&'p str> {
        p.params
            .iter()
            .find(|x| x.key.as_str().eq_ignore_ascii_case(key))
            .and_then(|x| x.val.as_ref())
            .map(|v| v.as_str())
    }

    fn tzid(&self, p: &Property<'_>) -> Result<Option<Zone>, IcalError> {
        Self::param(p, "TZID")
            .map(|t| {
                self.zones
                    .resolve(t)
                    .map_err(|e| IcalError::at(self.line(p), e))
            })
            .transpose()
    }

    fn time(&self, p: &Property<'_>) -> Result<TimeValue, IcalError> {
        let tz = self.tzid(p)?;
        TimeValue::parse(p.val.as_str(), tz)
            .map_err(|e| IcalError::at(self.line(p), format!("{}: {e}", p.name.as_str())))
    }

    fn event(&self, c: &Component<'_>) -> Result<Event, IcalError> {
        let begin = c
            .properties
            .first()
            .map(|p| self.line(p).saturating_sub(1))
            .unwrap_or(0);
        let text = |name: &str| c.find_prop(name).map(|p| unescape_text(p.val.as_str()));
        // A VEVENT without a UID (RFC 5545 requires one; some programs leave it out) gets
        // one made from its content, the same on every reading of the same event.
        let uid = text("UID").unwrap_or_else(|| made_up_uid(c));
        let dtstart_p = c
            .find_prop("DTSTART")
            .ok_or_else(|| IcalError::at(begin, format!("VEVENT {uid:?} has no DTSTART")))?;
        let start = self.time(dtstart_p)?;
        let zone = start.zone;
        let mut rec = RecurrenceSet::single(start.wall, zone);
        let at = |tv: &TimeValue| -> Instant {
            match tv.zone {
                Zone::Floating => zone
                    .to_instant(tv.wall, Disambiguation::Compatible)
                    .unwrap_or(Instant(tv.wall.0)),
                _ => tv.instant(),
            }
        };
        let mut duration_secs = if start.is_date { 86_400 } else { 0 };
        let mut swapped_start = None;
        let mut recurrence_id = None;
        let mut sequence = 0;
        let mut attendees = Vec::new();
        for p in &c.properties {
            let line = self.line(p);
            let name = p.name.as_str().to_ascii_uppercase();
            let val = p.val.as_str();
            let rule = || Rule::parse(val).map_err(|e| IcalError::at(line, format!("{name}: {e}")));
            match name.as_str() {
                "RRULE" => rec.rrules.push(rule()?),
                "EXRULE" => rec.exrules.push(rule()?),
                "RDATE" | "EXDATE" => {
                    let tz = self.tzid(p)?;
                    let list = parse_date_list(val, tz)
                        .map_err(|e| IcalError::at(line, format!("{name}: {e}")))?;
                    let target = if name == "RDATE" {
                        &mut rec.rdates
                    } else {
                        &mut rec.exdates
                    };
                    for tv in list {
                        // A DATE in EXDATE of a timed event removes that day's instance.
                        let tv = if tv.is_date && !start.is_date {
                            TimeValue {
                                wall: Wall(tv.wall.0 + i64::from(start.wall.secs_of_day())),
                                zone,
                                is_date: false,
                            }
                        } else {
                            tv
                        };
                        target.push(at(&tv));
                    }
                    if target.len() > MAX_DATES_PER_EVENT {
                        return Err(IcalError::at(
                            line,
                            format!("more than {MAX_DATES_PER_EVENT} {name} values"),
                        ));
                    }
                }
                "DTEND" => {
                    let end = self.time(p)?;
                    duration_secs = at(&end).0 - at(&start).0;
                    // DTEND before DTSTART: the two swapped, as calendar programs read it.
                    if duration_secs < 0 {
                        duration_secs = -duration_secs;
                        swapped_start = Some(end);
                    }
                }
                "DURATION" => {
                    duration_secs = parse_duration(val)
                        .map_err(|e| IcalError::at(line, format!("DURATION: {e}")))?;
                    if duration_secs < 0 {
                        return Err(IcalError::at(line, "DURATION is negative"));
                    }
                }
                "RECURRENCE-ID" => recurrence_id = Some(at(&self.time(p)?)),
                "SEQUENCE" => {
                    sequence = val.trim().parse().map_err(|_| {
                        IcalError::at(line, format!("SEQUENCE: bad integer {:?}", excerpt(val)))
                    })?
                }
                "ATTENDEE" => {
                    let role = Self::param(p, "ROLE").map(str::to_ascii_uppercase);
                    attendees.push(Invitee {
                        address: val.to_string(),
                        optional: matches!(
                            role.as_deref(),
                            Some("OPT-PARTICIPANT" | "NON-PARTICIPANT")
                        ),
                        partstat: Self::param(p, "PARTSTAT").map(str::to_ascii_uppercase),
                    })
                }
                _ => {}
            }
        }
        if let Some(end) = swapped_start {
            rec.dtstart = zone.to_wall(at(&end));
        }
        Ok(Event {
            uid,
            summary: text("SUMMARY"),
            description: text("DESCRIPTION"),
            location: text("LOCATION"),
            organizer: c.find_prop("ORGANIZER").map(|p| p.val.as_str().to_string()),
            attendees,
            status: text("STATUS").map(|s| s.trim().to_ascii_uppercase()),
            sequence,
            all_day: start.is_date,
            transparent: text("TRANSP")
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("TRANSPARENT")),
            duration_secs,
            recurrence: rec,
            recurrence_id,
            alarm_minutes: alarm_minutes(c, duration_secs),
            line: begin,
        })
    }
}

/// The lead of the event's first VALARM that goes off relative to the event (see
/// [`Event::alarm_minutes`]). Alarms at a date and time of their own, or whose TRIGGER
/// does not read, are passed over: they are a person's, not the meeting's.
fn alarm_minutes(c: &Component<'_>, duration_secs: i64) -> Option<u32> {
    let alarms = (c.components.iter()).filter(|a| a.name.as_str().eq_ignore_ascii_case("VALARM"));
    for a in alarms {
        let action = a.find_prop("ACTION").map(|p| p.val.as_str().trim());
        if action.is_some_and(|v| v.eq_ignore_ascii_case("NONE")) {
            return Some(0);
        }
        let Some(trigger) = a.find_prop("TRIGGER") else {
            continue;
        };
        let param = |key: &str| Reader::param(trigger, key).map(str::to_ascii_uppercase);
        if param("VALUE").as_deref() == Some("DATE-TIME") {
            continue;
        }
        let Ok(offset) = parse_duration(trigger.val.as_str().trim()) else {
            continue;
        };
        let from_end = param("RELATED").as_deref() == Some("END");
        let lead_secs = -(offset + if from_end { duration_secs } else { 0 });
        let minutes = (lead_secs.max(1) + 59) / 60;
        return Some(minutes.min(i64::from(MAX_REMINDER_MINUTES)) as u32);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a@x\r\nDTSTART;TZID=Europe/London:20260106T093000\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=3\r\nSUMMARY:Stand\\, up\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn reads_a_recurring_event() {
        let evs = parse_events(SAMPLE).unwrap();
        assert_eq!(evs.len(), 1);
        let e = &evs[0];
        assert_eq!(e.uid, "a@x");
        assert_eq!(e.summary.as_deref(), Some("Stand, up"));
        assert_eq!(e.duration_secs, 3600);
        assert_eq!(e.recurrence.zone.name(), "Europe/London");
        assert_eq!(e.recurrence.rrules.len(), 1);
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            (
                SAMPLE.replace("DURATION:PT1H", "DURATION:PT1X"),
                6,
                "DURATION",
            ),
            (
                SAMPLE.replace("RRULE:FREQ=WEEKLY", "RRULE:FREQ=WEAKLY"),
                7,
                "FREQ",
            ),
            (
                SAMPLE.replace("Europe/London", "Europe/Atlantis"),
                5,
                "Europe/Atlantis",
            ),
            (
                SAMPLE.replace("SUMMARY:Stand\\, up", "SUMMARY"),
                8,
                "no ':'",
            ),
            (SAMPLE.replace("END:VEVENT", "END:VTODO"), 9, "END:VTODO"),
            (
                SAMPLE.replace("20260106T093000", "20260230T093000"),
                5,
                "DTSTART",
            ),
        ];
        for (text, line, word) in cases {
            let err = parse_events(&text).unwrap_err();
            assert_eq!(err.line, line, "{err}");
            assert!(err.to_string().contains(word), "{err}");
        }
    }

    #[test]
    fn overrides_group_into_a_series() {
        let ov = "BEGIN:VEVENT\r\nUID:a@x\r\nRECURRENCE-ID;TZID=Europe/London:20260120T093000\r\nDTSTART;TZID=Europe/London:20260121T100000\r\nDURATION:PT1H\r\nEND:VEVENT\r\n";
        let text = SAMPLE.replace("END:VCALENDAR", &format!("{ov}END:VCALENDAR"));
        let series = parse_series(&text).unwrap();
        assert_eq!(series.len(), 1);
        let all = series[0]
            .instances(Instant(0), Instant(i64::MAX / 2), 100)
            .unwrap();
        assert_eq!(all.len(), 3);
        assert!(all[1].moved_from.is_some());
    }
}
