//! The scenario reader and the other readers of untrusted files.
//!
//! - `errors`: every file in `tests/fixtures/invalid_scenarios/` fails with its exact, snapshotted message.
//! - `valid`: the files in `tests/fixtures/valid_scenarios/` parse to the expected values; no mangled input panics the parser.
//! - `fuzz_smoke`: the fuzz targets' entry points on the shipped files, past regressions and random mutations (stable toolchain).

mod errors;
mod fuzz_smoke;
mod valid;
