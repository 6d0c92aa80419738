//! A scenario file: parse, build, run at most 2,000 steps, finish.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = distlab::fuzzing::scenario(data);
});
