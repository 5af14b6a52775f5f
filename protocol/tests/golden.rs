//! The protocol's golden scripts: each file in `tests/golden/` is a list of events, each
//! followed by the actions it must produce (lines starting `> `). The runner replays the
//! events through the machines and compares the whole text; `UPDATE_GOLDEN=1` rewrites
//! the files with what the machines do now (then read the diff before committing).
//!
//! Events:
//! - `coordinate HERE: OFFICE...`: a new [`Coordinator`] at HERE over those offices.
//! - `vote OFFICE yes [over R]` | `no R,...` | `refused WHY` | `unreachable WHY` |
//!   `log-failed WHY` | `stopped WHY`: an office's answer to its prepare.
//! - `local prepared [over R]` | `conflicts R,...` | `log-failed WHY` | `stopped WHY` |
//!   `bad WHY`: the outcome of a meeting prepared and committed here in one sync.
//! - `logged done` | `already-decided` | `failed WHY`: what became of the decision's record.
//! - `settle HERE: OFFICE...` (or `settle HERE: ?`, offices unknown): a new [`Settle`].
//! - `fenced OFFICE yes|no|none`: an office's answer to a fence.
//! - `settle-logged done` | `already-decided` | `failed WHY`: what became of its record.
//! - `ask decision|fence committed|aborted|prepared|unknown|log-failed`: what an office
//!   answers.
//! - `presumed-abort done|already-decided|failed WHY`: the answer after a presumed abort.
//! - `due FIRST_SEEN NOW [coordinating]`: whether a participant asks about its hold.

use engine::calendar::{BusyStatus, Conflict, Interval};
use engine::ids::{MeetingId, OfficeId, ResourceId, TxnId};
use engine::state::{Outcome, Rejection};
use engine::time::Instant;
use protocol::termination::participant::{self, Known, Query, Reply};
use protocol::{Action, Coordinator, Decision, Logged, Settle, Vote};
use std::path::Path;

#[derive(Default)]
struct Runner {
    coordinator: Option<Coordinator>,
    settle: Option<Settle>,
}

fn conflicts(names: &str) -> Vec<Conflict> {
    let slot = Interval::new(Instant(0), Instant(1_800));
    (names.split(',').filter(|n| !n.is_empty()))
        .map(|n| Conflict {
            resource: ResourceId::new(n),
            proposed: slot,
            with_meeting: MeetingId::new("m-other"),
            with_interval: slot,
            with_status: BusyStatus::Confirmed,
        })
        .collect()
}

/// An office's answer to a prepare, as the node would receive it.
fn answer(words: &[&str], rest: &str) -> Result<Outcome, String> {
    let txn = TxnId::new("t");
    let rejected = |r| Ok(Outcome::Rejected(r));
    match words {
        ["yes"] | ["prepared"] => Ok(Outcome::Prepared {
            txn,
            overridden: vec![],
        }),
        ["yes" | "prepared", "over", names] => Ok(Outcome::Prepared {
            txn,
            overridden: conflicts(names),
        }),
        ["no" | "conflicts", names] => Ok(Outcome::Conflicts {
            conflicts: conflicts(names),
        }),
        ["refused" | "bad", ..] => rejected(Rejection::BadMeeting(rest.to_string())),
        ["unreachable", ..] => Err(rest.to_string()),
        ["log-failed", ..] => rejected(Rejection::StorageFailed(rest.to_string())),
        ["stopped", ..] => rejected(Rejection::Stopped(rest.to_string())),
        other => panic!("unknown answer {other:?}"),
    }
}

fn offices(list: &str) -> Option<Vec<OfficeId>> {
    if list.trim() == "?" {
        return None;
    }
    Some(list.split_whitespace().map(OfficeId::new).collect())
}

impl Runner {
    fn coordinator(&mut self) -> &mut Coordinator {
        self.coordinator
            .as_mut()
            .expect("no `coordinate` before this")
    }

    fn run(&mut self, line: &str) -> Vec<String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        // The text after the first two words (a reason, with its spaces).
        let rest =
            |n: usize| -> String { words.iter().skip(n).copied().collect::<Vec<_>>().join(" ") };
        let actions: Vec<Action> = match words.as_slice() {
            ["coordinate", here, ..] => {
                let (_, list) = line.split_once(':').expect("coordinate HERE: OFFICES");
                let here = OfficeId::new(here.trim_end_matches(':'));
                let (m, actions) = Coordinator::start(here, &offices(list).unwrap_or_default());
                self.coordinator = Some(m);
                actions
            }
            ["vote", office, what @ ..] => {
                let office = OfficeId::new(*office);
                let vote = Vote::of(&office, answer(what, &rest(3)));
                self.coordinator().on_vote(&office, vote)
            }
            ["local", what @ ..] => {
                let outcome = answer(what, &rest(2)).expect("a local outcome");
                self.coordinator().on_local(outcome)
            }
            ["logged", what @ ..] => {
                let logged = logged(what, rest(2));
                self.coordinator().on_logged(logged)
            }
            ["settle-logged", what @ ..] => {
                let logged = logged(what, rest(2));
                let settle = self.settle.as_mut().expect("no `settle` before this");
                settle.on_logged(logged)
            }
            ["settle", here, ..] => {
                let (_, list) = line.split_once(':').expect("settle HERE: OFFICES");
                let here = OfficeId::new(here.trim_end_matches(':'));
                let (m, actions) = Settle::start(here, offices(list));
                self.settle = Some(m);
                actions
            }
            ["fenced", office, answer] => {
                let answer = match *answer {
                    "yes" => Some(true),
                    "no" => Some(false),
                    _ => None,
                };
                let settle = self.settle.as_mut().expect("no `settle` before this");
                settle.on_fenced(&OfficeId::new(*office), answer)
            }
            ["ask", query, known] => {
                let query = match *query {
                    "decision" => Query::Decision,
                    _ => Query::Fence,
                };
                let known = match *known {
                    "committed" => Known::Decided(Decision::Commit),
                    "aborted" => Known::Decided(Decision::Abort),
                    "prepared" => Known::Prepared,
                    "log-failed" => Known::LogFailed,
                    _ => Known::Unknown,
                };
                return vec![match participant::answer(query, known) {
                    // To a fence, yes means "prepared or committed here".
                    Reply::Now(Some(yes)) if query == Query::Fence => {
                        format!("reply {}", if yes { "yes" } else { "no" })
                    }
                    Reply::Now(a) => format!("reply {}", reply(a)),
                    Reply::PresumeAbort => "log abort synced, then reply".to_string(),
                }];
            }
            ["presumed-abort", what @ ..] => {
                let a = participant::after_presumed_abort(&logged(what, rest(2)));
                return vec![format!("reply {}", reply(a))];
            }
            ["due", first, now, flags @ ..] => {
                let (first, now) = (first.parse().unwrap(), now.parse().unwrap());
                let coordinating = flags.contains(&"coordinating");
                let due = participant::ask_due(first, now, coordinating);
                return vec![if due { "ask" } else { "wait" }.to_string()];
            }
            other => panic!("unknown event {other:?}"),
        };
        actions.iter().map(ToString::to_string).collect()
    }
}

fn logged(what: &[&str], rest: String) -> Logged {
    match what {
        ["done"] => Logged::Done,
        ["already-decided"] => Logged::AlreadyDecided,
        ["failed", ..] => Logged::Failed(rest),
        other => panic!("unknown record outcome {other:?}"),
    }
}

fn reply(a: Option<bool>) -> &'static str {
    match a {
        Some(true) => "committed",
        Some(false) => "aborted",
        None => "none",
    }
}

/// Replays one script: the text it should be.
fn replay(script: &str) -> String {
    let mut runner = Runner::default();
    let mut out = String::new();
    for line in script.lines() {
        if line.starts_with('>') {
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        for action in runner.run(line) {
            out.push_str("> ");
            out.push_str(&action);
            out.push('\n');
        }
    }
    out
}

#[test]
fn golden_scripts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "scripts missing from {}", dir.display());
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let mut failed = Vec::new();
    for file in files {
        let script = std::fs::read_to_string(&file).unwrap();
        let got = replay(&script);
        if got == script {
            continue;
        }
        if update {
            std::fs::write(&file, &got).unwrap();
            continue;
        }
        let diff = script
            .lines()
            .zip(got.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(n, (want, got))| format!("line {}: want `{want}`, got `{got}`", n + 1))
            .unwrap_or_else(|| "the scripts differ in length".to_string());
        failed.push(format!("{}: {diff}", file.display()));
    }
    assert!(
        failed.is_empty(),
        "golden scripts differ (UPDATE_GOLDEN=1 rewrites them):\n{}",
        failed.join("\n")
    );
}

/// The runner can fail: a script whose expected actions are wrong replays differently.
#[test]
fn a_wrong_expectation_is_caught() {
    let wrong = "coordinate ny: ny london\n> prepare london\n> prepare ny\nvote ny yes\nvote london no alice\n> log commit lazy\n";
    let got = replay(wrong);
    assert_ne!(got, wrong);
    assert!(got.contains("> log abort lazy"), "{got}");
}
