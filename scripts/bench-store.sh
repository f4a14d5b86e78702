#!/usr/bin/env bash
# Measures the store's durable writes against their floor, with `order-benchmarks durable-write`: a temp file
# written, fsynced and renamed into place, then its directory fsynced, done with plain system calls, next to the
# file store's update and create of an order, in the same directory, with a document of the same size. Release
# build. Writes the figures and the machine to BENCHMARKS.md, and $results_dir/store.json.
#
# Usage: scripts/bench-store.sh   ROUNDS=200 changes the writes of each kind; BENCH_DIR=DIR measures the file
#                                 system of DIR (default: a new directory under TMPDIR, as the other benchmarks);
#                                 SWIFT_BUILD_FLAGS, BIN_DIR, BENCH_RESULTS: see scripts/bench-common.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh

rounds=${ROUNDS:-200}
bench_require bench-store python3

bench_build order-benchmarks

work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/bench-store.XXXXXX")
trap 'rm -rf "$work"' EXIT

load_before=$(bench_load)
echo "bench-store: $rounds writes of each kind in $work" >&2
"$bin/order-benchmarks" durable-write --directory "$work/data" --body fixtures/bodies/order.json --rounds "$rounds" \
    >"$work/writes.json"

python3 - "$work/writes.json" "$results_dir/store.json" "$rounds" "$(df -T "$work" | awk 'NR == 2 { print $2 }')" \
    "$(bench_machine_line "$load_before")" <<'PY' | bench_write_section bench-store
import datetime, json, sys
report_path, results_path, rounds, filesystem, machine = sys.argv[1:]
report = json.load(open(report_path))
results = {r["name"]: r for r in report["results"]}
floor = results["floor, new document"]["median_ms"]
json.dump({
    "measured_at": f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%MZ}",
    "median_ms": {name: r["median_ms"] for name, r in results.items()},
    "payload_bytes": report["payload_bytes"],
}, open(results_path, "w"), indent=2)
what = {
    "floor, new document": "temp write + `fsync` + `rename` to a new name + directory `fsync`",
    "floor, rewrite": "the same, renamed over an existing document",
    "store update": "`FileOrderStore.update`: lock, read, rewrite the document",
    "store create": "`FileOrderStore.create`: 4 index entries and the outbox hint, each synced, then the document",
}
rows = "\n".join(
    f"| {name} | {what[name]} | {r['median_ms']:.2f} ms | {r['p10_ms']:.2f} – {r['p90_ms']:.2f} ms "
    f"| {r['median_ms'] / floor:.1f}× |"
    for name, r in results.items())
print(f"""<!-- bench-store:start -->
## Durable writes

`scripts/bench-store.sh` (`make bench-store`): `order-benchmarks durable-write`, release build, on {filesystem}
under `$TMPDIR`, as the other benchmarks' stores. The floor is a crash-safe replacement done with plain system calls
and nothing else, in the bucket directory of a stored order, writing that order's document
({report["payload_bytes"]} bytes); the store's writes are the library's own, on the same order and directory
layout. {rounds} writes of each kind after 10 warm-ups, taken in turns.

{machine}

| Write | What it does | Median | p10 – p90 | × floor |
| --- | --- | ---: | ---: | ---: |
{rows}
<!-- bench-store:end -->""")
PY

bench_summary
