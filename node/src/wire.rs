//! The format of requests on a node's tarpc port: bincode, exactly as tarpc's own
//! (`tokio_serde::formats::Bincode`), behind one check tarpc lacks. tarpc turns a
//! request's deadline, sent as a duration, into `Instant::now() + duration`, which
//! panics when the sum overflows: a peer could make a node's connection task panic
//! with one frame (found by the `tarpc_frames` fuzz target). The deadline is read first
//! and a frame whose deadline is over [`MAX_DEADLINE`] is refused (the connection
//! closes), as any other frame that does not decode.

use bincode::Options;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::io;
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;
use tarpc::tokio_serde::{Deserializer, Serializer};
use tarpc::tokio_util::bytes::{Bytes, BytesMut};

/// The longest deadline a request may carry (a day; callers set seconds).
pub const MAX_DEADLINE: Duration = Duration::from_secs(24 * 3600);

/// The start of a `tarpc::ClientMessage` as bincode lays it out: the variant, then for
/// a request its context's first field, the deadline.
#[derive(Deserialize)]
enum Head {
    Request(RequestHead),
    Cancel,
}

#[derive(Deserialize)]
struct RequestHead {
    context: ContextHead,
}

#[derive(Deserialize)]
struct ContextHead {
    deadline: Duration,
}

fn options() -> bincode::DefaultOptions {
    bincode::DefaultOptions::new()
}

/// Refuses a frame whose request deadline tarpc could not add to the clock.
fn check_deadline(frame: &[u8]) -> io::Result<()> {
    let head: Head = options()
        .allow_trailing_bytes()
        .deserialize(frame)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    match head {
        Head::Request(r) if r.context.deadline > MAX_DEADLINE => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "a request deadline of {:?} (at most {MAX_DEADLINE:?})",
                r.context.deadline
            ),
        )),
        _ => Ok(()),
    }
}

/// Bincode for a server: reads `Item`s (checked as above), writes `SinkItem`s.
pub struct Wire<Item, SinkItem>(PhantomData<fn() -> (Item, SinkItem)>);

impl<Item, SinkItem> Default for Wire<Item, SinkItem> {
    fn default() -> Self {
        Wire(PhantomData)
    }
}

impl<Req: DeserializeOwned, SinkItem> Deserializer<tarpc::ClientMessage<Req>>
    for Wire<tarpc::ClientMessage<Req>, SinkItem>
{
    type Error = io::Error;

    fn deserialize(self: Pin<&mut Self>, src: &BytesMut) -> io::Result<tarpc::ClientMessage<Req>> {
        check_deadline(src)?;
        options()
            .deserialize(src)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

impl<Item, SinkItem: Serialize> Serializer<SinkItem> for Wire<Item, SinkItem> {
    type Error = io::Error;

    fn serialize(self: Pin<&mut Self>, item: &SinkItem) -> io::Result<Bytes> {
        options()
            .serialize(item)
            .map(Into::into)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}
