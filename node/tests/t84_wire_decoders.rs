//! The decoders in front of every port, fed arbitrary bytes (the same functions the
//! `tarpc_frames` and `http_bodies` fuzz targets drive, here as proptest cases so CI
//! runs them): the tarpc frame decoder takes a real request, refuses an oversized or
//! garbled frame without panicking, and the HTTP body decoders answer every body with a
//! value or a 4xx problem.

use axum::http::{header, HeaderMap, HeaderValue};
use engine::ids::ResourceId;
use node::http::import::read_calendar;
use node::http::json_body;
use node::http::model::{MeetingIn, ResponseIn, SuggestIn};
use node::http::problem::Problem;
use node::rpc::{decode_requests, OfficeRpcRequest, MAX_FRAME_BYTES};
use proptest::prelude::*;
use std::pin::Pin;
use tarpc::tokio_serde::formats::Bincode;
use tarpc::tokio_serde::Serializer;
use tarpc::ClientMessage;

/// A health request as a client puts it on the wire: length prefix, bincode.
fn health_frame(id: u64) -> Vec<u8> {
    let msg = ClientMessage::Request(tarpc::Request {
        context: tarpc::context::current(),
        id,
        message: OfficeRpcRequest::Health {},
    });
    let mut format = Bincode::<(), ClientMessage<OfficeRpcRequest>>::default();
    let body = Pin::new(&mut format).serialize(&msg).unwrap();
    let mut frame = (body.len() as u32).to_be_bytes().to_vec();
    frame.extend_from_slice(&body);
    frame
}

#[test]
fn a_real_request_decodes_and_a_partial_one_waits() {
    let mut two = health_frame(7);
    two.extend(health_frame(8));
    let got = decode_requests(&two);
    let ids: Vec<u64> = got
        .iter()
        .map(|r| match r {
            Ok(ClientMessage::Request(req)) => req.id,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, [7, 8]);
    // Cut short: the first is read, the second waits for its remaining bytes.
    assert_eq!(decode_requests(&two[..two.len() - 1]).len(), 1);
}

#[test]
fn an_oversized_or_garbled_frame_is_refused() {
    let over = ((MAX_FRAME_BYTES + 1) as u32).to_be_bytes();
    let got = decode_requests(&over);
    assert!(matches!(got.as_slice(), [Err(_)]), "{got:?}");
    // A well-delimited frame whose bytes are no request.
    let garbled = [&8u32.to_be_bytes()[..], &[0xff; 8]].concat();
    let got = decode_requests(&garbled);
    assert!(matches!(got.as_slice(), [Err(_)]), "{got:?}");
}

/// The frame the `tarpc_frames` fuzz target found: a request whose deadline, added to
/// the clock by tarpc's own decoder, overflowed and panicked. Refused now.
const OVERFLOWING_DEADLINE: [u8; 59] = [
    0x00, 0x00, 0x00, 0x2c, 0x00, 0xfd, 0x00, 0x7e, 0x00, 0x00, 0xff, 0x0b, 0xff, 0xff, 0x00, 0x00,
    0x2c, 0x7a, 0x16, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x11, 0x00, 0x07, 0xff, 0xff,
    0xff, 0xff, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x2c, 0x00, 0x00, 0x2c, 0x7a,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
];

#[test]
fn a_request_deadline_too_far_off_is_refused_not_a_panic() {
    let got = decode_requests(&OVERFLOWING_DEADLINE);
    let first = got.first().expect("one frame");
    let e = first.as_ref().expect_err("refused");
    assert!(e.to_string().contains("deadline"), "{e}");
    // A real request's deadline (seconds off) still passes.
    assert!(matches!(
        decode_requests(&health_frame(3)).as_slice(),
        [Ok(_)]
    ));
}

fn json() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h
}

fn refused_well(r: Result<(), Problem>) -> Result<(), TestCaseError> {
    if let Err(p) = r {
        prop_assert!((400..500).contains(&p.status), "{p:?}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_bytes_through_the_frame_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let got = decode_requests(&bytes);
        prop_assert!(got.len() <= bytes.len() / 4 + 1);
    }

    #[test]
    fn a_real_frame_after_any_prefix_frame(id in any::<u64>(), junk in proptest::collection::vec(any::<u8>(), 0..64)) {
        // A frame of junk (well delimited) and then a real request: the junk is refused
        // or read as something, never a panic; the real one still decodes after it.
        let mut bytes = (junk.len() as u32).to_be_bytes().to_vec();
        bytes.extend(&junk);
        bytes.extend(health_frame(id));
        let got = decode_requests(&bytes);
        prop_assert_eq!(got.len(), 2);
        prop_assert!(matches!(&got[1], Ok(ClientMessage::Request(r)) if r.id == id));
    }

    #[test]
    fn any_bytes_as_a_body(which in 0u8..4, bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let dir = node::sample::parse_directory(node::sample::SAMPLE_OFFICES).unwrap();
        let h = json();
        refused_well(match which {
            0 => json_body::<MeetingIn>(&h, &bytes).map(drop),
            1 => json_body::<SuggestIn>(&h, &bytes).map(drop),
            2 => json_body::<ResponseIn>(&h, &bytes).map(drop),
            _ => read_calendar(&dir, &ResourceId::new("alice"), &bytes).map(drop),
        })?;
    }

    #[test]
    fn any_text_as_a_calendar(text in "(BEGIN:VCALENDAR\r\n)?(BEGIN:VEVENT\r\n)?([A-Z;=:0-9T\\-]{0,30}\r\n){0,8}(END:VEVENT\r\n)?(END:VCALENDAR\r\n)?") {
        let dir = node::sample::parse_directory(node::sample::SAMPLE_OFFICES).unwrap();
        refused_well(read_calendar(&dir, &ResourceId::new("alice"), text.as_bytes()).map(drop))?;
    }
}
