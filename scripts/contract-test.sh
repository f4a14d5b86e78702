#!/usr/bin/env bash
# The contract test: the service, served by the local gateway from the debug build, against its own openapi.yaml.
# schemathesis generates requests for every operation (valid ones and invalid ones), then chains of requests along
# the description's links (create, read, update, read again), every request with a token. It fails on any 5xx, and on any answer the description
# does not allow: an undocumented status code, content type or header, a body that does not match its schema, invalid
# data accepted, a 405 without `Allow`. Afterwards the data directory must hold nothing unreadable.
#
# It builds nothing: run `swift build` first (`make contract` does). Settings, from the environment:
#   CONTRACT_MAX_EXAMPLES   generated requests per operation and phase (default 50; `make fuzz` uses 500)
#   CONTRACT_SEED           replay a run: the seed it printed
#   CONTRACT_GATEWAY_FLAGS  extra `local-gateway start-api` options, such as --warm
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/gateway-process.sh

SCHEMATHESIS_VERSION=4.32.5
tools=.build/contract-tools
max_examples=${CONTRACT_MAX_EXAMPLES:-50}

bin_dir=$(swift build --show-bin-path)
for executable in local-gateway reindex; do
    if [ ! -x "$bin_dir/$executable" ]; then
        echo "contract-test: $bin_dir/$executable is not built; run swift build first" >&2
        exit 1
    fi
done

python_tool contract-test "$tools" schemathesis "$SCHEMATHESIS_VERSION"

work=$(mktemp -d)
trap 'gateway_stop; rm -rf "$work"' EXIT

# shellcheck disable=SC2086 # CONTRACT_GATEWAY_FLAGS is a list of options.
gateway_start contract-test "$bin_dir" "$work/gateway.log" --openapi openapi.yaml --data-dir "$work/data" \
    ${CONTRACT_GATEWAY_FLAGS:-}
base=$gateway_base
curl --silent --show-error --fail --retry 20 --retry-connrefused --retry-delay 0 --max-time 5 \
    --output /dev/null "$base/openapi.yaml"

# Every operation needs a token: one with every scope, from the gateway's development identity. schemathesis sends
# it with each request, and its ignored_auth check sends requests without it, which must be refused.
token=$("$bin_dir/local-gateway" token --template template.yaml --data-dir "$work/data" --sub contract-test \
    --scope "orders/create orders/read orders/update-status orders/admin" --ttl 7200)

# Every check but positive_data_acceptance: a request can match the schema and still be refused by rules a schema
# cannot state (an amount that is not the sum of the lines, an id already taken, a status that is not the next one),
# and those refusals are documented answers.
# schemathesis keeps the failures it found, to try them first next time: under .build, not in the work tree.
printf '[cache]\ndirectory = "%s"\n' "$PWD/$tools/cache" >"$work/schemathesis.toml"

echo "contract-test: schemathesis $SCHEMATHESIS_VERSION against $base, $max_examples examples per operation"
status=0
# One worker: Python 3.11's ast.parse, which hypothesis calls to describe its filters, is not safe across threads
# (it fails with "AST constructor recursion depth mismatch"), and schemathesis' workers are threads.
"$tools/bin/st" --config-file "$work/schemathesis.toml" run "$base/openapi.yaml" --url "$base" \
    --header "Authorization: Bearer $token" \
    --checks all --exclude-checks positive_data_acceptance \
    --max-examples "$max_examples" ${CONTRACT_SEED:+--seed "$CONTRACT_SEED"} \
    --workers 1 --request-timeout 30 --no-color \
    --suppress-health-check too_slow,filter_too_much || status=$?

gateway_stop
if [ "$status" -ne 0 ]; then
    echo "contract-test: failed; the gateway's error lines:" >&2
    grep '"level":"error"' "$work/gateway.log" | tail -n 20 >&2 || true
    exit "$status"
fi

# Whatever was sent, every stored document must still parse.
summary=$(ORDER_DATA_DIR="$work/data" "$bin_dir/reindex" </dev/null 2>>"$work/reindex.log")
if ! grep -qF '"unreadable_orders":[]' <<<"$summary"; then
    echo "contract-test: the data directory holds unreadable orders: $summary" >&2
    exit 1
fi
echo "contract-test: passed; data directory consistent ($summary)"
