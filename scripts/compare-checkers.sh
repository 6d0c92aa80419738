#!/usr/bin/env bash
# Per-seed linearizability verdicts of two distlab binaries (say main's and a
# branch's) on the same histories, at the simulations' step budget.
# Each seed's history is exported once (with NEW), then both binaries run
# `check-history --json` on it with a generous wall-clock timeout; a verdict
# counts as decided when it is valid/invalid in at most STEPS search steps
# (the search is deterministic, so that is the verdict a run with
# `Budget::steps(STEPS)` gets). Prints one line per seed, then the unknown
# counts, the seeds OLD decides and NEW does not, and any seed where the two
# decide differently (a bug in one of them).
# Usage: scripts/compare-checkers.sh OLD NEW SCENARIO START END [STEPS] [TIMEOUT]
# e.g.   scripts/compare-checkers.sh ../main/target/release/distlab \
#          target/release/distlab scenarios/raft-one-key.toml 0 200
set -u
old=$1 new=$2 scenario=$3 start=$4 end=$5
steps=${6:-5000000} timeout=${7:-40s}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
verdict() { # BINARY FILE -> "status steps"
  "$1" check-history "$2" --model kv --json --timeout "$timeout" 2>/dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["steps"])'
}
decided() { # STATUS STEPS -> the verdict at the budget
  if [ "$1" != unknown ] && [ "$2" -le "$steps" ]; then echo "$1"; else echo unknown; fi
}
old_unknown=0 new_unknown=0 lost="" gained="" differ=""
name=$(basename "$scenario" .toml)
echo "seed | old (status steps) | new (status steps)"
for seed in $(seq "$start" $((end - 1))); do
  file=$dir/$name-$seed.jsonl
  "$new" export "$scenario" --seed "$seed" --format history >"$file" 2>/dev/null
  read -r os on <<<"$(verdict "$old" "$file")"
  read -r ns nn <<<"$(verdict "$new" "$file")"
  o=$(decided "$os" "$on") n=$(decided "$ns" "$nn")
  echo "$seed | $o ($os $on) | $n ($ns $nn)"
  [ "$o" = unknown ] && old_unknown=$((old_unknown + 1))
  [ "$n" = unknown ] && new_unknown=$((new_unknown + 1))
  [ "$o" != unknown ] && [ "$n" = unknown ] && lost="$lost $seed"
  [ "$o" = unknown ] && [ "$n" != unknown ] && gained="$gained $seed"
  [ "$o" != unknown ] && [ "$n" != unknown ] && [ "$o" != "$n" ] && differ="$differ $seed"
done
echo "$name seeds $start..$end at $steps steps: unknown old $old_unknown, new $new_unknown"
echo "decided by old only:${lost:- none}"
echo "decided by new only:${gained:- none}"
echo "decided differently:${differ:- none}"
