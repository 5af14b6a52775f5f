//! The fault proxy of cluster runs on real sockets: bytes pass both ways; a delay delays
//! them; a partition holds them (neither way) until it heals, and then delivers them; a
//! cut of what an office sends, or of what it receives, holds those bytes only; overlapping cuts heal one by one; a reset
//! closes the connection; loss stalls or resets, but loses no byte of a connection that
//! lives.

use engine::ids::OfficeId;
use node::drive::proxy::FaultNet;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{timeout, Instant};

/// An echo server: every byte back. Its address.
async fn echo() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = s.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    addr
}

/// Offices `a` and `b`, both echo servers, behind a proxy with `delay_ms` between them.
async fn two(delay_ms: u64) -> FaultNet {
    let real: BTreeMap<OfficeId, SocketAddr> = BTreeMap::from([
        (OfficeId::new("a"), echo().await),
        (OfficeId::new("b"), echo().await),
    ]);
    FaultNet::start(&real, &|_, _| delay_ms, 7).await.unwrap()
}

/// Connects from `a` to `b` through the proxy.
async fn a_to_b(net: &FaultNet) -> TcpStream {
    let relay = net
        .peer_addr(&OfficeId::new("a"), &OfficeId::new("b"))
        .unwrap();
    TcpStream::connect(relay).await.unwrap()
}

/// Sends `msg` and reads it back, within `within`.
async fn round_trip(s: &mut TcpStream, msg: &[u8], within: Duration) -> Option<Vec<u8>> {
    s.write_all(msg).await.unwrap();
    let mut got = vec![0u8; msg.len()];
    match timeout(within, s.read_exact(&mut got)).await {
        Ok(Ok(_)) => Some(got),
        _ => None,
    }
}

#[tokio::test]
async fn bytes_pass_and_a_delay_delays_them() {
    let net = two(0).await;
    let mut s = a_to_b(&net).await;
    let got = round_trip(&mut s, b"hello", Duration::from_secs(5)).await;
    assert_eq!(got.as_deref(), Some(&b"hello"[..]));
    // 150 ms each way: a round trip takes at least 300 ms.
    let net = two(150).await;
    let mut s = a_to_b(&net).await;
    let t = Instant::now();
    let got = round_trip(&mut s, b"slow", Duration::from_secs(5)).await;
    assert_eq!(got.as_deref(), Some(&b"slow"[..]));
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    // Clients reach each office through a relay of their own.
    let c = net.client_addrs()[&OfficeId::new("a")];
    let mut s = TcpStream::connect(c).await.unwrap();
    let got = round_trip(&mut s, b"client", Duration::from_secs(5)).await;
    assert_eq!(got.as_deref(), Some(&b"client"[..]));
}

#[tokio::test]
async fn a_partition_holds_bytes_until_it_heals_and_overlapping_ones_heal_one_by_one() {
    let net = two(0).await;
    let mut s = a_to_b(&net).await;
    net.isolate("b", true);
    net.isolate("a", true);
    assert_eq!(
        round_trip(&mut s, b"held", Duration::from_millis(400)).await,
        None
    );
    // b's cut lifted, a's still holds.
    net.isolate("b", false);
    let mut rest = vec![0u8; 4];
    assert!(timeout(Duration::from_millis(400), s.read_exact(&mut rest))
        .await
        .is_err());
    net.isolate("a", false);
    timeout(Duration::from_secs(5), s.read_exact(&mut rest))
        .await
        .expect("delivered once healed")
        .unwrap();
    assert_eq!(&rest, b"held");
}

#[tokio::test]
async fn a_one_way_cut_holds_only_what_its_office_sends() {
    let net = two(0).await;
    // b's answers are held: a's bytes reach b (its echo is held on the way back).
    let mut s = a_to_b(&net).await;
    net.cut_out("b", true);
    assert_eq!(
        round_trip(&mut s, b"ping", Duration::from_millis(400)).await,
        None
    );
    net.cut_out("b", false);
    let mut back = vec![0u8; 4];
    timeout(Duration::from_secs(5), s.read_exact(&mut back))
        .await
        .expect("the answer comes once b may send")
        .unwrap();
    // a's own sends held: nothing comes back either, until lifted; then all of it.
    net.cut_out("a", true);
    assert_eq!(
        round_trip(&mut s, b"pong", Duration::from_millis(400)).await,
        None
    );
    net.heal();
    timeout(Duration::from_secs(5), s.read_exact(&mut back))
        .await
        .expect("healed")
        .unwrap();
    assert_eq!(&back, b"pong");
    // What b receives cut: nothing reaches it, so nothing comes back, until lifted.
    net.cut_in("b", true);
    assert_eq!(
        round_trip(&mut s, b"deaf", Duration::from_millis(400)).await,
        None
    );
    net.cut_in("b", false);
    timeout(Duration::from_secs(5), s.read_exact(&mut back))
        .await
        .expect("heard once lifted")
        .unwrap();
    assert_eq!(&back, b"deaf");
}

#[tokio::test]
async fn a_reset_closes_the_connection() {
    let net = two(0).await;
    let mut s = a_to_b(&net).await;
    assert!(round_trip(&mut s, b"x", Duration::from_secs(5))
        .await
        .is_some());
    net.reset("b", "a");
    let mut buf = [0u8; 1];
    let read = timeout(Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("the reset is seen");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
}

#[tokio::test]
async fn loss_stalls_or_resets_but_a_living_connection_loses_no_byte() {
    let net = two(0).await;
    net.lossy(true);
    let (mut stalled, mut reset) = (0, 0);
    for round in 0..20u8 {
        let mut s = a_to_b(&net).await;
        let msg = vec![round; 64];
        let t = Instant::now();
        match round_trip(&mut s, &msg, Duration::from_secs(5)).await {
            Some(back) => {
                assert_eq!(back, msg, "what arrives is what was sent");
                if t.elapsed() >= node::drive::proxy::RETRANSMIT {
                    stalled += 1;
                }
            }
            None => reset += 1,
        }
    }
    assert!(stalled + reset > 0, "20% loss over 40 chunks touched none");
    net.lossy(false);
    let mut s = a_to_b(&net).await;
    assert!(round_trip(&mut s, b"clean", Duration::from_secs(5))
        .await
        .is_some());
}
