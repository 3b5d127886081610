//! End-to-end tests live in `tests/e2e.rs` (one test binary); they need the services that
//! `scripts/services start` brings up: pcscd with vsmartcard-vpcd, and cupsd with a cups-pdf queue.
