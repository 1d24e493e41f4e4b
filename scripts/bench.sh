#!/usr/bin/env bash
# make bench: every benchmark suite, in release builds. Results and the machine they were
# measured on are in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release}
echo "## Cycles"; echo
scripts/bench-cycles.sh "$BIN"
echo; echo "## Fitting"; echo
scripts/bench-fit.sh "$BIN/platlas"
for extra in scripts/bench-preimages.sh scripts/bench-manifold.sh scripts/bench-scaling.sh scripts/bench-sweep.sh scripts/bench-basins.sh; do
    if [ -x "$extra" ]; then echo; "$extra" "$BIN"; fi
done
