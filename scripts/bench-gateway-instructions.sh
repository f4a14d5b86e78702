#!/usr/bin/env bash
# Counts the instructions the local gateway runs per warm request, with valgrind's callgrind: GET /order/{id} and
# POST /order with a token each, over one kept-open connection, after a warm-up that is not counted. Unlike CPU
# time on a shared machine, the count repeats to within a fraction of a percent from run to run, so it shows what a
# change to the gateway's code saves, and the profile it leaves says where the rest goes. The workers, separate
# processes, are not counted. Under valgrind, BoringSSL takes its generic code path, so RSA verification counts for
# more of the total than it costs natively.
#
# Usage: scripts/bench-gateway-instructions.sh   REQUESTS=200 the requests counted of each kind;
#                                                 SWIFT_BUILD_FLAGS, BIN_DIR, BENCH_RESULTS: see scripts/bench-common.sh.
# Prints the instructions per request of each kind; leaves the profiles in $results_dir/gateway-instructions.get
# and .post, for `callgrind_annotate --inclusive=yes FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
source scripts/gateway-process.sh

requests=${REQUESTS:-200}
bench_require bench-gateway-instructions valgrind callgrind_control callgrind_annotate python3
bench_build

work=$(mktemp -d)
cleanup() {
    gateway_stop
    rm -rf "$work"
}
trap cleanup EXIT

# valgrind reads the gateway's DWARF 5 debug information slowly and in part: the gateway runs without it, beside
# the function executables it serves.
mkdir "$work/bin"
for executable in "$bin"/*; do
    if [ -f "$executable" ] && [ -x "$executable" ]; then ln -s "$(realpath "$executable")" "$work/bin/"; fi
done
rm "$work/bin/local-gateway"
strip --strip-debug -o "$work/bin/local-gateway" "$bin/local-gateway"

profile="$results_dir/gateway-instructions"
rm -f "$profile".*
# Counting starts only when the script says so, after the start-up and the warm-up.
gateway_launcher=(valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$profile")
gateway_start_seconds=60
gateway_start bench-gateway-instructions "$work/bin" "$work/gateway.log" --data-dir "$work/data" --warm \
    --parameter-overrides "ApiThrottlingRateLimit=1000000 ApiThrottlingBurstLimit=1000000"
port=${gateway_base##*:}
token=$("$bin/local-gateway" token --template template.yaml --data-dir "$work/data" --sub bench \
    --scope "orders/create orders/read orders/update-status" --ttl 7200)

python3 - "$port" "$token" "$requests" "$gateway_pid" <<'PYTHON'
import http.client, subprocess, sys

port, token, requests, valgrind_pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
address = '{"line1":"Calle Mayor 1","city":"Madrid","country":"ES"}'

def order(order_id):
    return ('{"id":"%s","order_lines":[{"sku":"SKU-1","price":10,"quantity":2}],'
            '"shipping_address":%s,"billing_address":%s}' % (order_id, address, address))

def send(method, path, body=None, expected=200):
    headers = {"Authorization": "Bearer " + token}
    if body:
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    if response.status != expected:
        sys.exit(f"bench-gateway-instructions: {method} {path} answered {response.status}, not {expected}")

def callgrind(*arguments):
    subprocess.run(["callgrind_control", *arguments, valgrind_pid], check=True, capture_output=True)

send("POST", "/order", order("BENCH-1"), 201)
for index in range(30):
    send("GET", "/order/BENCH-1")
    send("POST", "/order", order(f"WARM-{index}"), 201)
callgrind("--instr=on")
for _ in range(requests):
    send("GET", "/order/BENCH-1")
callgrind("--dump=get")
for index in range(requests):
    send("POST", "/order", order(f"COUNTED-{index}"), 201)
callgrind("--dump=post")
PYTHON

gateway_stop
# The dumps are numbered in the order they were taken: .1 the reads, .2 the creates.
mv "$profile.1" "$profile.get"
mv "$profile.2" "$profile.post"
rm -f "$profile"
for kind in get post; do
    total=$(callgrind_annotate "$profile.$kind" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
    echo "$kind: $((total / requests)) instructions per request ($requests requests; profile in $profile.$kind)"
done
