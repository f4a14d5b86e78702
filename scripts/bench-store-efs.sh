#!/usr/bin/env bash
# The store on a model of Amazon EFS: create-order and a status update, each run once per process, against a data
# directory on faultfs (scripts/faultfs.py) adding METADATA_MS (1 ms) to every metadata operation (lookup, open,
# create, mkdir, rename, unlink, directory read) and FLUSH_MS (3 ms) to every fsync, a round trip each as on a
# network disk. Next to them, the same on faultfs without latency (what the FUSE mount itself costs) and on the local
# disk. Also counts the operations of each kind one request makes, which, times the latencies, is the model's floor.
# Release build, the Swift standard library linked statically, as deployed. Writes the figures to BENCHMARKS.md
# (next to the local durable writes of bench-store) and $results_dir/store-efs.json.
#
# Usage: scripts/bench-store-efs.sh   RUNS=40 requests of each kind per setting; ORDERS=200 orders stored first;
#                                     METADATA_MS=1 FLUSH_MS=3 the model; SWIFT_BUILD_FLAGS, BIN_DIR, BENCH_RESULTS:
#                                     see scripts/bench-common.sh. Needs root, /dev/fuse and python3-fusepy (make
#                                     bench-deps); skips, saying why, without them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh

runs=${RUNS:-40}
orders=${ORDERS:-200}
metadata_ms=${METADATA_MS:-1}
flush_ms=${FLUSH_MS:-3}
if [ "$(id -u)" -ne 0 ] || [ ! -e /dev/fuse ] || ! /usr/bin/python3 -c 'import fusepy' 2>/dev/null; then
    echo "bench-store-efs: skipped, faultfs needs root, /dev/fuse and python3-fusepy (make bench-deps)" >&2
    exit 0
fi

bench_build create-order update-order-status

work=$(mktemp -d)
faultfs_pid=""
cleanup() {
    if [ -n "$faultfs_pid" ]; then
        kill "$faultfs_pid" 2>/dev/null || true
        wait "$faultfs_pid" 2>/dev/null || true
    fi
    # A mount whose process died is still listed, though `mountpoint` no longer sees it.
    if awk -v path="$work/mount" '$2 == path { found = 1 } END { exit !found }' /proc/mounts; then
        umount -l "$work/mount"
    fi
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/backing" "$work/mount"
/usr/bin/python3 scripts/faultfs.py mount "$work/backing" "$work/mount" --control "$work/control.sock" \
    --while-alive $$ >"$work/faultfs.log" 2>&1 &
faultfs_pid=$!
for _ in $(seq 1 100); do
    mountpoint -q "$work/mount" && [ -S "$work/control.sock" ] && break
    sleep 0.1
done
if ! mountpoint -q "$work/mount"; then
    echo "bench-store-efs: faultfs did not mount: $(cat "$work/faultfs.log")" >&2
    exit 1
fi

load_before=$(bench_load)
echo "bench-store-efs: $orders orders stored, then $runs creates and $runs updates per setting" >&2
/usr/bin/python3 - "$bin" "$work" "$orders" "$runs" "$metadata_ms" "$flush_ms" >"$work/figures.json" <<'PY'
import json, os, statistics, subprocess, sys, time
sys.dont_write_bytecode = True
sys.path.insert(0, "scripts")
import faultfs
binaries, work, orders, runs, metadata_ms, flush_ms = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:5]), \
    *map(float, sys.argv[5:7])
body = json.load(open("fixtures/bodies/order.json"))
body.pop("id")
control = f"{work}/control.sock"

def event(method, path, route, payload, parameters=None):
    base = json.load(open("fixtures/events/v2/post-order.json"))
    base["headers"].pop("content-length", None)
    base.update(routeKey=f"{method} {route}", rawPath=path, pathParameters=parameters or {}, body=json.dumps(payload))
    base["requestContext"]["http"].update(method=method, path=path)
    return json.dumps(base).encode()

# FUSE never sees a syncfs (a checkpoint's flush): on the mount, the processes report theirs to faultfs through a
# preloaded shim, and faultfs charges each one flush.
shim = f"{work}/faultfs-syncfs.so"
subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", shim, "scripts/faultfs-syncfs.c", "-ldl"], check=True)

def run(function, data, payload):
    """One process: its duration in ms, and its answer's body."""
    started = time.perf_counter()
    on_mount = {"LD_PRELOAD": shim, "FAULTFS_CONTROL": control} if data.startswith(f"{work}/mount/") else {}
    process = subprocess.run([f"{binaries}/{function}"], input=payload, capture_output=True,
                             env=dict(os.environ, ORDER_DATA_DIR=data, **on_mount), timeout=60)
    elapsed = (time.perf_counter() - started) * 1000
    answer = json.loads(process.stdout)
    if answer["statusCode"] not in (200, 201):
        sys.exit(f"bench-store-efs: {function} answered {answer['statusCode']}: {answer['body']}")
    return elapsed, json.loads(answer["body"])

create = event("POST", "/order", "/order", body)
def update(order_id):
    return event("PUT", f"/order/{order_id}/status", "/order/{id}/status", {"status": "confirmed"}, {"id": order_id})

# Three data directories, each with `orders` orders stored (without latency): on the local disk, on faultfs without
# latency, and on faultfs with the model's. Then `runs` rounds, each a create and an update of a stored order in
# each setting in turn, so that a busy machine weighs on the three alike.
settings = {"local": (f"{work}/local", None), "faultfs": (f"{work}/mount/plain", {"metadata_ms": 0, "flush_ms": 0}),
            "efs_model": (f"{work}/mount/efs", {"metadata_ms": metadata_ms, "flush_ms": flush_ms})}
faultfs.control(control, {"command": "plan", "fail": None, "metadata_ms": 0, "flush_ms": 0})
stored = {name: [run("create-order", data, create)[1]["id"] for _ in range(orders)]
          for name, (data, _) in settings.items()}
times = {name: {"create-order": [], "update-order-status": []} for name in settings}
operations = {}
for index in range(runs):
    for name, (data, latency) in settings.items():
        for function, payload in (("create-order", create), ("update-order-status", update(stored[name][index]))):
            if latency is not None:
                faultfs.control(control, {"command": "plan", "fail": None, **latency})
            times[name][function].append(run(function, data, payload)[0])
            if name == "efs_model":
                operations.setdefault(function, []).append(faultfs.control(control, {"command": "report"})["counts"])
medians = {name: {f: statistics.median(t) for f, t in by_function.items()} for name, by_function in times.items()}
# The operations of a typical request: the median count of each kind (the first order in a bucket makes a mkdir).
operations = {function: {kind: statistics.median(counts.get(kind, 0) for counts in runs_counts)
                         for kind in set().union(*runs_counts)} for function, runs_counts in operations.items()}
local, plain, efs = medians["local"], medians["faultfs"], medians["efs_model"]
json.dump({"local": local, "faultfs": plain, "efs_model": efs, "operations": operations,
           "metadata_ms": metadata_ms, "flush_ms": flush_ms}, sys.stdout)
PY

/usr/bin/python3 - "$work/figures.json" "$results_dir/store-efs.json" "$runs" "$orders" \
    "$(df -T "$work" | awk 'NR == 2 { print $2 }')" "$(bench_machine_line "$load_before")" <<'PY' |
import datetime, json, sys
figures_path, results_path, runs, orders, filesystem, machine = sys.argv[1:]
figures = json.load(open(figures_path))
metadata_ms, flush_ms = figures["metadata_ms"], figures["flush_ms"]
free = {"read", "write", "flush", "release", "releasedir", "getxattr", "listxattr", "statfs"}
rows, results = [], {}
for function, name in (("create-order", "`create-order`"), ("update-order-status", "status update")):
    counts = figures["operations"][function]
    flushes = counts.get("fsync", 0)
    metadata = sum(count for kind, count in counts.items() if kind not in free and kind != "fsync")
    floor = metadata * metadata_ms + flushes * flush_ms
    results[function] = {"local_ms": figures["local"][function], "faultfs_ms": figures["faultfs"][function],
                         "efs_model_ms": figures["efs_model"][function], "metadata_operations": metadata,
                         "flushes": flushes, "model_floor_ms": floor}
    detail = ", ".join(f"{kind} {counts[kind]:g}" for kind in sorted(counts) if kind not in free and counts[kind])
    added = figures["efs_model"][function] - figures["faultfs"][function]
    results[function]["added_by_latency_ms"] = added
    rows.append(f"| {name} | {figures['local'][function]:.2f} ms | {figures['faultfs'][function]:.2f} ms "
                f"| {figures['efs_model'][function]:.2f} ms | {added:.2f} ms "
                f"| {metadata:g} × {metadata_ms:g} + {flushes:g} × {flush_ms:g} = {floor:.0f} ms | {detail} |")
json.dump({"measured_at": f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%MZ}",
           "metadata_ms": metadata_ms, "flush_ms": flush_ms, "results": results}, open(results_path, "w"), indent=2)
rows = "\n".join(rows)
print(f"""<!-- bench-store-efs:start -->
## The store on a model of EFS

`scripts/bench-store-efs.sh` (`make bench-store-efs`, also run by `make bench-store`): `create-order` and a status
update of a stored order, each one process per request (release build), with a store of {orders} orders, {runs}
requests of each kind in each setting, taken in turns, no webhook. The data directory is on faultfs
(`scripts/faultfs.py`, a Python FUSE passthrough over {filesystem}) adding {metadata_ms:g} ms to every metadata
operation (lookup, open, create, mkdir, rename, unlink, directory read: each a round trip on EFS) and {flush_ms:g} ms
to every flush (`fsync` of a file or directory, or a checkpoint's `syncfs`, which a preloaded shim reports to faultfs
since FUSE never sees it), after the EFS figures of the reference notes; reads and writes of data add
nothing (a network client sends them with the flush). Beside it, the same requests on faultfs without latency (the
cost of the Python mount itself) and on the local disk. *Operations* are what one request made, counted by faultfs:
the lookups the kernel had cached are not among them; each count is the median over the requests. *Model floor* is
metadata operations × {metadata_ms:g} ms + flushes × {flush_ms:g} ms: what the round trips alone cost, to compare
with *added by the latency*, the EFS model's median less faultfs's (more than the floor on a busy machine, where each
of faultfs's waits ends late: the thread it woke waits for a core). The local disk is there for scale only: a busy
machine's fsyncs vary the most, and they are the same system calls on the same disk under faultfs.

{machine}

| Request | Median, local disk | Median, faultfs | Median, EFS model | Added by the latency | Model floor | Operations |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
{rows}
<!-- bench-store-efs:end -->""")
PY
    bench_write_section bench-store-efs
