# Shared by the benchmark scripts (sourced, from the repository root): the release build, the results file each
# script leaves for the targets table, and the sections of BENCHMARKS.md.
#
# Environment: SWIFT_BUILD_FLAGS="--scratch-path DIR" builds elsewhere; BIN_DIR=DIR uses executables already built
# there; BENCH_RESULTS=DIR keeps the results files there (default .build/bench).

read -r -a build_flags <<<"${SWIFT_BUILD_FLAGS:-}"
results_dir=${BENCH_RESULTS:-.build/bench}
mkdir -p "$results_dir"

# Sets $bin to the release executables, built with the Swift standard library linked statically, as deployed (a
# process per request makes start-up part of the cost). Builds the given products, or everything when none is
# given, unless BIN_DIR names a directory already built.
bench_build() { # [product...]
    if [ -n "${BIN_DIR:-}" ]; then
        bin=$BIN_DIR
        return
    fi
    if [ $# -eq 0 ]; then
        swift build -c release --static-swift-stdlib "${build_flags[@]}"
    fi
    for product in "$@"; do
        swift build -c release --static-swift-stdlib "${build_flags[@]}" --product "$product"
    done
    bin=$(swift build -c release --static-swift-stdlib "${build_flags[@]}" --show-bin-path)
}

# Exits, naming the package to install, when a command is missing (`make bench-deps` installs them all).
bench_require() { # script-name command...
    local script=$1
    shift
    for command in "$@"; do
        command -v "$command" >/dev/null || {
            echo "$script: $command is not installed (make bench-deps, or apt-get install $command)" >&2
            exit 1
        }
    done
}

# The 1, 5 and 15 minute load averages.
bench_load() {
    cut -d' ' -f1-3 /proc/loadavg
}

# One line for a section: the machine and the load before the run; $1 is the load read before measuring.
bench_machine_line() { # load-before
    local cpu
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
    echo "Machine: $(nproc) cores, ${cpu:-unknown CPU}, Linux $(uname -r); load average $1 before the run."
    echo "Measured $(date -u +%Y-%m-%dT%H:%MZ)."
}

# Replaces the section NAME of BENCHMARKS.md, between `<!-- NAME:start -->` and `<!-- NAME:end -->`, with the text
# on standard input (which carries the markers itself), keeping every other section; appends it when missing.
bench_write_section() { # name
    python3 -c '
import os, re, sys
name, section = sys.argv[1], sys.stdin.read().strip("\n")
path = "BENCHMARKS.md"
text = open(path).read() if os.path.exists(path) else (
    "# Benchmarks\n\n`make bench` runs every benchmark below and rewrites this file; each section is written by the "
    "script it names, which also runs alone.\n")
pattern = re.compile(rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->", re.S)
if pattern.search(text):
    text = pattern.sub(lambda _: section, text)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
print(section)
' "$1"
}

# Recomputes the machine description and the targets table from every results file there is.
bench_summary() {
    python3 scripts/bench-summary.py "$results_dir" | bench_write_section bench-summary >/dev/null
}

# Writes to FILE the fixture's GET /orders event with the query string parameters QUERY (a JSON object).
bench_list_event() { # file query-json
    jq --argjson query "$2" '.queryStringParameters = $query' fixtures/events/v2/get-orders.json >"$1"
}

# Seeds DIR with SIZE generated orders through $bin/seed-orders, unless an earlier run already did; DIR/.seeded then
# holds the seconds the seeding took.
bench_seed() { # dir size
    local data=$1 size=$2 seeded_at
    [ -s "$data/.seeded" ] && return
    rm -rf "$data"
    echo "== seeding $size orders into $data" >&2
    seeded_at=$(date +%s)
    "$bin/seed-orders" "$data" "$size"
    echo $(( $(date +%s) - seeded_at )) >"$data/.seeded"
    echo "   $(cat "$data/.seeded") s" >&2
}
