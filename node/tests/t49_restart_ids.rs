//! Ids a node makes (transactions, cancellation keys) never repeat across restarts,
//! whatever its wall clock did meanwhile: each run logs a boot number before it makes
//! any id (issue 21, bug 2). With ids made from the clock and a counter that restarts at
//! zero, a clock stepped back across a restart made the same transaction id again, and
//! the office answered the new booking "prepared" from the old one's decision: "booked",
//! with nothing placed.

mod common;

use common::cluster::{day, meeting};
use engine::ids::{MeetingId, OfficeId, ResourceId};
use node::clock::ManualClock;
use node::durable::DurableOffice;
use node::rpc::{BookReply, OfficeRpc};
use node::sample::{parse_directory, SAMPLE_OFFICES};
use node::server::OfficeServer;
use node::storage::{FileStorage, SimFs};
use std::collections::BTreeMap;
use std::sync::Arc;

#[tokio::test]
async fn a_clock_stepped_back_across_a_restart_repeats_no_id() {
    let dir = parse_directory(SAMPLE_OFFICES).unwrap();
    let ny = OfficeId::new("ny");
    let disk = SimFs::new();
    let office_dir = std::path::Path::new("/office");
    let start = |clock: ManualClock| {
        let mut state = DurableOffice::open(
            ny.clone(),
            FileStorage::open_on(disk.clone(), office_dir).unwrap(),
        )
        .unwrap();
        state.register_directory(&dir).unwrap();
        let peers = BTreeMap::new();
        OfficeServer::new(ny.clone(), state, dir.clone(), peers, Arc::new(clock), 1)
    };
    let ctx = tarpc::context::current;
    let book = |server: &OfficeServer<_>, id: &str, hour: u32| {
        let m = meeting(id, "alice", &["bob"], &[], hour);
        server.clone().book(ctx(), m, false.into())
    };
    let wall = 1_800_000_000_000;
    let first = start(ManualClock::new(wall));
    let before = book(&first, "before", 14).await;
    let BookReply::Booked { txn: before, .. } = before else {
        panic!("{before:?}")
    };
    drop(first);
    // The same wall-clock reading after the restart (a clock stepped back).
    let second = start(ManualClock::new(wall));
    let after = book(&second, "after", 15).await;
    let BookReply::Booked { txn: after, .. } = after else {
        panic!("{after:?}")
    };
    assert_ne!(before, after, "a transaction id repeated across a restart");
    let entries = second
        .clone()
        .entries(ctx(), ResourceId::new("bob"), day())
        .await
        .unwrap();
    let mut meetings: Vec<MeetingId> = entries.into_iter().map(|e| e.meeting).collect();
    meetings.dedup();
    assert_eq!(
        meetings.len(),
        2,
        "both bookings on bob's calendar: {meetings:?}"
    );
}
