# Shared by the scripts that run a local gateway from a build (sourced, from the repository root): starting it on a
# free port, stopping it, and the Python tools a test drives it with.

gateway_pid=""
gateway_base=""
# What gateway_start runs the gateway under (valgrind and its options, say), and how long it waits for it to listen:
# a caller may set them first.
gateway_launcher=()
gateway_start_seconds=20

# Starts `local-gateway start-api` on template.yaml in the background, its log in LOG, and waits until it listens:
# sets $gateway_pid and $gateway_base (http://127.0.0.1:PORT). Exits, naming SCRIPT and showing the log, when the
# gateway stops or does not listen within $gateway_start_seconds.
gateway_start() { # script bin-dir log [start-api options...]
    local script=$1 bin_dir=$2 log=$3
    shift 3
    # Emptied here, not by the redirection below, which runs later in the background: no stale port is read.
    : >"$log"
    "${gateway_launcher[@]}" "$bin_dir/local-gateway" start-api --port 0 --template template.yaml --functions-dir "$bin_dir" "$@" 2>"$log" &
    gateway_pid=$!
    local port=""
    for _ in $(seq $((gateway_start_seconds * 10))); do
        port=$(sed -n 's/.*"msg":"listening".*"port":"\([0-9]*\)".*/\1/p' "$log" | head -n 1)
        [ -n "$port" ] && break
        if ! kill -0 "$gateway_pid" 2>/dev/null; then
            echo "$script: the gateway exited; its log:" >&2
            cat "$log" >&2
            exit 1
        fi
        sleep 0.1
    done
    if [ -z "$port" ]; then
        echo "$script: the gateway did not start listening within $gateway_start_seconds s; its log:" >&2
        cat "$log" >&2
        exit 1
    fi
    gateway_base="http://127.0.0.1:$port"
}

# Stops the gateway gateway_start started, if it still runs, and waits for it: its functions stop with it.
gateway_stop() {
    if [ -n "$gateway_pid" ]; then
        kill -TERM "$gateway_pid" 2>/dev/null || true
        wait "$gateway_pid" 2>/dev/null || true
        gateway_pid=""
    fi
}

# Installs PACKAGE==VERSION from PyPI into the virtual environment VENV, unless it already holds that version.
python_tool() { # script venv package version
    local script=$1 venv=$2 package=$3 version=$4 installed
    installed=$("$venv/bin/python" -c 'import importlib.metadata, sys; print(importlib.metadata.version(sys.argv[1]))' \
        "$package" 2>/dev/null || true)
    if [ "$installed" != "$version" ]; then
        echo "$script: installing $package $version into $venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q "$package==$version"
    fi
}
