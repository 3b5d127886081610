//! What the evaluation binaries share: how they print and how they quote a path in JSON.

use std::io::{ErrorKind, Write};

/// Prints the report and a final newline. A reader that stopped early (`fvc-eval … | head`)
/// is not an error: the binary then ends quietly instead of panicking as `println!` would.
pub fn emit(report: &str) -> Result<(), String> {
    match writeln!(std::io::stdout().lock(), "{report}") {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(format!("stdout: {e}")),
        _ => Ok(()),
    }
}

/// A string as the inside of a JSON string literal (paths may hold `\` or `"`).
pub fn json_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
