#!/usr/bin/env bash
# The pictures of docs/pictures.md, regenerated from real runs and histories
# so that they stay true. Usage: scripts/pictures.sh [path/to/distlab]
set -eu
bin=${1:-target/debug/distlab}
out=docs/pictures
mkdir -p "$out"
"$bin" export scenarios/raft-leader-isolated.toml --format svg --steps 2975..3066 > "$out/raft-leader-isolated.svg"
"$bin" export scenarios/raft-pipeline.toml --format svg --steps 3000..3040 > "$out/raft-pipeline.svg"
"$bin" export scenarios/raft-bug-forget-vote.toml --format svg --steps 2395..2428 > "$out/raft-bug-forget-vote.svg" || test $? -eq 1
"$bin" export scenarios/raft-drain-remove.toml --format svg --steps 2782..2822 > "$out/raft-drain-remove.svg"
"$bin" export scenarios/raft-snapshot-slow-links.toml --format svg --steps 895..941 > "$out/raft-snapshot-slow-links.svg"
"$bin" check-history tests/fixtures/histories/kv-two-keys-bad.jsonl --svg "$out/kv-two-keys-bad.svg" > /dev/null || test $? -eq 1
# One picture per protocol doc (docs/protocols/*.md): a step range of a shipped
# scenario at its own seed. A scenario that fails on purpose exits 1 (safety)
# or 2 (liveness); the picture is still drawn.
svg() { # svg NAME.svg SCENARIO STEPS
  "$bin" export "scenarios/$2.toml" --format svg --steps "$3" > "$out/$1" || test $? -le 2
}
svg 2pc-coordinator-crash.svg 2pc-coordinator-crash 1560..1600
svg 3pc-partition.svg 3pc-partition 1580..1633
svg bully-partition.svg bully-partition 326..386
svg lock-pause-no-fencing.svg lock-pause-no-fencing 365..417
svg paxos-dueling-proposers.svg paxos-dueling-proposers 1..41
svg vclock-bug-no-causal-wait.svg vclock-bug-no-causal-wait 95..135
svg gossip-partition-heal.svg gossip-partition-heal 2355..2415
svg broadcast-partition.svg broadcast-partition 2610..2670
svg cap-partition.svg cap-partition 910..970
svg cqrs-bug-dual-write.svg cqrs-bug-dual-write 1440..1500
svg saga-orchestrated.svg saga-orchestrated 530..590
svg resilience-breaker.svg resilience-breaker 350..420
svg sd-instance-dies.svg sd-instance-dies 1189..1249
svg shard-join-leave.svg shard-join-leave 1394..1444
# What a TTL costs (docs/protocols/service-discovery.md): one bar per value.
"$bin" sweep-params scenarios/sd-instance-dies.toml --param ttl=500ms,1s,2s,4s --metrics dead-calls,dead-routing-max --seeds 0..20 --svg "$out/sd-ttl.svg" > /dev/null
# What linearizable means (docs/checkers.md): a register history with a stale
# read (exit 1: not linearizable) and the same reads a little earlier (exit 0).
# The load-balancing table's chart: 500 runs (about 40 s of CPU with a release build).
"$bin" sweep-params scenarios/lb-slow-instance.toml --param strategy=round-robin,random,least-outstanding,two-choices,consistent-hash --seeds 0..100 --metrics op-latency-p50,op-latency-p99,throughput,errors,load-max-min --svg "$out/lb-slow-instance-strategies.svg" > /dev/null
# Its latency distributions (a tail plot, every seed's operations pooled) and
# the load per instance, one panel per strategy: 100 runs.
"$bin" sweep-params scenarios/lb-slow-instance.toml --param strategy=round-robin,random,least-outstanding,two-choices,consistent-hash --seeds 0..20 --metrics op-latency-p50,op-latency-p99,op-latency-p999 --latency-svg "$out/lb-latency-slow-instance.svg" --breakdown-svg "load-per-instance=$out/lb-load-per-instance.svg" > /dev/null
"$bin" check-history tests/fixtures/histories/register-three-stale-read.jsonl --svg "$out/register-stale-read.svg" > /dev/null || test $? -eq 1
"$bin" check-history tests/fixtures/histories/register-three-ok.jsonl --svg "$out/register-linearizable.svg" > /dev/null
# Raft's read modes side by side (docs/protocols/raft.md, "Reads without the log").
"$bin" sweep-params scenarios/raft-read-index.toml --seeds 0..100 --param read_mode=read-index,lease,log \
  --metrics messages-per-op,op-latency-p50,op-latency-p99,reads-without-log,read-rounds,commit-index,availability \
  --svg "$out/raft-read-modes.svg" > /dev/null
echo "wrote $(ls "$out" | wc -l) pictures in $out"
