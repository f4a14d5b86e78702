#!/usr/bin/env bash
# Fails when an executable needs a glibc symbol newer than the platform's: provided.al2023 ships glibc 2.34.
# Usage: scripts/check-glibc.sh EXECUTABLE...      (MAX_GLIBC=2.34 by default)
set -euo pipefail
max=${MAX_GLIBC:-2.34}
status=0
for binary in "$@"; do
    too_new=$(objdump -T "$binary" | awk -v max="$max" '
        match($0, /GLIBC_[0-9]+(\.[0-9]+)+/) {
            version = substr($0, RSTART + 6, RLENGTH - 6)
            split(version, v, "."); split(max, m, ".")
            if (v[1] > m[1] || (v[1] == m[1] && v[2] + 0 > m[2] + 0)) print "  " $NF " needs GLIBC_" version
        }')
    if [ -n "$too_new" ]; then
        echo "check-glibc: $binary needs a glibc newer than $max:" >&2
        echo "$too_new" >&2
        status=1
    else
        newest=$(objdump -T "$binary" | grep -oE 'GLIBC_[0-9]+(\.[0-9]+)+' | sort -V | tail -n 1)
        echo "check-glibc: $(basename "$(dirname "$binary")")/$(basename "$binary"): newest symbol ${newest:-none}, within $max"
    fi
done
exit $status
