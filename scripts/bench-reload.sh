#!/usr/bin/env bash
# How soon `start-api --warm` serves a new build: a function's executable is replaced on disk (a new file renamed
# over it, as a build installs it) while a warm worker runs the old one, and the time is taken from the rename to
# the first answer that comes from the new build. The two builds are two different executables, `get-order` and
# `order-console`, served as the same function at GET /build, so each answer says which one ran (the console's page
# is a 200 of HTML, get-order's refusal of a request without an id is JSON). ROUNDS replacements, alternating;
# also, for comparison, a warm request to the same worker and a request served by a new process (a cold start). Prints the figures; copy them into
# BENCHMARKS.md by hand.
#
# Usage: scripts/bench-reload.sh   ROUNDS=20; SWIFT_BUILD_FLAGS, BIN_DIR, BENCH_RESULTS: see scripts/bench-common.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh

rounds=${ROUNDS:-20}
bench_require bench-reload python3

bench_build get-order order-console local-gateway

work=$(mktemp -d)
gateway_pid=""
cleanup() {
    if [ -n "$gateway_pid" ]; then kill -TERM "$gateway_pid" 2>/dev/null || true; wait "$gateway_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/functions" "$work/builds"
cp "$bin/get-order" "$work/builds/json"
cp "$bin/order-console" "$work/builds/html"
cp "$work/builds/json" "$work/functions/build"
cat >"$work/template.yaml" <<'YAML'
Resources:
  BuildFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/build
      Events:
        Build:
          Type: HttpApi
          Properties: { Path: /build, Method: GET }
YAML

# Starts the gateway on this script's template and functions directory (not gateway_start's, in
# scripts/gateway-process.sh, which serves template.yaml from the build) with the given options; sets $port and
# $gateway_pid.
start_gateway() { # options...
    : >"$work/gateway.log"
    "$bin/local-gateway" start-api --port 0 --template "$work/template.yaml" --functions-dir "$work/functions" \
        --data-dir "$work/data" "$@" 2>>"$work/gateway.log" &
    gateway_pid=$!
    port=""
    for _ in $(seq 1 200); do
        port=$(sed -n 's/.*"msg":"listening".*"port":"\([0-9]*\)".*/\1/p' "$work/gateway.log" | head -n 1)
        [ -n "$port" ] && break
        sleep 0.05
    done
    [ -n "$port" ] || { echo "bench-reload: the gateway did not start" >&2; cat "$work/gateway.log" >&2; exit 1; }
}

stop_gateway() {
    kill -TERM "$gateway_pid"
    wait "$gateway_pid" 2>/dev/null || true
    gateway_pid=""
}

# For comparison, a process per request: every request is a cold start of the same executable.
start_gateway
cold=$(python3 - "$port" <<'PY'
import http.client, statistics, sys, time
connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
times = []
for _ in range(20):
    started = time.perf_counter()
    connection.request("GET", "/build")
    connection.getresponse().read()
    times.append((time.perf_counter() - started) * 1000)
times.sort()
print(f"median {statistics.median(times):.1f} ms, min {times[0]:.1f} ms, max {times[-1]:.1f} ms")
PY
)
stop_gateway

# And the first request of a warm gateway just started, which starts its first worker.
first=()
for _ in 1 2 3 4 5; do
    start_gateway --warm
    first+=("$(python3 - "$port" <<'PY'
import http.client, sys, time
connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
started = time.perf_counter()
connection.request("GET", "/build")
connection.getresponse().read()
print(f"{(time.perf_counter() - started) * 1000:.1f}")
PY
)")
    stop_gateway
done

start_gateway --warm --max-concurrency 1
load=$(bench_load)
python3 - "$port" "$work" "$rounds" <<'PY'
import http.client, os, shutil, statistics, sys, time

port, work, rounds = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
connection = http.client.HTTPConnection("127.0.0.1", port)

def served_by():
    connection.request("GET", "/build")
    response = connection.getresponse()
    response.read()
    return "html" if response.getheader("Content-Type", "").startswith("text/html") else "json"

def install(build):
    # A new file beside the old, renamed over it: the old one's inode stays with the running worker.
    fresh = os.path.join(work, "functions", "build.new")
    shutil.copyfile(os.path.join(work, "builds", build), fresh)
    os.chmod(fresh, 0o755)
    os.rename(fresh, os.path.join(work, "functions", "build"))

assert served_by() == "json"
warm = []
for _ in range(50):
    started = time.perf_counter()
    served_by()
    warm.append((time.perf_counter() - started) * 1000)

reloads, requests = [], []
current = "json"
for _ in range(rounds):
    new = "html" if current == "json" else "json"
    for _ in range(5):  # the old build's worker warm and idle
        served_by()
    install(new)
    replaced = time.perf_counter()
    count = 1
    while served_by() != new:
        count += 1
    reloads.append((time.perf_counter() - replaced) * 1000)
    requests.append(count)
    current = new

def summary(values):
    values = sorted(values)
    return f"median {statistics.median(values):.1f} ms, min {values[0]:.1f} ms, max {values[-1]:.1f} ms"

print(f"warm request, same build (50):           {summary(warm)}")
print(f"file replaced -> new build answers ({rounds}):  {summary(reloads)}")
print(f"requests until the new build answered:   {sorted(set(requests))}")
PY
echo "a process per request, same build (20):  $cold"
echo "a new warm gateway's first request (5):  $(printf '%s ms ' "${first[@]}")"
echo "bench-reload: $(nproc) cores, load average $load before the run; binaries from $bin"
rebuilt=$(grep -c '"msg":"function rebuilt"' "$work/gateway.log" || true)
retired=$(grep -c '"msg":"worker retired"' "$work/gateway.log" || true)
echo "bench-reload: the gateway logged $rebuilt function rebuilt and $retired worker retired lines"
