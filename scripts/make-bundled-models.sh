#!/usr/bin/env bash
# Regenerates the bundled example models in jobs/models/ with the documented command lines
# (docs/fitting.md). Deterministic: the same binary and seed give bit-identical files.
# Usage: scripts/make-bundled-models.sh [path/to/platlas]   (default: .build/release/platlas)
set -euo pipefail
cd "$(dirname "$0")/.."
PLATLAS=${1:-.build/release/platlas}
[ -x "$PLATLAS" ] || swift build -c release --product platlas
mkdir -p jobs/models
for system in duffing lorenz63 vanderpol bistable decision; do
    "$PLATLAS" fit --system "$system" --seed 1 --skip-long-horizon --json-model "jobs/models/$system.json"
done
