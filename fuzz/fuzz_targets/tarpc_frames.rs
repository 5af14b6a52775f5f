//! Fuzz target: any bytes as they arrive on a node's tarpc port, through the same
//! length-delimited codec and bincode format its server uses (`node::rpc::decode_requests`).
//! Nothing may panic, and no frame over the size limit is ever taken.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let decoded = node::rpc::decode_requests(data);
    // Each decoded frame took at least its 4-byte length prefix.
    assert!(decoded.len() <= data.len() / 4 + 1);
});
