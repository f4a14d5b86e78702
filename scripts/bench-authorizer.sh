#!/usr/bin/env bash
# The per-request cost of the JWT authorizer in the local gateway: warm GET /order/{id} under wrk, with a token on
# every request, once with the authorizer verifying it and once with --no-auth, in turn ROUNDS times. Prints
# requests per second and the gateway's CPU time per request (user + system, from /proc/<pid>/stat), whose
# difference is what verification costs. Linux only (it reads /proc).
#
# Usage: scripts/bench-authorizer.sh   DURATION=10s CONNECTIONS=8 THREADS=2 ROUNDS=2;
#                                      SWIFT_BUILD_FLAGS, BIN_DIR, BENCH_RESULTS: see scripts/bench-common.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
source scripts/gateway-process.sh

duration=${DURATION:-10s}
connections=${CONNECTIONS:-8}
threads=${THREADS:-2}
rounds=${ROUNDS:-2}
bench_require bench-authorizer wrk curl bc python3

bench_build

work=$(mktemp -d)
trap 'gateway_stop; rm -rf "$work"' EXIT

order_id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' fixtures/bodies/order.json)
ticks=$(getconf CLK_TCK)

# The gateway's user + system CPU ticks so far.
gateway_ticks() { awk '{print $14 + $15}' "/proc/$gateway_pid/stat"; }

measure() { # label gateway-flags...
    local label=$1
    shift
    rm -rf "$work/data"
    # The routes' throttling (ApiThrottlingRateLimit) raised out of the way: this measures the gateway, not its 429s.
    gateway_start bench-authorizer "$bin" "$work/gateway.log" --data-dir "$work/data" \
        --parameter-overrides "ApiThrottlingRateLimit=1000000 ApiThrottlingBurstLimit=1000000" --warm "$@"
    local token
    token=$("$bin/local-gateway" token --template template.yaml --data-dir "$work/data" --sub bench \
        --scope "orders/create orders/read")
    curl -sf -o /dev/null -X POST -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
        --data @fixtures/bodies/order.json "$gateway_base/order"
    printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$token" >"$work/token.lua"
    local url="$gateway_base/order/$order_id"
    wrk -t"$threads" -c"$connections" -d3s -s "$work/token.lua" "$url" >/dev/null  # warm-up: start the workers
    local before after report
    before=$(gateway_ticks)
    report=$(wrk -t"$threads" -c"$connections" -d"$duration" -s "$work/token.lua" "$url")
    after=$(gateway_ticks)
    local requests rate refused
    requests=$(awk '/requests in/ {print $1}' <<<"$report")
    rate=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
    refused=$(awk '/Non-2xx/ {print $NF}' <<<"$report")
    printf '%-8s %8s requests/s  gateway CPU %s ms per request  (%s requests, %s not 2xx)\n' "$label" "$rate" \
        "$(bc <<<"scale=3; ($after - $before) * 1000 / $ticks / $requests")" "$requests" "${refused:-0}"
    gateway_stop
}

echo "bench-authorizer: warm GET /order/$order_id, wrk -t$threads -c$connections -d$duration, $(nproc) cores"
for _ in $(seq 1 "$rounds"); do
    measure verified
    measure no-auth --no-auth
done
