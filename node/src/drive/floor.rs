//! A booking's floor: the least time it could take on the scenario's network, to set
//! each booking's latency against. A booking whose calendars are all at the organizer's
//! office costs a call to that office and one log sync there ([`LOCAL_FLOOR_MS`]); one
//! across offices costs that plus a round trip of its farthest link (the prepares go
//! out at once, and each office's sync overlaps the others'). A refusal for conflicts
//! costs one round trip more: its alternatives need the other offices' free/busy, which
//! the attempt made suspect in the cache. Bookings are grouped by their farthest link
//! and answer, so each group shares one floor.

use super::call::{Call, Op, Seen};
use scenarios::world::World;

/// A call to the organizer's office and one log sync there, in the simulator: the client
/// sits 1-5 ms from the office each way (3 on average) and a sync takes 1-20 ms (10.5 on
/// average): about 16 ms.
pub const LOCAL_FLOOR_MS: u32 = 16;

/// The group a booking's latency is reported in, and that group's floor in
/// milliseconds; `None` for calls that are not bookings or changes.
pub fn kind_of(world: &World, call: &Call) -> Option<(String, u32)> {
    let m = match &call.op {
        Op::Book(m) | Op::Update(m) => m,
        _ => return None,
    };
    let farthest = (m.resources().iter())
        .filter_map(|r| world.dir.home(r).ok())
        .filter(|o| **o != call.office)
        .filter_map(|o| world.latency_ms.get(&(call.office.clone(), o.clone())))
        .max()
        .copied();
    let (answer, trips) = match call.seen {
        Seen::Done => ("booked", 1),
        Seen::Conflicts => ("conflicts", 2),
        _ => return None,
    };
    let op = call.op.name();
    Some(match farthest {
        None => (format!("{op}, one office, {answer}"), LOCAL_FLOOR_MS),
        Some(ms) => (
            format!("{op}, farthest link {ms} ms, {answer}"),
            LOCAL_FLOOR_MS + trips * 2 * ms,
        ),
    })
}
