#!/usr/bin/env bash
# The table of docs/fitting.md ("Targets compared"): for every built-in system, both targets
# (at their defaults: the same H and samples, each its own dt) and three sample weightings, fits with seeds 1..10 and reports how many keep the topology (the
# long-horizon check of `platlas fit`), the median held-out relative error, the median
# fixed-point error (largest distance of a fitted fixed point from its true equilibrium, as a
# fraction of the region of interest's diagonal), and the median total seconds (sampling,
# fit and check). Prints a Markdown table.
# Usage: scripts/fit-table.sh [path/to/platlas] [seeds]   (default: .build/release/platlas, "1 2 3 4 5 6 7 8 9 10")
set -euo pipefail
cd "$(dirname "$0")/.."
PLATLAS=${1:-.build/release/platlas}
SEEDS=${2:-1 2 3 4 5 6 7 8 9 10}
[ -x "$PLATLAS" ] || swift build -c release --product platlas
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
echo "| system | target | weighting | topology right | held-out error | fixed-point error | seconds |"
echo "|---|---|---|---|---|---|---|"
row() {
    local system=$1 target=$2 weighting=$3; shift 3
    local results=""
    for seed in $SEEDS; do
        results+=$("$PLATLAS" fit --system "$system" --target "$target" --seed "$seed" --allow-mismatch --json "$@" 2>/dev/null \
            | python3 -c '
import json, sys
d = json.load(sys.stdin)
t = d["topology"]
box = d["region_of_interest"]
diagonal = sum((u - l) ** 2 for l, u in zip(box["lower"], box["upper"])) ** 0.5
error = t["largest_fixed_point_error"]
print(int(t["agrees"]), d["heldout_error"]["relative"], "nan" if error is None else error / diagonal, d["total_seconds"])')
        results+=$'\n'
    done
    printf '%s' "$results" | python3 -c '
import math, statistics, sys
rows = [line.split() for line in sys.stdin if line.strip()]
agree = sum(int(r[0]) for r in rows)
def median(i):
    values = [float(r[i]) for r in rows if not math.isnan(float(r[i]))]
    return statistics.median(values) if values else float("nan")
print("| %s | %s | %s | %d/%d | %.3f | %.2g %% | %.1f |" % (sys.argv[1], sys.argv[2], sys.argv[3], agree, len(rows),
      median(1), 100 * median(2), median(3)))' "$system" "$target" "$weighting"
}
for system in duffing vanderpol lorenz63 bistable decision; do
    for target in vector-field flow-map; do
        row "$system" "$target" "relative + equilibria"
        row "$system" "$target" "relative" --equilibrium-weight 0
        row "$system" "$target" "none" --equilibrium-weight 0 --relative-floor 0
    done
done
