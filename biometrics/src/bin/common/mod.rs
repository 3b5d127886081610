//! What the evaluation binaries share: how they start and end, how they print, and how they
//! quote a path in JSON.

use std::io::{ErrorKind, Write};

/// Parses the arguments and runs: an argument error prints `usage` and exits 2, a failed run
/// prints the error after the binary's `name` and exits 1.
pub fn main<A>(
    name: &str,
    usage: &str,
    parse_args: fn() -> Result<A, String>,
    run: fn(&A) -> Result<(), String>,
) {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}\nusage: {usage}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("{name}: {e}");
        std::process::exit(1);
    }
}

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
