//! The record format: `length (u32 LE) | crc32 (u32 LE) | lsn (u64 LE) | payload`. The
//! checksum covers the lsn and the payload, so a record written over an old one, a torn
//! write and a flipped bit are all caught.

use super::{Lsn, MAX_RECORD_BYTES};

/// Bytes before the payload.
pub const HEADER: usize = 16;

fn checksum(lsn: Lsn, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&lsn.to_le_bytes());
    h.update(payload);
    h.finalize()
}

/// Appends the encoding of one record to `out`.
pub fn encode(out: &mut Vec<u8>, lsn: Lsn, payload: &[u8]) {
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&checksum(lsn, payload).to_le_bytes());
    out.extend_from_slice(&lsn.to_le_bytes());
    out.extend_from_slice(payload);
}

/// Decodes the valid prefix of a log: the records in order, starting at `first` (or any
/// lsn if `first` is `None`) and each one more than the last, and the byte length of that
/// prefix. Whatever follows (a torn write, garbage, a record out of sequence) is the tail
/// to cut.
pub fn decode_prefix(bytes: &[u8], first: Option<Lsn>) -> (Vec<(Lsn, Vec<u8>)>, usize) {
    let mut out: Vec<(Lsn, Vec<u8>)> = Vec::new();
    let mut at = 0;
    while bytes.len() - at >= HEADER {
        let word =
            |i: usize| u32::from_le_bytes(bytes[at + i..at + i + 4].try_into().expect("4 bytes"));
        let len = word(0) as usize;
        let crc = word(4);
        let lsn = u64::from_le_bytes(bytes[at + 8..at + 16].try_into().expect("8 bytes"));
        if len > MAX_RECORD_BYTES || bytes.len() - at - HEADER < len {
            break;
        }
        let payload = &bytes[at + HEADER..at + HEADER + len];
        let expected = out.last().map(|(l, _)| l + 1).or(first);
        if checksum(lsn, payload) != crc || expected.is_some_and(|e| e != lsn) {
            break;
        }
        out.push((lsn, payload.to_vec()));
        at += HEADER + len;
    }
    (out, at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any damage to the bytes keeps the records before it and drops it and all after.
        #[test]
        fn damage_cuts_the_tail(payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 1..20), cut in any::<proptest::sample::Index>(), flip in any::<bool>()) {
            let mut bytes = Vec::new();
            let mut ends = Vec::new();
            for (i, p) in payloads.iter().enumerate() {
                encode(&mut bytes, i as u64 + 1, p);
                ends.push(bytes.len());
            }
            let at = cut.index(bytes.len());
            if flip {
                bytes[at] ^= 0x40;
            } else {
                bytes.truncate(at);
            }
            let (records, valid) = decode_prefix(&bytes, Some(1));
            let intact = ends.iter().filter(|&&e| e <= at).count();
            prop_assert_eq!(records.len(), intact);
            prop_assert_eq!(valid, if intact == 0 { 0 } else { ends[intact - 1] });
            for (i, (lsn, p)) in records.iter().enumerate() {
                prop_assert_eq!(*lsn, i as u64 + 1);
                prop_assert_eq!(p, &payloads[i]);
            }
        }
    }
}
