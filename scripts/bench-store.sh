#!/usr/bin/env bash
# Measures the store's durable writes against their floor, with `order-benchmarks durable-write`: a temp file
# written, fsynced and renamed into place, then its directory fsynced, done with plain system calls, next to the
# file store's update and create of an order, in the same directory, with a document of the same size. Then counts
# the synchronous flushes (fsync, fdatasync, sync_file_range, syncfs) of each kind of write with `strace -f -c`, in a
# process that makes only those writes (`order-benchmarks store-writes`) on a store that already holds FLUSH_WRITES orders:
# checkpoints of the journal included, so the figures are the average cost per write. Release build. Writes the
# figures and the machine to BENCHMARKS.md, and $results_dir/store.json.
#
# Usage: scripts/bench-store.sh   ROUNDS=200 changes the writes of each kind; FLUSH_WRITES=1000 the writes whose
#                                 flushes are counted; BENCH_DIR=DIR measures the file
#                                 system of DIR (default: a new directory under TMPDIR, as the other benchmarks);
#                                 SWIFT_BUILD_FLAGS, BIN_DIR, BENCH_RESULTS: see scripts/bench-common.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh

rounds=${ROUNDS:-200}
flush_writes=${FLUSH_WRITES:-1000}
bench_require bench-store python3 strace

bench_build order-benchmarks

work=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/bench-store.XXXXXX")
trap 'rm -rf "$work"' EXIT

load_before=$(bench_load)
echo "bench-store: $rounds writes of each kind in $work" >&2
"$bin/order-benchmarks" durable-write --directory "$work/data" --body fixtures/bodies/order.json --rounds "$rounds" \
    >"$work/writes.json"

# Flushes per write: a store of FLUSH_WRITES orders, then each kind of write alone in a process strace counts (the
# status changes and deliveries are of those orders).
writes=("$bin/order-benchmarks" store-writes --directory "$work/flushes" --body fixtures/bodies/order.json
    --count "$flush_writes")
"${writes[@]}" --kind prepare
for kind in create status delivered; do
    strace -f -c -e trace=fsync,fdatasync,sync_file_range,syncfs -o "$work/strace-$kind.txt" "${writes[@]}" --kind "$kind"
done

python3 - "$work/writes.json" "$results_dir/store.json" "$rounds" "$(df -T "$work" | awk 'NR == 2 { print $2 }')" \
    "$(bench_machine_line "$load_before")" "$work" "$flush_writes" <<'PY' | bench_write_section bench-store
import datetime, json, sys
report_path, results_path, rounds, filesystem, machine, work, flush_writes = sys.argv[1:]
flush_writes = int(flush_writes)
SYNCS = ("fsync", "fdatasync", "sync_file_range", "syncfs")


def flushes(kind):
    """The flush system calls strace counted in the process that made `flush_writes` writes of `kind`, by call."""
    calls = {}
    for line in open(f"{work}/strace-{kind}.txt"):
        fields = line.split()
        if fields and fields[-1] in SYNCS:
            calls[fields[-1]] = int(fields[3])
    return calls


counted = {kind: flushes(kind) for kind in ("create", "status", "delivered")}
per_write = {kind: sum(calls.values()) / flush_writes for kind, calls in counted.items()}
report = json.load(open(report_path))
results = {r["name"]: r for r in report["results"]}
floor = results["floor, new document"]["median_ms"]
json.dump({
    "measured_at": f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%MZ}",
    "median_ms": {name: r["median_ms"] for name, r in results.items()},
    "payload_bytes": report["payload_bytes"],
    "flushes_per_write": per_write,
}, open(results_path, "w"), indent=2)
what = {
    "floor, new document": "temp write + `fsync` + `rename` to a new name + directory `fsync`",
    "floor, rewrite": "the same, renamed over an existing document",
    "store update": "`FileOrderStore.update`: lock, read, rewrite the document (no new index entry or hint)",
    "store create": "`FileOrderStore.create`: 4 index entries and the outbox hint journaled in one flush, then the "
    "document",
}
described = {
    "create": "`create`: a new order (4 index entries, an outbox hint)",
    "status": "`status`: pending confirmation → confirmed (a new status entry, a new event)",
    "delivered": "`delivered`: every event marked delivered (an entry each in the delivered index; the hint cleared)",
}
flush_rows = "\n".join(
    f"| {described[kind]} | {per_write[kind]:.2f} | "
    + ", ".join(f"{name} {count / flush_writes:.2f}" for name, count in sorted(counted[kind].items())) + " |"
    for kind in ("create", "status", "delivered"))
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

Synchronous flushes per write, counted by `strace -f -c` (`fsync`, `fdatasync`, `sync_file_range`, `syncfs`) in a
process that made {flush_writes:,} writes of one kind and nothing else (`order-benchmarks store-writes`), on a store
that already held as many orders: the journal's checkpoints included, so these are averages. A write of one order
flushes the journal once if it adds an index entry or an outbox hint, then its document and its directory; a
checkpoint, every few dozen writes, flushes each segment it touched once (see "The store" in the README).

| Write | Flushes per write | By call |
| --- | ---: | --- |
{flush_rows}
<!-- bench-store:end -->""")
PY

bench_summary
