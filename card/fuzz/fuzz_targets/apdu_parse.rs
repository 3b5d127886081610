//! Command/response APDU parsing on arbitrary bytes: a parsed command re-encodes and parses to
//! the same command.
#![no_main]

use card::chip::apdu::{Command, Response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Command::parse(data) {
        let bytes = c.encode().expect("parsed command encodes");
        assert_eq!(Command::parse(&bytes).expect("re-encoded command parses"), c);
    }
    if let Ok(r) = Response::parse(data) {
        assert_eq!(r.encode(), data);
        let _ = r.into_result();
    }
});
