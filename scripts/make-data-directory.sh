#!/usr/bin/env bash
# Writes a data directory with the built function executables, as a release in use leaves one: orders in every
# status with their histories, orders created with an Idempotency-Key, events delivered, events pending behind an
# unreachable webhook (with their outbox hints), a dead letter, and the indexes. Upgrade tests run a newer build
# against a copy of it (see fixtures/data-directories/README.md), so a format change never strands stored data.
#
# Usage: scripts/make-data-directory.sh OUT_DIR [BIN_DIR]
#   OUT_DIR gets data/ (the data directory), requests/ (the exact events of the keyed creates, which must be sent
#   again byte for byte to replay) and manifest.json (what was made, for the tests that read it).
#   BIN_DIR defaults to `swift build --show-bin-path`; it must hold create-order, update-order-status,
#   dispatch-events and reindex.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:?usage: scripts/make-data-directory.sh OUT_DIR [BIN_DIR]}
bin=${2:-$(swift build --show-bin-path)}
for executable in create-order update-order-status dispatch-events reindex; do
    [ -x "$bin/$executable" ] || { echo "make-data-directory: $bin/$executable is not built" >&2; exit 1; }
done
[ ! -e "$out/data" ] || { echo "make-data-directory: $out/data exists; remove it first" >&2; exit 1; }
mkdir -p "$out/data" "$out/requests"
out=$(cd "$out" && pwd)

work=$(mktemp -d)
receiver_pid=""
cleanup() {
    [ -z "$receiver_pid" ] || kill "$receiver_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# A webhook on loopback: /accept answers 204, /gone answers 410 (so its event goes to the dead letters).
python3 - "$work" <<'PY' &
import http.server, sys
class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(410 if self.path == "/gone" else 204)
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args): pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
open(sys.argv[1] + "/receiver-port", "w").write(str(server.server_address[1]))
server.serve_forever()
PY
receiver_pid=$!
for _ in $(seq 1 100); do [ -s "$work/receiver-port" ] && break; sleep 0.05; done
port=$(cat "$work/receiver-port")
accept="http://127.0.0.1:$port/accept"
gone="http://127.0.0.1:$port/gone"
# Nothing listens on port 9 (discard) here: every attempt fails at once and its event stays pending.
unreachable="http://127.0.0.1:9/hook"

export ORDER_DATA_DIR="$out/data"
unset ORDER_WEBHOOK_URL ORDER_WEBHOOK_SECRET

# event KIND NAME [ARGS]: writes an API Gateway event to $work/NAME.json (or to requests/NAME.json for keyed creates).
event() {
    python3 - "$@" <<'PY'
import json, sys
kind, path = sys.argv[1], sys.argv[2]
if kind == "create":
    order_id, city, country, key = sys.argv[3:7]
    event = json.load(open("fixtures/events/v2/post-order.json"))
    body = json.load(open("fixtures/bodies/order.json"))
    if order_id == "-":
        body.pop("id")
    elif order_id.isdigit():
        body["id"] = int(order_id)  # the old API's numeric ids
    else:
        body["id"] = order_id
    body["shipping_address"]["city"] = city
    body["shipping_address"]["country"] = country
    event["body"] = json.dumps(body, ensure_ascii=False)
    if key != "-":
        event["headers"]["idempotency-key"] = key
else:
    order_id, status = sys.argv[3:5]
    event = json.load(open("fixtures/events/v2/put-order-status.json"))
    event["pathParameters"] = {"id": order_id}
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/order/{order_id}/status"
    event["body"] = json.dumps({"status": status})
event["headers"]["content-length"] = str(len(event["body"].encode()))
json.dump(event, open(path, "w"), ensure_ascii=False, indent=2)
PY
}

# run FUNCTION EVENT_FILE [WEBHOOK]: one invocation; fails unless it answers 2xx.
run() {
    local answer
    if [ -n "${3:-}" ]; then
        answer=$(ORDER_WEBHOOK_URL=$3 "$bin/$1" <"$2" 2>>"$work/log")
    else
        answer=$("$bin/$1" <"$2" 2>>"$work/log")
    fi
    python3 -c 'import json,sys; a=json.loads(sys.argv[1]); sys.exit(0 if 200 <= a["statusCode"] < 300 else 1)' \
        "$answer" || { echo "make-data-directory: $1 <$2 answered $answer" >&2; exit 1; }
}

flow=(pending_confirmation confirmed sent_to_warehouse shipped in_transit delivered)

# create ID CITY COUNTRY WEBHOOK [KEY]; advance ID UP_TO_STATUS WEBHOOK
create() {
    local file="$work/create-$1.json"
    [ "${5:--}" = "-" ] || file="$out/requests/create-with-key-${1/#-/server-id}.json"
    event create "$file" "$1" "$2" "$3" "${5:--}"
    run create-order "$file" "$4"
}
advance() {
    local status
    for status in "${flow[@]:1}"; do
        event status "$work/status.json" "$1" "$status"
        run update-order-status "$work/status.json" "$3"
        [ "$status" != "$2" ] || break
    done
}

# One order in each status of the flow, every event delivered.
city_of=(Madrid Lisboa Paris Berlin Madrid Roma)
country_of=(ES PT FR DE ES IT)
for index in "${!flow[@]}"; do
    id="ord-${flow[$index]//_/-}"
    create "$id" "${city_of[$index]}" "${country_of[$index]}" "$accept"
    [ "$index" -eq 0 ] || advance "$id" "${flow[$index]}" "$accept"
done

# The old API's numeric id (sent as the JSON integer 2), delivered, confirmed.
create 2 Mankato US "$accept"
advance 2 confirmed "$accept"

# Idempotency-Key creates: one with its own id, one with the id left to the service. Their events are delivered.
create ord-keyed Madrid ES "$accept" key-with-own-id
create - Sevilla ES "$accept" key-with-server-id

# Events that could not be delivered: the webhook was down, so they wait (attempted once, or never posted), and their
# orders are hinted in outbox/. One order's first events were delivered, its later ones wait behind the failure.
create ord-undelivered Porto PT "$unreachable"
advance ord-undelivered sent_to_warehouse "$unreachable"
create ord-not-posted Porto PT ""
create ord-partly-delivered Lyon FR "$accept"
advance ord-partly-delivered confirmed "$accept"
advance ord-partly-delivered shipped "$unreachable"

# A webhook that answered 410 Gone: the event is dead, copied to dead-letters/; the next one too.
create ord-dead-letter Madrid ES "$gone"
advance ord-dead-letter confirmed "$gone"

# The indexes are kept by every write; reindex must find nothing to repair.
"$bin/reindex" </dev/null >"$work/reindex.json" 2>>"$work/log"

python3 - "$out" "$(git rev-parse --short HEAD)" <<'PY'
import glob, json, os, sys
out, commit = sys.argv[1:]
orders = {}
for path in sorted(glob.glob(f"{out}/data/orders/*/*.json")):
    document = json.load(open(path))
    order = document["order"]
    orders[order["id"]] = {
        "status": order["status"],
        "version": order["version"],
        "city": order["shipping_address"]["city"],
        "country": order["shipping_address"]["country"],
        "events": {state: sum(1 for e in document["events"] if e["delivery"]["state"] == state)
                   for state in ("pending", "delivered", "dead")},
    }
keyed = {}
for path in sorted(glob.glob(f"{out}/requests/create-with-key-*.json")):
    event = json.load(open(path))
    body = json.loads(event["body"])
    keyed[os.path.basename(path)] = {"key": event["headers"]["idempotency-key"], "order_id": body.get("id")}
# The server-assigned id of the keyed create without one: the id its idempotency record names, not a chosen one.
recorded = {json.load(open(path))["order_id"] for path in glob.glob(f"{out}/data/idempotency/*/*.json")}
chosen = {request["order_id"] for request in keyed.values()}
for request in keyed.values():
    if request["order_id"] is None:
        (request["order_id"],) = recorded - chosen
manifest = {
    "written_by_commit": commit,
    "schema_version": 1,
    "orders": orders,
    "keyed_creates": keyed,
    "outbox": sorted(os.listdir(f"{out}/data/outbox")),
    "dead_letters": sorted(os.listdir(f"{out}/data/dead-letters")),
}
json.dump(manifest, open(f"{out}/manifest.json", "w"), indent=2, sort_keys=True)
open(f"{out}/manifest.json", "a").write("\n")
PY
echo "make-data-directory: wrote $out; reindex answered $(cat "$work/reindex.json")" >&2
