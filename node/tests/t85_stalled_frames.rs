//! A peer that starts a tarpc frame and stops (issue 19: 50 such connections held
//! 200 MiB) is closed once the frame has stalled for `FRAME_STALL_TIMEOUT`; a connection
//! idle between frames is left open; the node answers throughout.

mod common;

use common::lone::Lone;
use node::server::stall::FRAME_STALL_TIMEOUT;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Whether the peer closed `s` within `wait` (a read gives end of file or an error).
fn closed_within(s: &mut TcpStream, wait: Duration) -> bool {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut byte = [0u8; 1];
    match s.read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

#[test]
fn a_stalled_frame_is_closed_and_an_idle_connection_is_not() {
    let mut node = Lone::new("t85", 7830, "");
    node.start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    node.wait_up(&rt);
    let addr = ("127.0.0.1", node.port);
    // Ten connections that announce a 4 MiB frame, send 1 MiB of it, and stop.
    let mut stalled: Vec<TcpStream> = (0..10)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(&(4u32 << 20).to_be_bytes()).unwrap();
            s.write_all(&vec![0u8; 1 << 20]).unwrap();
            s
        })
        .collect();
    // One connection that sends nothing at all: between frames, it may idle.
    let mut idle = TcpStream::connect(addr).unwrap();
    let started = Instant::now();
    node.wait_up(&rt);
    for s in &mut stalled {
        let left = (FRAME_STALL_TIMEOUT + Duration::from_secs(5)).saturating_sub(started.elapsed());
        assert!(
            closed_within(s, left.max(Duration::from_millis(1))),
            "a stalled frame was kept"
        );
    }
    assert!(
        started.elapsed() >= FRAME_STALL_TIMEOUT - Duration::from_secs(1),
        "closed before the stall timeout"
    );
    assert!(
        !closed_within(&mut idle, Duration::from_millis(500)),
        "an idle connection was closed"
    );
    node.wait_up(&rt);
}
