#!/usr/bin/env bash
# make demo: the main analysis on a bundled model, on 2 MPI ranks, with HDF5 and a figure.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.build/release
OUT=demo-output
MODEL=jobs/models/duffing.json
mkdir -p "$OUT"
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
for v in $(env | grep -oE '^(OMPI_MCA_[A-Za-z0-9_]*|PMIX_[A-Za-z0-9_]*)' || true); do unset "$v"; done

echo "== The model: a shPLRNN fitted to the unforced Duffing oscillator (docs/fitting.md)"
"$BIN/platlas" info "$MODEL"
echo
echo "== Fixed points and cycles up to order 8, on 2 MPI ranks"
mpirun --oversubscribe -np 2 "$BIN/platlas" cycles "$MODEL" --max-order 8 --output "$OUT/duffing-cycles.h5"
echo
echo "== The basin boundary: stable manifold of the saddle, checked against a 60 x 60 grid"
echo "   (the fitted map is invertible, det J > 0 in all its regions; --allow-non-invertible only"
echo "   matters for refits that fold far out: points without a consistent preimage are counted and left out)"
mpirun --oversubscribe -np 2 "$BIN/platlas" basins "$MODEL" --saddle 1 --grid 60 --allow-non-invertible \
    --output "$OUT/duffing-basins.h5" --plot "$OUT/duffing-basins.svg"
echo
echo "== Figure"
/usr/bin/python3 scripts/plot-cycles.py "$OUT/duffing-cycles.h5" "$OUT/duffing-cycles.png"
echo
echo "Results:"
echo "  $OUT/duffing-cycles.h5   (HDF5: /cycles, /model and provenance; docs/hdf5-schema.md)"
echo "  $OUT/duffing-cycles.png  (cycles over trajectories of the model)"
echo "  $OUT/duffing-basins.h5   (HDF5: /manifolds with the stable manifold of the saddle, basin sides)"
echo "  $OUT/duffing-basins.svg  (the manifold, the attractors and the grid classification)"
