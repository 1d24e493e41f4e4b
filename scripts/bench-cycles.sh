#!/usr/bin/env bash
# Cycle search benchmark: time, candidates per second and restarts until the last find, for
# the 2D PLRNNs with known long cycles and for random PLRNNs and shPLRNNs of M = 10, 20, 50
# (H up to 100), on 1 and 2 ranks. Prints Markdown tables; docs/benchmarks.md holds a run.
# Usage: scripts/bench-cycles.sh [BIN_DIR]   (default .build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release}
PLATLAS=$BIN/platlas
[ -x "$PLATLAS" ] || swift build -c release --product platlas
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Models: the 2D family of docs/cycles.md and seeded random networks (contracting diagonal,
# recurrent weights scaled by 1/sqrt(M)).
$PY - "$work" <<'PYEOF'
import json, sys, numpy as np
d = sys.argv[1]
def two_d(a1):
    return {"type": "plrnn", "A": [a1, 0.96461297], "W": [[0, -0.64375], [0.52505308, 0]], "h": [0.37298253, -0.97931491]}
json.dump(two_d(0.8377689), open(f"{d}/2d-16.json", "w"))
json.dump(two_d(0.9777689), open(f"{d}/2d-40.json", "w"))
for m in (10, 20, 50):
    r = np.random.default_rng(m)
    json.dump({"type": "plrnn", "A": list(r.uniform(0.5, 0.9, m)), "W": (r.normal(0, 1, (m, m)) / np.sqrt(m)).tolist(),
               "h": list(r.normal(0, 0.5, m))}, open(f"{d}/plrnn-{m}.json", "w"))
for m, h in ((10, 50), (20, 100), (50, 100)):
    r = np.random.default_rng(1000 + m)
    json.dump({"type": "shplrnn", "A": list(r.uniform(0.5, 0.9, m)), "W1": (r.normal(0, 1, (m, h)) / np.sqrt(h)).tolist(),
               "W2": r.normal(0, 1, (h, m)).tolist(), "h1": list(r.normal(0, 0.5, m)), "h2": list(r.normal(0, 1, h))},
              open(f"{d}/shplrnn-{m}-{h}.json", "w"))
PYEOF

row() {  # name model max-order ranks
    local name=$1 model=$2 order=$3 ranks=$4 out
    if [ "$ranks" = 1 ]; then
        out=$("$PLATLAS" cycles "$model" --max-order "$order" --seed 1 --json 2>/dev/null)
    else
        out=$(mpirun --oversubscribe -np "$ranks" "$PLATLAS" cycles "$model" --max-order "$order" --seed 1 --json 2>/dev/null)
    fi
    printf '%s' "$out" | $PY -c '
import json, sys
d = json.load(sys.stdin); s = d["stats"]
heur = [o for o in s["orders"] if o["mode"] == "heuristic"]
last = max([o["restarts_until_last_find"] for o in heur] or [0])
counts = {}
for c in d["cycles"]: counts[c["order"]] = counts.get(c["order"], 0) + 1
found = " ".join(f"{k}:{v}" for k, v in sorted(counts.items()))
t, n, p = s["seconds"], s["candidates"], s["products"]
print("| %s | %s | %s | %.3f | %d | %.3g | %.3g | %d | %s |" % (sys.argv[1], sys.argv[2], sys.argv[3], t, n, n / t, p / t, last, found))
' "$name" "$order" "$ranks"
}

echo "| case | K | ranks | seconds | candidates | candidates/s | products/s | restarts until last find (max over orders) | cycles (order:count) |"
echo "|---|---|---|---|---|---|---|---|---|"
for ranks in 1 2; do
    row "2D PLRNN, a1 = 0.8377689" "$work/2d-16.json" 16 "$ranks"
    row "2D PLRNN, a1 = 0.9777689" "$work/2d-40.json" 40 "$ranks"
    row "2D PLRNN, a1 = 0.9777689" "$work/2d-40.json" 80 "$ranks"
    for m in 10 20 50; do row "PLRNN M = $m" "$work/plrnn-$m.json" 4 "$ranks"; done
    row "shPLRNN M = 10, H = 50" "$work/shplrnn-10-50.json" 3 "$ranks"
    row "shPLRNN M = 20, H = 100" "$work/shplrnn-20-100.json" 3 "$ranks"
    row "shPLRNN M = 50, H = 100" "$work/shplrnn-50-100.json" 3 "$ranks"
done

echo
echo "Chained m x m products alone (platlas bench-kernels):"
echo
echo "| m | ns per product |"
echo "|---|---|"
for m in 2 10 20 50; do
    n=$((40000000 / (m * m)))
    "$PLATLAS" bench-kernels --dimension "$m" --products "$n" | $PY -c 'import json,sys; d=json.load(sys.stdin); print("| %d | %.1f |" % (d["dimension"], d["nanoseconds_per_product"]))'
done
