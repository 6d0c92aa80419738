//! A history file in every format, through every checker (step budget).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = distlab::fuzzing::history(data);
});
