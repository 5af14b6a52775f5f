//! Ids an office makes (transaction ids, delivery keys), unique across the company and
//! across restarts.
//!
//! An id is `{office}-{wall_ms}.{logical}-{boot}.{n}`: the office (so the coordinator of
//! a transaction can be read from its id), a hybrid timestamp (for people reading logs;
//! it orders ids roughly by time), then the boot number, which the node logs and syncs
//! at every start before it makes any id, and a counter that starts at one each boot.
//! The last two make it unique: a wall clock that steps back across a restart cannot
//! make an id seen before, since the boot number differs.

use engine::ids::OfficeId;

/// Makes one office's ids for one run of its node.
#[derive(Debug)]
pub struct IdMaker {
    office: OfficeId,
    boot: u64,
    made: u64,
}

impl IdMaker {
    /// Ids for `office` in the run whose durable boot number is `boot`.
    pub fn new(office: OfficeId, boot: u64) -> IdMaker {
        IdMaker {
            office,
            boot,
            made: 0,
        }
    }

    /// The next id, stamped with a hybrid timestamp (`wall_ms`, `logical`).
    pub fn make(&mut self, wall_ms: i64, logical: u32) -> String {
        self.made += 1;
        format!(
            "{}-{wall_ms}.{logical}-{}.{}",
            self.office, self.boot, self.made
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_stepped_back_across_a_restart_repeats_no_id() {
        let ny = OfficeId::new("ny");
        let mut first = IdMaker::new(ny.clone(), 1);
        let before = [first.make(5_000, 0), first.make(5_000, 1)];
        let mut second = IdMaker::new(ny, 2);
        let after = [second.make(5_000, 0), second.make(5_000, 1)];
        assert_ne!(before[0], before[1]);
        assert!(
            before.iter().all(|id| !after.contains(id)),
            "{before:?} {after:?}"
        );
        assert_eq!(after[0], "ny-5000.0-2.1");
    }
}
