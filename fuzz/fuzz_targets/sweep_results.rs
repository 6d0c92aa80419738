//! A sweep results file (`distlab sweep --results`): read and checked as `distlab merge` does.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = distlab::fuzzing::sweep_results(data);
});
