//! Every shipped scenario, short (about [`SHORT_CALLS`] calls: operations, duration and
//! fault times divided alike), in the simulator, over [`SEEDS`] seeds pooled (one seed's
//! median can swing with where a few faults fall): no SLO may be breached and every
//! checker the file requires must have run and passed. This is CI's run of the
//! scenarios; `dms scenario run NAME --sim` runs them in full.
#![cfg(madsim)]

use scenarios::record::{Recorder, RunRecord, Status};
use scenarios::shipped::SHIPPED;
use scenarios::slo;
use sim::check::{history, linear};
use sim::scenario::{run_seed, verdicts};

/// Calls per short run, about.
const SHORT_CALLS: u32 = 300;
/// Seeds per scenario, from the file's own seed on; their calls are pooled.
const SEEDS: u64 = 3;

fn short(file: &str, text: &str) {
    let s = scenarios::parse(text).expect("a shipped scenario parses");
    let scale = (s.file.workload.operations / SHORT_CALLS).max(1);
    let runs: Vec<_> = (0..SEEDS)
        .map(|k| run_seed(&s, s.file.seed + k, scale))
        .collect();
    let mut rec = Recorder::new((s.file.workload.duration_s / scale).max(1));
    let world = scenarios::world::World::of(&s);
    for run in &runs {
        run.record(&mut rec, &world);
    }
    let record = rec.finish(RunRecord {
        scenario: s.file.name.clone(),
        seeds: runs.iter().map(|r| r.seed).collect(),
        scale_down: scale,
        checkers: verdicts(&runs),
        ..RunRecord::default()
    });
    let rows = slo::evaluate(&s, &record);
    let calls: usize = runs.iter().map(|r| r.calls.len()).sum();
    println!(
        "| {file} | {calls} calls | {} faults | {} |",
        runs.iter().map(|r| r.faults.len()).sum::<usize>(),
        rows.iter()
            .map(|r| format!("{} {}", r.name, r.actual))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let breaches = slo::breaches(&rows);
    assert!(breaches.is_empty(), "{file} (short, /{scale}, {SEEDS} seeds): {breaches:?}; replay: dms scenario run {file} --sim --seeds {SEEDS} --scale-down {scale}");
    for c in &s.file.slo.checkers {
        let row = rows.iter().find(|r| r.name == format!("checker {c}"));
        assert_eq!(
            row.map(|r| r.status),
            Some(Status::Pass),
            "{file}: checker {c}: {row:?}"
        );
    }
    assert!(
        calls as u32 >= SEEDS as u32 * s.file.workload.operations / scale / 2,
        "{file}: too few calls"
    );
}

#[test]
fn every_shipped_scenario_meets_its_slos_in_a_short_run() {
    for (file, text) in SHIPPED {
        short(file, text);
    }
}

/// The standing calendars are really there: the workload's own history linearizes from
/// them, and not from empty calendars (its free/busy answers and conflicts show them).
#[test]
fn the_history_starts_from_the_standing_calendars() {
    let text = scenarios::shipped::shipped("recurring-quarter").expect("shipped");
    let s = scenarios::parse(text).expect("parses");
    let run = run_seed(&s, s.file.seed, 20);
    assert!(run.violations.is_empty(), "{:?}", run.violations);
    let world = scenarios::world::World::of(&s);
    let blocks: usize = world.standing.values().map(Vec::len).sum();
    assert_eq!(run.standing.len(), blocks);
    let (initial, calls) = history::translate_from(&run.standing, &run.calls, &world.dir);
    assert!(!initial.is_empty());
    linear::check_from(&initial, &calls, None).expect("linearizes from the standing calendars");
    let empty = linear::check_from(&[], &calls, None);
    assert!(
        empty.is_err(),
        "the history cannot come from empty calendars"
    );
}
