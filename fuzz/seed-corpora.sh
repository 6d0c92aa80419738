#!/bin/sh
# Fill fuzz/corpus/<target>/ with seeds from the shipped files: every
# scenario (scenarios/, labs/*/scenarios/, tests/fixtures/*scenarios/, tests/fixtures/bad_inputs/),
# every history in tests/fixtures/histories/, the replay files in
# tests/fixtures/bad_inputs/ and fuzz/seeds/replay/, the sweep results files in
# fuzz/seeds/sweep_results/, and a few key sequences.
# libFuzzer adds what it finds to the same folders. Safe to run again.
set -eu
cd "$(dirname "$0")/.."
corpus=fuzz/corpus
mkdir -p "$corpus/scenario" "$corpus/history" "$corpus/replay" "$corpus/sweep_results" "$corpus/tui_keys"
seed() { # seed TARGET FILE...: copy each file under a name made of its path
    target=$1
    shift
    for f in "$@"; do
        [ -f "$f" ] && cp "$f" "$corpus/$target/$(echo "$f" | tr '/' '_')"
    done
    return 0
}
seed scenario scenarios/*.toml labs/*/scenarios/*.toml tests/fixtures/valid_scenarios/*.toml \
    tests/fixtures/invalid_scenarios/*.toml tests/fixtures/bad_inputs/*.toml
seed history tests/fixtures/histories/*
seed replay tests/fixtures/bad_inputs/*.json fuzz/seeds/replay/*.json
seed sweep_results fuzz/seeds/sweep_results/*.json
# Key sequences: the first byte picks the screen size, then two bytes a key
# (see distlab::fuzzing::decode_key): step, step back, crash, goto 500, save.
printf '\120\016n\016n\016b\016c\016n' > "$corpus/tui_keys/steps"
printf '\120\016g\011\005\011\000\011\000\000\000\016 \016 ' > "$corpus/tui_keys/goto"
printf '\030\016p\011\000\011\015\011\001\000\000\016h\016l\011\000\011\012\011\005\000\000\016s\016?' > "$corpus/tui_keys/faults"
echo "seeded: $(ls "$corpus/scenario" | wc -l) scenarios, $(ls "$corpus/history" | wc -l) histories, $(ls "$corpus/replay" | wc -l) replay files, $(ls "$corpus/tui_keys" | wc -l) key sequences"
