//! iCalendar input: bad input gets an error naming the line and the problem, and nothing
//! panics on any input (property tests over arbitrary and mutated text stand in for the
//! fuzz targets in `fuzz/` when those cannot run).

use engine::ical::{export_events, parse_events, parse_series};
use engine::recurrence::Rule;
use engine::time::Instant;
use proptest::prelude::*;

const GOOD: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:u1@t\r\nDTSTART;TZID=Europe/London:20260106T093000\r\nDTEND;TZID=Europe/London:20260106T103000\r\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=5\r\nEXDATE;TZID=Europe/London:20260120T093000\r\nRDATE:20260301T120000Z\r\nSUMMARY:Plan\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[test]
fn malformed_inputs_name_line_and_problem() {
    let cases: &[(&str, &str, usize, &str)] = &[
        ("empty", "", 0, "empty input"),
        ("no colon", "BEGIN:VCALENDAR\nVERSION\nEND:VCALENDAR\n", 2, "no ':'"),
        ("unclosed", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\n", 3, "never closed"),
        ("bad end", "BEGIN:VCALENDAR\nEND:VEVENT\n", 2, "END:VEVENT closes BEGIN:VCALENDAR"),
        ("stray end", "END:VCALENDAR\n", 1, "without a BEGIN"),
        ("outside", "VERSION:2.0\nBEGIN:VCALENDAR\nEND:VCALENDAR\n", 1, "outside any component"),
        ("bad name", "BEGIN:VCALENDAR\nX Y:1\nEND:VCALENDAR\n", 2, "bad property name"),
        ("no dtstart", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nEND:VEVENT\nEND:VCALENDAR\n", 2, "no DTSTART"),
        ("feb 30", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART:20260230T000000Z\nEND:VEVENT\nEND:VCALENDAR\n", 4, "bad date-time"),
        ("unknown zone", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART;TZID=Mars/Base:20260101T000000\nEND:VEVENT\nEND:VCALENDAR\n", 4, "Mars/Base"),
        ("bad rule", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART:20260101T000000Z\nRRULE:FREQ=DAILY;BYHOUR=25\nEND:VEVENT\nEND:VCALENDAR\n", 5, "BYHOUR"),
        ("bad duration", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART:20260101T000000Z\nDURATION:soon\nEND:VEVENT\nEND:VCALENDAR\n", 5, "DURATION"),
        ("folded bad rule", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART:20260101T000000Z\nRRULE:FREQ=DAILY;\n BYDAY=XX\nEND:VEVENT\nEND:VCALENDAR\n", 5, "BYDAY"),
    ];
    for (name, text, line, word) in cases {
        let err = parse_events(text).expect_err(name);
        assert_eq!(err.line, *line, "{name}: {err}");
        assert!(err.to_string().contains(word), "{name}: {err}");
    }
}

/// One VEVENT (and an override, when given) in a calendar with extra calendar lines.
fn calendar(head: &str, events: &[&str]) -> String {
    let mut s = format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{head}");
    for e in events {
        s.push_str(&format!("BEGIN:VEVENT\r\n{e}END:VEVENT\r\n"));
    }
    s + "END:VCALENDAR\r\n"
}

fn starts(text: &str) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for s in parse_series(text).unwrap() {
        for i in s
            .instances(Instant(0), Instant(4_102_444_800), 100)
            .unwrap()
        {
            out.push((s.uid.clone(), i.start.0));
        }
    }
    out
}

#[test]
fn what_calendar_programs_write_is_read_leniently() {
    let jan = |d: i64, h: i64| 1_767_225_600 + (d - 1) * 86_400 + h * 3600; // 2026-01-d h:00Z
                                                                            // Several versions of one VEVENT: the highest SEQUENCE stands, of equal ones the first.
    let versions = calendar(
        "",
        &[
            "UID:a\r\nSEQUENCE:1\r\nDTSTART:20260101T090000Z\r\n",
            "UID:a\r\nSEQUENCE:3\r\nDTSTART:20260102T090000Z\r\n",
            "UID:a\r\nSEQUENCE:3\r\nDTSTART:20260103T090000Z\r\n",
        ],
    );
    assert_eq!(starts(&versions), [("a".to_string(), jan(2, 9))]);
    // The same override twice counts once; an override of an instance the master now
    // excludes is gone with it.
    let overrides = calendar("", &[
        "UID:b\r\nDTSTART:20260101T090000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\nEXDATE:20260103T090000Z\r\n",
        "UID:b\r\nRECURRENCE-ID:20260102T090000Z\r\nDTSTART:20260102T100000Z\r\n",
        "UID:b\r\nRECURRENCE-ID:20260102T090000Z\r\nDTSTART:20260102T100000Z\r\n",
        "UID:b\r\nRECURRENCE-ID:20260103T090000Z\r\nDTSTART:20260103T110000Z\r\n",
    ]);
    let b: Vec<i64> = starts(&overrides).into_iter().map(|(_, t)| t).collect();
    assert_eq!(b, [jan(1, 9), jan(2, 10)]);
    // DTEND before DTSTART: swapped. No UID: one made from the content, stable.
    let odd = calendar(
        "",
        &["DTSTART:20260101T100000Z\r\nDTEND:20260101T090000Z\r\n"],
    );
    let once = starts(&odd);
    assert_eq!(once.len(), 1);
    assert_eq!(once[0].1, jan(1, 9));
    assert!(once[0].0.starts_with("dms-"), "{once:?}");
    assert_eq!(starts(&odd), once, "the same UID on every reading");
    let events = parse_events(&odd).unwrap();
    assert_eq!(events[0].duration_secs, 3600);
    // X-WR-TIMEZONE: times in UTC repeat in the calendar's zone (09:00 New York, EST
    // then EDT after 8 March), not at 14:00 UTC.
    let wr = calendar(
        "X-WR-TIMEZONE:America/New_York\r\n",
        &["UID:c\r\nDTSTART:20260305T140000Z\r\nRRULE:FREQ=WEEKLY;COUNT=2\r\n"],
    );
    let c: Vec<i64> = starts(&wr).into_iter().map(|(_, t)| t).collect();
    let mar = |d: i64, h: i64| 1_772_323_200 + (d - 1) * 86_400 + h * 3600; // 2026-03-d h:00Z
    assert_eq!(c, [mar(5, 14), mar(12, 13)]);
}

#[test]
fn export_then_import_keeps_every_instance() {
    let events = parse_events(GOOD).unwrap();
    let again = parse_events(&export_events(&events)).unwrap();
    let all = |e: &engine::ical::Event| e.recurrence.first_n(None, 100).unwrap();
    assert_eq!(all(&events[0]), all(&again[0]));
    assert_eq!(all(&events[0]).len(), 5); // 5 from COUNT, minus one EXDATE, plus one RDATE
    assert_eq!(again[0].duration_secs, 3600);
}

#[test]
fn windows_and_other_zone_names_resolve() {
    let text = GOOD.replace("TZID=Europe/London", "TZID=\"GMT Standard Time\"");
    let e = &parse_events(&text).unwrap()[0];
    assert_eq!(e.recurrence.zone.name(), "Europe/London");
}

/// Outlook's custom zones: a TZID no registry knows, with the VTIMEZONE's rules (from
/// 1601, as Outlook writes them) evaluated and matched to the zone that keeps them;
/// rules no zone keeps are named as such.
#[test]
fn a_vtimezone_s_own_rules_name_its_zone() {
    let outlook =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:Customized Time Zone\r\n\
BEGIN:STANDARD\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\n\
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\n\
DTSTART:16010101T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n\
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n\
BEGIN:VEVENT\r\nUID:weekly\r\nDTSTART;TZID=Customized Time Zone:20270302T090000\r\n\
DURATION:PT30M\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let e = &parse_events(outlook).unwrap()[0];
    // 09:00 local on both sides of 14 March 2027 (New York's clock change).
    let got: Vec<i64> = e
        .recurrence
        .first_n(None, 3)
        .unwrap()
        .iter()
        .map(|o| o.start.0)
        .collect();
    let at = |d: u32, h: u32| engine::time::Wall::from_ymd_hms(2027, 3, d, h, 0, 0).0;
    assert_eq!(
        got,
        vec![at(2, 14), at(9, 14), at(16, 13)],
        "{}",
        e.recurrence.zone.name()
    );
    let odd = outlook.replace("BYMONTH=3", "BYMONTH=4");
    let err = parse_events(&odd).unwrap_err().to_string();
    assert!(
        err.contains("Customized Time Zone") && err.contains("rules match no zone"),
        "{err}"
    );
}

/// Exported VTIMEZONEs go on as yearly rules after the years written out, so a program
/// that evaluates them (and not the name) reads later years right; a zone no yearly rule
/// describes has its changes written out; one without changes, its one offset.
#[test]
fn exported_zones_carry_their_rules_onwards() {
    let ny = GOOD_NY.to_string();
    let text = export_events(&parse_events(&ny).unwrap());
    assert!(
        text.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"),
        "{text}"
    );
    assert!(
        text.contains("RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"),
        "{text}"
    );
    // Read back by its rules alone (the name and location removed), 2035 is right.
    let anonymous = text
        .replace("X-LIC-LOCATION:America/New_York\r\n", "")
        .replace("America/New_York", "Exported Zone");
    let e = &parse_events(&anonymous).unwrap()[0];
    let july_2035 = Instant(engine::time::Wall::from_ymd_hms(2035, 7, 1, 12, 0, 0).0);
    assert_eq!(e.recurrence.zone.offset_at(july_2035), -4 * 3600);
    let changes = |zone: &str| {
        let text = export_events(&parse_events(&ny.replace("America/New_York", zone)).unwrap());
        (
            text.matches("RRULE:FREQ=YEARLY").count(),
            text.matches("BEGIN:STANDARD").count() + text.matches("BEGIN:DAYLIGHT").count(),
        )
    };
    let (rules, observances) = changes("Africa/Casablanca");
    assert_eq!(rules, 0, "Ramadan moves: no yearly rule");
    assert!(observances > 20, "{observances}");
    assert_eq!(changes("Asia/Kolkata"), (0, 1));
}

const GOOD_NY: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:w\r\n\
DTSTART;TZID=America/New_York:20270302T090000\r\nDURATION:PT30M\r\n\
RRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_panic_on_arbitrary_text(s in "\\PC{0,400}") {
        let _ = parse_events(&s);
    }

    #[test]
    fn no_panic_on_arbitrary_rules(s in "[A-Z=;,0-9+-]{0,80}") {
        if let Ok(r) = Rule::parse(&s) {
            // A parsed rule prints as text that parses back to the same rule.
            prop_assert_eq!(Rule::parse(&r.to_string()).unwrap(), r);
        }
    }

    /// Mutations of a good calendar (lines dropped, doubled, characters changed) either
    /// parse or fail with a line inside the input; expansion of what parses stays bounded.
    #[test]
    fn mutated_calendars_fail_cleanly(drop in 0usize..16, dup in 0usize..16, pos in 0usize..400, c in any::<char>()) {
        let mut lines: Vec<String> = GOOD.split("\r\n").map(String::from).collect();
        if dup < lines.len() { let l = lines[dup].clone(); lines.insert(dup, l); }
        if drop < lines.len() { lines.remove(drop); }
        let mut text = lines.join("\r\n");
        if let Some((i, _)) = text.char_indices().nth(pos % text.chars().count().max(1)) {
            text.replace_range(i..i + text[i..].chars().next().map_or(0, char::len_utf8), &c.to_string());
        }
        match parse_series(&text) {
            Ok(series) => {
                for s in series {
                    let _ = s.instances(Instant(0), Instant(4_000_000_000), 10_000);
                }
            }
            Err(e) => prop_assert!(e.line <= text.lines().count() + 1, "{}", e),
        }
    }
}

#[test]
fn roles_answers_and_transparency_are_read_and_written() {
    let text = GOOD.replace(
        "SUMMARY:Plan\r\n",
        "SUMMARY:Plan\r\nTRANSP:TRANSPARENT\r\nATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=accepted;CN=Dev:mailto:dev@x\r\nATTENDEE:mailto:emma@x\r\n",
    );
    let events = parse_events(&text).unwrap();
    let a = &events[0].attendees;
    assert_eq!(
        (a[0].optional, a[0].partstat.as_deref()),
        (true, Some("ACCEPTED"))
    );
    assert_eq!((a[1].optional, a[1].partstat.as_deref()), (false, None));
    assert!(events[0].transparent);
    let out = export_events(&events);
    assert!(
        out.contains("ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:dev@x"),
        "{out}"
    );
    assert_eq!(parse_events(&out).unwrap()[0].attendees, *a);
    assert!(parse_events(&out).unwrap()[0].transparent);
}

/// VALARMs: the first one relative to the event gives its lead (before the start, or
/// before the end with RELATED=END; one at the start reads as a minute), an alarm at a
/// time of its own is a person's and passed over, RFC 9074's ACTION:NONE asks for none;
/// the lead is written back as a VALARM and reads the same.
#[test]
fn alarms_give_the_event_its_reminder() {
    let with =
        |alarms: &str| GOOD.replace("SUMMARY:Plan\r\n", &format!("SUMMARY:Plan\r\n{alarms}"));
    let alarm = |body: &str| {
        format!("BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\n{body}END:VALARM\r\n")
    };
    let cases = [
        (alarm("TRIGGER:-PT30M\r\n"), Some(30)),
        (alarm("TRIGGER;RELATED=END:-PT1H15M\r\n"), Some(15)),
        (alarm("TRIGGER:-P1D\r\n"), Some(1440)),
        (alarm("TRIGGER:PT0S\r\n"), Some(1)),
        (alarm("TRIGGER:-P30D\r\n"), Some(7 * 1440)),
        (
            alarm("TRIGGER;VALUE=DATE-TIME:20260105T090000Z\r\n") + &alarm("TRIGGER:-PT5M\r\n"),
            Some(5),
        ),
        (alarm("TRIGGER:soon\r\n"), None),
        (
            "BEGIN:VALARM\r\nACTION:NONE\r\nTRIGGER;VALUE=DATE-TIME:19760401T005545Z\r\nEND:VALARM\r\n"
                .to_string(),
            Some(0),
        ),
        (String::new(), None),
    ];
    for (alarms, want) in cases {
        let events = parse_events(&with(&alarms)).unwrap();
        assert_eq!(events[0].alarm_minutes, want, "{alarms}");
        let back = parse_events(&export_events(&events)).unwrap();
        assert_eq!(back[0].alarm_minutes, want, "{alarms} written back");
    }
}
