#!/usr/bin/env bash
# Measures one invocation of each function as a process (what a request costs when a process runs per request):
# get-order and create-order against a store of ORDERS orders, next to /bin/true (the floor of a process per
# request), and create-order with a webhook receiver on loopback against without. Beside each, the same handler
# called in-process by `order-benchmarks handlers` on the same events and store (the logic without the process),
# and the peak resident memory of one process (GNU time's %M). Release build, the Swift standard library linked
# statically, as deployed. Writes the figures and the machine to BENCHMARKS.md, and $results_dir/functions.json.
#
# Then get-order as a Lambda custom runtime, one process serving INVOCATIONS events from a Runtime API on loopback
# (a Python server): the CPU the process spends per warm invocation, its client's two HTTP exchanges included.
#
# Usage: scripts/bench-functions.sh   ORDERS=10000 RUNS=300 change the store's size and the runs per command;
#                                     ROUNDS=300 the in-process calls; MEMORY_RUNS=20 the runs measured for memory;
#                                     INVOCATIONS=3000 the warm invocations;
#                                     SWIFT_BUILD_FLAGS, BIN_DIR, BENCH_RESULTS: see scripts/bench-common.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh

orders=${ORDERS:-10000}
runs=${RUNS:-300}
rounds=${ROUNDS:-300}
memory_runs=${MEMORY_RUNS:-20}
invocations=${INVOCATIONS:-3000}
bench_require bench-functions hyperfine python3
[ -x /usr/bin/time ] || { echo "bench-functions: GNU time is not installed (make bench-deps, or apt-get install time)" >&2; exit 1; }

bench_build create-order get-order order-benchmarks

work=$(mktemp -d)
receiver_pid=""
runtime_api_pid=""
cleanup() {
    [ -z "$receiver_pid" ] || kill "$receiver_pid" 2>/dev/null || true
    [ -z "$runtime_api_pid" ] || kill "$runtime_api_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
export ORDER_DATA_DIR="$work/data"

# Events: a create with a server-assigned id (so every run makes a new order), and a get of a stored order.
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
base = json.load(open("fixtures/events/v2/post-order.json"))
body = json.load(open("fixtures/bodies/order.json"))
body.pop("id")
base["body"] = json.dumps(body)
json.dump(base, open(f"{work}/create.json", "w"))
get = json.load(open("fixtures/events/v2/get-order.json"))
get["pathParameters"] = {"id": "bench-1"}
get["rawPath"] = "/order/bench-1"
json.dump(get, open(f"{work}/get.json", "w"))
body["id"] = "bench-1"
base["body"] = json.dumps(body)
json.dump(base, open(f"{work}/create-one.json", "w"))
PY

echo "bench-functions: storing $orders orders" >&2
"$bin/create-order" <"$work/create-one.json" >/dev/null 2>&1
seq 2 "$orders" | xargs -P 2 -I{} sh -c "'$bin/create-order' <'$work/create.json' >/dev/null 2>&1"

# A webhook receiver on loopback that accepts everything.
python3 - "$work" <<'PY' &
import http.server, sys
class Accept(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(204); self.send_header("content-length", "0"); self.end_headers()
    def log_message(self, *args): pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Accept)
open(sys.argv[1] + "/receiver-port", "w").write(str(server.server_address[1]))
server.serve_forever()
PY
receiver_pid=$!
for _ in $(seq 1 100); do [ -s "$work/receiver-port" ] && break; sleep 0.05; done
webhook="http://127.0.0.1:$(cat "$work/receiver-port")/hook"

# Every command, /bin/true included, is started the same way: by `sh -c 'exec …'` with its standard input and
# outputs redirected, so the floor pays the same process start-up and redirections as the functions.
load_before=$(bench_load)
launch() { printf "sh -c \"exec %s <'%s' >/dev/null 2>&1\"" "$1" "$2"; }
hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/process.json" \
    -n "/bin/true" "$(launch /bin/true "$work/get.json")" \
    -n "get-order" "$(launch "$bin/get-order" "$work/get.json")" \
    -n "create-order" "$(launch "$bin/create-order" "$work/create.json")" \
    -n "create-order, webhook on loopback" \
    "env ORDER_WEBHOOK_URL=$webhook ORDER_WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw $(launch "$bin/create-order" "$work/create.json")" \
    >&2

echo "bench-functions: the same handlers in-process, $rounds calls each" >&2
"$bin/order-benchmarks" handlers --get-event "$work/get.json" --create-event "$work/create.json" --rounds "$rounds" \
    >"$work/in-process.json"

# The largest resident set of MEMORY_RUNS runs, in kB. GNU time runs the command itself (no shell in between), so
# the figure is the command's, or that of GNU time's own fork before it, whichever is larger: /bin/true shows it.
peak_rss() { # executable event
    : >"$work/rss"
    for _ in $(seq 1 "$memory_runs"); do
        /usr/bin/time -f %M -a -o "$work/rss" "$1" <"$2" >/dev/null 2>&1
    done
    sort -n "$work/rss" | tail -n 1
}
echo "bench-functions: peak memory, $memory_runs runs each" >&2
printf '{"/bin/true": %s, "get-order": %s, "create-order": %s}\n' \
    "$(peak_rss /bin/true "$work/get.json")" "$(peak_rss "$bin/get-order" "$work/get.json")" \
    "$(peak_rss "$bin/create-order" "$work/create.json")" >"$work/rss.json"

# A Runtime API that hands out the get event INVOCATIONS times, then answers `next` with a 500, which ends the runtime.
# Each reply is written with one send, so the server's Nagle delay never stalls the runtime.
python3 - "$work" "$work/get.json" "$invocations" <<'PY' &
import http.server, sys
work, event, remaining = sys.argv[1], open(sys.argv[2], "rb").read(), [int(sys.argv[3])]
class RuntimeAPI(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def reply(self, status, headers, body):
        self.send_response(status)
        for name, value in headers + [("Content-Length", str(len(body)))]:
            self.send_header(name, value)
        self._headers_buffer += [b"\r\n", body]
        self.flush_headers()
    def do_GET(self):
        if remaining[0] == 0:
            return self.reply(500, [], b"{}")
        remaining[0] -= 1
        self.reply(200, [("Lambda-Runtime-Aws-Request-Id", f"bench-{remaining[0]}"),
                         ("Lambda-Runtime-Deadline-Ms", "99999999999999"), ("Content-Type", "application/json")], event)
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.reply(202, [], b'{"status":"OK"}')
    def log_message(self, *args): pass
server = http.server.HTTPServer(("127.0.0.1", 0), RuntimeAPI)
open(work + "/runtime-api-port", "w").write(str(server.server_address[1]))
server.serve_forever()
PY
runtime_api_pid=$!
for _ in $(seq 1 100); do [ -s "$work/runtime-api-port" ] && break; sleep 0.05; done
echo "bench-functions: get-order as a runtime, $invocations invocations" >&2
# GNU time's user and system seconds; the runtime exits 1 when the Runtime API answers 500, as it should.
AWS_LAMBDA_RUNTIME_API="127.0.0.1:$(cat "$work/runtime-api-port")" /usr/bin/time -f "%U %S" -o "$work/runtime-cpu" \
    "$bin/get-order" >/dev/null 2>"$work/runtime.log" || true
kill "$runtime_api_pid" 2>/dev/null || true
answered=$(grep -c '"msg":"invocation"' "$work/runtime.log" || true)
[ "$answered" -eq "$invocations" ] || { echo "bench-functions: the runtime answered $answered of $invocations" >&2; exit 1; }

python3 - "$work" "$results_dir/functions.json" "$orders" "$runs" "$rounds" "$memory_runs" "$invocations" \
    "$(bench_machine_line "$load_before")" <<'PY' | bench_write_section bench-functions
import datetime, json, sys
work, results_path, orders, runs, rounds, memory_runs, invocations, machine = sys.argv[1:]
process = json.load(open(f"{work}/process.json"))["results"]
in_process = {r["name"]: r for r in json.load(open(f"{work}/in-process.json"))["results"]}
rss = json.load(open(f"{work}/rss.json"))
floor = next(r["median"] for r in process if r["command"] == "/bin/true")
user, system = (float(x) for x in open(f"{work}/runtime-cpu").read().split()[-2:])
runtime_us = (user + system) * 1e6 / int(invocations)

def cell(value, unit):
    return "—" if value is None else f"{value:.2f} {unit}" if unit == "ms" else f"{value / 1024:.1f} {unit}"

rows = []
for r in process:
    name = r["command"]
    library = in_process.get(name, {}).get("median_ms")
    rows.append(
        f"| {name} | {r['median'] * 1000:.2f} ms | {r['mean'] * 1000:.2f} ± {r['stddev'] * 1000:.2f} ms "
        f"| {r['median'] / floor:.1f}× | {cell(library, 'ms')} | {cell(rss.get(name), 'MB')} |")
json.dump({
    "measured_at": f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%MZ}",
    "process_median_ms": {r["command"]: r["median"] * 1000 for r in process},
    "in_process_median_ms": {name: r["median_ms"] for name, r in in_process.items()},
    "peak_rss_kb": rss,
    "runtime_cpu_us_per_invocation": {"get-order": runtime_us},
}, open(results_path, "w"), indent=2)
rows = "\n".join(rows)
print(f"""<!-- bench-functions:start -->
## One invocation per process, and the same logic in-process

`scripts/bench-functions.sh` (`make bench-functions`): each function run once per process on one event, as the
local gateway and a cold start run it; release build with the Swift standard library linked statically; a store of
{orders} orders; {runs} runs each after 20 warm-ups, timed by `hyperfine -N`. Every command, `/bin/true` included, is
started as `sh -c 'exec COMMAND <event >/dev/null 2>&1'`, so the floor pays the same start-up. The webhook receiver
is a Python server on loopback answering 204 (each create delivers its `order_added` event before exiting).

*In-process* is the same handler called as a library function by `order-benchmarks handlers`, on the same events
and store, {rounds} calls each taken in turns: decoding the event, answering, encoding the response, as one process
does, without starting it. The difference between the two columns is what a process per request costs.
*Peak RSS* is the largest resident set of {memory_runs} runs (GNU time's `%M`; the `/bin/true` row is the floor of
that measure, GNU time's own fork).

{machine}

| Command | Median per process | Mean ± σ | × `/bin/true` | Median in-process | Peak RSS |
| --- | ---: | ---: | ---: | ---: | ---: |
{rows}

`get-order` as a Lambda custom runtime, one process serving {invocations} invocations of the same event from a Runtime
API on loopback (a Python server, whose own CPU is not counted): **{runtime_us:.0f} µs** of the process's CPU (user
and system, GNU time) per invocation, its two Runtime API exchanges included.
<!-- bench-functions:end -->""")
PY

bench_summary
