#!/usr/bin/env bash
# Scaling of the distributed manifold construction (docs/scaling.md): the 24-dimensional stable
# manifold of an ALRNN with M = 25 units, P = 10 of them ReLUs (scripts/make-saddle-alrnn.py),
# in the box -30:30, on 1 and 2 ranks (timed) and on 4, 8, 16 oversubscribed ranks (the
# figures that do not depend on cores: rounds, bytes exchanged per round, load imbalance),
# with hash and block ownership; and the smaller P = 6 case, whose few large regions limit
# the balance. Prints markdown tables.
# Usage: scripts/bench-scaling.sh [release bin dir]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release}
PLATLAS="$BIN/platlas"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for v in $(env | grep -oE '^(OMPI_MCA_[A-Za-z0-9_]*|PMIX_[A-Za-z0-9_]*|OMPI_COMM[A-Za-z0-9_]*)' || true); do unset "$v"; done
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# One run: label np ownership model; prints a table row.
row() {
    local label=$1 np=$2 ownership=$3 model=$4
    local start end
    start=$(date +%s.%N)
    mpirun --oversubscribe -np "$np" "$PLATLAS" manifold "$model" --cycle 1 --kind stable --bounds=-30:30 \
        --ownership "$ownership" --json >"$TMP/out.json" 2>"$TMP/err.txt" \
        || { echo "| $label | $np | failed: $(grep -m1 error "$TMP/err.txt") |"; return; }
    end=$(date +%s.%N)
    /usr/bin/python3 - "$TMP/out.json" "$label" "$np" "$ownership" "$start" "$end" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = d["manifolds"][0]
x = m["distribution"]
wall = float(sys.argv[6]) - float(sys.argv[5])
print(f"| {sys.argv[2]} | {sys.argv[3]} | {sys.argv[4]} | {m['regions']} | {m['sheets']} | {m['support_points']} | "
      f"{m['seconds']:.2f} | {wall:.2f} | {x['rounds']} | {x['exchanges']} | {x['bytes_per_round_max'] / 1e6:.2f} | "
      f"{x['bytes_per_round_mean'] / 1e6:.2f} | {x['remote_fraction']:.2f} | {x['moved_regions']} | "
      f"{x['round_imbalance']:.3f} | {x['total_imbalance']:.3f} | {x['round_imbalance_seconds']:.2f} |")
PY
}

/usr/bin/python3 scripts/make-saddle-alrnn.py 25 10 >"$TMP/p10.json"
/usr/bin/python3 scripts/make-saddle-alrnn.py 25 6 >"$TMP/p6.json"
echo "## Manifold scaling"; echo
echo "| case | ranks | ownership | regions | sheets | support points | construction s | wall s | rounds | exchanges | MB/round max | MB/round mean | remote | moved regions | imbalance (rounds) | imbalance (total) | imbalance (seconds) |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for np in 1 2; do row "M=25 P=10" "$np" hash "$TMP/p10.json"; done
for np in 4 8 16; do
    for ownership in hash block; do row "M=25 P=10" "$np" "$ownership" "$TMP/p10.json"; done
done
for np in 1 2 16; do row "M=25 P=6" "$np" hash "$TMP/p6.json"; done
