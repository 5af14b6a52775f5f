//! Ending what a crash, a partition or a dropped request left undecided.
//!
//! [`Settle`] is the coordinator's side: a transaction it prepared and never decided
//! (after a restart, all of them; later, those no request is still coordinating) is
//! settled by asking every office of the meeting to fence it. Prepared everywhere means
//! committed (the durable yes votes are the commit); anywhere not prepared, the fence
//! records an abort there (so a late prepare fails) and the transaction aborts; an
//! office that does not answer leaves it undecided until the next try. A transaction
//! whose offices cannot be named (its meeting gone, a resource no office owns) is left
//! alone: deciding without fencing every office could contradict a vote. The decision
//! is sent only once it is logged here: an office whose log failed cannot know what its
//! disk holds (an abort it could not sync may be there), so what it decided from memory
//! must not reach anyone (simulator, seed 7869: a coordinator whose synced abort failed
//! then committed from memory, the others followed, and its disk had the abort).
//!
//! [`participant`] is the other side: what an office answers when asked, and when it
//! asks its coordinator about a hold it has kept too long.

use crate::action::Action;
use crate::decision::{Decision, Logged};
use engine::ids::OfficeId;
use std::collections::BTreeMap;

/// Settling one undecided transaction, at its coordinator.
#[derive(Debug)]
pub struct Settle {
    here: OfficeId,
    offices: Vec<OfficeId>,
    fenced: BTreeMap<OfficeId, Option<bool>>,
    /// The decision being logged.
    decision: Option<Decision>,
}

impl Settle {
    /// Starts settling at `here` a transaction over `offices` (`None`: they could not be
    /// named). Returns the machine and the fences to send.
    pub fn start(here: OfficeId, offices: Option<Vec<OfficeId>>) -> (Settle, Vec<Action>) {
        let mut offices = offices.unwrap_or_default();
        offices.sort();
        offices.dedup();
        let actions = if offices.is_empty() {
            vec![Action::Leave(
                "the transaction's offices cannot be named".to_string(),
            )]
        } else {
            (offices.iter())
                .map(|o| Action::Fence { to: o.clone() })
                .collect()
        };
        let machine = Settle {
            here,
            offices,
            fenced: BTreeMap::new(),
            decision: None,
        };
        (machine, actions)
    }

    /// `office`'s answer to the fence: `Some(true)` prepared (or committed) there,
    /// `Some(false)` aborted there, `None` no answer. Once every office has answered, the
    /// decision is logged (no sync: the fences are durable evidence); see
    /// [`Settle::on_logged`].
    pub fn on_fenced(&mut self, office: &OfficeId, answer: Option<bool>) -> Vec<Action> {
        if !self.offices.contains(office) || self.fenced.contains_key(office) {
            return vec![];
        }
        self.fenced.insert(office.clone(), answer);
        if self.fenced.len() < self.offices.len() {
            return vec![];
        }
        let answers: Vec<Option<bool>> = self.fenced.values().copied().collect();
        let decision = if answers.contains(&Some(false)) {
            Decision::Abort
        } else if answers.iter().all(|a| *a == Some(true)) {
            Decision::Commit
        } else {
            let silent: Vec<&str> = (self.fenced.iter())
                .filter(|(_, a)| a.is_none())
                .map(|(o, _)| o.as_str())
                .collect();
            let why = format!("no answer from {}", silent.join(","));
            return vec![Action::Leave(why)];
        };
        self.decision = Some(decision);
        vec![Action::Log {
            decision,
            sync: false,
        }]
    }

    /// What became of the decision's record here: logged, it goes to every other office;
    /// not logged (the log failed, or the transaction was decided here meanwhile), it
    /// goes nowhere and the next pass looks again.
    pub fn on_logged(&mut self, logged: Logged) -> Vec<Action> {
        let Some(decision) = self.decision.take() else {
            return vec![];
        };
        match logged {
            Logged::Done => (self.offices.iter())
                .filter(|o| **o != self.here)
                .map(|o| Action::Send {
                    to: o.clone(),
                    decision,
                })
                .collect(),
            Logged::AlreadyDecided => vec![Action::Leave(
                "decided here meanwhile; the next pass sees it".to_string(),
            )],
            Logged::Failed(why) => vec![Action::Leave(format!(
                "the log failed ({why}): nothing decided here is sent"
            ))],
        }
    }
}

pub mod participant {
    //! What an office answers about a transaction, and when it asks about its own holds.
    //!
    //! - Asked for the decision: decided, it says so; prepared and undecided, it has no
    //!   answer (its coordinator settles it first); never heard of it, it records a
    //!   presumed abort, durably, so that the transaction can never commit, then answers
    //!   "aborted".
    //! - Asked to fence: as above, except that prepared here counts as a yes.
    //! - A presumed abort that finds the transaction committed meanwhile answers
    //!   "committed"; one the log fails to take has no answer (the asker asks again).
    //! - An office whose log has failed answers nothing at all: its memory may not be
    //!   what its disk holds.
    //! - A hold kept [`ASK_AFTER_MS`] without a decision, and not being coordinated by a
    //!   request here, is asked about: at its coordinator, or settled here if this office
    //!   coordinates it.

    use crate::decision::{Decision, Logged};

    /// How long a participant keeps a prepared transaction before asking about it.
    pub const ASK_AFTER_MS: i64 = 3_000;

    /// What this office knows of a transaction.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Known {
        /// Decided here.
        Decided(Decision),
        /// Prepared here, undecided.
        Prepared,
        /// Never seen here.
        Unknown,
        /// This office's log failed: what its memory shows may not be what its disk
        /// holds (a record it could not sync may be there), so it answers nothing until
        /// it restarts from the disk.
        LogFailed,
    }

    /// What an office is asked.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Query {
        /// "How did it end?" (a participant asking its coordinator).
        Decision,
        /// "Fence it": a coordinator settling a transaction it left undecided.
        Fence,
    }

    /// How to answer.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Reply {
        /// Answer now: `Some(true)` committed (or, to a fence, prepared), `Some(false)`
        /// aborted, `None` no answer yet.
        Now(Option<bool>),
        /// Log a presumed abort (synced) first, then answer with
        /// [`after_presumed_abort`].
        PresumeAbort,
    }

    /// How to answer `query` about a transaction this office knows as `known`.
    pub fn answer(query: Query, known: Known) -> Reply {
        match (known, query) {
            (Known::LogFailed, _) => Reply::Now(None),
            (Known::Decided(d), _) => Reply::Now(Some(d.is_commit())),
            (Known::Prepared, Query::Decision) => Reply::Now(None),
            (Known::Prepared, Query::Fence) => Reply::Now(Some(true)),
            (Known::Unknown, _) => Reply::PresumeAbort,
        }
    }

    /// The answer once a presumed abort was logged (or not).
    pub fn after_presumed_abort(logged: &Logged) -> Option<bool> {
        match logged {
            Logged::Done => Some(false),
            Logged::AlreadyDecided => Some(true),
            Logged::Failed(_) => None,
        }
    }

    /// Whether a hold first seen at `first_seen_ms` is due to be asked about at `now_ms`
    /// (monotonic milliseconds), unless a request here is coordinating it.
    pub fn ask_due(first_seen_ms: i64, now_ms: i64, coordinating: bool) -> bool {
        !coordinating && now_ms - first_seen_ms >= ASK_AFTER_MS
    }

    /// What to log after asking the coordinator: its answer's decision, if it had one.
    pub fn on_coordinator_answer(answer: Option<bool>) -> Option<Decision> {
        answer.map(Decision::of)
    }
}
