//! The checkers catch bugs: each planted bug (test-only, feature `planted-bugs`) must
//! be caught within a bounded number of seeds, by a named checker, so that every
//! checker is shown to catch something.
#![cfg(madsim)]

use node::server::Planted;
use sim::run::run;

/// Seeds each bug gets to show itself.
const WITHIN: u64 = 60;

/// The first seed at which the checker `by` flags `bug`.
fn caught(bug: Planted, by: &str) {
    caught_within(bug, by, WITHIN)
}

/// [`caught`] within `within` seeds.
fn caught_within(bug: Planted, by: &str, within: u64) {
    for seed in 0..within {
        let r = run(seed, Some(bug));
        let mut flagged: Vec<&str> = r
            .violations
            .iter()
            .filter_map(|v| v.split(": ").nth(1))
            .collect();
        flagged.sort();
        flagged.dedup();
        if flagged.contains(&by) {
            let first = r.violations.iter().find(|v| v.contains(&format!("{by}: ")));
            println!("{bug:?} caught at seed {seed} by {flagged:?}: {first:?}");
            return;
        }
    }
    panic!("{bug:?} was not caught by {by} in {within} seeds");
}

#[test]
fn a_participant_that_skips_the_hold_check_breaks_linearizability() {
    caught(Planted::SkipHoldCheck, "linearizability");
}

#[test]
fn a_participant_that_skips_the_hold_check_double_books() {
    caught(Planted::SkipHoldCheck, "safety");
}

#[test]
fn a_coordinator_that_answers_before_its_decision_is_durable_loses_a_booking() {
    caught(Planted::AnswerBeforeDurable, "safety");
}

#[test]
fn a_node_that_forgets_its_log_on_restart_breaks_linearizability() {
    caught(Planted::ForgetLogOnRestart, "linearizability");
}

#[test]
fn a_node_that_forgets_its_log_on_restart_repeats_notification_keys() {
    caught(Planted::ForgetLogOnRestart, "notifications");
}

#[test]
fn an_abort_that_takes_a_changes_committed_entries_is_caught() {
    caught(Planted::AbortDropsCommitted, "safety");
}

#[test]
fn a_cancellation_that_ignores_a_transaction_in_flight_is_caught() {
    caught(Planted::CancelIgnoresInFlight, "safety");
}

#[test]
fn a_coordinator_that_refuses_before_its_abort_is_durable_is_caught() {
    caught_within(Planted::UnsyncedAbort, "linearizability", 3000);
}

/// The stale-forward race of issue 21 (bug 1) with both of its fixes taken out (the
/// per-meeting turns and the cancellation's version): the simulator must fail on it.
#[test]
fn the_stale_forward_race_is_caught() {
    caught(Planted::StaleForward, "safety");
}
