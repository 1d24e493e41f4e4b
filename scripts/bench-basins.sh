#!/usr/bin/env bash
# Time and memory of `platlas basins` on the toy map presets (notes science.md section 6, as
# PLRNNs in the form of jobs/models/toymap.json) and the fitted Duffing model: wall seconds,
# seconds per grid point (the whole command, and the grid classification alone, from the
# command's own log line), the side index's build time, the user CPU seconds and the maximum
# resident set size of the busiest rank (/usr/bin/time around each rank: on a machine shared
# with other work, CPU seconds show how the work divides over ranks when wall times cannot).
# Prints a markdown table.
# Usage: scripts/bench-basins.sh [BIN_DIR] [RANKS...]   (default: .build/release, ranks 1 2)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release}
shift || true
ranks=("${@:-1 2}")
[ -x "$bin/platlas" ] || { echo "no $bin/platlas" >&2; exit 2; }
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
toy() {  # name tau_r delta_r tau_l delta_l c d h1 h2: A = A_l, W = [[tau_r - tau_l, 0], [delta_l - delta_r, 0]], h = B
    /usr/bin/python3 - "$@" >"$work/$1.json" <<'PY'
import json, sys
tr, dr, tl, dl, c, d, h1, h2 = map(float, sys.argv[2:])
print(json.dumps({"type": "plrnn", "A": [[tl, c], [-dl, d]], "W": [[tr - tl, 0], [dl - dr, 0]], "h": [h1, h2]}))
PY
}
toy saddleB 1.26 0.71 -0.39 -0.91 -0.44 0.56 -0.28 0.62
toy cycleI -1.85 0.9 -0.3 0.9 1 0 -1 0
toy cycleII -1.85 0.9 0.9 0.9 1 0 -1 0
cases=(
    "chaos (jobs/models/toymap.json), saddle 0|jobs/models/toymap.json --saddle 0"
    "chaos (jobs/models/toymap.json), saddle 0|jobs/models/toymap.json --saddle 0 --grid 60"
    "saddle B, saddle 0|$work/saddleB.json --saddle 0 --grid 60"
    "cycle I, 3-cycle|$work/cycleI.json --max-order 3 --saddle 1 --grid 60"
    "cycle II, 4-cycle|$work/cycleII.json --max-order 5 --saddle 1 --grid 60"
    "cycle II, 5-cycle|$work/cycleII.json --max-order 5 --saddle 2 --grid 60"
    "cycle II, 5-cycle|$work/cycleII.json --max-order 5 --saddle 3 --grid 60"
    "cycle II, 5-cycle|$work/cycleII.json --max-order 5 --saddle 2 --grid 300"
    "Duffing (jobs/models/duffing.json)|jobs/models/duffing.json --saddle 1 --grid 100"
)
echo "## Basins"; echo
echo "| case | options | ranks | segments | grid points | seconds | user s (busiest rank) | ms per grid point | classification ms per point | index s | max RSS per rank (MB) | grid |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for entry in "${cases[@]}"; do
    label=${entry%%|*}
    read -r -a args <<<"${entry#*|}"
    for np in ${ranks[*]}; do
        start=$(date +%s.%N)
        if [ "$np" -eq 1 ]; then
            /usr/bin/time -f "rss %M user %U" "$bin/platlas" basins "${args[@]}" --json >"$work/out.json" 2>"$work/err"
        else
            mpirun --oversubscribe -np "$np" /usr/bin/time -f "rss %M user %U" "$bin/platlas" basins "${args[@]}" --json >"$work/out.json" 2>"$work/err"
        fi
        end=$(date +%s.%N)
        /usr/bin/python3 - "$work/out.json" "$work/err" "$start" "$end" "$label" "$np" "${args[*]}" <<'PY'
import json, re, sys
doc = json.load(open(sys.argv[1]))
err = open(sys.argv[2]).read()
seconds = float(sys.argv[4]) - float(sys.argv[3])
ranks = re.findall(r"^rss (\d+) user ([0-9.]+)$", err, re.M)
rss = max(int(r) for r, _ in ranks) / 1024
user = max(float(u) for _, u in ranks)
options = sys.argv[7].replace("/tmp/", "").split(" ", 1)[1] if " " in sys.argv[7] else ""
grid = doc.get("grid")
points = grid["points"] if grid else 0
classify = re.search(r"classified on \d+ ranks in [0-9.]+ s \(([0-9.e+-]+) ms per point\)", err)
index = re.search(r"side index of \d+ pieces \(\d+ indexed items\) built in ([0-9.]+) s", err)
if grid is None:
    result = "-"
elif grid["agreement"] is None:
    result = grid["comparison"]
else:
    result = f"agreement {grid['agreement']:.4f}"
per_point = f"{1e3 * seconds / points:.2f}" if points else "-"
print(f"| {sys.argv[5]} | `{options}` | {sys.argv[6]} | {doc['manifold']['sheets']} | {points} | {seconds:.2f} | {user:.2f} | {per_point} | "
      f"{classify.group(1) if classify else '-'} | {index.group(1) if index else '-'} | {rss:.0f} | {result} |")
PY
    done
done
