//! How log records and snapshots are written: a format byte, then the value.
//!
//! - [`FORMAT_BINARY_V2`] (`0x02`): bincode with variable-length integers, the format
//!   every record and snapshot is written in. Compact and cheap to make: a booking's
//!   records are a fraction of their JSON size, and the state is encoded without
//!   escaping a string.
//! - [`FORMAT_BINARY_V1`] (`0x01`): the same before meetings had instance overrides;
//!   still read (meetings in their old shape, `engine::state::meeting::legacy`), never
//!   written. Bincode has no field names: each change of a logged type's shape is a
//!   new format byte, and the old one stays readable.
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
    let mut out = vec![FORMAT_BINARY_V2];
    options()
        .serialize_into(&mut out, value)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// Decodes a value written in any format this version reads.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    match bytes.first() {
        Some(&FORMAT_BINARY_V2) => options()
            .deserialize(&bytes[1..])
            .map_err(|e| format!("binary format 2: {e}")),
        Some(&FORMAT_BINARY_V1) => engine::state::meeting::legacy::read_v1(|| {
            options()
                .deserialize(&bytes[1..])
                .map_err(|e| format!("binary format 1: {e}"))
        }),
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
        assert_eq!(binary[0], FORMAT_BINARY_V2);
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
        assert!(cut.contains("binary format 2"), "{cut}");
    }

    /// A prepare record as format 1 wrote it (its meeting a field short) reads as the
    /// same command, with no overrides; read as format 2 it would not.
    #[test]
    fn format_1_records_still_read() {
        use engine::state::meeting::legacy::MeetingSpecV1;
        use engine::state::MeetingSpec;
        use engine::time::{Wall, Zone};
        #[derive(serde::Serialize)]
        #[allow(dead_code)]
        enum CommandV1 {
            Register {
                resource: String,
            },
            Prepare {
                txn: TxnId,
                meeting: Box<MeetingSpecV1>,
                force: bool,
            },
        }
        let start = Wall::from_ymd_hms(2027, 3, 2, 9, 0, 0);
        let meeting = MeetingSpec::single("m", "alice", &["bob"], &[], start, Zone::Utc, 1800);
        let txn = TxnId::new("ny-1.0-1.1");
        let old = CommandV1::Prepare {
            txn: txn.clone(),
            meeting: Box::new(MeetingSpecV1::from(&meeting)),
            force: false,
        };
        let mut bytes = vec![FORMAT_BINARY_V1];
        options().serialize_into(&mut bytes, &old).unwrap();
        let want = Command::Prepare {
            txn,
            meeting: Box::new(meeting),
            force: false,
        };
        assert_eq!(decode::<Command>(&bytes).unwrap(), want);
        bytes[0] = FORMAT_BINARY_V2;
        assert!(decode::<Command>(&bytes).is_err());
        // The switch is off again afterwards.
        assert!(!engine::state::meeting::legacy::reading_v1());
    }
}
