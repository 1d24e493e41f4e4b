#!/usr/bin/env bash
# Fit time versus hidden size and sample count (release build, Duffing and Lorenz-63, seed 1,
# both targets, long-horizon check skipped so only sampling + features + least squares are
# timed; "fit seconds" leaves the sampling out, "total seconds" includes it).
# Prints a Markdown table; docs/benchmarks.md holds a run of it.
# Usage: scripts/bench-fit.sh [path/to/platlas]   (default: .build/release/platlas)
set -euo pipefail
cd "$(dirname "$0")/.."
PLATLAS=${1:-.build/release/platlas}
[ -x "$PLATLAS" ] || swift build -c release --product platlas
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
echo "| system | target | H | samples | fit seconds (min of 3) | total seconds (min of 3) | held-out relative error |"
echo "|---|---|---|---|---|---|---|"
run() {
    local system=$1 target=$2 hidden=$3 samples=$4 best="" total="" error=""
    for _ in 1 2 3; do
        local out t s
        out=$("$PLATLAS" fit --system "$system" --target "$target" --hidden "$hidden" --samples "$samples" --seed 1 \
              --skip-long-horizon --json 2>/dev/null)
        t=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
        s=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total_seconds"])')
        error=$(printf '%s' "$out" | python3 -c 'import json,sys; print("%.4g" % json.load(sys.stdin)["heldout_error"]["relative"])')
        if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then best=$t; fi
        if [ -z "$total" ] || python3 -c "import sys; sys.exit(0 if $s < $total else 1)"; then total=$s; fi
    done
    printf '| %s | %s | %s | %s | %.3f | %.3f | %s |\n' "$system" "$target" "$hidden" "$samples" "$best" "$total" "$error"
}
for target in vector-field flow-map; do
    for h in 40 80 160 320; do run duffing "$target" "$h" 4000; done
    for n in 1000 16000; do run duffing "$target" 160 "$n"; done
    for h in 100 200 300; do run lorenz63 "$target" "$h" 20000; done
    for n in 5000 40000; do run lorenz63 "$target" 200 "$n"; done
done
