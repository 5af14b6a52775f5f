//! [`Decision`]: how a transaction ended; [`Logged`]: what became of a decision the node
//! was asked to log.

use engine::ids::TxnId;
use engine::state::{Command, Outcome, Rejection};
use std::fmt;

/// How a transaction ended: every office commits it, or every office aborts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decision {
    /// Holds become bookings.
    Commit,
    /// Holds go.
    Abort,
}

impl Decision {
    /// `Commit` if `commit`, else `Abort`.
    pub fn of(commit: bool) -> Decision {
        if commit {
            Decision::Commit
        } else {
            Decision::Abort
        }
    }

    /// Whether this is a commit (the wire's and the log's form).
    pub fn is_commit(self) -> bool {
        self == Decision::Commit
    }

    /// The state machine's command that records this decision for `txn`.
    pub fn command(self, txn: &TxnId) -> Command {
        let txn = txn.clone();
        match self {
            Decision::Commit => Command::Commit { txn },
            Decision::Abort => Command::Abort { txn },
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Commit => "commit",
            Decision::Abort => "abort",
        })
    }
}

/// What became of a decision the node logged here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Logged {
    /// Logged (and applied).
    Done,
    /// The transaction had already ended the other way here.
    AlreadyDecided,
    /// The log failed: the record may or may not be on the disk.
    Failed(String),
}

impl Logged {
    /// Reads the outcome of applying a decision.
    pub fn of(outcome: &Outcome) -> Logged {
        match outcome {
            Outcome::Rejected(Rejection::AlreadyDecided(_)) => Logged::AlreadyDecided,
            Outcome::Rejected(Rejection::StorageFailed(why) | Rejection::Stopped(why)) => {
                Logged::Failed(why.clone())
            }
            _ => Logged::Done,
        }
    }
}
