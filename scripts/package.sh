#!/usr/bin/env bash
# Builds every function for Lambda's provided.al2023 runtime: release, the Swift standard library linked
# statically, debug info stripped, the executable named bootstrap, one zip per function in .build/lambda/.
# Then checks that no artifact needs a glibc newer than the platform's.
#
# Usage: scripts/package.sh [FUNCTION...]     (default: every function under functions/)
#        DEST=DIR scripts/package.sh FUNCTION  copies that function's bootstrap into DIR instead of zipping
#                                              (what `sam build` runs, with DEST=$ARTIFACTS_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."

functions=("$@")
if [ ${#functions[@]} -eq 0 ]; then
    for directory in functions/*/; do functions+=("$(basename "$directory")"); done
fi
read -r -a build_flags <<<"${SWIFT_BUILD_FLAGS:-}"
flags=(-c release --static-swift-stdlib "${build_flags[@]}")

for function in "${functions[@]}"; do
    swift build "${flags[@]}" --product "$function"
done
bin=$(swift build "${flags[@]}" --show-bin-path)

out=.build/lambda
mkdir -p "$out"
artifacts=()
for function in "${functions[@]}"; do
    stage="$out/$function"
    rm -rf "$stage" && mkdir -p "$stage"
    cp "$bin/$function" "$stage/bootstrap"
    strip --strip-debug "$stage/bootstrap"
    artifacts+=("$stage/bootstrap")
    if [ -n "${DEST:-}" ]; then
        cp "$stage/bootstrap" "$DEST/bootstrap"
    else
        rm -f "$out/$function.zip"
        (cd "$stage" && zip -q -9 "../$function.zip" bootstrap)
    fi
done
scripts/check-glibc.sh "${artifacts[@]}"
[ -n "${DEST:-}" ] || ls -l "$out"/*.zip
