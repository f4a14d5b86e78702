#!/usr/bin/env bash
# Measures the local gateway with wrk on loopback: requests per second, latency percentiles and CPU time per request
# (the gateway's, and its function processes' summed) of GET /order/{id} and POST /order, with a token on every
# request, release build, a process per request and then --warm; then the gateway's peak memory under
# GET /order/{id} at MEMORY_CONNECTIONS connections, in both modes; then reads while orders are created against a
# webhook that answers at once and against one that never answers, in both modes. Writes the figures with the
# machine's description to BENCHMARKS.md, and $results_dir/gateway.json.
#
# Usage: scripts/bench-gateway.sh   DURATION=15s CONNECTIONS=8 THREADS=2 change the load;
#                                   MEMORY_CONNECTIONS=64 the connections of the memory runs;
#                                   WEBHOOK_CREATORS=8 WEBHOOK_READERS=2 the clients of the webhook runs;
#                                   CASES="throughput memory webhook" the cases to run: with only some, the
#                                   figures are printed and BENCHMARKS.md is left alone;
#                                   SWIFT_BUILD_FLAGS, BIN_DIR, BENCH_RESULTS: see scripts/bench-common.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
source scripts/gateway-process.sh

duration=${DURATION:-15s}
connections=${CONNECTIONS:-8}
memory_connections=${MEMORY_CONNECTIONS:-64}
threads=${THREADS:-2}
creators=${WEBHOOK_CREATORS:-8}
readers=${WEBHOOK_READERS:-2}
cases=${CASES:-throughput memory webhook}
bench_require bench-gateway wrk curl jq python3

# Every function and the gateway: the gateway runs a function's executable per request.
bench_build

work=$(mktemp -d)
sampler_pid=""
receiver_pid=""
stop_receiver() {
    if [ -n "$receiver_pid" ]; then kill "$receiver_pid" 2>/dev/null || true; wait "$receiver_pid" 2>/dev/null || true; fi
    receiver_pid=""
}
cleanup() {
    if [ -n "$sampler_pid" ]; then touch "$work/stop-sampling"; wait "$sampler_pid" 2>/dev/null || true; fi
    gateway_stop
    stop_receiver
    rm -rf "$work"
}
trap cleanup EXIT

# Starts the gateway with a fresh data directory and one order to read; sets $base.
#
# Each start gets a directory of its own, and all are removed at the end: removed between runs, the thousands of
# files the last one made would slow this one's creates. On ext4 without a journal, as on this machine, the kernel
# passes over every inode freed in the last minute (or six, when its block is not yet written) before it reuses one:
# after the first mode's data was removed, the warm creates cost their workers twice the CPU (1.01 against 0.50 ms).
data_directories=0
start_gateway() { # mode-arguments...
    data_directories=$((data_directories + 1))
    local data="$work/data-$data_directories"
    # The routes' throttling (ApiThrottlingRateLimit) raised out of the way: this measures the gateway, not its 429s.
    gateway_start bench-gateway "$bin" "$work/gateway.log" --data-dir "$data" \
        --parameter-overrides "ApiThrottlingRateLimit=1000000 ApiThrottlingBurstLimit=1000000" "$@"
    base=$gateway_base
    # Every route needs a token: one with every scope, from the development identity of the data directory.
    token=$("$bin/local-gateway" token --template template.yaml --data-dir "$data" --sub bench \
        --scope "orders/create orders/read orders/update-status" --ttl 7200)
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/order" -H 'Content-Type: application/json' \
        -H "Authorization: Bearer $token" \
        -d '{"id":"BENCH-1","order_lines":[{"sku":"SKU-1","price":10,"quantity":2}],"shipping_address":{"line1":"a","city":"b","country":"c"},"billing_address":{"line1":"a","city":"b","country":"c"}}')
    [ "$status" = 201 ] || { echo "bench-gateway: creating the order to read answered $status" >&2; exit 1; }
}

ticks_per_second=$(getconf CLK_TCK)

# Prints the CPU ticks (user + system, from /proc/<pid>/stat) used so far by the gateway, then by its function
# processes: those running now (a warm pool, or the processes of requests in flight) and those that have exited,
# which the kernel adds to the gateway's cutime and cstime once it has waited for them.
cpu_ticks() {
    local children
    children=$(cat /proc/"$gateway_pid"/task/*/children 2>/dev/null || true)
    {
        # Fields after the command name in parentheses: utime, stime, cutime and cstime are the 12th to 15th.
        sed 's/.*) //' "/proc/$gateway_pid/stat" | awk '{ print "gateway", $12 + $13; print "functions", $14 + $15 }'
        for child in $children; do
            sed 's/.*) //' "/proc/$child/stat" 2>/dev/null | awk '{ print "functions", $12 + $13 + $14 + $15 }'
        done
    } | awk '{ sum[$1] += $2 } END { print sum["gateway"] + 0, sum["functions"] + 0 }'
}

# Prints: requests/s p50 p90 p99 non-2xx requests gateway-cpu-ms functions-cpu-ms, from wrk's --latency output and
# the CPU ticks used during the run, divided by the requests served.
measure() { # name connections wrk-arguments...
    local name=$1 load=$2
    shift 2
    echo "== $name: wrk -t$threads -c$load -d$duration $*" >&2
    local gateway_before functions_before gateway_after functions_after
    read -r gateway_before functions_before < <(cpu_ticks)
    wrk -t"$threads" -c"$load" -d"$duration" --latency -H "Authorization: Bearer $token" "$@" >"$work/$name.txt"
    read -r gateway_after functions_after < <(cpu_ticks)
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
        END {
            cpu = 1000 / ticks / (total > 0 ? total : 1)
            printf "%s %.2f %.2f %.2f %d %d %.3f %.3f\n", rps, p50, p90, p99, errors + 0, total,
                gateway * cpu, functions * cpu
        }
    ' ticks="$ticks_per_second" gateway="$((gateway_after - gateway_before))" \
        functions="$((functions_after - functions_before))" "$work/$name.txt"
}

# Appends a result to $work/results.jsonl, for the targets table.
record() { # kind mode route rps p99 errors [peak-kb with-functions-kb [gateway-cpu-ms functions-cpu-ms]]
    jq -nc --arg kind "$1" --arg mode "$2" --arg route "$3" --argjson rps "$4" --argjson p99 "$5" \
        --argjson errors "$6" --argjson peak "${7:-null}" --argjson tree "${8:-null}" \
        --argjson gateway_cpu "${9:-null}" --argjson functions_cpu "${10:-null}" \
        '{kind: $kind, mode: $mode, route: $route, requests_per_second: $rps, p99_ms: $p99, non_2xx: $errors,
          gateway_peak_kb: $peak, with_functions_peak_kb: $tree, gateway_cpu_ms_per_request: $gateway_cpu,
          functions_cpu_ms_per_request: $functions_cpu}' >>"$work/results.jsonl"
}

# Appends the table rows of one mode, GET then POST, to $work/rows.md.
rows() { # name label mode-arguments...
    local name=$1 label=$2
    shift 2
    start_gateway "$@"
    local rps p50 p90 p99 errors total gateway_cpu functions_cpu
    read -r rps p50 p90 p99 errors total gateway_cpu functions_cpu \
        < <(measure "get-$name" "$connections" "$base/order/BENCH-1")
    echo "| \`GET /order/{id}\` | $label | $rps | $p50 ms | $p90 ms | $p99 ms | $gateway_cpu ms | $functions_cpu ms" \
        "| $total | $errors |" >>"$work/rows.md"
    record throughput "$label" "GET /order/{id}" "$rps" "$p99" "$errors" null null "$gateway_cpu" "$functions_cpu"
    read -r rps p50 p90 p99 errors total gateway_cpu functions_cpu \
        < <(measure "post-$name" "$connections" -s scripts/bench-gateway.lua "$base" -- "$$$name")
    echo "| \`POST /order\` | $label | $rps | $p50 ms | $p90 ms | $p99 ms | $gateway_cpu ms | $functions_cpu ms" \
        "| $total | $errors |" >>"$work/rows.md"
    record throughput "$label" "POST /order" "$rps" "$p99" "$errors" null null "$gateway_cpu" "$functions_cpu"
    gateway_stop
}

# Until $work/stop-sampling exists, samples every 100 ms the resident memory of the gateway and its function
# processes together, and keeps the largest sum (kB) in $work/with-functions-peak. The gateway's own peak needs no
# sampling: the kernel keeps it (VmHWM).
sample_memory() {
    local peak=0 sum
    rm -f "$work/stop-sampling"
    while [ ! -e "$work/stop-sampling" ]; do
        sum=$(ps -o rss= --pid "$gateway_pid" --ppid "$gateway_pid" | awk '{ sum += $1 } END { print sum + 0 }')
        [ "$sum" -le "$peak" ] || peak=$sum
        sleep 0.1
    done
    echo "$peak" >"$work/with-functions-peak"
}

megabytes() { # kilobytes
    awk -v kb="$1" 'BEGIN { printf "%.1f MB", kb / 1024 }'
}

# Appends the memory row of one mode to $work/memory.md: a fresh gateway loaded with GET /order/{id} at
# $memory_connections connections.
memory_row() { # name label mode-arguments...
    local name=$1 label=$2
    shift 2
    start_gateway "$@"
    sample_memory &
    sampler_pid=$!
    local rps p50 p90 p99 errors total
    read -r rps p50 p90 p99 errors total _ < <(measure "memory-$name" "$memory_connections" "$base/order/BENCH-1")
    touch "$work/stop-sampling"
    wait "$sampler_pid"
    sampler_pid=""
    local peak current tree
    peak=$(awk '/^VmHWM:/ { print $2 }' "/proc/$gateway_pid/status")
    current=$(awk '/^VmRSS:/ { print $2 }' "/proc/$gateway_pid/status")
    tree=$(cat "$work/with-functions-peak")
    echo "| $label | $rps | $p99 ms | $errors | $(megabytes "$peak") | $(megabytes "$current") | $(megabytes "$tree") |" \
        >>"$work/memory.md"
    record memory "$label" "GET /order/{id}" "$rps" "$p99" "$errors" "$peak" "$tree"
    gateway_stop
}

# Starts a webhook receiver on loopback and writes the env-vars file that points the functions at it:
# "healthy" answers 204 at once; "silent" accepts every connection and never reads or answers it, so each delivery
# attempt waits for its whole ORDER_WEBHOOK_TIMEOUT_MS (2 s by default).
start_receiver() { # healthy|silent
    rm -f "$work/receiver-port"
    python3 - "$1" "$work/receiver-port" <<'PYTHON' &
import http.server, os, socket, sys

kind, port_file = sys.argv[1], sys.argv[2]

def announce(port):
    with open(port_file + ".tmp", "w") as file:
        file.write(str(port))
    os.rename(port_file + ".tmp", port_file)

if kind == "healthy":
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *arguments):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    announce(server.server_address[1])
    server.serve_forever()
else:
    listener = socket.create_server(("127.0.0.1", 0), backlog=4096)
    announce(listener.getsockname()[1])
    held = []
    while True:
        held.append(listener.accept()[0])  # held open, never read, never answered
PYTHON
    receiver_pid=$!
    for _ in $(seq 1 200); do
        [ -e "$work/receiver-port" ] && break
        sleep 0.05
    done
    [ -e "$work/receiver-port" ] || { echo "bench-gateway: the $1 webhook receiver did not start" >&2; exit 1; }
    jq -n --arg url "http://127.0.0.1:$(cat "$work/receiver-port")/hook" '{Parameters: {ORDER_WEBHOOK_URL: $url}}' \
        >"$work/webhook-env.json"
}

# Appends the row of one mode and one receiver to $work/webhook.md: $creators clients creating orders and $readers
# reading one, at the same time, on a fresh gateway.
webhook_row() { # name label receiver mode-arguments...
    local name=$1 label=$2 receiver=$3
    shift 3
    start_receiver "$receiver"
    start_gateway --env-vars "$work/webhook-env.json" "$@"
    # wrk's own timeout (2 s) would drop the slowest answers from the figures, and they are what this case is about.
    measure "webhook-post-$name" "$creators" --timeout 30s -s scripts/bench-gateway.lua "$base" -- "$$$name" \
        >"$work/webhook-post-$name.figures" &
    local creating=$!
    local rps p50 p90 p99 errors total post_rps post_p50 post_p90 post_p99 post_errors post_total
    read -r rps p50 p90 p99 errors total _ < <(measure "webhook-get-$name" "$readers" --timeout 30s "$base/order/BENCH-1")
    wait "$creating"
    read -r post_rps post_p50 post_p90 post_p99 post_errors post_total _ <"$work/webhook-post-$name.figures"
    echo "| $label | $receiver | $rps | $p50 ms | $p99 ms | $post_rps | $post_p99 ms | $((errors + post_errors)) |" \
        >>"$work/webhook.md"
    jq -nc --arg mode "$label" --arg webhook "$receiver" --argjson rps "$rps" --argjson p99 "$p99" \
        --argjson post "$post_rps" --argjson errors "$((errors + post_errors))" \
        '{kind: "webhook", mode: $mode, webhook: $webhook, route: "GET /order/{id}", requests_per_second: $rps,
          p99_ms: $p99, create_requests_per_second: $post, non_2xx: $errors}' >>"$work/results.jsonl"
    gateway_stop
    stop_receiver
}

runs() { # case
    case " $cases " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

load_before=$(bench_load)
if runs throughput; then
    rows perrequest "per request"
    rows warm "warm" --warm
fi
if runs memory; then
    memory_row perrequest "per request"
    memory_row warm "warm" --warm
fi
if runs webhook; then
    webhook_row perrequest-healthy "per request" healthy
    webhook_row perrequest-silent "per request" silent
    webhook_row warm-healthy "warm" healthy --warm
    webhook_row warm-silent "warm" silent --warm
fi

webhook_table() {
    cat <<MARKDOWN
| Mode | Webhook | \`GET\` requests/s | \`GET\` p50 | \`GET\` p99 | \`POST\` requests/s | \`POST\` p99 | Non-2xx |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |
$(cat "$work/webhook.md")
MARKDOWN
}

if [ "$cases" != "throughput memory webhook" ]; then
    echo "bench-gateway: only $cases; BENCHMARKS.md is left alone. $(bench_machine_line "$load_before")"
    if runs webhook; then webhook_table; fi
    jq -s . "$work/results.jsonl"
    exit 0
fi

jq -s --arg at "$(date -u +%Y-%m-%dT%H:%MZ)" '{measured_at: $at, results: .}' "$work/results.jsonl" \
    >"$results_dir/gateway.json"

bench_write_section bench-gateway <<MARKDOWN
<!-- bench-gateway:start -->
## Local gateway

\`scripts/bench-gateway.sh\` (\`make bench-gateway\`): \`local-gateway\` and the functions built for release and
statically linked, serving \`template.yaml\` (\`--max-concurrency\` default), loaded by
\`wrk -t$threads -c$connections -d$duration\` on loopback, first with a process per request, then with \`--warm\` (processes
kept running behind the Runtime API, started by the first requests of the run). POST creates a new order each time
(\`scripts/bench-gateway.lua\`).

$(bench_machine_line "$load_before")

*Gateway CPU* and *functions CPU* are CPU time per request (user + system, from \`/proc/<pid>/stat\`, over the run,
divided by the requests served): of the gateway process, and of its function processes summed (the warm pool, or
the process of each request). On a shared machine requests/s and latency swing with the load; CPU per request
holds still, and is what the CPU targets are held to.

| Route | Mode | Requests/s | p50 | p90 | p99 | Gateway CPU | Functions CPU | Requests | Non-2xx |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
$(sort -s -t'|' -k2,2 "$work/rows.md")

Memory: a fresh gateway in each mode loaded with \`GET /order/{id}\` by \`wrk -t$threads -c$memory_connections -d$duration\`.
*Gateway peak* is the kernel's high-water mark of the gateway process's resident set (\`VmHWM\` in
\`/proc/<pid>/status\`) after the run, *at the end* its resident set then (\`VmRSS\`); *with functions* is the largest
sum of the resident sets of the gateway and its function processes, sampled every 100 ms during the run.

| Mode | Requests/s | p99 | Non-2xx | Gateway peak | At the end | With functions, peak |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
$(cat "$work/memory.md")

A slow webhook: a fresh gateway in each mode, with \`ORDER_WEBHOOK_URL\` pointing at a receiver on loopback that
answers 204 at once (*healthy*), then at one that accepts connections and never answers (*silent*: every attempt
waits for its 2 s timeout), loaded at the same time by \`wrk -t$threads -c$creators -d$duration\` creating orders and
\`wrk -t$threads -c$readers -d$duration\` reading one.

$(webhook_table)
<!-- bench-gateway:end -->
MARKDOWN

bench_summary
