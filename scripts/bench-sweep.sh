#!/usr/bin/env bash
# Sweep throughput and warm-start savings (release build). The chaos preset of the 2D toy map
# (science.md section 6: saddle cycles of every order) swept over h1 x h2 on an N x N grid,
# cycles up to order K, on 1 and 2 ranks with warm starts, and on 1 rank cold (without warm
# starts) on a smaller grid of the same plane for the evaluation count at the same recall.
# Prints a Markdown table; docs/benchmarks.md (## Sweeps) holds a run of it.
# Usage: scripts/bench-sweep.sh [path/to/platlas] [N (default 100)] [K (default 10)] [cold N (default 30)]
set -euo pipefail
cd "$(dirname "$0")/.."
PLATLAS=${1:-.build/release/platlas}
N=${2:-100}
K=${3:-10}
COLD=${4:-30}
[ -x "$PLATLAS" ] || swift build -c release --product platlas
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
for v in $(env | grep -oE '^(OMPI_MCA_[A-Za-z0-9_]*|PMIX_[A-Za-z0-9_]*|OMPI_COMM[A-Za-z0-9_]*)' || true); do unset "$v"; done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/toy.json" <<'JSON'
{"type": "plrnn", "A": [[-1.77, 0.6], [-0.9, 0.15]], "W": [[3.27, 0], [0.15, 0]], "h": [-0.7, -0.4]}
JSON
echo "| grid | K | ranks | warm starts | seconds | points/s | candidates | cycles found | bifurcations |"
echo "|---|---|---|---|---|---|---|---|---|"
run() {
    local n=$1 ranks=$2 warm=$3 launcher=()
    [ "$ranks" -gt 1 ] && launcher=(mpirun --oversubscribe -np "$ranks")
    "${launcher[@]}" "$PLATLAS" sweep "$work/toy.json" --param 'h[0]' --range "-1:-0.5:$n" --param2 'h[1]' --range2 "-0.6:-0.2:$n" \
        --max-order "$K" "--$warm" --json --output "$work/sweep-$n-$ranks-$warm.h5" 2>/dev/null > "$work/out.json"
    python3 - "$n" "$ranks" "$warm" "$K" "$work/out.json" <<'PY'
import json, sys
n, ranks, warm, k, path = sys.argv[1:]
d = json.load(open(path)); s = d["stats"]
cycles = sum(len(p["cycles"]) for p in d["grid"])
print(f"| {n} x {n} | {k} | {ranks} | {'yes' if warm == 'warm-start' else 'no'} | {s['seconds']:.1f} | {s['points_per_second']:.1f} | {s['candidates']} | {cycles} | {len(d['bifurcations'])} |")
PY
}
run "$COLD" 1 warm-start
run "$COLD" 1 no-warm-start
run "$N" 2 warm-start
run "$N" 1 warm-start
