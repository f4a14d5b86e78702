#!/usr/bin/env bash
# Runs each function once on a sample event from fixtures/, against a data directory, and prints what it answers.
# Usage: scripts/demo.sh BIN_DIR DATA_DIR
set -euo pipefail
bin=$1
export ORDER_DATA_DIR=$2
cd "$(dirname "$0")/.."

# Fill the sample events' bodies, as API Gateway would, from a JSON body.
event() { # base-event body-json
    python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); e["body"]=sys.argv[2]; print(json.dumps(e))' "$1" "$2"
}
order=$(python3 -c 'import json; b=json.load(open("fixtures/bodies/old-readme-order.json")); b.pop("status"); b["amount"]=80; b["id"]="demo-'"$$"'"; print(json.dumps(b))')
id="demo-$$"

step() { # title function event
    echo "== $1"
    echo "$3" | "$bin/$2"
    echo
}
step "POST /order" create-order "$(event fixtures/events/v2/post-order.json "$order")"
step "PUT /order/$id/status" update-order-status \
    "$(event fixtures/events/v2/put-order-status.json '{"status":"confirmed"}' | sed "s#\"2\"#\"$id\"#; s#/order/2/#/order/$id/#g")"
step "GET /order/$id" get-order "$(sed "s#\"2\"#\"$id\"#; s#/order/2\"#/order/$id\"#g" fixtures/events/v2/get-order.json)"
