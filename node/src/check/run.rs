//! Every checker on one run of a scenario, once its workload is over and its faults are
//! healed: the same sequence in the simulator (`sim::scenario`) and on real processes
//! (`dms scenario run --cluster`). Liveness, safety and notifications at the quiescent
//! point ([`super::at_quiescence`], with a probe booking across offices), then every
//! calendar the calls named read through the API, then linearizability of the whole
//! history from the standing calendars. [`verdicts`] turns what runs found into the
//! record's verdicts.

use super::{at_quiescence, final_reads, history, linear, phase, Scope, Sent};
use crate::drive::call::{touched, Call, Target};
use engine::ids::OfficeId;
use engine::state::{MeetingSpec, Notification};
use engine::time::{Wall, Zone};
use scenarios::record::{Status, Verdict};
use scenarios::validate::CHECKERS;
use scenarios::world::World;
use std::path::Path;
use std::time::Duration;

/// A meeting of the first person of up to three offices, at noon UTC the day before
/// the workload's first day (which no workload meeting touches).
pub fn probe(world: &World) -> MeetingSpec {
    let who: Vec<&str> = (world.people.values())
        .take(3)
        .filter_map(|p| p.first().map(|r| r.as_str()))
        .collect();
    let start = world.window.start.plus_secs(12 * 3600).utc_wall();
    let (y, m, d) = start.ymd();
    let wall = Wall::from_ymd_hms(y, m, d, 12, 0, 0);
    MeetingSpec::single("", who[0], &who[1..], &[], wall, Zone::Utc, 1800).named("probe")
}

/// Runs every checker after a workload whose `calls` started from the `standing`
/// meetings; `sent` reads what each office's notification sink was handed,
/// `stragglers` is how long a message sent into a healed fault may still take, and
/// `max_states` bounds the linearizability search of each part of the history. The
/// violations found, each prefixed by its checker's name (`NAME: ` for a failure,
/// `NAME inconclusive: ` where the checker could not decide). With `dump`, the history
/// the linearizability search read is written there as JSON ([`linear::Recorded`]).
#[allow(clippy::too_many_arguments)]
pub async fn after_workload(
    target: &Target,
    calls: &[Call],
    standing: &[MeetingSpec],
    sent: &Sent,
    world: &World,
    stragglers: Duration,
    max_states: usize,
    dump: Option<&Path>,
) -> Vec<String> {
    let scope = Scope {
        resources: touched(calls),
        window: world.window,
    };
    let (probes, mut violations, _) =
        at_quiescence(target, calls, sent, &scope, probe(world), stragglers).await;
    phase("quiescence checks");
    let reads = final_reads(target, &scope.resources).await;
    phase("final reads");
    let mut all = calls.to_vec();
    all.extend(probes);
    let quiet = reads.iter().map(|c| c.invoked).min();
    all.extend(reads);
    let (initial, calls) = history::translate_from(standing, &all, &world.dir);
    let rec = linear::Recorded {
        initial,
        calls,
        quiet,
    };
    if let Some(path) = dump {
        if let Err(e) = serde_json::to_vec(&rec).map(|b| std::fs::write(path, b)) {
            violations.push(format!(
                "linearizability inconclusive: writing {}: {e}",
                path.display()
            ));
        }
    }
    violations.extend(linearizable(&rec, max_states));
    phase("linearizability");
    violations
}

/// The linearizability search on a recorded history: `None` if it passed, else what it
/// found, prefixed as [`after_workload`]'s violations are.
pub fn linearizable(rec: &linear::Recorded, max_states: usize) -> Option<String> {
    match linear::check_within(&rec.initial, &rec.calls, rec.quiet, max_states) {
        Err(v) if v.gave_up => Some(format!(
            "linearizability inconclusive: gave up on a part of {} calls after {max_states} states",
            v.calls,
        )),
        Err(v) => Some(format!(
            "linearizability: a part of {} calls, at most {} placed; stuck at {}",
            v.calls, v.placed, v.stuck_at
        )),
        Ok(_) => None,
    }
}

/// The checkers' verdicts over several runs, each `(seed, violations)`: a checker fails
/// if it failed in any run, is not decided if it could not decide in one, else passes.
pub fn verdicts(runs: &[(u64, &[String])]) -> Vec<Verdict> {
    CHECKERS
        .iter()
        .map(|name| {
            let lines = |prefix: String| -> Vec<String> {
                (runs.iter())
                    .flat_map(|(seed, found)| {
                        let prefix = prefix.clone();
                        (found.iter())
                            .filter(move |v| v.starts_with(&prefix))
                            .map(move |v| format!("seed {seed}: {v}"))
                    })
                    .collect()
            };
            let failed = lines(format!("{name}: "));
            let undecided = lines(format!("{name} inconclusive: "));
            let (status, detail) = match (failed.is_empty(), undecided.is_empty()) {
                (false, _) => (Status::Fail, failed),
                (true, false) => (Status::NotRun, undecided),
                (true, true) => (Status::Pass, vec![]),
            };
            Verdict {
                name: name.to_string(),
                status,
                detail: detail.into_iter().take(5).collect(),
            }
        })
        .collect()
}

/// The notifications a node's log sink wrote (`notifications.jsonl`, one JSON object a
/// line; a line cut short by a crash is passed over, as the sink itself does).
pub fn read_log_sink(path: &Path) -> Vec<Notification> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    (text.lines())
        .filter_map(|l| serde_json::from_str::<Notification>(l).ok())
        .collect()
}

/// [`Sent`] for real nodes: each office's log sink under `root/OFFICE/`.
pub fn log_sinks(root: &Path) -> impl Fn(&OfficeId) -> Vec<Notification> + Send + Sync {
    let root = root.to_path_buf();
    move |o: &OfficeId| read_log_sink(&root.join(o.as_str()).join("notifications.jsonl"))
}
