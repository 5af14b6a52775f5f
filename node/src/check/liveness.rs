//! Liveness after the faults heal: every transaction resolves and every outbox empties
//! within [`SETTLE_BOUND`], and then a new booking across three offices succeeds.

use crate::drive::call::{perform, Call, Op, Seen, Target};
use engine::state::MeetingSpec;
use std::time::Duration;

pub use crate::drive::checks::{settle, SETTLE_BOUND};

/// How the probe meetings' names begin.
pub const PROBE: &str = "probe-";

/// Books `m` (people in several offices, at a time the workload leaves free): it must
/// succeed within [`SETTLE_BOUND`] (a connection stuck in TCP's retransmission backoff
/// may fail the first tries, which are refused and have no effect). Every try joins the
/// history.
pub async fn probe(m: MeetingSpec, target: &Target) -> (Vec<Call>, Option<String>) {
    let start = tokio::time::Instant::now();
    let mut tries = Vec::new();
    loop {
        let call = perform(Op::Book(m.clone()), target).await;
        let (seen, why) = (call.seen, call.why.clone());
        tries.push(call);
        if seen == Seen::Done {
            return (tries, None);
        }
        if seen == Seen::Conflicts || start.elapsed() > SETTLE_BOUND {
            let n = tries.len();
            return (
                tries,
                Some(format!(
                    "a new booking after healing: {seen:?} {why} ({n} tries)"
                )),
            );
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
