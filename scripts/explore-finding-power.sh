#!/usr/bin/env bash
# The "Finding power" table of docs/explore.md: one `distlab explore` per
# Raft and 2PC bug switch, each a single search (no phases), release build.
# Prints: switch | check | steps | unique states | wall | peak RSS | command.
# Raft's commit-old-terms (Figure 8, 31 steps) needs a search in phases:
#   cargo test --release --test protocols commit_old_terms -- --nocapture
# Usage: scripts/explore-finding-power.sh [path/to/distlab]
set -u
bin=${1:-target/release/distlab}
raft=scenarios/explore-raft.toml
tpc=scenarios/explore-2pc.toml
two=scenarios/explore-2pc-two-transfers.toml
cr="--crashes 1 --restarts 1"
runs=(
  "no-dedup|$raft --bug no-dedup"
  "forget-vote|$raft --bug forget-vote --ops 0 $cr"
  "reply-before-sync|$raft --bug reply-before-sync --ops 0 $cr"
  "vote-without-log-check|$raft --bug vote-without-log-check --depth 14"
  "apply-before-commit|$raft --bug apply-before-commit --walks 1000000 --depth 16"
  "presume-commit|$tpc --bug presume-commit"
  "unilateral-abort|$tpc --bug unilateral-abort --frozen-time --depth 8"
  "forget-prepared|$tpc --bug forget-prepared --ordered-timers --depth 8 $cr"
  "send-before-log|$tpc --bug send-before-log --ordered-timers --dfs --depth 14 $cr"
  "always-yes|$two --bug always-yes --param initial_balance=0 --depth 14"
  "early-unlock|$two --bug early-unlock --dfs --depth 22"
)
echo "| switch | check | steps | unique states | wall | peak RSS | command |"
echo "|---|---|---|---|---|---|---|"
for run in "${runs[@]}"; do
  name=${run%%|*}
  args=${run#*|}
  out=$(timeout 600 /usr/bin/time -f 'TIME %e %M' "$bin" explore $args --out /tmp/finding-power.json 2>&1)
  check=$(sed -n 's/^[a-z-]* `\([^`]*\)` after \([0-9]*\) step.*/\1 \2/p' <<<"$out" | head -1)
  states=$(sed -n 's/^  unique states: \([0-9]*\).*/\1/p' <<<"$out")
  read -r _ wall rss <<<"$(grep '^TIME' <<<"$out")"
  [ -z "$check" ] && check="(not-found) -"
  echo "| \`$name\` | \`${check% *}\` | ${check#* } | $states | ${wall} s | $((rss / 1024)) MB | \`distlab explore $args\` |"
done
