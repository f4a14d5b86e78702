#!/usr/bin/env bash
# Measures the local gateway with wrk on loopback: requests per second and latency percentiles of GET /order/{id}
# and POST /order, release build, a process per request and then --warm, and writes the figures with the machine's
# description to BENCHMARKS.md.
#
# Usage: scripts/bench-gateway.sh   DURATION=15s CONNECTIONS=8 THREADS=2 change the load;
#                                   SWIFT_BUILD_FLAGS="--scratch-path DIR" builds elsewhere;
#                                   BIN_DIR=DIR uses executables already built there.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-15s}
connections=${CONNECTIONS:-8}
threads=${THREADS:-2}
read -r -a build_flags <<<"${SWIFT_BUILD_FLAGS:-}"

command -v wrk >/dev/null || { echo "bench-gateway: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

# Statically linked, as the functions are deployed: a process per request makes start-up the cost that matters.
if [ -n "${BIN_DIR:-}" ]; then
    bin=$BIN_DIR
else
    swift build -c release --static-swift-stdlib "${build_flags[@]}"
    bin=$(swift build -c release --static-swift-stdlib "${build_flags[@]}" --show-bin-path)
fi

work=$(mktemp -d)
gateway_pid=""
stop_gateway() {
    if [ -n "$gateway_pid" ]; then kill -TERM "$gateway_pid" 2>/dev/null || true; wait "$gateway_pid" 2>/dev/null || true; fi
    gateway_pid=""
}
cleanup() {
    stop_gateway
    rm -rf "$work"
}
trap cleanup EXIT

# Starts the gateway with a fresh data directory and one order to read; sets $base.
start_gateway() { # mode-arguments...
    rm -rf "$work/data"
    # Emptied here, not by the redirection below, which runs later in the background: no stale port is read.
    : >"$work/gateway.log"
    "$bin/local-gateway" start-api --port 0 --template template.yaml --functions-dir "$bin" --data-dir "$work/data" \
        "$@" 2>"$work/gateway.log" &
    gateway_pid=$!
    local port=""
    for _ in $(seq 1 200); do
        port=$(sed -n 's/.*"msg":"listening".*"port":"\([0-9]*\)".*/\1/p' "$work/gateway.log" | head -n 1)
        [ -n "$port" ] && break
        kill -0 "$gateway_pid" 2>/dev/null || { cat "$work/gateway.log" >&2; exit 1; }
        sleep 0.05
    done
    [ -n "$port" ] || { echo "bench-gateway: the gateway did not start" >&2; cat "$work/gateway.log" >&2; exit 1; }
    base="http://127.0.0.1:$port"
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/order" -H 'Content-Type: application/json' \
        -d '{"id":"BENCH-1","order_lines":[{"sku":"SKU-1","price":10,"quantity":2}],"shipping_address":{"line1":"a","city":"b","country":"c"},"billing_address":{"line1":"a","city":"b","country":"c"}}')
    [ "$status" = 201 ] || { echo "bench-gateway: creating the order to read answered $status" >&2; exit 1; }
}

# Prints: requests/s p50 p90 p99 non-2xx requests, from wrk's --latency output.
measure() { # name wrk-arguments...
    local name=$1
    shift
    echo "== $name: wrk -t$threads -c$connections -d$duration $*" >&2
    wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@" >"$work/$name.txt"
    cat "$work/$name.txt" >&2
    awk '
        function ms(value) {
            if (value ~ /us$/) return substr(value, 1, length(value) - 2) / 1000
            if (value ~ /ms$/) return substr(value, 1, length(value) - 2) + 0
            if (value ~ /s$/) return substr(value, 1, length(value) - 1) * 1000
            return value
        }
        /Requests\/sec/ { rps = $2 }
        /^ +50%/ { p50 = ms($2) } /^ +90%/ { p90 = ms($2) } /^ +99%/ { p99 = ms($2) }
        /requests in/ { total = $1 }
        /Non-2xx or 3xx responses/ { errors = $5 }
        END { printf "%s %.2f %.2f %.2f %d %d\n", rps, p50, p90, p99, errors + 0, total }
    ' "$work/$name.txt"
}

# Appends the table rows of one mode, GET then POST, to $work/rows.md.
rows() { # name label mode-arguments...
    local name=$1 label=$2
    shift 2
    start_gateway "$@"
    local rps p50 p90 p99 errors total
    read -r rps p50 p90 p99 errors total < <(measure "get-$name" "$base/order/BENCH-1")
    echo "| \`GET /order/{id}\` | $label | $rps | $p50 ms | $p90 ms | $p99 ms | $total | $errors |" >>"$work/rows.md"
    read -r rps p50 p90 p99 errors total < <(measure "post-$name" -s scripts/bench-gateway.lua "$base" -- "$$$name")
    echo "| \`POST /order\` | $label | $rps | $p50 ms | $p90 ms | $p99 ms | $total | $errors |" >>"$work/rows.md"
    stop_gateway
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
rows perrequest "per request"
rows warm "warm" --warm

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
section=$(cat <<MARKDOWN
<!-- bench-gateway:start -->
## Local gateway

\`scripts/bench-gateway.sh\` (\`make bench-gateway\`): \`local-gateway\` and the functions built for release and
statically linked, serving \`template.yaml\` (\`--max-concurrency\` default), loaded by
\`wrk -t$threads -c$connections -d$duration\` on loopback, first with a process per request, then with \`--warm\` (processes
kept running behind the Runtime API, started by the first requests of the run). POST creates a new order each time
(\`scripts/bench-gateway.lua\`).

Machine: $(nproc) cores, ${cpu:-unknown CPU}, Linux $(uname -r); load average $load_before before the run.
Measured $(date -u +%Y-%m-%dT%H:%MZ).

| Route | Mode | Requests/s | p50 | p90 | p99 | Requests | Non-2xx |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
$(sort -s -t'|' -k2,2 "$work/rows.md")
<!-- bench-gateway:end -->
MARKDOWN
)

# Replace the gateway's section of BENCHMARKS.md, keeping any other section.
if [ ! -f BENCHMARKS.md ]; then
    printf '# Benchmarks\n\nEach section is written by the script it names; rerun it to update the figures.\n\n' >BENCHMARKS.md
fi
if grep -q '<!-- bench-gateway:start -->' BENCHMARKS.md; then
    awk -v section="$section" '
        /<!-- bench-gateway:start -->/ { print section; skipping = 1; next }
        /<!-- bench-gateway:end -->/ { skipping = 0; next }
        !skipping { print }
    ' BENCHMARKS.md >"$work/BENCHMARKS.md"
    cp "$work/BENCHMARKS.md" BENCHMARKS.md
else
    printf '%s\n' "$section" >>BENCHMARKS.md
fi
echo "$section"
