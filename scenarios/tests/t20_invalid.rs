//! Bad scenario files: each gets an error naming the field and the problem.

use scenarios::{parse, ScenarioError};

const BASE: &str = r#"
version = 1
name = "base"
description = "a valid file the cases below break one way each"
seed = 7

[[office]]
id = "ny"
zone = "America/New_York"
hours = "09:00-17:00"
lunch = "12:00-13:00"
holidays = ["2027-01-18"]
people = 10
rooms = 2

[[office]]
id = "london"
zone = "Europe/London"
hours = "09:00-17:00"
people = 10
rooms = 2

[network]
latency_ms = 40
links = [{ from = "ny", to = "london", latency_ms = 35 }]

[workload]
clients = 4
duration_s = 60
operations = 100

[workload.mix]
book = 0.7
free_busy = 0.3

[workload.bookings]
cross_office = 0.5
attendees = [1, 3]
with_room = 0.5
duration_min = [30, 60]

[[faults.event]]
at_s = 10
kind = "crash"
office = "ny"
for_s = 5

[slo]
success_rate_min = 0.9
conflict_rate_max = 0.5
checkers = ["safety"]

[[slo.latency]]
op = "book"
p50_ms = 50
p99_ms = 200
"#;

#[test]
fn the_base_file_is_valid() {
    parse(BASE).unwrap();
}

fn error_of(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "the case edits something: {from}");
    match parse(&BASE.replacen(from, to, 1)) {
        Ok(_) => panic!("accepted with {from:?} -> {to:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn each_bad_field_is_named_with_its_problem() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "operations = 100",
            "operations = 100\nstart = \"2027-02-30\"",
            "workload.start: \"2027-02-30\" is not a day of the calendar",
        ),
        (
            "people = 10\nrooms = 2\n\n[[office]]",
            "people = [\"ana\", \"Raj\"]\nrooms = 2\n\n[[office]]",
            "office[0].people: \"Raj\" is not a name",
        ),
        (
            "people = 10\nrooms = 2\n\n[[office]]",
            "people = [\"london-p00001\"]\nrooms = 2\n\n[[office]]",
            "office[1].people: \"london-p00001\" is used twice in the company",
        ),
        (
            "people = 10\nrooms = 2\n\n[[office]]",
            "people = 10\nrooms = [{ id = \"hudson\", seats = 0 }]\n\n[[office]]",
            "office[0].rooms: room \"hudson\" has no seats",
        ),
        (
            "people = 10\nrooms = 2\n\n[[office]]",
            "people = 10\nrooms = 2\nbusy = 1.5\n\n[[office]]",
            "office[0].busy: 1.5 is not a share between 0 and 1",
        ),
        (
            "people = 10\nrooms = 2\n\n[[office]]",
            "people = 10\nrooms = 2\nbusy = { min = 0.6, max = 0.2 }\n\n[[office]]",
            "office[0].busy: min 0.6 is above max 0.2",
        ),
        (
            "operations = 100",
            "operations = 100\ndays = 0",
            "workload.days: 0; 1 to 366 allowed",
        ),
        (
            "version = 1",
            "version = 2",
            "version: version 2 is not supported",
        ),
        (
            "name = \"base\"",
            "name = \"Base Case\"",
            "name: \"Base Case\" is not a name",
        ),
        (
            "zone = \"Europe/London\"",
            "zone = \"Mars/Base\"",
            "office[1].zone:",
        ),
        (
            "id = \"london\"",
            "id = \"ny\"",
            "office[1].id: \"ny\" is used twice",
        ),
        (
            "hours = \"09:00-17:00\"\nlunch",
            "hours = \"17:00-09:00\"\nlunch",
            "office[0].hours: \"17:00-09:00\" ends before it starts",
        ),
        (
            "hours = \"09:00-17:00\"\nlunch",
            "hours = \"9am-5pm\"\nlunch",
            "office[0].hours: \"9am-5pm\" is not HH:MM-HH:MM",
        ),
        (
            "lunch = \"12:00-13:00\"",
            "lunch = \"18:00-19:00\"",
            "office[0].lunch: lunch is outside the working hours",
        ),
        (
            "[\"2027-01-18\"]",
            "[\"2027-02-30\"]",
            "office[0].holidays[0]: \"2027-02-30\" is not a day of the calendar",
        ),
        (
            "people = 10\nrooms = 2\n\n[[office]]",
            "people = 0\nrooms = 2\n\n[[office]]",
            "office[0].people: 0; 1 to 100000 allowed",
        ),
        (
            "to = \"london\"",
            "to = \"paris\"",
            "network.links[0].to: no office \"paris\"",
        ),
        (
            "clients = 4",
            "clients = 4\nrate_per_s = 10",
            "workload: give either clients",
        ),
        (
            "duration_s = 60",
            "duration_s = 0",
            "workload.duration_s: 0; 1 to",
        ),
        (
            "free_busy = 0.3",
            "free_busy = 0.2",
            "workload.mix: the shares add up to 0.900, not 1",
        ),
        (
            "book = 0.7",
            "book = 1.7",
            "workload.mix.book: 1.7 is not a share",
        ),
        (
            "attendees = [1, 3]",
            "attendees = [3, 1]",
            "workload.bookings.attendees: [3, 1] is not a range",
        ),
        (
            "duration_min = [30, 60]",
            "duration_min = [1, 60]",
            "workload.bookings.duration_min:",
        ),
        (
            "kind = \"crash\"",
            "kind = \"meteor\"",
            "faults.event[0].kind: unknown fault kind \"meteor\"",
        ),
        (
            "office = \"ny\"\nfor_s",
            "office = \"tokyo\"\nfor_s",
            "faults.event[0].office: no office \"tokyo\"",
        ),
        (
            "at_s = 10",
            "at_s = 600",
            "faults.event[0].at_s: 600 s is not within the run",
        ),
        (
            "checkers = [\"safety\"]",
            "checkers = [\"vibes\"]",
            "slo.checkers[0]: unknown checker \"vibes\"",
        ),
        (
            "op = \"book\"",
            "op = \"lunch\"",
            "slo.latency[0].op: unknown operation \"lunch\"",
        ),
        (
            "p99_ms = 200",
            "p99_ms = 20",
            "slo.latency[0]: percentiles must not decrease",
        ),
        (
            "success_rate_min = 0.9",
            "success_rate_min = nan",
            "slo.success_rate_min: NaN is not a share",
        ),
    ];
    for (from, to, want) in cases {
        let got = error_of(from, to);
        assert!(
            got.contains(want),
            "{from:?} -> {to:?}: got {got:?}, want {want:?}"
        );
    }
}

#[test]
fn unknown_fields_and_wrong_types_are_syntax_errors_with_the_line() {
    let e = parse(&BASE.replacen("seed = 7", "seed = 7\nsede = 8", 1)).unwrap_err();
    assert!(matches!(e, ScenarioError::Syntax(_)));
    let text = e.to_string();
    assert!(
        text.contains("unknown field `sede`") && text.contains("line"),
        "{text}"
    );
    let e = parse(&BASE.replacen("people = 10", "people = \"many\"", 1)).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("people") && text.contains("a count of people or a list of their ids"),
        "{text}"
    );
    let e = parse(&BASE.replacen("rooms = 2", "rooms = [{ id = \"a\", chairs = 3 }]", 1));
    let text = e.unwrap_err().to_string();
    assert!(
        text.contains("rooms") && text.contains("a count of rooms or a list"),
        "{text}"
    );
    assert!(parse("not toml at all [").is_err());
    assert!(parse("").is_err());
}
