#!/usr/bin/env bash
# Multi-rank tests: runs the platlas-mpi-tests driver under mpirun with 1, 2 and 4 ranks
# (oversubscribed), checks that the driver reports a deliberate failure, then checks the
# parallel HDF5 files it wrote independently of the wrapper: with h5dump (exact values of
# /rows and /values of the 4-rank file) and with /usr/bin/python3 + h5py (every dataset and
# attribute of every file). The formulas are those of Tests/MPITests/ParallelHDF5Cases.swift.
# Then the manifold command on 1, 2, 4, 8 ranks (same manifolds, read back with h5py) and a
# 4-rank manifold run killed with SIGTERM after its first checkpoint and resumed; every command
# under 2 ranks printing one document; a second run on an output refused by every rank; the
# basins command and a [[basins]] job spec on 1, 2, 4 ranks (same reports); the ftle and reduce
# commands on 1, 2, 4 ranks and [[ftle]] on 4 (same datasets, bit for bit).
# Exits 0 only if everything passed; prints a summary line.
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
pass() { passed=$((passed + 1)); }
fail() { echo "mpi tests: FAILED: $*" >&2; failed=$((failed + 1)); }

# 1. The driver under 1, 2 and 4 ranks.
for np in 1 2 4; do
    if mpirun --oversubscribe -np "$np" "$bin/platlas-mpi-tests" --workdir "$work/np$np"; then
        pass
    else
        fail "driver with $np ranks"
    fi
done

# 2. The harness must report a failure: exit 1, the failing rank named, the count summed.
set +e
out=$(mpirun --oversubscribe -np 2 "$bin/platlas-mpi-tests" --workdir "$work/self-check" --with-failing-case 2>&1)
status=$?
set -e
if [ "$status" -ne 0 ] && grep -q '^FAIL harness: deliberate failure \[rank 1\]: failing on purpose' <<<"$out" \
    && ! grep -q '\[rank 0\]' <<<"$out" && grep -q '^mpi tests (2 ranks): [0-9]* passed, 1 failed$' <<<"$out"; then
    pass
else
    fail "the driver did not report its deliberate failure (exit $status):"$'\n'"$out"
fi

# 3. h5dump: exact values of the 4-rank file. Rank r owns L(r) = (2r + 3) % 5 elements at
#    offset sum of L(q), q < r; /rows[offset + i, c] = 1000000 r + 10 i + c and
#    /values[offset + i] = 1000 r + i + 0.25.
file4="$work/np4/parallel.h5"
expected_rows=(); expected_values=()
for r in 0 1 2 3; do
    for ((i = 0; i < (2 * r + 3) % 5; i++)); do
        for c in 0 1 2; do expected_rows+=($((1000000 * r + 10 * i + c))); done
        expected_values+=("$((1000 * r + i)).25")
    done
done
dump() {  # the values of dataset $1 of file $2, one per line, as h5dump prints them
    h5dump -d "$1" -y -w 0 -o "$work/dump.txt" "$2" >/dev/null && tr -s ', \n' '\n\n\n' <"$work/dump.txt" | sed '/^$/d'
}
if ! command -v h5dump >/dev/null; then
    fail "h5dump is missing (Debian package hdf5-tools)"
else
    got_rows=$(dump /rows "$file4" || echo "h5dump failed")
    got_values=$(dump /values "$file4" || echo "h5dump failed")
    if [ "$got_rows" = "$(printf '%s\n' "${expected_rows[@]}")" ]; then pass; else
        fail "h5dump /rows of $file4:"$'\n'"$got_rows"$'\n'"expected:"$'\n'"${expected_rows[*]}"
    fi
    if [ "$got_values" = "$(printf '%s\n' "${expected_values[@]}")" ]; then pass; else
        fail "h5dump /values of $file4:"$'\n'"$got_values"$'\n'"expected:"$'\n'"${expected_values[*]}"
    fi
fi

# 4. h5py: every dataset and attribute of every file, against the same formulas.
check_h5py() {  # file ranks
    /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
import h5py
import numpy as np

path, n = sys.argv[1], int(sys.argv[2])
length = lambda r: (2 * r + 3) % 5
appended = lambda r, k: (r + k) % 3
offset = [sum(length(q) for q in range(r)) for r in range(n + 1)]
total = offset[n]
problems = []

def check(name, got, expected):
    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape or got.dtype.kind != expected.dtype.kind or not np.array_equal(got, expected):
        problems.append(f"{name}: got {got.dtype} {got.shape} {got.tolist()}, expected {expected.dtype} {expected.shape} {expected.tolist()}")

with h5py.File(path, "r") as f:
    check("attribute ranks", f.attrs["ranks"], np.int64(n))
    label = f.attrs["label"]
    if label != "parallel" or not isinstance(label, str):
        problems.append(f"attribute label: got {label!r}")
    check("attribute total", f["results/parallel"].attrs["total"], np.int64(total))
    check("/values", f["values"][...],
          np.array([1000 * r + i + 0.25 for r in range(n) for i in range(length(r))], dtype=np.float64))
    check("/rows", f["rows"][...],
          np.array([[1000000 * r + 10 * i + c for c in range(3)] for r in range(n) for i in range(length(r))],
                   dtype=np.int64).reshape(total, 3))
    series = f["series"]
    if series.chunks != (4,) or series.maxshape != (None,):
        problems.append(f"/series: chunks {series.chunks}, maxshape {series.maxshape}")
    check("/series", series[...], np.array([10000 * r + 100 * k + i for k in range(3) for r in range(n)
                                            for i in range(appended(r, k))], dtype=np.float64))
    check("/independent", f["independent"][...], np.array([-(10 * r + j) for r in range(n) for j in range(2)], dtype=np.float64))
    check("/whole", f["whole"][...], np.array([10.0, 20.0, 30.0]))
    names = [s.decode("utf-8") for s in f["names"][...]]
    if names != ["fixed point", "ρ", ""]:
        problems.append(f"/names: got {names}")

for p in problems:
    print(f"{path}: {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}
if ! /usr/bin/python3 -c 'import h5py' 2>/dev/null; then
    fail "/usr/bin/python3 has no h5py (Debian package python3-h5py)"
else
    for np in 1 2 4; do
        if check_h5py "$work/np$np/parallel.h5" "$np"; then pass; else fail "h5py check of the $np-rank file"; fi
    done
fi

# 5. The manifold command on 1, 2, 4 and 8 ranks: each rank writes its own regions into the one
#    file; read back with h5py, the manifolds must be the same (scripts/compare-manifolds.py:
#    attributes, sheets bit for bit after a stable sort by region, sample points as sorted rows).
platlas="$bin/platlas"
first_saddle() {  # model: the index of the first saddle with one unstable direction
    "$platlas" cycles "$1" --max-order 1 --json 2>/dev/null | /usr/bin/python3 -c '
import json, sys
cycles = json.load(sys.stdin)["cycles"]
print(next(i for i, c in enumerate(cycles) if c["stability"] == "saddle" and c["unstable_dimension"] == 1))'
}
manifold_case() {  # label model extra-options...
    local label=$1 model=$2; shift 2
    local saddle
    saddle=$(first_saddle "$model") || { fail "$label: no saddle found"; return; }
    for np in 1 2 4 8; do
        if ! mpirun --oversubscribe -np "$np" "$platlas" manifold "$model" --cycle "$saddle" --kind both "$@" \
            --output "$work/$label-np$np.h5" >"$work/$label-np$np.out" 2>"$work/$label-np$np.log"; then
            fail "$label: manifold on $np ranks:"$'\n'"$(tail -3 "$work/$label-np$np.log")"; return
        fi
    done
    for np in 2 4 8; do
        if out=$(/usr/bin/python3 scripts/compare-manifolds.py "$work/$label-np1.h5" "$work/$label-np$np.h5"); then pass; else fail "$out"; fi
    done
    # The load report: one entry per rank, the regions adding up to the manifold's.
    if /usr/bin/python3 - "$work/$label-np4.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    for name, g in f["manifolds"].items():
        d = g["distribution"]
        regions = len({bytes(r) for r in g["sheets/region"][()]})
        assert d.attrs["ranks"] == 4 and d["regions_per_rank"].shape == (4,), name
        assert d["regions_per_rank"][()].sum() == regions, (name, d["regions_per_rank"][()], regions)
        assert g["sheets/support_offsets"][-1] == g["sheets/support_points"].shape[0], name
        x = d["exchange_seconds_per_round"][()]
        assert x.shape == (d.attrs["rounds"],) and (x >= 0).all() and abs(x.sum() - d.attrs["exchange_seconds"]) < 1e-9, (name, x)
PY
    then pass; else fail "$label: the load report or the offsets of the 4-rank file"; fi
}
if [ -f ../shared/models/alrnn_lorenz_m20_p2.json ]; then
    manifold_case lorenz ../shared/models/alrnn_lorenz_m20_p2.json --max-iterations 120
else
    fail "../shared/models/alrnn_lorenz_m20_p2.json is missing"
fi
manifold_case duffing jobs/models/duffing.json --allow-non-invertible --max-iterations 80

# 5b. A job spec's [[manifold]] analysis spreads its regions over the job's ranks too: the
#     same manifolds on 1, 2 and 4 ranks, and the same as the manifold command's.
cat >"$work/manifold-spec.toml" <<SPEC
name = "duffing-manifold"
model = "$PWD/jobs/models/duffing.json"
[[manifold]]
cycle = 1
kind = "both"
allow_non_invertible = true
max_iterations = 80
SPEC
for np in 1 2 4; do
    if ! mpirun --oversubscribe -np "$np" "$platlas" run "$work/manifold-spec.toml" --output "$work/spec-np$np.h5" \
        >/dev/null 2>"$work/spec-np$np.log"; then
        fail "job spec manifold on $np ranks:"$'\n'"$(tail -3 "$work/spec-np$np.log")"
    fi
done
for pair in "spec-np1 spec-np2" "spec-np1 spec-np4" "duffing-np1 spec-np4"; do
    set -- $pair
    if out=$(/usr/bin/python3 scripts/compare-manifolds.py "$work/$1.h5" "$work/$2.h5"); then pass; else fail "$out"; fi
done

# 5c. basins: the stable manifold built over the ranks, the grid points shared over them. The
#     command on 1, 2 and 4 ranks must give the same --json (timings aside) and the same file
#     (sheets, sides and grid counts, compare-manifolds.py); so must a job spec's [[basins]],
#     which must also match the command's file. The cycle-II 5-cycle of the toy map (science.md
#     section 6) piles up bundles of nearly coincident segments; Duffing separates two sinks.
cat >"$work/cycle2.json" <<'MODEL'
{"type": "plrnn", "A": [[0.9, 1], [-0.9, 0]], "W": [[-2.75, 0], [0, 0]], "h": [-1, 0]}
MODEL
same_json() {  # a.json b.json: equal after dropping every "seconds"
    /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k != "seconds"}
    return [strip(v) for v in x] if isinstance(x, list) else x
a, b = (strip(json.load(open(p))) for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)
PY
}
basins_case() {  # label model options...
    local label=$1 model=$2; shift 2
    for np in 1 2 4; do
        if ! mpirun --oversubscribe -np "$np" "$platlas" basins "$model" "$@" --json --output "$work/basins-$label-np$np.h5" \
            >"$work/basins-$label-np$np.json" 2>"$work/basins-$label-np$np.log"; then
            fail "basins $label on $np ranks:"$'\n'"$(tail -3 "$work/basins-$label-np$np.log")"; return
        fi
    done
    for np in 2 4; do
        if same_json "$work/basins-$label-np1.json" "$work/basins-$label-np$np.json"; then pass; else
            fail "basins $label: the --json of $np ranks differs from 1 rank's"
        fi
        if out=$(/usr/bin/python3 scripts/compare-manifolds.py "$work/basins-$label-np1.h5" "$work/basins-$label-np$np.h5"); then pass; else fail "basins $label: $out"; fi
    done
}
basins_case cycle2 "$work/cycle2.json" --max-order 5 --saddle 2 --max-iterations 50 --grid 30
basins_case duffing jobs/models/duffing.json --saddle 1 --allow-non-invertible --grid 40
if /usr/bin/python3 - "$work/basins-duffing-np4.json" "$work/basins-cycle2-np4.json" <<'PY'
import json, sys
d, c = (json.load(open(p)) for p in sys.argv[1:3])
assert d["grid"]["agreement"] > 0.98 and {d["sides"]["plus"], d["sides"]["minus"]} == {0, 2}, d["grid"]
assert c["sides"] == {"plus": 0, "minus": 0} and c["grid"]["points"] == 900, c["sides"]
PY
then pass; else fail "basins: the 4-rank reports are not the known ones"; fi
cat >"$work/basins-spec.toml" <<SPEC
name = "duffing-basins"
model = "$PWD/jobs/models/duffing.json"
[[basins]]
saddle = 1
grid = 40
allow_non_invertible = true
SPEC
for np in 1 2 4; do
    if ! mpirun --oversubscribe -np "$np" "$platlas" run "$work/basins-spec.toml" --output "$work/basins-spec-np$np.h5" \
        >/dev/null 2>"$work/basins-spec-np$np.log"; then
        fail "job spec basins on $np ranks:"$'\n'"$(tail -3 "$work/basins-spec-np$np.log")"
    fi
done
for pair in "basins-spec-np1 basins-spec-np2" "basins-spec-np1 basins-spec-np4" "basins-duffing-np1 basins-spec-np4"; do
    set -- $pair
    if out=$(/usr/bin/python3 scripts/compare-manifolds.py "$work/$1.h5" "$work/$2.h5"); then pass; else fail "$out"; fi
done

# 5d. ftle and reduce: the field's rows and the parameter track's values shared over the ranks,
#     the slow manifold built over them. The commands on 1, 2 and 4 ranks must print the same
#     --json (timings and the rank count aside) and write the same /ftle, /reduced and
#     /manifolds/cycle2-slow bit for bit (compare-groups.py); so must a job spec holding both.
strip_ranks() {  # a.json b.json: equal after dropping every "seconds" and "ranks"
    /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k not in ("seconds", "ranks")}
    return [strip(v) for v in x] if isinstance(x, list) else x
a, b = (strip(json.load(open(p))) for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)
PY
}
for np in 1 2 4; do
    if ! mpirun --oversubscribe -np "$np" "$platlas" ftle jobs/models/duffing.json --bounds -4.5:4.5,-4.5:4.5 --grid 61 --steps 40 \
        --json --output "$work/ftle-np$np.h5" >"$work/ftle-np$np.json" 2>"$work/ftle-np$np.log"; then
        fail "ftle on $np ranks:"$'\n'"$(tail -3 "$work/ftle-np$np.log")"
    fi
    if ! mpirun --oversubscribe -np "$np" "$platlas" reduce jobs/models/decision-line.json --saddle 2 --param h+u --direction 1,-1,0 \
        --range -0.2:0.2:13 --json --output "$work/reduce-np$np.h5" >"$work/reduce-np$np.json" 2>"$work/reduce-np$np.log"; then
        fail "reduce on $np ranks:"$'\n'"$(tail -3 "$work/reduce-np$np.log")"
    fi
done
for np in 2 4; do
    for what in ftle reduce; do
        if strip_ranks "$work/$what-np1.json" "$work/$what-np$np.json"; then pass; else fail "$what: the --json of $np ranks differs from 1 rank's"; fi
    done
    if out=$(/usr/bin/python3 scripts/compare-groups.py "$work/ftle-np1.h5" "$work/ftle-np$np.h5" /ftle); then pass; else fail "ftle on $np ranks: $out"; fi
    # /reduced bit for bit; the slow manifold as compare-manifolds.py compares manifolds (the
    # sheets and points of each rank are written at its offset, so their order depends on the
    # rank count, their values do not).
    if out=$(/usr/bin/python3 scripts/compare-groups.py "$work/reduce-np1.h5" "$work/reduce-np$np.h5" /reduced) \
        && out=$(/usr/bin/python3 scripts/compare-manifolds.py "$work/reduce-np1.h5" "$work/reduce-np$np.h5"); then pass; else
        fail "reduce on $np ranks: $out"
    fi
done
cat >"$work/ftle-reduce-spec.toml" <<SPEC
name = "ftle-reduce"
model = "$PWD/jobs/models/duffing.json"
[[ftle]]
bounds = "-4.5:4.5,-4.5:4.5"
grid = 61
steps = 40
SPEC
if mpirun --oversubscribe -np 4 "$platlas" run "$work/ftle-reduce-spec.toml" --output "$work/ftle-spec-np4.h5" >/dev/null 2>"$work/ftle-spec.log" \
    && out=$(/usr/bin/python3 scripts/compare-groups.py "$work/ftle-np1.h5" "$work/ftle-spec-np4.h5" /ftle); then pass; else
    fail "[[ftle]] on 4 ranks against the command on 1: ${out:-$(tail -3 "$work/ftle-spec.log")}"
fi
if /usr/bin/python3 - "$work/reduce-np4.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert [f["stability"] for f in d["reduced"]["fixed_points"]] == ["stable", "unstable", "stable"], d["reduced"]["fixed_points"]
assert len(d["folds"]) == 2 and all(abs(abs(f["parameter"]) - 7 / 106) < 1e-6 for f in d["folds"]), d["folds"]
PY
then pass; else fail "reduce: the 4-rank report is not the known one"; fi

# 6. Kill and resume: a 4-rank run with a checkpoint every 2 rounds kills itself (every rank,
#    SIGKILL) right after its first checkpoint write, is resumed on 2 and on 4 ranks, and must
#    end both times with the manifold of an uninterrupted run. The model has a 24-dimensional
#    stable manifold (scripts/make-saddle-alrnn.py 25 10, the scaling benchmark's) built in 4
#    rounds in the box -10:10.
/usr/bin/python3 scripts/make-saddle-alrnn.py 25 10 >"$work/alrnn.json"
stable=(manifold "$work/alrnn.json" --cycle 1 --kind stable --bounds=-10:10)
if mpirun --oversubscribe -np 2 "$platlas" "${stable[@]}" --output "$work/whole.h5" >/dev/null 2>"$work/whole.log"; then
    rm -f "$work/killed.checkpoint.h5"
    # Every rank kills itself right after the first checkpoint write (PLATLAS_HALT_AFTER_CHECKPOINTS),
    # as a node failure would: no timing involved.
    set +e
    mpirun --oversubscribe -np 4 -x PLATLAS_HALT_AFTER_CHECKPOINTS=1 "$platlas" "${stable[@]}" --output "$work/killed.h5" \
        --checkpoint-every 2 >/dev/null 2>"$work/killed.log"
    killed_status=$?
    set -e
    if [ -f "$work/killed.h5" ] || [ "$killed_status" -eq 0 ]; then
        fail "kill and resume: the run finished before it was killed (exit $killed_status)"
    elif [ ! -f "$work/killed.checkpoint.h5" ]; then
        fail "kill and resume: no checkpoint was written before the kill:"$'\n'"$(tail -3 "$work/killed.log")"
    elif ! mpirun --oversubscribe -np 2 "$platlas" "${stable[@]}" --output "$work/other-count.h5" \
        --resume "$work/killed.checkpoint.h5" --keep-checkpoint >/dev/null 2>"$work/other-count.log"; then
        fail "kill and resume: resuming on 2 ranks failed:"$'\n'"$(tail -3 "$work/other-count.log")"
    elif ! mpirun --oversubscribe -np 4 "$platlas" "${stable[@]}" --output "$work/killed.h5" \
        --resume "$work/killed.checkpoint.h5" >/dev/null 2>"$work/resumed.log"; then
        fail "kill and resume: the resumed run failed:"$'\n'"$(tail -3 "$work/resumed.log")"
    elif ! grep -q "resuming .* at round [2-5]" "$work/resumed.log"; then
        fail "kill and resume: the resumed run did not continue a construction:"$'\n'"$(grep resuming "$work/resumed.log")"
    else
        # Resumed on 4 ranks (as killed) and on 2 (another rank count): both as uninterrupted.
        for resumed in killed other-count; do
            if out=$(/usr/bin/python3 scripts/compare-manifolds.py "$work/whole.h5" "$work/$resumed.h5"); then pass; else fail "kill and resume: $out"; fi
        done
    fi
    if [ -f "$work/killed.checkpoint.h5" ]; then fail "kill and resume: the checkpoint was not removed after the resumed run completed"; else pass; fi
else
    fail "kill and resume: the uninterrupted run failed:"$'\n'"$(tail -3 "$work/whole.log")"
fi

# 7. Every command under mpirun -np 2 prints what one process prints: one JSON document on
#    stdout (commands that do not use MPI run in the launcher's first copy only), one script
#    for submit --dry-run, one file written by convert.
printf '{"type": "plrnn", "A": [[-0.39, -0.44], [0.91, 0.56]], "W": [[1.65, 0], [-1.62, 0]], "h": [-0.28, 0.62]}\n' >"$work/saddle.json"
printf 'name = "two"\nmodel = "%s"\n[[info]]\n[[cycles]]\nmax_order = 2\n' "$work/saddle.json" >"$work/two.toml"
one_document() {  # label command...: runs "mpirun -np 2 platlas command..."; stdout must be one JSON document
    local label=$1; shift
    if ! mpirun --oversubscribe -np 2 "$platlas" "$@" >"$work/$label.json" 2>"$work/$label.err"; then
        fail "$label under mpirun -np 2 failed:"$'\n'"$(tail -3 "$work/$label.err")"; return
    fi
    if /usr/bin/python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$work/$label.json" 2>"$work/$label.py"; then pass; else
        fail "$label under mpirun -np 2: stdout is not one JSON document ($(tail -1 "$work/$label.py")):"$'\n'"$(head -c 300 "$work/$label.json")"
    fi
}
one_document info info "$work/saddle.json" --json
one_document cycles cycles "$work/saddle.json" --max-order 2 --json --output "$work/np2-cycles.h5"
one_document manifold manifold "$work/saddle.json" --cycle 0 --kind both --json
one_document basins basins "$work/saddle.json" --saddle 0 --grid 20 --json
one_document intersections intersections "$work/saddle.json" --saddle 0 --json
one_document sweep sweep "$work/saddle.json" --param 'h[0]' --range -0.3:-0.2:4 --max-order 2 --json
one_document fit fit --system bistable --samples 200 --hidden 5 --skip-long-horizon --json
one_document run run "$work/two.toml" --output "$work/np2-run.h5" --json
one_document collect collect "$work/np2-collected.h5" "$work/np2-cycles.h5" --json
one_document bench-kernels bench-kernels --products 1000
one_document bench-ftle bench-ftle "$work/saddle.json" --grid 20 --steps 10
one_document ftle ftle "$work/saddle.json" --bounds -2:2,-2:2 --grid 20 --steps 10 --json
one_document reduce reduce jobs/models/decision-line.json --fixed-point 0 --json
if mpirun --oversubscribe -np 2 "$platlas" convert "$work/saddle.json" "$work/np2-model.h5" >"$work/convert.out" 2>"$work/convert.err" \
    && [ "$(grep -c '^platlas: wrote' "$work/convert.err")" -eq 1 ] && [ ! -s "$work/convert.out" ] && [ -f "$work/np2-model.h5" ]; then pass; else
    fail "convert under mpirun -np 2: $(cat "$work/convert.err")"
fi
"$platlas" submit "$work/two.toml" --templates slurm --dry-run >"$work/submit-1.txt" 2>/dev/null || true
if mpirun --oversubscribe -np 2 "$platlas" submit "$work/two.toml" --templates slurm --dry-run >"$work/submit-2.txt" 2>/dev/null \
    && [ -s "$work/submit-1.txt" ] && cmp -s "$work/submit-1.txt" "$work/submit-2.txt"; then pass; else
    fail "submit --dry-run under mpirun -np 2 printed something else than one process prints"
fi

# 8. Two runs on one output: the second, on 2 ranks, is refused by every rank (rank 0 holds
#    the lock decision and broadcasts it) with exit 2 and one line, before it touches anything;
#    the first, stopped on purpose once it has claimed the output (PLATLAS_PAUSE_AFTER_CLAIM)
#    and then continued, finishes with a file that opens.
PLATLAS_PAUSE_AFTER_CLAIM=1 "$platlas" run "$work/two.toml" --output "$work/shared.h5" >/dev/null 2>"$work/first.err" &
first=$!
for _ in $(seq 1 30000); do  # an event, however long it takes (the loop bound is a safety net)
    [ "$(awk '{print $3}' "/proc/$first/stat" 2>/dev/null)" = T ] && break
    kill -0 "$first" 2>/dev/null || break
    sleep 0.01
done
before=$(ls -l --time-style=full-iso "$work" | grep shared)
set +e
mpirun --oversubscribe -np 2 "$platlas" run "$work/two.toml" --output "$work/shared.h5" >"$work/second.out" 2>"$work/second.err"
second_status=$?
set -e
after=$(ls -l --time-style=full-iso "$work" | grep shared)
kill -CONT "$first" 2>/dev/null || true
wait "$first" && first_status=0 || first_status=$?
lines=$(grep -c '^platlas' "$work/second.err" || true)
if [ "$second_status" -eq 2 ] && [ "$lines" -eq 1 ] && grep -q "shared.h5 is being written by another platlas run" "$work/second.err" \
    && [ ! -s "$work/second.out" ] && [ "$before" = "$after" ]; then pass; else
    fail "two runs on one output: the second (2 ranks) exited $second_status with $lines lines:"$'\n'"$(grep '^platlas' "$work/second.err")"
fi
if [ "$first_status" -eq 0 ] && /usr/bin/python3 -c 'import h5py, sys; h5py.File(sys.argv[1], "r")["cycles"]' "$work/shared.h5" \
    && [ ! -e "$work/shared.h5.lock" ]; then pass; else
    fail "two runs on one output: the first exited $first_status:"$'\n'"$(tail -3 "$work/first.err")"
fi

# 9. Node-local storage: rank 1 runs in a mount namespace of its own with a tmpfs over the
#    output's directory, as on a second node whose /tmp is its own. Every rank refuses the run
#    with one line naming the directory, before anything is written; the same run with the
#    directory seen by both ranks succeeds. Skipped where mount namespaces are not permitted.
mkdir -p "$work/nodelocal"
if unshare --mount true 2>/dev/null; then
    set +e
    mpirun --oversubscribe -np 2 bash -c '
        if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then
            exec unshare --mount bash -c "mount -t tmpfs tmpfs \"\$0\" && exec \"\$@\"" "$0" "$@"
        fi
        exec "$@"' "$work/nodelocal" "$platlas" cycles jobs/models/duffing.json --max-order 2 \
        --output "$work/nodelocal/c.h5" >"$work/nodelocal.out" 2>"$work/nodelocal.err"
    local_status=$?
    set -e
    lines=$(grep -c '^platlas' "$work/nodelocal.err" || true)
    if [ "$local_status" -ne 0 ] && [ "$lines" -ge 1 ] && ! grep '^platlas' "$work/nodelocal.err" | grep -vq "is not shared by all ranks" \
        && grep -q "'$work/nodelocal' is not shared by all ranks: rank 1 on " "$work/nodelocal.err" \
        && [ -z "$(ls -A "$work/nodelocal")" ]; then pass; else
        fail "node-local output directory: exit $local_status, left $(ls -A "$work/nodelocal" | tr '\n' ' '):"$'\n'"$(grep '^platlas' "$work/nodelocal.err")"
    fi
    if mpirun --oversubscribe -np 2 "$platlas" cycles jobs/models/duffing.json --max-order 2 --output "$work/nodelocal/c.h5" \
        >/dev/null 2>"$work/nodelocal2.err" && [ -z "$(find "$work/nodelocal" -name '.platlas-shared-check-*')" ]; then pass; else
        fail "shared output directory refused or probe left behind:"$'\n'"$(tail -3 "$work/nodelocal2.err")"
    fi
else
    echo "mpi tests: SKIP node-local storage: mount namespaces are not permitted here (unshare --mount failed)" >&2
fi

echo "mpi tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
