#!/usr/bin/env bash
# Manifold benchmark: the stable manifold (sheets) of a saddle with one unstable direction in
# ALRNNs built by construction (M = 25, P = 6: a 24-dimensional stable manifold; and larger),
# and the Lorenz ALRNN of ../shared/models when present. Prints a markdown table: regions
# visited, sheets, support points, Delta_sigma, seconds, peak memory (/usr/bin/time -v).
# Usage: scripts/bench-manifold.sh [release bin dir]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release}
PLATLAS="$BIN/platlas"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# ALRNN with M units, the last P with a ReLU and a saddle with one unstable direction
# (scripts/make-saddle-alrnn.py has the construction).
make_model() { /usr/bin/python3 scripts/make-saddle-alrnn.py "$1" "$2"; }

# The first saddle with unstable dimension 1 among the fixed points.
saddle_index() {
    "$PLATLAS" cycles "$1" --max-order 1 --json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
cycles = json.load(sys.stdin)["cycles"]
print(next(i for i, c in enumerate(cycles) if c["stability"] == "saddle" and c["unstable_dimension"] == 1))'
}

# One row: label, model, kind, extra options.
row() {
    local label=$1 model=$2 kind=$3; shift 3
    local saddle
    saddle=$(saddle_index "$model")
    /usr/bin/time -v "$PLATLAS" manifold "$model" --cycle "$saddle" --kind "$kind" --json "$@" \
        >"$TMP/out.json" 2>"$TMP/err.txt" || { echo "| $label | failed: $(grep -m1 error "$TMP/err.txt") |"; return; }
    local rss
    rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$TMP/err.txt")
    /usr/bin/python3 - "$TMP/out.json" "$label" "$rss" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = d["manifolds"][0]
ds = m["delta_sigma"]
print(f"| {sys.argv[2]} | {m['kind']} | {m['dimension']} | {m['regions']} | {m['sheets']} | {m['support_points']} | {m['non_invertibility']['affected']} | "
      f"{'-' if ds is None else f'{ds:.3f}'} | {m['stop_reason']} | {m['seconds']:.2f} | {d['stats']['seconds']:.2f} | {int(sys.argv[3]) / 1024:.0f} |")
PY
}

echo "## Manifolds"; echo
echo "| model (box) | kind | d | regions | sheets | support points | non-invertible | Delta_sigma | stop | manifold s | total s | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
make_model 25 6 >"$TMP/alrnn_25_6.json"
row "ALRNN M=25 P=6 (default box)" "$TMP/alrnn_25_6.json" stable
row "ALRNN M=25 P=6 (-10:10)" "$TMP/alrnn_25_6.json" stable --bounds=-10:10
row "ALRNN M=25 P=6 (-30:30)" "$TMP/alrnn_25_6.json" stable --bounds=-30:30
for size in "25 8" "40 8"; do
    set -- $size
    make_model "$1" "$2" >"$TMP/alrnn_$1_$2.json"
    row "ALRNN M=$1 P=$2 (-10:10)" "$TMP/alrnn_$1_$2.json" stable --bounds=-10:10
done
LORENZ=../shared/models/alrnn_lorenz_m20_p2.json
if [ -f "$LORENZ" ]; then
    row "Lorenz ALRNN M=20 P=2 (default box)" "$LORENZ" stable
    row "Lorenz ALRNN M=20 P=2 (default box)" "$LORENZ" unstable
    row "Lorenz ALRNN M=20 P=2 (default box, 160 iterations)" "$LORENZ" unstable --max-iterations 160
fi
