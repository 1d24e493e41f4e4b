#!/usr/bin/env bash
# Exact preimage search: the cost per point of finding every preimage in a box
# (`platlas bench-preimages`, PreimageSolver) for PLRNNs, ALRNNs with P = 10..20 ReLU units and
# shallow networks with H = 50..200 hidden units (random models, seeded), and for the trained
# models of ../shared/models. Each target is the image of a random point of the box (so it has
# a preimage); with --verify (H <= 16) every region's affine inverse is tried as well and the
# disagreements counted. Prints a markdown table.
# Usage: scripts/bench-preimages.sh [release bin dir]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release}
PLATLAS="$BIN/platlas"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# A random model: kind M H seed (weights scaled so that orbits stay bounded).
random_model() {
    /usr/bin/python3 - "$@" <<'PY'
import json, sys
import numpy as np
kind, M, H, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = np.random.default_rng(seed)
if kind == "alrnn":
    print(json.dumps({"type": "alrnn", "P": H, "A": rng.uniform(0.3, 0.8, M).tolist(),
                      "W": (0.4 / np.sqrt(M) * rng.normal(size=(M, M))).tolist(), "h": rng.normal(size=M).tolist()}))
elif kind == "plrnn":
    print(json.dumps({"type": "plrnn", "A": rng.uniform(0.3, 0.8, M).tolist(),
                      "W": (0.6 / np.sqrt(M) * rng.normal(size=(M, M))).tolist(), "h": rng.normal(size=M).tolist()}))
else:
    print(json.dumps({"type": "shplrnn", "A": rng.uniform(0.3, 0.8, M).tolist(), "W1": (0.8 / np.sqrt(H) * rng.normal(size=(M, H))).tolist(),
                      "W2": rng.normal(size=(H, M)).tolist(), "h1": rng.normal(size=M).tolist(), "h2": rng.normal(size=H).tolist()}))
PY
}

echo "| model | M | H | box | us per point | nodes per point | points with 0/1/2/3+ preimages | disagreements with every region |"
echo "|---|---|---|---|---|---|---|---|"
row() {
    local label=$1 model=$2 box=$3 points=$4; shift 4
    "$PLATLAS" bench-preimages "$model" --bounds="$box" --points "$points" "$@" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
label, box = sys.argv[1], sys.argv[2]
dis = "-" if d["disagreements"] is None else str(d["disagreements"])
print(f"| {label} | {d[\"dimension\"]} | {d[\"hidden\"]} | {box} | {d[\"microseconds_per_point\"]:.1f} | {d[\"nodes_per_point\"]:.1f} | {\"/\".join(map(str, d[\"preimages\"]))} | {dis} |")' "$label" "$box"
}
for m in ../shared/models/plrnn_lorenz_m10.json ../shared/models/alrnn_lorenz_m20_p2.json; do
    [ -f "$m" ] && row "$(basename "$m" .json)" "$m" -60:60 5000 --verify
done
row "duffing (jobs/models)" jobs/models/duffing.json -30:30 5000
random_model plrnn 10 10 1 > "$TMP/p10.json"; row "random PLRNN" "$TMP/p10.json" -20:20 5000 --verify
for p in 10 16 20; do
    random_model alrnn 25 $p 1 > "$TMP/a$p.json"
    if [ $p -le 16 ]; then row "random ALRNN" "$TMP/a$p.json" -20:20 2000 --verify; else row "random ALRNN" "$TMP/a$p.json" -20:20 2000; fi
done
for h in 50 100 200; do
    random_model shplrnn 3 $h 1 > "$TMP/s$h.json"; row "random shPLRNN" "$TMP/s$h.json" -10:10 2000
    random_model shplrnn 10 $h 1 > "$TMP/t$h.json"; row "random shPLRNN" "$TMP/t$h.json" -10:10 500
done
