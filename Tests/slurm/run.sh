#!/usr/bin/env bash
# Slurm tests: starts a one-node Slurm (slurm/local-up.sh) in a fresh temporary directory and
# checks that
#   - the sbatch templates document exactly the placeholders they use;
#   - local-up.sh prints only the export line on stdout and is idempotent;
#   - a 2-task batch job runs the MPI test driver under `srun --mpi=pmix` (sbatch --wait);
#   - sbatch --wait returns a failing job's exit code;
#   - a 3-task job array runs every task;
#   - scancel of a running job leaves it CANCELLED and kills its processes;
#   - `platlas submit jobs/duffing.toml --ntasks-per-node 2 --wait` runs the Duffing job spec as
#     a 2-rank MPI job; its HDF5 file (read with h5py) holds the same cycles as a local
#     `platlas run` of the spec, written by 2 ranks; the postprocessing example draws it;
#   - `platlas submit --wait` exits with the exit code of a job that fails (2: bad input found
#     while running);
#   - `platlas submit jobs/survey.toml --array jobs/survey-models.txt --wait` runs a 3-task
#     array and the collect job after it; the collected file holds every task file exactly;
#   - a 2-rank job of a spec with a long sweep, cancelled part-way through the sweep and
#     submitted again with --resume, writes the same file as one uninterrupted local run
#     (every dataset compared with h5py, timings aside);
# then always stops the cluster and checks that no Slurm or munge process it started remains.
#
# The stand-in for a time limit: Slurm's limits count in whole minutes (and are enforced up to
# half a minute late), so waiting for a real one would make that check take two minutes. The
# check ends the job with a plain `scancel` instead, which takes the same path through slurmd
# as a time limit: SIGTERM to every task of every step, SIGKILL after KillWait (5 s here). Only
# the job's final state differs (CANCELLED instead of TIMEOUT).
#
#   Tests/slurm/run.sh BIN_DIR      BIN_DIR holds platlas and platlas-mpi-tests (e.g. .build/release)
#
# Runs as root. Prints `N passed, M failed` last; exits non-zero if anything failed.
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=helpers.sh
. "$(dirname "${BASH_SOURCE[0]}")/helpers.sh"
suite_start "slurm tests" Tests/slurm/run.sh "$@"
jobs=$work/jobs
mkdir -p "$jobs"
cluster_up=0

pass() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+: $2}"; }
note() { echo "       $*"; }

finish() {
    stop_cluster
    if [ -z "$leftover" ]; then
        pass "no slurmctld, slurmd, slurmstepd or munged left running"
    else
        fail "no daemons left running" "still running: $(ps -o pid=,args= -p "$leftover" 2>/dev/null | tr '\n' ';')"
    fi
    suite_end "cluster logs in $cluster/log, job logs in $jobs" "$passed passed, $failed failed"
}
trap finish EXIT

# ---- checks ------------------------------------------------------------------------------

check_placeholders() {
    local t documented used ok=0
    for t in platlas.sbatch platlas-array.sbatch collect.sbatch; do
        documented=$(grep -oE '^#   @[A-Z_]+@' "$slurm/$t" | grep -oE '@[A-Z_]+@' | sort -u)
        used=$(grep -oE '@[A-Z_]+@' "$slurm/$t" | sort -u)
        if [ "$documented" != "$used" ]; then
            note "$t: used $(tr '\n' ' ' <<<"$used"), documented $(tr '\n' ' ' <<<"$documented")"
            ok=1
        fi
    done
    used=$(grep -oE '@[A-Z_]+@' "$slurm/platlas.sbatch" | sort -u | tr '\n' ' ')
    local want
    want=$(printf '%s\n' @EXTRA_ARGS@ @JOB_NAME@ @NODES@ @NTASKS_PER_NODE@ @OUTPUT@ @PARTITION@ \
        @PLATLAS@ @SPEC@ @TIME@ | sort -u | tr '\n' ' ')
    if [ "$used" != "$want" ]; then
        note "platlas.sbatch uses $used; expected $want"
        ok=1
    fi
    for t in platlas.sbatch platlas-array.sbatch collect.sbatch; do
        bash -n "$slurm/$t" || ok=1
    done
    return "$ok"
}

# A free port pair for slurmctld and slurmd, so a cluster already running elsewhere is no
# obstacle.
port=$(free_port_pair) || { fail "free port pair for slurmctld and slurmd"; exit 1; }
export PLATLAS_SLURM_PORT=$port

check_up() {
    local out
    out=$("$slurm/local-up.sh" "$cluster" 2> "$work/up.err") || { sed 's/^/       /' "$work/up.err"; return 1; }
    if [ "$out" != "export SLURM_CONF=$cluster/slurm.conf" ]; then
        note "stdout was: $out"
        return 1
    fi
    eval "$out"
    cluster_up=1
    [ "$(sinfo -h -o '%P %t %c')" = "debug* idle 4" ] || { note "sinfo: $(sinfo -h -o '%P %t %c')"; return 1; }
}

check_up_again() {
    local out
    out=$("$slurm/local-up.sh" "$cluster" 2> "$work/up2.err") || return 1
    [ "$out" = "export SLURM_CONF=$cluster/slurm.conf" ] || { note "stdout was: $out"; return 1; }
    grep -q 'already up' "$work/up2.err" || { note "stderr: $(cat "$work/up2.err")"; return 1; }
}

check_mpi_job() {
    local script=$jobs/mpi.sbatch rc log ranks
    if [ ! -x "$bin/platlas-mpi-tests" ]; then
        note "no $bin/platlas-mpi-tests; build it: swift build -c release --product platlas-mpi-tests"
        return 1
    fi
    mkdir -p "$jobs/mpi-work"
    cat > "$script" <<EOF
#!/bin/bash
#SBATCH --job-name=mpi-tests
#SBATCH --ntasks=2
#SBATCH --time=5
#SBATCH --output=$jobs/mpi-%j.out
set -euo pipefail
export OPENBLAS_NUM_THREADS=1
echo "job \$SLURM_JOB_ID: \$SLURM_NTASKS tasks on \$SLURM_JOB_NODELIST"
srun --mpi=pmix --label "$bin/platlas-mpi-tests" --workdir "$jobs/mpi-work" --only "parallel HDF5"
EOF
    # The parallel HDF5 cases (MPI-IO over the two tasks) prove the launch; the whole driver runs
    # under mpirun in Tests/mpi. The timeout is a safety net for a hung job, far above its run time.
    timeout 600 sbatch --wait --parsable "$script" > "$jobs/mpi.id"
    rc=$?
    log=$jobs/mpi-$(cat "$jobs/mpi.id" 2>/dev/null).out
    [ "$rc" -eq 0 ] || { note "sbatch --wait exit code $rc"; sed 's/^/       | /' "$log"; return 1; }
    [ -s "$log" ] || { note "no job log $log"; return 1; }
    # The driver's rank 0 reports the size of MPI_COMM_WORLD: both tasks joined one MPI job.
    ranks=$(grep -oE 'mpi tests \([0-9]+ ranks\): [0-9]+ passed, [0-9]+ failed' "$log" || true)
    note "job $(cat "$jobs/mpi.id"): exit code $rc, driver: ${ranks:-no summary line}"
    case $ranks in
        "mpi tests (2 ranks): "*" passed, 0 failed") ;;
        *) sed 's/^/       | /' "$log"; return 1 ;;
    esac
    grep -q '2 tasks' "$log"
}

check_exit_code() {
    local rc
    timeout 600 sbatch --wait --time=2 --job-name=exit3 --output="$jobs/exit3-%j.out" \
        --wrap 'exit 3' > /dev/null
    rc=$?
    note "sbatch --wait exit code $rc"
    [ "$rc" -eq 3 ]
}

check_array() {
    local id t ok=0 states
    mkdir -p "$jobs/array"
    id=$(sbatch --parsable --array=0-2 --time=2 --job-name=array \
        --output="$jobs/array-%A_%a.out" \
        --wrap "echo \$SLURM_ARRAY_TASK_ID > $jobs/array/task-\$SLURM_ARRAY_TASK_ID") || return 1
    if ! wait_until 30 job_gone_from_queue "$id"; then
        note "array job $id still queued after 30 s: $(squeue -h -j "$id" | tr '\n' ';')"
        return 1
    fi
    for t in 0 1 2; do
        [ "$(cat "$jobs/array/task-$t" 2>/dev/null)" = "$t" ] || { note "task $t wrote no file"; ok=1; }
    done
    states=$(job_states "$id" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
    note "array job $id: states$states"
    [ "$(job_states "$id" | sort -u)" = COMPLETED ] || ok=1
    [ "$(job_states "$id" | wc -l)" -eq 3 ] || ok=1
    return "$ok"
}

check_cancel() {
    local id pid
    id=$(sbatch --parsable --time=2 --job-name=cancel --output="$jobs/cancel-%j.out" \
        --wrap "echo \$\$ > $jobs/cancel.pid; exec sleep 300") || return 1
    if ! wait_until 20 job_in_state "$id" RUNNING || ! wait_until 10 test -s "$jobs/cancel.pid"; then
        note "job $id not running: $(job_states "$id")"
        return 1
    fi
    pid=$(cat "$jobs/cancel.pid")
    scancel "$id" || return 1
    if ! wait_until 20 job_in_state "$id" CANCELLED; then
        note "job $id in state $(job_states "$id") after scancel"
        return 1
    fi
    if ! wait_until 10 eval '! kill -0 '"$pid"' 2>/dev/null'; then
        note "the job's process $pid still runs"
        return 1
    fi
    note "job $id: $(scontrol show job -o "$id" | grep -oE 'JobState=[A-Z]+ Reason=[^ ]+')"
}

# compare_h5 A B [GROUP_IN_B]: every group, dataset and attribute of A equals the one in B
# (datasets: shape, dtype and values; attributes: values).
compare_h5() {
    "$python" - "$@" <<'EOF'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
b = b[sys.argv[3]] if len(sys.argv) > 3 else b
def same(x, y, path):
    for k in x.attrs:
        assert k in y.attrs, f'{path}: attribute {k} missing'
        assert np.array_equal(np.asarray(x.attrs[k]), np.asarray(y.attrs[k])), f'{path}: attribute {k}: {x.attrs[k]} != {y.attrs[k]}'
    if isinstance(x, h5py.Group):
        assert set(x) == set(y), f'{path}: members differ: {sorted(set(x) ^ set(y))}'
        for k in x:
            same(x[k], y[k], f'{path}/{k}')
    else:
        assert x.shape == y.shape and x.dtype == y.dtype, f'{path}: {x.shape} {x.dtype} != {y.shape} {y.dtype}'
        assert np.array_equal(x[()], y[()], equal_nan=x.dtype.kind == 'f'), f'{path}: values differ'
same(a, b, sys.argv[1])
EOF
}

check_submit_duffing() {
    local rc out=$jobs/duffing.h5 id log
    (cd "$jobs" && timeout 600 "$platlas" submit "$root/jobs/duffing.toml" --ntasks-per-node 2 \
        --time 00:05:00 --partition debug --output "$out" --wait) > "$jobs/submit.out" 2> "$jobs/submit.err"
    rc=$?
    id=$(submitted_job "$jobs/submit.out")
    log=$jobs/duffing-$id.out
    note "platlas submit --wait: exit code $rc; $(tail -1 "$jobs/submit.out")"
    if [ "$rc" -ne 0 ]; then
        sed 's/^/       | /' "$jobs/submit.err" "$log" "$jobs/duffing-$id.err" 2>/dev/null; return 1
    fi
    grep -q "^job $id finished: exit code 0; log $log; output $out" "$jobs/submit.out" || { note "no summary line"; return 1; }
    [ -s "$jobs/duffing.sbatch" ] || { note "no script duffing.sbatch beside the output"; return 1; }
    grep -q "^platlas: job $id (duffing) on 1 node(s)" "$log" && grep -q "^platlas: 2 ranks; spec $root/jobs/duffing.toml" "$log" &&
        grep -q "^platlas: results in $out" "$log" || { note "log $log:"; sed 's/^/       | /' "$log"; return 1; }
    # The job's progress lines (rank 0's stderr) are in the .err log.
    grep -q "analysis 2/3 done: /cycles" "$jobs/duffing-$id.err" || { note "no progress lines in the .err log"; return 1; }
    # The same spec run here, as one process: the same cycles.
    (cd "$jobs" && "$platlas" run "$root/jobs/duffing.toml" --output "$jobs/duffing-local.h5" > /dev/null 2>&1) ||
        { note "local platlas run failed"; return 1; }
    "$python" - "$out" "$jobs/duffing-local.h5" "$root/scripts/compare-manifolds.py" <<'EOF' || return 1
import importlib.util, sys, h5py, numpy as np
job, local = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
assert job.attrs['ranks'] == 2, job.attrs['ranks']
assert local.attrs['ranks'] == 1
assert job.attrs['schema_version'] == local.attrs['schema_version']
assert job['job'].attrs['name'] == 'duffing'
assert list(job['job/analyses'][()].astype(str)) == ['info', 'cycles', 'basins']
c, d = job['cycles'], local['cycles']
assert c.attrs['count'] >= 1 and c.attrs['max_order'] == 8
for name in ('order', 'offsets', 'points', 'regions', 'eigenvalues', 'unstable_dimension', 'stability', 'residual'):
    assert np.array_equal(c[name][()], d[name][()]), name
for name in job['info'].attrs:
    assert np.array_equal(job['info'].attrs[name], local['info'].attrs[name]), name
# The basin boundary, built over the 2 ranks: the same sheets (in rank order), sides and grid
# counts as the local run's (compare-manifolds.py).
m = job['manifolds/cycle1-stable']
assert m.attrs['basin_plus'] in (0, 2) and m.attrs['grid_agreement'] > 0.95, dict(m.attrs)
spec = importlib.util.spec_from_file_location('compare_manifolds', sys.argv[3])
compare = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare)
problem = compare.compare(job, local)
assert problem is None, problem
print(f"       job file: {c.attrs['count']} cycles, ranks 2, equal to the local run")
EOF
    "$python" "$root/scripts/postprocess-example.py" "$out" "$jobs/duffing.png" > "$jobs/post.out" 2>&1 ||
        { note "postprocess-example.py failed:"; sed 's/^/       | /' "$jobs/post.out"; return 1; }
    [ -s "$jobs/duffing.png" ] || { note "no figure"; return 1; }
    note "postprocess-example.py: $(tail -1 "$jobs/post.out")"
}

check_submit_failure() {
    local rc spec=$jobs/too-large.toml
    # Valid as a spec, refused when the search starts: exhaustive over far too many sequences.
    printf 'model = "%s"\n[[cycles]]\nmax_order = 12\nexhaustive = true\nexhaustive_limit = 1\n' \
        "$root/jobs/models/duffing.json" > "$spec"
    (cd "$jobs" && timeout 600 "$platlas" submit "$spec" --time 00:02:00 --output "$jobs/too-large.h5" --wait) \
        > "$jobs/fail.out" 2> "$jobs/fail.err"
    rc=$?
    note "exit code $rc; $(tail -1 "$jobs/fail.out")"
    [ "$rc" -eq 2 ] && grep -q "failed: exit code 2" "$jobs/fail.out" && [ ! -e "$jobs/too-large.h5" ]
}

check_submit_array() {
    local rc i
    (cd "$jobs" && timeout 600 "$platlas" submit "$root/jobs/survey.toml" --array "$root/jobs/survey-models.txt" \
        --time 00:05:00 --output "$jobs/survey.h5" --wait) > "$jobs/array.out" 2> "$jobs/array.err"
    rc=$?
    note "platlas submit --array --wait: exit code $rc"
    if [ "$rc" -ne 0 ]; then
        sed 's/^/       | /' "$jobs/array.out" "$jobs/array.err" "$jobs"/survey-*.err 2>/dev/null; return 1
    fi
    for i in 0 1 2; do
        [ -s "$jobs/survey-tasks/task-$i.h5" ] || { note "no task file $i"; return 1; }
        compare_h5 "$jobs/survey-tasks/task-$i.h5" "$jobs/survey.h5" "tasks/$i" || return 1
    done
    "$python" - "$jobs/survey.h5" "$root/jobs/survey-models.txt" <<'EOF' || return 1
import sys, os, h5py
f = h5py.File(sys.argv[1], 'r')
listed = [os.path.normpath(os.path.join(os.path.dirname(sys.argv[2]), l.strip())) for l in open(sys.argv[2]) if l.strip()]
assert f['tasks'].attrs['count'] == 3 and sorted(f['tasks']) == ['0', '1', '2'], list(f['tasks'])
for i, model in enumerate(listed):
    t = f['tasks'][str(i)]
    assert t['job'].attrs['model_path'] == model, (t['job'].attrs['model_path'], model)
    assert t.attrs['source'].endswith(f'task-{i}.h5') and 'cycles' in t and 'info' in t
print('       collected file: 3 tasks, each equal to its task file, models in list order')
EOF
    "$python" "$root/scripts/postprocess-example.py" "$jobs/survey.h5" "$jobs/survey.png" > "$jobs/post2.out" 2>&1 ||
        { note "postprocess-example.py on the collected file failed:"; sed 's/^/       | /' "$jobs/post2.out"; return 1; }
}

# The stand-in for a time limit (see the top of this file): a 2-rank job of a spec with a long
# sweep is cancelled once the sweep has written some rounds, then submitted again with
# --resume; the file it finishes must equal that of one uninterrupted local run.
check_cancel_and_resume() {
    local spec=$jobs/long-sweep.toml out=$jobs/long-sweep.h5 id err written total=1024 rc
    { long_sweep_spec 32 0.3; printf '[[cycles]]\nmax_order = 2\n'; } > "$spec"
    (cd "$jobs" && "$platlas" run "$spec" --output "$jobs/long-sweep-local.h5" > /dev/null 2> "$jobs/long-sweep-local.err") ||
        { note "local platlas run failed:"; sed 's/^/       | /' "$jobs/long-sweep-local.err"; return 1; }
    (cd "$jobs" && "$platlas" submit "$spec" --ntasks-per-node 2 --time 00:05:00 --output "$out") \
        > "$jobs/long1.out" 2> "$jobs/long1.err" || { sed 's/^/       | /' "$jobs/long1.out" "$jobs/long1.err"; return 1; }
    id=$(submitted_job "$jobs/long1.out")
    err=$jobs/long-sweep-$id.err
    # Wait for a progress line of the sweep with at least 10% of the points written.
    sweep_part_done() {
        written=$(grep -oE "sweep: [0-9]+/$total points" "$err" 2>/dev/null | tail -1 | grep -oE '[0-9]+' | head -1)
        [ -n "$written" ] && [ "$written" -ge $((total / 10)) ]
    }
    if ! wait_until 60 sweep_part_done; then
        note "job $id: no progress line with 10% of the points: $(tail -2 "$err" 2>/dev/null | tr '\n' ' ')"
        scancel "$id"; return 1
    fi
    scancel "$id" || return 1
    if ! wait_until 30 job_in_state "$id" CANCELLED; then
        note "job $id in state $(job_states "$id") after scancel"; return 1
    fi
    wait_until 15 job_gone_from_queue "$id" || true
    note "job $id cancelled after the line 'sweep: $written/$total points'"
    if grep -q 'analysis 2/3 done' "$err"; then note "the sweep had finished before scancel"; return 1; fi
    [ ! -e "$out" ] && [ -s "$out.partial" ] || { note "expected $out.partial and no $out: $(ls "$jobs" | tr '\n' ' ')"; return 1; }
    written=$("$python" -c "import h5py, sys; print(int(h5py.File(sys.argv[1], 'r')['sweep/done'][()].sum()))" "$out.partial") ||
        { note "cannot read the checkpoint"; return 1; }
    [ "$written" -gt 0 ] && [ "$written" -lt "$total" ] || { note "the checkpoint holds $written of $total points"; return 1; }

    # Polled here rather than with --wait, which sbatch checks only 2 s, 12 s, 44 s ... after
    # submission.
    (cd "$jobs" && "$platlas" submit "$spec" --ntasks-per-node 2 --time 00:05:00 --output "$out" --resume) \
        > "$jobs/long2.out" 2> "$jobs/long2.err" || { sed 's/^/       | /' "$jobs/long2.out" "$jobs/long2.err"; return 1; }
    id=$(submitted_job "$jobs/long2.out")
    err=$jobs/long-sweep-$id.err
    rc=$(wait_job "$id" 120) || return 1
    note "checkpoint: $written of $total points; resubmitted with --resume: job $id, exit code $rc"
    [ "$rc" -eq 0 ] || { sed 's/^/       | /' "$jobs/long2.out" "$jobs/long2.err" "$err" 2>/dev/null; return 1; }
    grep -q "continuing $out.partial: 1 of 3 analyses done" "$err" &&
        grep -q "/sweep: continuing from $out.partial: $written of $total points already done" "$err" ||
        { note "no continuation lines in $err:"; sed 's/^/       | /' "$err"; return 1; }
    [ ! -e "$out.partial" ] || { note "$out.partial left behind"; return 1; }
    "$python" - "$jobs/long-sweep-local.h5" "$out" <<'EOF' || return 1
import sys, h5py, numpy as np
local, job = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
names_l, names_j = [], []
local.visit(names_l.append); job.visit(names_j.append)
assert sorted(names_l) == sorted(names_j), sorted(set(names_l) ^ set(names_j))
n = 0
for name in names_l:
    x, y = local[name], job[name]
    if not isinstance(x, h5py.Dataset) or name.endswith('/seconds'):
        continue
    assert x.shape == y.shape and x.dtype == y.dtype, f'{name}: {x.shape} {x.dtype} != {y.shape} {y.dtype}'
    assert np.array_equal(x[()], y[()], equal_nan=x.dtype.kind == 'f'), f'{name}: values differ'
    n += 1
assert local.attrs['ranks'] == 1 and job.attrs['ranks'] == 2
assert job['job'].attrs['resumed'] == 1 and job['job'].attrs['completed'] == 3
assert job['sweep'].attrs['resumed'] == 1 and job['sweep/done'][()].all()
s = job['sweep']
print(f"       {n} datasets equal to the uninterrupted local run ({s['done'].shape[0]} points, "
      f"{s['bifurcations/type'].shape[0]} bifurcations)")
EOF
}

# ---- run ---------------------------------------------------------------------------------

echo "slurm tests: work directory $work, ports $port/$((port + 1))"
if check_placeholders; then pass "templates document exactly the placeholders they use"; else fail "template placeholders"; fi

if check_up; then
    pass "local-up.sh starts munged, slurmctld and slurmd; node idle; stdout is the export line"
else
    fail "local-up.sh" "see above"
fi

if [ "$cluster_up" -eq 1 ]; then
    run_checks "check_up_again:local-up.sh again reports the cluster already up" \
             "check_mpi_job:2-task sbatch --wait job runs platlas-mpi-tests under srun --mpi=pmix" \
             "check_exit_code:sbatch --wait returns the exit code of a failing job (3)" \
             "check_array:3-task job array (--array=0-2) runs every task" \
             "check_cancel:scancel of a running job leaves it CANCELLED and its process gone" \
             "check_submit_duffing:platlas submit jobs/duffing.toml (2 ranks, --wait): same cycles as a local run" \
             "check_submit_failure:platlas submit --wait exits with the job's exit code (2)" \
             "check_submit_array:platlas submit --array (3 tasks) then collect: every task file exactly" \
             "check_cancel_and_resume:2-rank sweep job cancelled part-way (time-limit stand-in), resubmitted with --resume: same file as one uninterrupted run"
else
    fail "cluster checks" "not run: the cluster did not come up"
fi
