//! Effects leave a node only once the records that made them are durable: a participant
//! logs its commit lazily (a lost commit is redone by asking the coordinator), so before
//! the outbox hands the commit's notification to the sink it must sync. Otherwise a
//! crash loses the record, the notification's key goes to another notification after
//! restart, and the sink drops that one as a repeat (found by the simulator).

mod common;

use common::cluster::meeting;
use engine::ids::{OfficeId, TxnId};
use engine::state::Outcome;
use node::clock::SystemClock;
use node::durable::DurableOffice;
use node::notify::MemorySink;
use node::rpc::OfficeRpc;
use node::sample::{parse_directory, SAMPLE_OFFICES};
use node::server::{NodeOptions, OfficeServer};
use node::storage::{FileStorage, SimFs};
use std::collections::BTreeMap;
use std::sync::Arc;

#[tokio::test]
async fn a_notification_is_sent_only_after_its_commit_is_durable() {
    let dir = parse_directory(SAMPLE_OFFICES).unwrap();
    let london = OfficeId::new("london");
    let disk = SimFs::new();
    let office_dir = std::path::Path::new("/office");
    let mut state = DurableOffice::open(
        london.clone(),
        FileStorage::open_on(disk.clone(), office_dir).unwrap(),
    )
    .unwrap();
    state.register_directory(&dir).unwrap();
    let sink = Arc::new(MemorySink::default());
    let server = OfficeServer::with_options(
        london.clone(),
        state,
        dir.clone(),
        BTreeMap::new(),
        Arc::new(SystemClock::new()),
        1,
        NodeOptions::new(sink.clone(), None),
    );
    // A booking coordinated by New York: London (dev's office) takes part.
    let m = meeting("m-1", "alice", &["dev"], &[], 10);
    let txn = TxnId::new("ny-1");
    let ctx = tarpc::context::current;
    let vote = (server.clone())
        .prepare_many(ctx(), vec![], vec![(txn.clone(), m, false)])
        .await;
    assert!(matches!(vote[..], [Outcome::Prepared { .. }]), "{vote:?}");
    let commit = server.clone().decide_many(ctx(), vec![(txn, true)]).await;
    assert!(
        matches!(commit[..], [Outcome::Committed { .. }]),
        "{commit:?}"
    );
    assert_eq!(server.outbox_once().await, 1, "dev's invitation went out");
    assert_eq!(sink.sent().len(), 1);
    // The node crashes: whatever was not synced is lost.
    disk.restart(0);
    let reopened = DurableOffice::open(
        london,
        FileStorage::open_on(disk.clone(), office_dir).unwrap(),
    )
    .unwrap();
    assert!(
        reopened.state().meeting(&"m-1".into()).is_some(),
        "the commit whose notification went out was lost in the crash"
    );
}
