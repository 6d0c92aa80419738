//! A replay file: read, load its scenario as `distlab replay` does, re-run its actions.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = distlab::fuzzing::replay(data);
});
