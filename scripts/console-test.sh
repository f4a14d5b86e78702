#!/usr/bin/env bash
# The console's browser test: the local gateway, from the debug build, on a temporary data directory; orders created
# through the API; then headless Chromium, driven by selenium (scripts/console-test.py), uses /console as an operator
# would and checks each step on the page. Screenshots go to .build/console-screenshots/.
#
# It builds nothing: run `swift build` first. Chromium and its driver come from Debian (`make console-test` installs
# them); selenium is pip-installed into .build/console-tools when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/gateway-process.sh

SELENIUM_VERSION=4.27.1
tools=.build/console-tools
screenshots=.build/console-screenshots

bin_dir=$(swift build --show-bin-path)
for executable in local-gateway order-console; do
    if [ ! -x "$bin_dir/$executable" ]; then
        echo "console-test: $bin_dir/$executable is not built; run swift build first" >&2
        exit 1
    fi
done
for command in chromium chromedriver; do
    if ! command -v "$command" >/dev/null; then
        echo "console-test: $command is missing; install Debian's chromium and chromium-driver (make console-test does)" >&2
        exit 1
    fi
done
python_tool console-test "$tools" selenium "$SELENIUM_VERSION"

work=$(mktemp -d)
trap 'gateway_stop; rm -rf "$work"' EXIT

# Events are posted to a receiver that scripts/console-test.py runs on this port: it refuses them at first (503, or
# 410 for the orders it wants dead), so that the page has failed attempts and dead events to show.
webhook_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
gateway_start console-test "$bin_dir" "$work/gateway.log" --data-dir "$work/data" \
    --parameter-overrides "WebhookUrl=http://127.0.0.1:$webhook_port/webhook"

token=$("$bin_dir/local-gateway" token --template template.yaml --data-dir "$work/data" --sub console-test \
    --scope "orders/create orders/read orders/update-status orders/admin" --ttl 3600)

mkdir -p "$screenshots"
status=0
CONSOLE_BASE_URL="$gateway_base" CONSOLE_TOKEN="$token" CONSOLE_SCREENSHOTS="$screenshots" \
    CONSOLE_WEBHOOK_PORT="$webhook_port" \
    timeout 120 "$tools/bin/python" scripts/console-test.py || status=$?
gateway_stop
if [ "$status" -ne 0 ]; then
    echo "console-test: failed; the gateway's error lines:" >&2
    grep '"level":"error"' "$work/gateway.log" | tail -n 20 >&2 || true
    exit "$status"
fi
