//! How candidates are ranked. Higher is better, compared in this order:
//!
//! 1. how many required attendees are free (all of them, unless `min_attendance` < 1);
//! 2. for a recurring proposal, how many of its instances work;
//! 3. the score below;
//! 4. the earlier start.
//!
//! ```text
//! score =  30 · share of optional attendees free        (1 when there are none)
//!       +  20 · share of attendees inside their own working hours
//!       +  10 · share of attendees not at lunch
//!       −  15 · the worst zone's mean off-hours share    (fairness across zones)
//!       −   5 · share of attendees tentatively busy
//!       −  10 · distance to the preferred time / window length
//!       +   5 · attendees / seats of the chosen room    (a snug room is better)
//! ```
//! Required attendance and recurring fit come first and whole, so no amount of comfort
//! buys out a required attendee. Then optional attendees, then everyone's day (hours,
//! lunch, fairness), then preference and room fit. The fairness term looks at zones,
//! not people, so one office is not always the one in the middle of the night: among
//! times equally good otherwise, the one that spreads off-hours across zones (or avoids
//! them) wins.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// The parts of a score, each 0..=1, kept so a candidate can explain itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoreParts {
    /// Share of optional attendees free.
    pub optional_free: f64,
    /// Share of attendees inside working hours.
    pub in_hours: f64,
    /// Share of attendees not at lunch.
    pub not_lunch: f64,
    /// Worst zone's mean off-hours share.
    pub worst_zone_off_hours: f64,
    /// Share of attendees tentatively busy.
    pub tentative: f64,
    /// Distance to the preferred time over the window's length.
    pub distance: f64,
    /// Attendees over seats of the room (0 without a room).
    pub room_fit: f64,
}

/// Weights, in the order of [`ScoreParts`]' fields.
pub const WEIGHTS: ScoreParts = ScoreParts {
    optional_free: 30.0,
    in_hours: 20.0,
    not_lunch: 10.0,
    worst_zone_off_hours: -15.0,
    tentative: -5.0,
    distance: -10.0,
    room_fit: 5.0,
};

impl ScoreParts {
    /// The weighted sum.
    pub fn total(&self) -> f64 {
        let w = WEIGHTS;
        w.optional_free * self.optional_free
            + w.in_hours * self.in_hours
            + w.not_lunch * self.not_lunch
            + w.worst_zone_off_hours * self.worst_zone_off_hours
            + w.tentative * self.tentative
            + w.distance * self.distance
            + w.room_fit * self.room_fit
    }
}

/// What candidates are compared by, best first when sorted with [`Rank::better_first`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rank {
    /// Required attendees free.
    pub required_free: usize,
    /// Instances that work (recurring proposals; 0 otherwise).
    pub instances_ok: usize,
    /// The score.
    pub score: f64,
    /// Start, seconds since the epoch.
    pub start: i64,
}

impl Rank {
    /// Orders better ranks first: more required attendees, more instances, higher score,
    /// earlier start.
    pub fn better_first(a: &Rank, b: &Rank) -> Ordering {
        b.required_free
            .cmp(&a.required_free)
            .then(b.instances_ok.cmp(&a.instances_ok))
            .then(b.score.total_cmp(&a.score))
            .then(a.start.cmp(&b.start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comfort_never_buys_out_a_required_attendee() {
        let perfect = ScoreParts {
            optional_free: 1.0,
            in_hours: 1.0,
            not_lunch: 1.0,
            room_fit: 1.0,
            ..Default::default()
        };
        let awful = ScoreParts {
            worst_zone_off_hours: 1.0,
            tentative: 1.0,
            distance: 1.0,
            ..Default::default()
        };
        assert!(perfect.total() > awful.total());
        let all_there = Rank {
            required_free: 4,
            instances_ok: 0,
            score: awful.total(),
            start: 100,
        };
        let one_missing = Rank {
            required_free: 3,
            instances_ok: 0,
            score: perfect.total(),
            start: 0,
        };
        assert_eq!(Rank::better_first(&all_there, &one_missing), Ordering::Less);
        let earlier = Rank {
            start: 50,
            ..all_there
        };
        assert_eq!(Rank::better_first(&earlier, &all_there), Ordering::Less);
    }

    #[test]
    fn each_weight_pulls_its_way() {
        let base = ScoreParts::default();
        assert!(
            ScoreParts {
                in_hours: 1.0,
                ..base
            }
            .total()
                > base.total()
        );
        assert!(
            ScoreParts {
                worst_zone_off_hours: 1.0,
                ..base
            }
            .total()
                < base.total()
        );
        assert!(
            ScoreParts {
                distance: 0.5,
                ..base
            }
            .total()
                < base.total()
        );
        assert!(
            ScoreParts {
                room_fit: 1.0,
                ..base
            }
            .total()
                > base.total()
        );
    }
}
