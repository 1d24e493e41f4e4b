#!/usr/bin/env bash
# Regenerates the bundled example models in jobs/models/ with the documented command lines
# (docs/fitting.md). Deterministic: the same binary and seed give bit-identical files, with
# single-threaded OpenBLAS (a threaded least-squares solve sums in another order and changes
# the last digits).
# Usage: scripts/make-bundled-models.sh [path/to/platlas]   (default: .build/release/platlas)
set -euo pipefail
cd "$(dirname "$0")/.."
PLATLAS=${1:-.build/release/platlas}
[ -x "$PLATLAS" ] || swift build -c release --product platlas
export OPENBLAS_NUM_THREADS=1
# The same kernels on every x86-64 CPU with AVX2: the files come out bit for bit (docs/fitting.md).
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
mkdir -p jobs/models
for system in duffing lorenz63 vanderpol bistable decision; do
    # The long-horizon check runs: a model whose topology differs from the true system's is not
    # written, and the script stops (exit code 1).
    "$PLATLAS" fit --system "$system" --seed 1 --json-model "jobs/models/$system.json"
done
# Not fitted: the piecewise-linear toy map of notes/science.md section 6 ("chaos" preset) as a
# PLRNN: A = A_l, W = [[tau_r - tau_l, 0], [delta_l - delta_r, 0]], h = B.
echo '{"type": "plrnn", "A": [[-1.77, 0.6], [-0.9, 0.15]], "W": [[3.27, 0], [0.15, 0]], "h": [-0.7, -0.4]}' > jobs/models/toymap.json
