#!/usr/bin/env bash
# Measures `list-orders` (GET /orders), release build, one process per invocation, with hyperfine: one page of 50
# orders filtered by status and by city, with 1,000 and with 100,000 orders stored, and writes the figures with the
# machine's description to BENCHMARKS.md, and $results_dir/list.json.
#
# Usage: scripts/bench-list.sh   SIZES="1000 100000" changes the store sizes; RUNS=100 the runs per case;
#                                BENCH_DATA=DIR keeps the seeded stores there and reuses them on the next run;
#                                SWIFT_BUILD_FLAGS, BIN_DIR, BENCH_RESULTS: see scripts/bench-common.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh

sizes=${SIZES:-1000 100000}
runs=${RUNS:-100}
bench_require bench-list hyperfine jq bc

bench_build list-orders seed-orders

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data_root=${BENCH_DATA:-$work/data}
mkdir -p "$data_root"

bench_list_event "$work/status.json" '{"status":"shipped"}'
bench_list_event "$work/city.json" '{"shipping_city":"madrid"}'
# A page from the middle of the year, as a walk that has gone on for a while reads it.
bench_list_event "$work/later.json" '{"status":"shipped","created_from":"2026-06-01T00:00:00Z"}'

load_before=$(bench_load)
declare -A mean stddev
for size in $sizes; do
    data="$data_root/orders-$size"
    bench_seed "$data" "$size"
    for case in status city later; do
        count=$(ORDER_DATA_DIR=$data "$bin/list-orders" <"$work/$case.json" | jq -r '.body | fromjson | .orders | length')
        [ "$count" = 50 ] || { echo "bench-list: $case with $size orders answered $count orders, not a page of 50" >&2; exit 1; }
        ORDER_DATA_DIR=$data hyperfine --warmup 5 --runs "$runs" --export-json "$work/$case-$size.json" \
            "$bin/list-orders < $work/$case.json" >&2
        mean[$case-$size]=$(jq '.results[0].mean * 1000 * 100 | round / 100' "$work/$case-$size.json")
        stddev[$case-$size]=$(jq '.results[0].stddev * 1000 * 100 | round / 100' "$work/$case-$size.json")
    done
done

read -r -a size_list <<<"$sizes"
small=${size_list[0]}
large=${size_list[${#size_list[@]}-1]}
row() { # case label
    local ratio
    ratio=$(echo "${mean[$1-$large]} / ${mean[$1-$small]}" | bc -l)
    printf '| %s | %s ± %s ms | %s ± %s ms | %.2f× |\n' "$2" "${mean[$1-$small]}" "${stddev[$1-$small]}" \
        "${mean[$1-$large]}" "${stddev[$1-$large]}" "$ratio"
}

# The growth of each case from the smallest store to the largest, for the targets table.
for case in status city later; do
    jq -nc --arg case "$case" --argjson small "${mean[$case-$small]}" --argjson large "${mean[$case-$large]}" \
        '{case: $case, small_mean_ms: $small, large_mean_ms: $large}'
done | jq -s --arg at "$(date -u +%Y-%m-%dT%H:%MZ)" --argjson small "$small" --argjson large "$large" \
    '{measured_at: $at, small_orders: $small, large_orders: $large, cases: .}' >"$results_dir/list.json"

bench_write_section bench-list <<MARKDOWN
<!-- bench-list:start -->
## Listing orders

\`scripts/bench-list.sh\` (\`make bench-list\`): \`list-orders\` built for release and statically linked, a new
process per invocation reading one \`GET /orders\` event (\`fixtures/events/v2/get-orders.json\`) and answering one
page of 50 full orders (the first page, and one from the middle of the year), timed by
\`hyperfine --warmup 5 --runs $runs\` (mean ± standard deviation). The stores are seeded by \`seed-orders\` through
the store library: orders created over a year, in 20 cities (skewed: Madrid is the most common), every status of
the flow equally often.

$(bench_machine_line "$load_before")

| Page of 50 | $small orders | $large orders | Growth |
| --- | ---: | ---: | ---: |
$(row status "\`?status=shipped\`")
$(row city "\`?shipping_city=madrid\`")
$(row later "\`?status=shipped&created_from=2026-06-01T00:00:00Z\`")
<!-- bench-list:end -->
MARKDOWN

bench_summary
