#!/usr/bin/env bash
# Fit time versus hidden size and sample count (release build, Duffing and Lorenz-63, seed 1,
# long-horizon check skipped so only sampling + features + least squares are timed).
# Prints a Markdown table; docs/benchmarks.md holds a run of it.
# Usage: scripts/bench-fit.sh [path/to/platlas]   (default: .build/release/platlas)
set -euo pipefail
cd "$(dirname "$0")/.."
PLATLAS=${1:-.build/release/platlas}
[ -x "$PLATLAS" ] || swift build -c release --product platlas
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
echo "| system | H | samples | fit seconds (min of 3) | held-out rmse |"
echo "|---|---|---|---|---|"
run() {
    local system=$1 hidden=$2 samples=$3 best="" rmse=""
    for _ in 1 2 3; do
        local out t
        out=$("$PLATLAS" fit --system "$system" --hidden "$hidden" --samples "$samples" --seed 1 --skip-long-horizon --json 2>/dev/null)
        t=$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
        rmse=$(printf '%s' "$out" | python3 -c 'import json,sys; print("%.4g" % json.load(sys.stdin)["heldout_error"]["rmse"])')
        if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then best=$t; fi
    done
    printf '| %s | %s | %s | %.3f | %s |\n' "$system" "$hidden" "$samples" "$best" "$rmse"
}
for h in 20 40 80 160; do run duffing "$h" 4000; done
for n in 1000 4000 16000; do run duffing 40 "$n"; done
for h in 100 200 300; do run lorenz63 "$h" 20000; done
for n in 5000 20000 40000; do run lorenz63 300 "$n"; done
