//! A TUI session driven by a key sequence, rendered at a size the input picks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = distlab::fuzzing::tui_keys(data);
});
