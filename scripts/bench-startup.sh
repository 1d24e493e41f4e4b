#!/usr/bin/env bash
# Start-up cost of a small command: `platlas cycles jobs/models/duffing.json --max-order 1`
# (about 0.035 s of work: an exact survey of 12 881 cells and a fixed-point solve in each), run directly (no MPI: the process was not started by a launcher) and under
# `mpirun -np 1` (MPI initialised), and `platlas --version`, which loads the same libraries and
# computes nothing (the start-up alone). Wall seconds from /usr/bin/time, the median and the
# smallest of N runs each. Prints a markdown table.
# Usage: scripts/bench-startup.sh [release bin dir] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release}
RUNS=${2:-21}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
measure() {  # label command...
    local label=$1; shift
    : > "$TMP/times"
    for _ in $(seq 1 "$RUNS"); do
        /usr/bin/time -f "%e" -o "$TMP/t" "$@" >/dev/null 2>&1
        cat "$TMP/t" >> "$TMP/times"
    done
    sort -n "$TMP/times" | awk -v label="$label" -v n="$RUNS" '{ v[NR] = $1 } END { printf "| %s | %d | %.3f | %.3f |\n", label, n, v[int((n + 1) / 2)], v[1] }'
}
echo "### Start-up"
echo
echo "| command | runs | median wall s | smallest wall s |"
echo "|---|---|---|---|"
measure "\`platlas --version\` (start-up alone)" "$BIN/platlas" --version
measure "\`platlas cycles jobs/models/duffing.json --max-order 1\`" "$BIN/platlas" cycles jobs/models/duffing.json --max-order 1
measure "\`mpirun -np 1 platlas cycles jobs/models/duffing.json --max-order 1\`" mpirun -np 1 "$BIN/platlas" cycles jobs/models/duffing.json --max-order 1
