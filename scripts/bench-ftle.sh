#!/usr/bin/env bash
# Time of an N x N forward FTLE field (the core's ftleField, timed inside `platlas bench-ftle`,
# without loading the model or finding the default centre) on the toy map's saddle-B preset
# (science.md section 6, written as a PLRNN like jobs/models/toymap.json), the constructed
# decision network (jobs/models/decision-line.json) and the fitted Duffing model, on 1 and 2
# ranks. The user CPU seconds of the busiest rank (/usr/bin/time around each rank) show how the
# rows divide over ranks when other work on the machine blurs wall times. Prints a markdown table.
# Usage: scripts/bench-ftle.sh [BIN_DIR] [N] [RANKS...]   (default: .build/release, 1000, ranks 1 2)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release}
n=${2:-1000}
shift 2 || shift $# || true
ranks=("${@:-1 2}")
[ -x "$bin/platlas" ] || { echo "no $bin/platlas" >&2; exit 2; }
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 - >"$work/saddleB.json" <<'PY'
import json
tr, dr, tl, dl, c, d, h1, h2 = 1.26, 0.71, -0.39, -0.91, -0.44, 0.56, -0.28, 0.62
print(json.dumps({"type": "plrnn", "A": [[tl, c], [-dl, d]], "W": [[tr - tl, 0], [dl - dr, 0]], "h": [h1, h2]}))
PY
cases=(
    "toy map, saddle B|$work/saddleB.json --steps 50 --bounds=-3:3,-3:3"
    "decision network (M = 3)|jobs/models/decision-line.json --steps 60 --bounds=-1:4,-1:4"
    "Duffing shPLRNN (M = 2, H = 40)|jobs/models/duffing.json --steps 40 --bounds=-4.5:4.5,-4.5:4.5"
)
echo "| case | N x N | T | ranks | seconds | us per point | ns per step | user s (busiest rank, whole run) | averaged | diverged |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for entry in "${cases[@]}"; do
    label=${entry%%|*}
    read -r -a args <<<"${entry#*|}"
    for np in ${ranks[*]}; do
        if [ "$np" -eq 1 ]; then
            /usr/bin/time -f "user %U" "$bin/platlas" bench-ftle "${args[@]}" --grid "$n" >"$work/out.json" 2>"$work/err"
        else
            mpirun --oversubscribe -np "$np" /usr/bin/time -f "user %U" "$bin/platlas" bench-ftle "${args[@]}" --grid "$n" >"$work/out.json" 2>"$work/err"
        fi
        /usr/bin/python3 - "$work/out.json" "$work/err" "$label" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
user = max(float(u) for u in re.findall(r"user ([0-9]+[.][0-9]+)", open(sys.argv[2]).read()))
print(f"| {sys.argv[3]} | {d['grid']} x {d['grid']} | {d['steps']} | {d['ranks']} | {d['seconds']:.2f} | "
      f"{d['microseconds_per_point']:.2f} | {d['nanoseconds_per_step']:.1f} | {user:.2f} | {d['averaged']} | {d['diverged']} |")
PY
    done
done
