#![no_main]
//! Any text: parsing a score file must not panic; whatever parses must survive a write and a
//! re-read unchanged, and a paired bootstrap of it against itself must tie.
use biometrics::eval::paired::{ScoreTable, paired_eer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(table) = ScoreTable::parse(text) {
        assert_eq!(ScoreTable::parse(&table.to_text()).as_ref(), Ok(&table));
        if let Ok(p) = paired_eer(&table, &table, 3, 1) {
            assert_eq!(p.a_higher, 0.0);
        }
    }
});
