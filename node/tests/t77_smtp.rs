//! The SMTP sink against a real local SMTP receiver (a small server in the test): each
//! notification is one mail to `{person}@{domain}` with its subject and the key as
//! Message-ID, a repeat of a key sends nothing, and a node whose config names a relay
//! mails its notifications there.

mod common;

use common::lone::Lone;
use common::notice;
use engine::state::NoticeKind;
use node::notify::NotificationSink;
use node::smtp::SmtpSink;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One mail as received: envelope recipients and the data.
type Mails = Arc<Mutex<Vec<(Vec<String>, String)>>>;

/// A minimal SMTP receiver on an ephemeral port.
fn receiver() -> (u16, Mails) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails: Mails = Arc::default();
    let m = mails.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let m = m.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(s.try_clone().unwrap());
                let _ = write!(s, "220 test ESMTP\r\n");
                let (mut rcpt, mut line) = (Vec::new(), String::new());
                loop {
                    line.clear();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.trim_end().to_string();
                    let upper = cmd.to_uppercase();
                    if upper.starts_with("RCPT TO:") {
                        rcpt.push(cmd[8..].trim().to_string());
                        let _ = write!(s, "250 OK\r\n");
                    } else if upper == "DATA" {
                        let _ = write!(s, "354 go on\r\n");
                        let mut data = String::new();
                        loop {
                            line.clear();
                            r.read_line(&mut line).unwrap();
                            if line == ".\r\n" {
                                break;
                            }
                            data.push_str(&line);
                        }
                        m.lock().unwrap().push((std::mem::take(&mut rcpt), data));
                        let _ = write!(s, "250 queued\r\n");
                    } else if upper == "QUIT" {
                        let _ = write!(s, "221 bye\r\n");
                        return;
                    } else {
                        let _ = write!(s, "250 OK\r\n");
                    }
                }
            });
        }
    });
    (port, mails)
}

#[test]
fn each_notification_is_one_mail_and_a_repeat_is_dropped() {
    let (port, mails) = receiver();
    let sink = SmtpSink::new(
        "127.0.0.1",
        port,
        "Scheduler <dms@example.com>",
        "example.com",
    )
    .unwrap();
    let invited = notice("london#7", NoticeKind::Invited);
    let reminder = notice(
        "london#8",
        NoticeKind::Reminder {
            local_start: "2027-01-15T08:00:00+00:00".into(),
            minutes_before: 15,
        },
    );
    assert!(sink
        .send_all(&[&invited, &reminder])
        .iter()
        .all(|r| r.is_ok()));
    assert!(sink.send(&invited).is_ok(), "a repeat is accepted");
    let mails = mails.lock().unwrap();
    assert_eq!(mails.len(), 2, "the repeat sent nothing");
    assert_eq!(mails[0].0, ["<dev@example.com>"]);
    assert!(
        mails[0].1.contains("Subject: Invitation: Planning"),
        "{}",
        mails[0].1
    );
    assert!(
        mails[0].1.contains("Message-ID: <london.7@example.com>"),
        "{}",
        mails[0].1
    );
    assert!(
        mails[1]
            .1
            .contains("Subject: Reminder: Planning at 2027-01-15T08:00:00+00:00"),
        "{}",
        mails[1].1
    );
}

#[test]
fn a_bad_sender_is_refused_with_its_field_and_an_unreachable_relay_fails_the_send() {
    let e = SmtpSink::new("127.0.0.1", 25, "not an address", "example.com")
        .err()
        .unwrap();
    assert!(e.contains("smtp.from"), "{e}");
    // Nothing listens on port 9 of the loopback.
    let sink = SmtpSink::new("127.0.0.1", 9, "dms@example.com", "example.com").unwrap();
    assert!(sink.send(&notice("x#1", NoticeKind::Invited)).is_err());
}

#[test]
fn a_node_with_a_relay_mails_its_notifications() {
    let (port, mails) = receiver();
    let relay = format!("[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nfrom = \"dms@example.com\"\ndomain = \"example.com\"");
    let mut node = Lone::new("t77", 7792, &relay);
    // One office (London) on its own: a meeting of Dev and Emma notifies Emma.
    node.start_with_invitation("mailed");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while mails.lock().unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "no mail arrived");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mails = mails.lock().unwrap();
    assert_eq!(mails[0].0, ["<emma@example.com>"]);
    assert!(
        mails[0].1.contains("Subject: Invitation: mailed"),
        "{}",
        mails[0].1
    );
}
