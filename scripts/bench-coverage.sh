#!/usr/bin/env bash
# Complete stable manifolds of trained and constructed networks, with no flag: the saddle's
# stable manifold on 2 ranks, its coverage as the command reports it and as the independent
# NumPy checker (scripts/check-manifold.py: its own inverse of every region) measures it, the
# branching (support points with 0, 1, 2, 3+ preimages), and time (wall and user CPU of the
# whole mpirun) and memory (largest rank). Prints a markdown table.
# Usage: scripts/bench-coverage.sh [release bin dir] [ranks]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release}
NP=${2:-2}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
/usr/bin/python3 scripts/make-saddle-alrnn.py 25 6 >"$TMP/alrnn6.json"
/usr/bin/python3 scripts/make-saddle-alrnn.py 25 10 >"$TMP/alrnn10.json"
echo "### Complete stable manifolds ($NP ranks)"
echo
echo "| model | options | regions | sheets | preimages 0/1/2/3+ | coverage (command) | coverage (checker) | invariance (checker) | wall s | user s | max RSS MB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
row() {  # label model options...
    local label=$1 model=$2; shift 2
    /usr/bin/time -f "%e %U %M" -o "$TMP/time" mpirun --oversubscribe -np "$NP" "$BIN/platlas" manifold "$model" --kind stable "$@" \
        --output "$TMP/m.h5" --json >"$TMP/out.json" 2>"$TMP/err.txt" || { echo "| $label | $* | failed: $(tail -1 "$TMP/err.txt") |"; return; }
    /usr/bin/python3 scripts/check-manifold.py "$model" "$TMP/m.h5" "$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifolds"][0]["name"])' "$TMP/out.json")" \
        --points 300 --invariance 100 >"$TMP/check.json"
    /usr/bin/python3 - "$label" "$*" "$TMP/out.json" "$TMP/check.json" "$TMP/time" <<'PY'
import json, sys
label, options, out, check, times = sys.argv[1:6]
m = json.load(open(out))["manifolds"][0]
c = json.load(open(check))
wall, user, rss = open(times).read().split()
p = m["non_invertibility"]["preimages"]
print(f"| {label} | `{options}` | {m['regions']} | {m['sheets']} | {p['0']}/{p['1']}/{p['2']}/{p['3+']} | {m['coverage']:.4f} | "
      f"{c['coverage']:.4f} | {c['invariance']:.3f} | {float(wall):.1f} | {float(user):.1f} | {int(rss) // 1024} |")
PY
}
row "jobs/models/duffing.json" jobs/models/duffing.json --cycle 1
row "plrnn_lorenz_m10" ../shared/models/plrnn_lorenz_m10.json --cycle 0
row "plrnn_lorenz_m10" ../shared/models/plrnn_lorenz_m10.json --cycle 3
row "ALRNN M=25 P=6" "$TMP/alrnn6.json" --cycle 1
row "ALRNN M=25 P=10" "$TMP/alrnn10.json" --cycle 1 --bounds=-30:30
