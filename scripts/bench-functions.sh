#!/usr/bin/env bash
# Measures one invocation of each function as a process (what a request costs when a process runs per request):
# get-order and create-order against a store of ORDERS orders, next to /bin/true (the floor of a process per
# request), and create-order with a webhook receiver on loopback against without. Release build, the Swift
# standard library linked statically, as deployed. Writes the figures and the machine to BENCHMARKS.md.
#
# Usage: scripts/bench-functions.sh       (ORDERS=10000 RUNS=300 to change the size;
#                                          SWIFT_BUILD_FLAGS="--scratch-path DIR" to build elsewhere)
set -euo pipefail
cd "$(dirname "$0")/.."

orders=${ORDERS:-10000}
runs=${RUNS:-300}
read -r -a build_flags <<<"${SWIFT_BUILD_FLAGS:-}"
command -v hyperfine >/dev/null || { echo "bench-functions: hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }

for product in create-order get-order; do
    swift build -c release --static-swift-stdlib "${build_flags[@]}" --product "$product"
done
bin=$(swift build -c release --static-swift-stdlib "${build_flags[@]}" --show-bin-path)

work=$(mktemp -d)
receiver_pid=""
cleanup() {
    [ -z "$receiver_pid" ] || kill "$receiver_pid" 2>/dev/null || true
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
launch() { printf "sh -c \"exec %s <'%s' >/dev/null 2>&1\"" "$1" "$2"; }
hyperfine -N --warmup 20 --runs "$runs" --export-json "$work/results.json" \
    -n "/bin/true" "$(launch /bin/true "$work/get.json")" \
    -n "get-order" "$(launch "$bin/get-order" "$work/get.json")" \
    -n "create-order" "$(launch "$bin/create-order" "$work/create.json")" \
    -n "create-order, webhook on loopback" \
    "env ORDER_WEBHOOK_URL=$webhook ORDER_WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw $(launch "$bin/create-order" "$work/create.json")" \
    >&2

python3 - "$work/results.json" "$orders" "$runs" <<'PY'
import json, os, platform, re, subprocess, sys, datetime
results = json.load(open(sys.argv[1]))["results"]
orders, runs = sys.argv[2], sys.argv[3]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
floor = next(r["median"] for r in results if r["command"] == "/bin/true")
rows = "\n".join(
    f"| {r['command']} | {r['median'] * 1000:.2f} ms | {r['mean'] * 1000:.2f} ± {r['stddev'] * 1000:.2f} ms | {r['median'] / floor:.1f}× |"
    for r in results)
section = f"""<!-- bench-functions:start -->
## One invocation per process

`scripts/bench-functions.sh` (`make bench-functions`): each function run once per process on one event, as the
local gateway and a cold start run it; release build with the Swift standard library linked statically; a store of
{orders} orders; {runs} runs each after 20 warm-ups, timed by `hyperfine -N`. Every command, `/bin/true` included, is
started as `sh -c 'exec COMMAND <event >/dev/null 2>&1'`, so the floor pays the same start-up. The webhook receiver
is a Python server on loopback answering 204 (each create delivers its `order_added` event before exiting).

Machine: {os.cpu_count()} cores, {cpu}, Linux {platform.release()}. Measured {datetime.datetime.utcnow():%Y-%m-%dT%H:%MZ}.

| Command | Median | Mean ± σ | × `/bin/true` |
| --- | ---: | ---: | ---: |
{rows}
<!-- bench-functions:end -->"""
path = "BENCHMARKS.md"
text = open(path).read() if os.path.exists(path) else "# Benchmarks\n\nEach section is written by the script it names; rerun it to update the figures.\n"
if "<!-- bench-functions:start -->" in text:
    text = re.sub(r"<!-- bench-functions:start -->.*?<!-- bench-functions:end -->", lambda _: section, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
print(section)
PY
