//! Liveness after the faults heal: every transaction resolves and every outbox empties
//! within [`SETTLE_BOUND`], and then a new booking across three offices succeeds.

use crate::workload::{perform, Call, Op, Seen, Target};
use engine::ids::OfficeId;
use engine::state::MeetingSpec;
use node::rpc::OfficeRpcClient;
use std::collections::BTreeMap;
use std::time::Duration;

/// How long after healing everything must be resolved. Participants ask about an old
/// hold after 3 s and coordinators retry decisions; a crashed office is back within 5 s.
pub const SETTLE_BOUND: Duration = Duration::from_secs(60);

/// Polls every office's health until nothing is undecided or waiting in an outbox;
/// the time it took, or why it did not within [`SETTLE_BOUND`].
pub async fn settle(clients: &BTreeMap<OfficeId, OfficeRpcClient>) -> Result<Duration, String> {
    let start = madsim::time::Instant::now();
    loop {
        let mut busy = Vec::new();
        for (o, c) in clients {
            match c.health(tarpc::context::current()).await {
                Ok(h) if h.pending == 0 && h.outbox == 0 => {}
                Ok(h) => busy.push(format!(
                    "{o}: {} undecided, {} in outbox",
                    h.pending, h.outbox
                )),
                Err(e) => busy.push(format!("{o}: health: {e}")),
            }
        }
        if busy.is_empty() {
            return Ok(start.elapsed());
        }
        if start.elapsed() > SETTLE_BOUND {
            return Err(format!(
                "not settled {SETTLE_BOUND:?} after healing: {}",
                busy.join("; ")
            ));
        }
        madsim::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Books `m` (people in several offices, at a time the workload leaves free): it must
/// succeed within [`SETTLE_BOUND`] (a connection stuck in TCP's retransmission backoff
/// may fail the first tries, which are refused and have no effect). Every try joins the
/// history.
pub async fn probe(m: MeetingSpec, target: &Target) -> (Vec<Call>, Option<String>) {
    let start = madsim::time::Instant::now();
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
        madsim::time::sleep(Duration::from_secs(1)).await;
    }
}
