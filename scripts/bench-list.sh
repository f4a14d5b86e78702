#!/usr/bin/env bash
# Measures `list-orders` (GET /orders), release build, one process per invocation, with hyperfine: one page of 50
# orders filtered by status and by city, with 1,000 and with 100,000 orders stored, and writes the figures with the
# machine's description to BENCHMARKS.md.
#
# Usage: scripts/bench-list.sh   SIZES="1000 100000" changes the store sizes; RUNS=100 the runs per case;
#                                SWIFT_BUILD_FLAGS="--scratch-path DIR" builds elsewhere;
#                                BIN_DIR=DIR uses executables already built there;
#                                BENCH_DATA=DIR keeps the seeded stores there and reuses them on the next run.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=${SIZES:-1000 100000}
runs=${RUNS:-100}
read -r -a build_flags <<<"${SWIFT_BUILD_FLAGS:-}"

command -v hyperfine >/dev/null || { echo "bench-list: hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }
command -v jq >/dev/null || { echo "bench-list: jq is not installed (apt-get install jq)" >&2; exit 1; }

# Statically linked, as the functions are deployed: a process per request makes start-up part of the cost.
if [ -n "${BIN_DIR:-}" ]; then
    bin=$BIN_DIR
else
    swift build -c release --static-swift-stdlib "${build_flags[@]}" --product list-orders
    swift build -c release --static-swift-stdlib "${build_flags[@]}" --product seed-orders
    bin=$(swift build -c release --static-swift-stdlib "${build_flags[@]}" --show-bin-path)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data_root=${BENCH_DATA:-$work/data}
mkdir -p "$data_root"

# The GET /orders event with a query string, from the fixture every scenario uses.
event() { # file query-json
    jq --argjson query "$2" '.queryStringParameters = $query' fixtures/events/v2/get-orders.json >"$1"
}
event "$work/status.json" '{"status":"shipped"}'
event "$work/city.json" '{"shipping_city":"madrid"}'
# A page from the middle of the year, as a walk that has gone on for a while reads it.
event "$work/later.json" '{"status":"shipped","created_from":"2026-06-01T00:00:00Z"}'

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A mean stddev
for size in $sizes; do
    data="$data_root/orders-$size"
    if [ ! -f "$data/.seeded" ]; then
        rm -rf "$data"
        echo "== seeding $size orders into $data" >&2
        seeded_at=$(date +%s)
        "$bin/seed-orders" "$data" "$size"
        echo "   $(( $(date +%s) - seeded_at )) s" >&2
        touch "$data/.seeded"
    fi
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

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
section=$(cat <<MARKDOWN
<!-- bench-list:start -->
## Listing orders

\`scripts/bench-list.sh\` (\`make bench-list\`): \`list-orders\` built for release and statically linked, a new
process per invocation reading one \`GET /orders\` event (\`fixtures/events/v2/get-orders.json\`) and answering one
page of 50 full orders (the first page, and one from the middle of the year), timed by
\`hyperfine --warmup 5 --runs $runs\` (mean ± standard deviation). The stores are seeded by \`seed-orders\` through
the store library: orders created over a year, in 20 cities (skewed: Madrid is the most common), every status of
the flow equally often.

Machine: $(nproc) cores, ${cpu:-unknown CPU}, Linux $(uname -r); load average $load_before before the run.
Measured $(date -u +%Y-%m-%dT%H:%MZ).

| Page of 50 | $small orders | $large orders | Growth |
| --- | ---: | ---: | ---: |
$(row status "\`?status=shipped\`")
$(row city "\`?shipping_city=madrid\`")
$(row later "\`?status=shipped&created_from=2026-06-01T00:00:00Z\`")
<!-- bench-list:end -->
MARKDOWN
)

# Replace this script's section of BENCHMARKS.md, keeping any other section.
if [ ! -f BENCHMARKS.md ]; then
    printf '# Benchmarks\n\nEach section is written by the script it names; rerun it to update the figures.\n\n' >BENCHMARKS.md
fi
if grep -q '<!-- bench-list:start -->' BENCHMARKS.md; then
    awk -v section="$section" '
        /<!-- bench-list:start -->/ { print section; skipping = 1; next }
        /<!-- bench-list:end -->/ { skipping = 0; next }
        !skipping { print }
    ' BENCHMARKS.md >"$work/BENCHMARKS.md"
    cat "$work/BENCHMARKS.md" >BENCHMARKS.md
else
    printf '\n%s\n' "$section" >>BENCHMARKS.md
fi
echo "$section"
