//! Loading the shared test images, and finding the Python peers the cross-checks run.

use biometrics::FingerImage;
use std::path::{Path, PathBuf};

/// The shared data folder: `$REKAM_DATA`, else the nearest `shared/data` above this crate
/// (`../shared/data` from the repository root, wherever the checkout lives).
pub fn data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("REKAM_DATA") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/data"))
        .find(|p| p.is_dir())
        .expect("shared/data not found; set REKAM_DATA")
}

/// Loads an FVC2002 image; DB2 is 569 ppi, the others 500.
pub fn fvc(set: &str, name: &str) -> FingerImage {
    let path = data_dir()
        .join("fingerprints")
        .join(set)
        .join(format!("{name}.tif"));
    let ppi = if set.contains("db2") { 569 } else { 500 };
    load(&path, ppi)
}

pub fn load(path: &Path, ppi: u16) -> FingerImage {
    let grey = image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_luma8();
    FingerImage::new(grey.width(), grey.height(), ppi, grey.into_raw()).unwrap()
}

/// All images of one FVC set, sorted by name.
pub fn fvc_all(set: &str) -> Vec<(String, FingerImage)> {
    let dir = data_dir().join("fingerprints").join(set);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tif"))
        .map(|n| n.trim_end_matches(".tif").to_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| (n.clone(), fvc(set, &n)))
        .collect()
}

/// A Python that can `import module` (an independent implementation we cross-check against):
/// the venv in `$env_var`, else the first of `venvs` that has it. `None`, with a note on
/// stderr, when none has it, so the live comparison is skipped on a machine without the peers.
pub fn peer_python(module: &str, env_var: &str, venvs: &[&str]) -> Option<PathBuf> {
    let candidates = std::env::var_os(env_var)
        .map(PathBuf::from)
        .into_iter()
        .chain(venvs.iter().map(PathBuf::from));
    for venv in candidates {
        let py = venv.join("bin/python");
        let imports = std::process::Command::new(&py)
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if imports {
            return Some(py);
        }
    }
    eprintln!("no peer venv with `{module}` found: live comparison skipped");
    None
}

/// Runs `py script verb FILE` on `bytes` written to a temporary file `name`, and returns the
/// peer's standard output; fails the test with the peer's error if it refused the file.
pub fn peer_reads(py: &Path, script: &Path, verb: &str, name: &str, bytes: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("rekam-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new(py)
        .arg(script)
        .arg(verb)
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).ok();
    assert!(
        out.status.success(),
        "the peer refused our {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
