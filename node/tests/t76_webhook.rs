//! The webhook sink against a real local HTTP receiver (a small server in the test):
//! batches arrive signed (the HMAC checks out over the timestamp and the body, and fails
//! for another secret), a receiver error fails the batch and the sink backs off before
//! trying again, and a node whose config names a webhook posts its notifications there,
//! each key once in effect.

mod common;

use common::lone::Lone;
use common::notice;
use engine::state::NoticeKind;
use node::notify::NotificationSink;
use node::webhook::{signature, WebhookSink};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the receiver got: headers (lowercased names) and body, per request.
type Got = Arc<Mutex<Vec<(Vec<(String, String)>, String)>>>;

/// A receiver answering the statuses in `answers` in turn (then 200).
fn receiver(answers: Vec<u16>) -> (String, Got) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got: Got = Arc::default();
    let g = got.clone();
    std::thread::spawn(move || {
        let mut answers = answers.into_iter();
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut headers = Vec::new();
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            loop {
                line.clear();
                r.read_line(&mut line).unwrap();
                let l = line.trim_end();
                if l.is_empty() {
                    break;
                }
                if let Some((n, v)) = l.split_once(':') {
                    headers.push((n.trim().to_lowercase(), v.trim().to_string()));
                }
            }
            let len: usize = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            g.lock()
                .unwrap()
                .push((headers, String::from_utf8(body).unwrap()));
            let status = answers.next().unwrap_or(200);
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (url, got)
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> &'a str {
    h.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

#[test]
fn batches_arrive_signed_and_a_failing_receiver_is_backed_off() {
    let (url, got) = receiver(vec![503]);
    let sink = WebhookSink::with_backoff(
        &url,
        "s3cret",
        Duration::from_millis(300),
        Duration::from_secs(5),
    );
    let (a, b) = (
        notice("ny#1", NoticeKind::Invited),
        notice("ny#2", NoticeKind::Invited),
    );
    // The receiver fails the first batch: both fail, and the sink waits before the next try.
    assert!(sink.send_all(&[&a, &b]).iter().all(|r| r.is_err()));
    let backing_off = sink.send_all(&[&a, &b]);
    assert!(
        backing_off[0].as_ref().unwrap_err().contains("backing off"),
        "{backing_off:?}"
    );
    assert_eq!(got.lock().unwrap().len(), 1, "no request while backing off");
    std::thread::sleep(Duration::from_millis(400));
    assert!(sink.send_all(&[&a, &b]).iter().all(|r| r.is_ok()));
    let got = got.lock().unwrap();
    assert_eq!(got.len(), 2);
    let (headers, body) = &got[1];
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    let keys: Vec<&str> = json["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["ny#1", "ny#2"]);
    let ts: u64 = header(headers, "x-dms-timestamp").parse().unwrap();
    assert_eq!(
        header(headers, "x-dms-signature"),
        signature(b"s3cret", ts, body.as_bytes())
    );
    assert_ne!(
        header(headers, "x-dms-signature"),
        signature(b"other", ts, body.as_bytes())
    );
    assert_ne!(
        header(headers, "x-dms-signature"),
        signature(b"s3cret", ts + 1, body.as_bytes())
    );
}

#[test]
fn a_node_with_a_webhook_posts_its_notifications_there() {
    let (url, got) = receiver(vec![500]);
    let mut node = Lone::new(
        "t76",
        7752,
        &format!("[webhook]\nurl = \"{url}\"\nsecret = \"s3cret\""),
    );
    // One office (London) on its own: a meeting of Dev and Emma notifies Emma.
    node.start_with_invitation("hooked");
    // The first post fails (500); the node retries after the sink's backoff (1 s).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while got.lock().unwrap().len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "no retry reached the receiver: {:?}",
            got.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1500));
    node.kill();
    let got = got.lock().unwrap();
    let delivered: Vec<serde_json::Value> = got[1..]
        .iter()
        .flat_map(|(_, body)| {
            serde_json::from_str::<serde_json::Value>(body).unwrap()["notifications"]
                .as_array()
                .unwrap()
                .clone()
        })
        .collect();
    let emma: Vec<&serde_json::Value> = delivered
        .iter()
        .filter(|n| n["to"] == "emma" && n["meeting"] == "hooked")
        .collect();
    assert_eq!(
        emma.len(),
        1,
        "once after the retry succeeded: {delivered:?}"
    );
}
