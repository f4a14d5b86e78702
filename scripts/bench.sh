#!/usr/bin/env bash
# Runs every benchmark of the service in sequence, on one release build: functions per process and in-process,
# durable writes, the store on a model of EFS, the gateway, listing. Each script rewrites its own section of
# BENCHMARKS.md; the section at the top, the machine and the targets met or not, is recomputed after each, and last
# with the total run time.
# About 8 minutes on 2 cores once the release build is done (the first release build takes longer than the
# benchmarks), most of it seeding stores (10,000 orders through create-order processes, 100,000 through
# seed-orders) and the gateway's six 15 s wrk runs.
#
# Usage: scripts/bench.sh   every variable of the scripts it runs applies (RUNS, DURATION, SIZES, …);
#                           SWIFT_BUILD_FLAGS, BENCH_RESULTS: see scripts/bench-common.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh

started=$(date +%s)
bench_build  # everything, order-benchmarks and seed-orders included
export BIN_DIR=$bin

for script in bench-functions bench-store bench-store-efs bench-gateway bench-list; do
    echo "==== $script" >&2
    "scripts/$script.sh" >/dev/null
done

seconds=$(($(date +%s) - started))
jq -n --argjson seconds "$seconds" --arg at "$(date -u +%Y-%m-%dT%H:%MZ)" '{seconds: $seconds, finished_at: $at}' \
    >"$results_dir/run.json"
bench_summary
echo "bench: every benchmark ran in $((seconds / 60)) min $((seconds % 60)) s; see BENCHMARKS.md" >&2
