#!/usr/bin/env bash
# The pictures of docs/pictures.md, regenerated from real runs and histories
# so that they stay true. Usage: scripts/pictures.sh [path/to/distlab]
set -eu
bin=${1:-target/debug/distlab}
out=docs/pictures
mkdir -p "$out"
"$bin" export scenarios/raft-leader-isolated.toml --format svg --steps 3150..3230 > "$out/raft-leader-isolated.svg"
"$bin" export scenarios/raft-bug-forget-vote.toml --format svg --steps 3080..3140 > "$out/raft-bug-forget-vote.svg" || test $? -eq 1
"$bin" check-history tests/fixtures/histories/kv-two-keys-bad.jsonl --svg "$out/kv-two-keys-bad.svg" > /dev/null || test $? -eq 1
echo "wrote $out/raft-leader-isolated.svg $out/raft-bug-forget-vote.svg $out/kv-two-keys-bad.svg"
