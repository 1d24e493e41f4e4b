#!/usr/bin/env bash
# Multi-rank tests: runs the platlas-mpi-tests driver under mpirun with 1, 2 and 4 ranks
# (oversubscribed), then checks the parallel HDF5 files it wrote with h5dump.
set -euo pipefail
bin=${1:-.build/release}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A singleton MPI_Init leaves OMPI_/PMIX_ variables behind; never pass them to mpirun.
for v in $(env | grep -oE '^(OMPI_MCA_[A-Za-z0-9_]*|PMIX_[A-Za-z0-9_]*|OMPI_COMM[A-Za-z0-9_]*)' || true); do
    case $v in OMPI_MCA_rmaps_base_oversubscribe) ;; *) unset "$v" ;; esac
done
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
passed=0; failed=0
for np in 1 2 4; do
    if mpirun --oversubscribe -np "$np" "$bin/platlas-mpi-tests" --workdir "$work/np$np"; then
        passed=$((passed + 1))
    else
        echo "mpi tests: FAILED with $np ranks" >&2
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
