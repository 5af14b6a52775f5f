//! The production node code under madsim: a booking across three offices on simulated
//! hosts is answered "booked".
#![cfg(madsim)]

use engine::state::MeetingSpec;
use engine::time::{Wall, Zone};
use node::rpc::{connect, BookReply};
use sim::cluster::SimCluster;
use std::time::Duration;

fn meeting() -> MeetingSpec {
    let start = Wall::from_ymd_hms(2027, 1, 12, 10, 0, 0);
    MeetingSpec::single(
        "sim-1",
        "alice",
        &["dev", "priya"],
        &[],
        start,
        Zone::Utc,
        3600,
    )
}

#[madsim::test]
async fn a_booking_across_three_offices_commits_on_simulated_hosts() {
    let cluster = SimCluster::start(None);
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
            c.book(tarpc::context::current(), meeting(), false.into())
                .await
                .expect("answers")
        })
        .await
        .expect("the client task ends");
    assert!(matches!(reply, BookReply::Booked { .. }), "{reply:?}");
}
