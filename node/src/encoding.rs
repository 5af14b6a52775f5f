//! How log records and snapshots are written: a format byte, then the value.
//!
//! - [`FORMAT_BINARY_V3`] (`0x03`): bincode with variable-length integers, the format
//!   every record and snapshot is written in. Compact and cheap to make: a booking's
//!   records are a fraction of their JSON size, and the state is encoded without
//!   escaping a string.
//! - [`FORMAT_BINARY_V2`] (`0x02`): the same before meetings had a reminder of their
//!   own, and [`FORMAT_BINARY_V1`] (`0x01`): before they had instance overrides; still
//!   read (meetings in their old shapes, `engine::state::meeting::legacy`), never
//!   written. Bincode has no field names: each change of a logged type's shape is a
//!   new format byte, and the old ones stay readable.
//! - JSON (a first byte of `{` or `"`): the format of logs and snapshots written before
//!   the format byte existed; still read, never written.
//!
//! Any other first byte is refused with an error that names it: a file from a newer
//! version, or not ours. Each record is checksummed by the storage before it is decoded,
//! so a torn or corrupted record never reaches the decoder.

use bincode::Options;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The format byte of bincode-encoded records and snapshots, as written now.
pub const FORMAT_BINARY_V3: u8 = 0x03;
/// The format byte of bincode-encoded records and snapshots written before meetings had
/// a reminder of their own.
pub const FORMAT_BINARY_V2: u8 = 0x02;
/// The format byte of bincode-encoded records and snapshots written before meetings had
/// instance overrides.
pub const FORMAT_BINARY_V1: u8 = 0x01;

/// The most bytes one decoded value may claim (a length prefix gone wrong cannot make
/// the decoder allocate more).
pub const MAX_DECODED_BYTES: u64 = 1 << 32;

fn options() -> impl Options {
    bincode::DefaultOptions::new().with_limit(MAX_DECODED_BYTES)
}

/// Encodes a value in the current format.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, String> {
    let mut out = vec![FORMAT_BINARY_V3];
    options()
        .serialize_into(&mut out, value)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// Decodes a value written in any format this version reads.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    match bytes.first() {
        Some(&FORMAT_BINARY_V3) => options()
            .deserialize(&bytes[1..])
            .map_err(|e| format!("binary format 3: {e}")),
        Some(&format @ (FORMAT_BINARY_V1 | FORMAT_BINARY_V2)) => {
            engine::state::meeting::legacy::read_in(format, || {
                options()
                    .deserialize(&bytes[1..])
                    .map_err(|e| format!("binary format {format}: {e}"))
            })
        }
        Some(b'{' | b'"') => serde_json::from_slice(bytes).map_err(|e| format!("JSON: {e}")),
        Some(other) => Err(format!(
            "unknown format byte {other:#04x} (a newer version's file, or not ours)"
        )),
        None => Err("empty record".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::ids::TxnId;
    use engine::state::Command;

    #[test]
    fn both_formats_read_and_garbage_is_named() {
        let cmd = Command::Commit {
            txn: TxnId::new("ny-1.0-1.1"),
        };
        let binary = encode(&cmd).unwrap();
        assert_eq!(binary[0], FORMAT_BINARY_V3);
        let json = serde_json::to_vec(&cmd).unwrap();
        assert!(binary.len() < json.len());
        assert_eq!(decode::<Command>(&binary).unwrap(), cmd);
        assert_eq!(decode::<Command>(&json).unwrap(), cmd);
        // A unit variant's JSON is a string.
        let boot = serde_json::to_vec(&Command::Boot).unwrap();
        assert_eq!(decode::<Command>(&boot).unwrap(), Command::Boot);
        let unknown = decode::<Command>(&[0x7f, 1, 2]).unwrap_err();
        assert!(unknown.contains("0x7f"), "{unknown}");
        assert!(decode::<Command>(&[]).is_err());
        // A binary record cut short is an error, not a panic.
        let cut = decode::<Command>(&binary[..binary.len() - 1]).unwrap_err();
        assert!(cut.contains("binary format 3"), "{cut}");
    }

    /// Prepare records as formats 1 and 2 wrote them (their meeting one and two fields
    /// short) read as the same command, with no overrides (format 1) and no reminder of
    /// its own; read as the current format they would not.
    #[test]
    fn older_binary_formats_still_read() {
        use engine::state::meeting::legacy::{MeetingSpecV1, MeetingSpecV2};
        use engine::state::meeting::Moved;
        use engine::state::MeetingSpec;
        use engine::time::{Instant, Wall, Zone};
        #[derive(serde::Serialize)]
        #[allow(dead_code)]
        enum CommandOld<M> {
            Register {
                resource: String,
            },
            Prepare {
                txn: TxnId,
                meeting: Box<M>,
                force: bool,
            },
        }
        let start = Wall::from_ymd_hms(2027, 3, 2, 9, 0, 0);
        let mut meeting = MeetingSpec::single("m", "alice", &["bob"], &[], start, Zone::Utc, 1800);
        let key = meeting.recurrence.start();
        let moved = Moved {
            start: Instant(key.0 + 3600),
            duration_secs: 1800,
        };
        meeting.overrides.insert(key, moved);
        meeting.reminder_minutes = Some(10);
        let txn = TxnId::new("ny-1.0-1.1");
        fn record<T: serde::Serialize>(format: u8, value: &T) -> Vec<u8> {
            let mut bytes = vec![format];
            options().serialize_into(&mut bytes, value).unwrap();
            bytes
        }
        let v1 = record(
            FORMAT_BINARY_V1,
            &CommandOld::Prepare {
                txn: txn.clone(),
                meeting: Box::new(MeetingSpecV1::from(&meeting)),
                force: false,
            },
        );
        let v2 = record(
            FORMAT_BINARY_V2,
            &CommandOld::Prepare {
                txn: txn.clone(),
                meeting: Box::new(MeetingSpecV2::from(&meeting)),
                force: false,
            },
        );
        let want = |overrides: bool| {
            let mut m = meeting.clone();
            m.reminder_minutes = None;
            if !overrides {
                m.overrides.clear();
            }
            Command::Prepare {
                txn: txn.clone(),
                meeting: Box::new(m),
                force: false,
            }
        };
        assert_eq!(decode::<Command>(&v1).unwrap(), want(false));
        assert_eq!(decode::<Command>(&v2).unwrap(), want(true));
        for mut old in [v1, v2] {
            old[0] = FORMAT_BINARY_V3;
            assert!(decode::<Command>(&old).is_err());
        }
        // The switch is off again afterwards.
        assert_eq!(engine::state::meeting::legacy::reading(), None);
    }
}
