#!/usr/bin/env bash
# The store at scale: seeds stores of 1,000 and 1,000,000 orders with `seed-orders` (through the store's bulk import)
# and measures, at each size: the seeding time, the files and bytes on disk per order, one page of 50 of
# `list-orders` by status, by city and by customer, and `get-order` (hyperfine, a process per invocation), and
# `reindex`: its time and peak memory (GNU time). Release build. Writes the figures and the machine to BENCHMARKS.md,
# and $results_dir/scale.json.
#
# Usage: scripts/bench-scale.sh   SIZES="1000 1000000" changes the store sizes (the first is the baseline); RUNS=30
#                                 the runs per case; BENCH_DATA=DIR keeps the seeded stores there and reuses them;
#                                 SWIFT_BUILD_FLAGS, BIN_DIR, BENCH_RESULTS: see scripts/bench-common.sh.
# Seeding a million orders takes a quarter of an hour or more on 2 cores, and about 5 GB of disk.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh

sizes=${SIZES:-1000 1000000}
runs=${RUNS:-30}
bench_require bench-scale hyperfine jq python3 /usr/bin/time

bench_build list-orders get-order seed-orders reindex

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data_root=${BENCH_DATA:-$work/data}
mkdir -p "$data_root"

bench_list_event "$work/status.json" '{"status":"shipped"}'
bench_list_event "$work/city.json" '{"shipping_city":"madrid"}'
bench_list_event "$work/customer.json" '{"customer_id":"cus-7"}'

load_before=$(bench_load)
for size in $sizes; do
    data="$data_root/orders-$size"
    bench_seed "$data" "$size"
    result="$work/size-$size.json"
    files=$(find "$data" -type f ! -name .seeded | wc -l)
    bytes_on_disk=$(( $(du -sk "$data" | cut -f1) * 1024 ))
    apparent_bytes=$(du -sb "$data" | cut -f1)
    for case in status city customer; do
        count=$(ORDER_DATA_DIR=$data "$bin/list-orders" <"$work/$case.json" | jq -r '.body | fromjson | .orders | length')
        [ "$count" = 50 ] || { echo "bench-scale: $case with $size orders answered $count orders, not 50" >&2; exit 1; }
        ORDER_DATA_DIR=$data hyperfine --warmup 3 --runs "$runs" --export-json "$work/$case-$size.json" \
            "$bin/list-orders < $work/$case.json" >&2
    done
    # get-order of an order the status page listed.
    id=$(ORDER_DATA_DIR=$data "$bin/list-orders" <"$work/status.json" | jq -r '.body | fromjson | .orders[0].id')
    jq --arg id "$id" '.pathParameters.id = $id | .rawPath = "/order/\($id)" | .requestContext.http.path = "/order/\($id)"' \
        fixtures/events/v2/get-order.json >"$work/get-$size.json"
    ORDER_DATA_DIR=$data hyperfine --warmup 3 --runs "$runs" --export-json "$work/get-order-$size.json" \
        "$bin/get-order < $work/get-$size.json" >&2
    # reindex: a rebuild of every segment from the documents, timed, with its peak memory.
    ORDER_DATA_DIR=$data /usr/bin/time -f '%e %M' -o "$work/reindex-time-$size.txt" "$bin/reindex" </dev/null \
        >"$work/reindex-$size.json"
    python3 - "$size" "$(cat "$data/.seeded")" "$files" "$bytes_on_disk" "$apparent_bytes" "$work" >"$result" <<'PY'
import json, sys
size, seeded, files, on_disk, apparent, work = sys.argv[1:]
size = int(size)
mean = lambda name: json.load(open(f"{work}/{name}-{size}.json"))["results"][0]["mean"] * 1000
seconds, peak_kb = open(f"{work}/reindex-time-{size}.txt").read().split()
print(json.dumps({
    "orders": size, "seed_seconds": int(seeded), "files": int(files), "files_per_order": int(files) / size,
    "bytes_on_disk_per_order": int(on_disk) / size, "apparent_bytes_per_order": int(apparent) / size,
    "page_mean_ms": {case: mean(case) for case in ("status", "city", "customer")},
    "get_order_mean_ms": mean("get-order"),
    "reindex_seconds": float(seconds), "reindex_peak_kb": int(peak_kb),
    "reindex_report": json.load(open(f"{work}/reindex-{size}.json")),
}))
PY
done

python3 - "$results_dir/scale.json" "$(bench_machine_line "$load_before")" "$work" $sizes <<'PY' | bench_write_section bench-scale
import datetime, json, sys
results_path, machine, work, *sizes = sys.argv[1:]
results = [json.load(open(f"{work}/size-{size}.json")) for size in sizes]
small, large = results[0], results[-1]
json.dump({"measured_at": f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%MZ}", "sizes": results},
          open(results_path, "w"), indent=2)
header = " | ".join(f"{r['orders']:,} orders" for r in results)
align = " | ".join("---:" for _ in results)
def row(label, value):
    return f"| {label} | " + " | ".join(value(r) for r in results) + " |"
rows = [
    row("seeding (`seed-orders`, bulk import)", lambda r: f"{r['seed_seconds']} s"),
    row("files per order", lambda r: f"{r['files_per_order']:.2f}"),
    row("bytes on disk per order (apparent)", lambda r: f"{r['bytes_on_disk_per_order']:,.0f} ({r['apparent_bytes_per_order']:,.0f})"),
    row("page of 50, `?status=shipped`", lambda r: f"{r['page_mean_ms']['status']:.2f} ms"),
    row("page of 50, `?shipping_city=madrid`", lambda r: f"{r['page_mean_ms']['city']:.2f} ms"),
    row("page of 50, `?customer_id=cus-7`", lambda r: f"{r['page_mean_ms']['customer']:.2f} ms"),
    row("`get-order`", lambda r: f"{r['get_order_mean_ms']:.2f} ms"),
    row("`reindex`", lambda r: f"{r['reindex_seconds']:.1f} s, peak {r['reindex_peak_kb'] / 1024:.0f} MB"),
]
growth = "\n".join(
    f"| {case} | {large['page_mean_ms'][case] / small['page_mean_ms'][case]:.2f}× |" for case in ("status", "city", "customer"))
print(f"""<!-- bench-scale:start -->
## The store at scale

`scripts/bench-scale.sh` (`make bench-scale`): stores seeded by `seed-orders` through the store's bulk import (orders
created over a year, in 20 cities, every status, each for one of 20 customers), then `list-orders` and `get-order`
built for release, a new process per invocation (hyperfine, mean), and `reindex` timed with its peak memory (GNU
`time`). Files and bytes count everything under the data directory: documents, index segments, journals, lock files.

{machine}

| | {header} |
| --- | {align} |
""" + "\n".join(rows) + f"""

Growth of a page from {small['orders']:,} to {large['orders']:,} orders:

| Page | Growth |
| --- | ---: |
{growth}
<!-- bench-scale:end -->""")
PY

bench_summary
