//! Criterion benchmarks (`benches/`) and the side-by-side peer harness for Rekam.
//! Run with `cargo bench -p rekam-benches`; figures go to BENCHMARKS.md.
