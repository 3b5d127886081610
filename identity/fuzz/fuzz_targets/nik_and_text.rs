//! Operator-typed and card-read text: NIK parsing/decoding and card text must never panic, and
//! what they accept must hold their invariants.
#![no_main]

use identity::{Date, Nik, TextField};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(nik) = Nik::parse(text) {
        assert_eq!(nik.digits().len(), 16);
        assert!(nik.digits().bytes().all(|b| b.is_ascii_digit()));
        assert!(nik.masked().starts_with("************"));
    }
    if let Ok(today) = Date::new(2026, 11, 26)
        && let Ok((_, info)) = Nik::decode(text, today)
    {
        assert!(info.birth_date <= today);
        assert!(info.serial > 0);
    }
    if let Ok(field) = TextField::new(text) {
        assert!(!field.as_str().is_empty());
        assert!(!field.as_str().chars().any(|c| c.is_control() && !c.is_whitespace()));
    }
});
