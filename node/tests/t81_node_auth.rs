//! Who may call a node's tarpc port (issue: "the tarpc port trusts anyone"). New York's
//! node runs in process behind mutual TLS with the cluster's certificates (made by
//! `node::pki`, as `dms cluster up` makes them); callers present certificates of their
//! own. Each attack is refused, and each legitimate caller still gets through:
//! - a plain (unauthenticated) client, and a certificate from another CA;
//! - a client certificate making node-only calls (prepare, commit, fence, deliver...);
//! - London's node speaking for New York's transactions and deliveries;
//! - a node certificate naming an office outside the cluster;
//! - a person-bound certificate booking as someone else, or reading others' meetings;
//! - a booking over conflicts without the override scope.

use engine::ids::{MeetingId, OfficeId, ResourceId, TxnId};
use engine::office::Directory;
use engine::state::{Command, Outcome, Response};
use engine::time::Wall;
use node::auth::{Caller, Force, Grant, Scope};
use node::clock::SystemClock;
use node::durable::DurableOffice;
use node::pki::{self, Ca, CertFiles};
use node::rpc::{connect, connect_with, BookReply, OfficeRpcClient};
use node::sample::{parse_directory, SAMPLE_OFFICES};
use node::server::{run_with, Admission, OfficeServer};
use node::storage::FileStorage;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod common;

struct Node {
    addr: SocketAddr,
    certs: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Node {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_dir_all(self.certs.parent().unwrap());
    }
}

fn offices(dir: &Directory) -> Vec<OfficeId> {
    dir.offices.keys().cloned().collect()
}

/// New York's node over mutual TLS, the cluster's certificates beside it.
async fn ny(name: &str) -> Node {
    let root = std::env::temp_dir().join(format!("dms-t81-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let certs = root.join("tls");
    let dir = parse_directory(SAMPLE_OFFICES).unwrap();
    pki::ensure_cluster(&certs, &offices(&dir)).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // The other offices are named but not running: every meeting here is New York's own.
    let peers: BTreeMap<OfficeId, SocketAddr> = offices(&dir)
        .into_iter()
        .map(|o| (o, SocketAddr::from(([127, 0, 0, 1], 9))))
        .chain([(OfficeId::new("ny"), addr)])
        .collect();
    let mut state =
        DurableOffice::open("ny".into(), FileStorage::open(&root.join("ny")).unwrap()).unwrap();
    state.register_directory(&dir).unwrap();
    let server = OfficeServer::new(
        "ny".into(),
        state,
        dir,
        peers,
        Arc::new(SystemClock::new()),
        0,
    );
    let files = pki::node_files(&certs, &"ny".into());
    let tls = node::tls::load(&files.cert, &files.key, &files.ca).unwrap();
    let task = tokio::spawn(run_with(listener, server, Admission::Tls(tls.server)));
    Node { addr, certs, task }
}

/// A certificate for `who` from the cluster's CA, and a client presenting it.
async fn as_caller(node: &Node, name: &str, who: Caller) -> OfficeRpcClient {
    let files = issue(&node.certs, name, &who, &Ca::load(&node.certs).unwrap());
    client(node, &files).await
}

fn issue(dir: &Path, name: &str, who: &Caller, ca: &Ca) -> CertFiles {
    let files = CertFiles {
        cert: dir.join(format!("{name}.pem")),
        key: dir.join(format!("{name}-key.pem")),
        ca: dir.join("ca.pem"),
    };
    ca.issue(who, &files).unwrap();
    files
}

async fn client(node: &Node, files: &CertFiles) -> OfficeRpcClient {
    let tls = node::tls::load(&files.cert, &files.key, &files.ca).unwrap();
    connect_with(node.addr, tls.client).await.unwrap()
}

fn grant(person: Option<&str>, scopes: &[Scope]) -> Caller {
    Caller::Client(Grant {
        office: "ny".into(),
        person: person.map(ResourceId::new),
        scopes: scopes.to_vec(),
    })
}

fn ctx() -> tarpc::context::Context {
    tarpc::context::current()
}

fn meeting(id: &str, organizer: &str, with: &[&str], hour: u32) -> engine::state::MeetingSpec {
    common::meeting(
        id,
        organizer,
        with,
        &[],
        Wall::from_ymd_hms(2027, 3, 2, hour, 0, 0),
    )
}

/// The reason a call was refused by the node's guard (it was not answered). (The error
/// kind is not compared: tarpc's wire form of it does not round-trip every kind.)
fn denied<T: std::fmt::Debug>(r: Result<T, tarpc::client::RpcError>) -> String {
    match r {
        Err(tarpc::client::RpcError::Server(e)) => e.detail,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn unauthenticated_callers_cannot_connect() {
    let node = ny("plain").await;
    // No certificate at all: the plain tarpc client meets a TLS server.
    let plain = connect(node.addr).await.unwrap();
    assert!(plain.health(ctx()).await.is_err());
    // A certificate for New York's own node identity, from another CA.
    let elsewhere = node.certs.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let other_ca = Ca::generate("mallory").unwrap();
    other_ca.save(&elsewhere).unwrap();
    let forged = issue(&elsewhere, "forged", &Caller::Node("ny".into()), &other_ca);
    // It trusts the real CA for the server, but presents the forged certificate.
    let forged = CertFiles {
        ca: node.certs.join("ca.pem"),
        ..forged
    };
    let tls = node::tls::load(&forged.cert, &forged.key, &forged.ca).unwrap();
    let refused = match connect_with(node.addr, tls.client).await {
        Ok(c) => c.health(ctx()).await.is_err(),
        Err(_) => true,
    };
    assert!(refused, "a certificate from another CA was accepted");
    // A node certificate from the right CA that names an office outside the cluster.
    let paris = as_caller(&node, "paris", Caller::Node("paris".into())).await;
    assert!(paris.health(ctx()).await.is_err());
    // The operator's certificate is let in.
    let operator = client(&node, &pki::operator_files(&node.certs)).await;
    assert_eq!(
        operator.health(ctx()).await.unwrap().office,
        OfficeId::new("ny")
    );
}

#[tokio::test]
async fn a_client_certificate_cannot_make_node_only_calls() {
    let node = ny("client").await;
    let c = as_caller(
        &node,
        "ny-booker",
        grant(None, &[Scope::Book, Scope::Freebusy]),
    )
    .await;
    let txn = TxnId::new("ny-1.0-1");
    let m = meeting("mallory", "alice", &["bob"], 9);
    denied(c.fence(ctx(), txn.clone()).await);
    denied(c.decision(ctx(), txn.clone()).await);
    denied(c.decide_many(ctx(), vec![(txn.clone(), true)]).await);
    denied(c.prepare_many(ctx(), vec![], vec![(txn, m, true)]).await);
    let cancel = Command::Cancel {
        meeting: MeetingId::new("x"),
        scope: engine::state::CancelScope::Series,
        version: None,
    };
    let why = denied(c.deliver(ctx(), "ny-1.0-2".into(), cancel).await);
    assert!(why.contains("between office nodes"), "{why}");
    // Even an operator's certificate holds no node powers.
    let operator = client(&node, &pki::operator_files(&node.certs)).await;
    denied(operator.fence(ctx(), TxnId::new("ny-1.0-3")).await);
    // The same client books through the front door.
    let reply = c
        .book(ctx(), meeting("fine", "alice", &["bob"], 10), Force::No)
        .await;
    assert!(matches!(reply, Ok(BookReply::Booked { .. })), "{reply:?}");
}

#[tokio::test]
async fn a_node_speaks_only_for_its_own_office() {
    let node = ny("node").await;
    let london = client(&node, &pki::node_files(&node.certs, &"london".into())).await;
    let ours = TxnId::new("ny-1.0-1");
    let why = denied(london.decide_many(ctx(), vec![(ours.clone(), true)]).await);
    assert!(why.contains("london") && why.contains("ny-1.0-1"), "{why}");
    denied(london.fence(ctx(), ours.clone()).await);
    denied(
        london
            .decide_many(
                ctx(),
                vec![(TxnId::new("london-1.0-1"), true), (ours.clone(), true)],
            )
            .await,
    );
    let respond = Command::Respond {
        meeting: MeetingId::new("x"),
        attendee: "alice".into(),
        response: Response::Declined,
        version: None,
    };
    denied(
        london
            .deliver(ctx(), "ny-1.0-9".into(), respond.clone())
            .await,
    );
    // Its own transactions and deliveries, and questions about New York's, are answered.
    let own = london
        .decide_many(ctx(), vec![(TxnId::new("london-1.0-1"), false)])
        .await
        .unwrap();
    assert!(matches!(own[..], [Outcome::Aborted { .. }]), "{own:?}");
    assert_eq!(london.decision(ctx(), ours).await.unwrap(), Some(false));
    let delivered = london.deliver(ctx(), "london-1.0-2".into(), respond).await;
    assert!(delivered.is_ok(), "{delivered:?}");
}

#[tokio::test]
async fn a_person_bound_client_acts_and_reads_as_its_person_only() {
    let node = ny("person").await;
    let alice = as_caller(
        &node,
        "alice",
        grant(Some("alice"), &[Scope::Book, Scope::Freebusy]),
    )
    .await;
    let office = as_caller(
        &node,
        "office",
        grant(None, &[Scope::Book, Scope::Freebusy]),
    )
    .await;
    let why = denied(
        alice
            .book(ctx(), meeting("as-bob", "bob", &["carmen"], 9), Force::No)
            .await,
    );
    assert!(why.contains("alice only"), "{why}");
    let mine = alice
        .book(ctx(), meeting("mine", "alice", &["bob"], 9), Force::No)
        .await;
    assert!(matches!(mine, Ok(BookReply::Booked { .. })), "{mine:?}");
    let theirs = office
        .book(ctx(), meeting("theirs", "bob", &["carmen"], 11), Force::No)
        .await;
    assert!(matches!(theirs, Ok(BookReply::Booked { .. })), "{theirs:?}");
    // Bob's meeting with Carmen reads as absent to Alice's client (it is there for the
    // office's client); hers reads in full.
    let (theirs, mine) = (
        MeetingId::made(&"bob".into(), "theirs"),
        MeetingId::made(&"alice".into(), "mine"),
    );
    assert!(office
        .meeting(ctx(), theirs.clone())
        .await
        .unwrap()
        .is_some());
    assert_eq!(alice.meeting(ctx(), theirs.clone()).await.unwrap(), None);
    assert!(alice.meeting(ctx(), mine).await.unwrap().is_some());
    denied(
        alice
            .cancel(ctx(), theirs.clone(), engine::state::CancelScope::Series)
            .await,
    );
    denied(
        alice
            .respond(ctx(), theirs.clone(), "carmen".into(), Response::Declined)
            .await,
    );
    // Nor propose a time as Carmen, nor decline a proposal as Bob.
    let proposal = |declined| node::rpc::Counter {
        meeting: theirs.clone(),
        attendee: "carmen".into(),
        instance: None,
        start: engine::time::Instant(1_900_000_000),
        duration_secs: 1800,
        declined,
    };
    denied(alice.counter(ctx(), proposal(false)).await);
    denied(alice.counter(ctx(), proposal(true)).await);
    denied(alice.health(ctx()).await);
}

#[tokio::test]
async fn overriding_needs_its_own_scope() {
    let node = ny("override").await;
    let plain = as_caller(&node, "booker", grant(None, &[Scope::Book])).await;
    let first = plain
        .book(ctx(), meeting("first", "alice", &["bob"], 9), Force::No)
        .await;
    assert!(matches!(first, Ok(BookReply::Booked { .. })), "{first:?}");
    let clash = meeting("clash", "bob", &["alice"], 9);
    let why = denied(plain.book(ctx(), clash.clone(), Force::Everywhere).await);
    assert!(why.contains("override"), "{why}");
    let overrider = as_caller(
        &node,
        "overrider",
        grant(None, &[Scope::Book, Scope::Override]),
    )
    .await;
    // Asked for everywhere, granted within New York: Alice is New York's, so it books.
    let reply = overrider
        .book(ctx(), clash, Force::Everywhere)
        .await
        .unwrap();
    let BookReply::Booked { overridden, .. } = reply else {
        panic!("{reply:?}");
    };
    assert!(!overridden.is_empty());
}

/// The recurrence rule that took 19 s of an office's CPU is refused by the step budget,
/// naming the rule; the node answers other callers as before.
#[tokio::test]
async fn a_costly_rule_is_refused_and_the_node_keeps_answering() {
    let node = ny("costly").await;
    let operator = client(&node, &pki::operator_files(&node.certs)).await;
    let mut m = meeting("costly", "alice", &["bob"], 9);
    let rule = "FREQ=SECONDLY;INTERVAL=61;BYSECOND=1;BYMINUTE=1;BYHOUR=1;BYMONTHDAY=31;BYMONTH=4";
    m.recurrence
        .rrules
        .push(engine::recurrence::Rule::parse(rule).unwrap());
    let (reply, health) = tokio::join!(operator.book(ctx(), m, Force::No), operator.health(ctx()));
    let why = match reply.unwrap() {
        BookReply::Refused { why } => why,
        other => panic!("{other:?}"),
    };
    assert!(
        why.contains("too costly") && why.contains("BYMONTHDAY=31"),
        "{why}"
    );
    assert!(health.is_ok());
    let fine = operator
        .book(ctx(), meeting("fine", "alice", &["bob"], 11), Force::No)
        .await;
    assert!(matches!(fine, Ok(BookReply::Booked { .. })), "{fine:?}");
}

/// Meeting ids are the node's: whatever id a client writes, the meeting is stored under
/// the id made from its organizer and its name (the client's UID, or else the id it
/// wrote), so no client can pick the id of a meeting it does not organize; the same
/// name again is the same meeting; a change cannot rename it.
#[tokio::test]
async fn meeting_ids_are_made_by_the_node() {
    let node = ny("ids").await;
    let operator = as_caller(&node, "operator", grant(None, &[Scope::Admin])).await;
    let made = |who: &str, name: &str| MeetingId::made(&who.into(), name);
    let reply = operator
        .book(ctx(), meeting("ny-target", "alice", &["bob"], 9), Force::No)
        .await;
    assert!(matches!(reply, Ok(BookReply::Booked { .. })), "{reply:?}");
    assert_eq!(
        operator.meeting(ctx(), "ny-target".into()).await.unwrap(),
        None
    );
    let stored = (operator.meeting(ctx(), made("alice", "ny-target")).await)
        .unwrap()
        .expect("stored under the id the node made");
    assert_eq!(stored.uid.as_deref(), Some("ny-target"));
    // Bob's meeting of the same name, and one that writes Alice's id as its own: each
    // is a meeting of its own, Alice's untouched.
    let mut posing = meeting("x", "bob", &["carmen"], 11);
    posing.id = made("alice", "ny-target");
    for m in [meeting("ny-target", "bob", &["carmen"], 13), posing] {
        let reply = operator.book(ctx(), m, Force::No).await;
        assert!(matches!(reply, Ok(BookReply::Booked { .. })), "{reply:?}");
    }
    let again = operator.meeting(ctx(), made("alice", "ny-target")).await;
    assert_eq!(again.unwrap().as_ref(), Some(&stored));
    assert!((operator
        .meeting(ctx(), made("bob", "ny-target"))
        .await
        .unwrap())
    .is_some());
    let posed = made("bob", made("alice", "ny-target").as_str());
    assert!((operator.meeting(ctx(), posed).await.unwrap()).is_some());
    // The same name again is the same meeting: not booked twice.
    let retry = operator
        .book(ctx(), meeting("ny-target", "alice", &["bob"], 9), Force::No)
        .await;
    assert!(!matches!(retry, Ok(BookReply::Booked { .. })), "{retry:?}");
    // An import's ids are made the same way, from each event's UID.
    let mut imported = meeting("chosen", "carmen", &[], 15);
    imported.uid = Some("event-1".into());
    let outcome = operator.import(ctx(), vec![imported]).await.unwrap();
    assert!(!matches!(outcome, Outcome::Rejected(_)), "{outcome:?}");
    assert_eq!(
        operator.meeting(ctx(), "chosen".into()).await.unwrap(),
        None
    );
    assert!((operator
        .meeting(ctx(), made("carmen", "event-1"))
        .await
        .unwrap())
    .is_some());
    // A change names its meeting by the node's id and keeps its name.
    let mut renamed = stored.clone();
    renamed.uid = Some("other".into());
    let why = denied(operator.update(ctx(), renamed, Force::No).await);
    assert!(why.contains("UID cannot change"), "{why}");
}
