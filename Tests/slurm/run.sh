#!/usr/bin/env bash
# Slurm tests: starts a one-node Slurm (slurm/local-up.sh) in a fresh temporary directory and
# checks that
#   - the sbatch templates document exactly the placeholders they use;
#   - local-up.sh prints only the export line on stdout and is idempotent;
#   - a 2-task batch job runs the MPI test driver under `srun --mpi=pmix` (sbatch --wait);
#   - sbatch --wait returns a failing job's exit code;
#   - a 3-task job array runs every task;
#   - scancel of a running job leaves it CANCELLED and kills its processes;
#   - platlas.sbatch, filled in, runs a 2-rank job (with a stand-in for platlas);
#   - platlas-array.sbatch and collect.sbatch, filled in, run an array and a dependent job;
# then always stops the cluster and checks that no Slurm or munge process it started remains.
# A check that a time limit kills a job is left out: Slurm's limits count in whole minutes.
#
#   Tests/slurm/run.sh BIN_DIR      BIN_DIR holds platlas-mpi-tests (e.g. .build/release)
#
# Runs as root. Prints `N passed, M failed` last; exits non-zero if anything failed.
set -uo pipefail

if [ $# -ne 1 ]; then
    echo "usage: Tests/slurm/run.sh BIN_DIR" >&2
    exit 2
fi
bin=$(cd "$1" 2>/dev/null && pwd) || { echo "slurm tests: no directory $1" >&2; exit 2; }
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
slurm=$root/slurm
export PATH=$PATH:/usr/sbin
started=$(date +%s)

# Inherited Slurm or MPI settings (from an enclosing job, or a singleton MPI_Init) must not
# leak into this cluster's jobs.
for v in $(compgen -e | grep -E '^(SLURM_|SBATCH_|SRUN_|SALLOC_|PMIX_|PMI_|OMPI_)' || true); do
    unset "$v"
done
export OPENBLAS_NUM_THREADS=1

passed=0; failed=0
pass() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+: $2}"; }
note() { echo "       $*"; }

# Live (not zombie) Slurm and munge processes, one PID a line.
daemons() {
    ps -eo pid=,stat=,comm= |
        awk '$2 !~ /^Z/ && $3 ~ /^(slurmctld|slurmd|slurmstepd|slurmscriptd|munged)$/ { print $1 }' |
        sort
}
before=$(daemons)

work=$(mktemp -d /tmp/platlas-slurm-test.XXXXXX)
chmod 0755 "$work"
cluster=$work/cluster
jobs=$work/jobs
mkdir -p "$jobs"
cluster_up=0

finish() {
    local status leftover i
    trap - EXIT INT TERM
    set +e
    if [ -d "$cluster" ]; then
        "$slurm/local-down.sh" "$cluster" 2>&1 | sed 's/^/       /'
    fi
    # Give init a moment to reap what exited; only processes that were not there before count.
    i=0
    while :; do
        leftover=$(comm -13 <(printf '%s\n' "$before") <(daemons) | paste -sd, -)
        [ -z "$leftover" ] || [ "$i" -ge 50 ] && break
        sleep 0.1; i=$((i + 1))
    done
    if [ -z "$leftover" ]; then
        pass "no slurmctld, slurmd, slurmstepd or munged left running"
    else
        fail "no daemons left running" "still running: $(ps -o pid=,args= -p "$leftover" 2>/dev/null | tr '\n' ';')"
    fi
    echo "slurm tests: $(( $(date +%s) - started )) s"
    if [ "$failed" -eq 0 ]; then
        rm -rf "$work"
    else
        echo "slurm tests: logs kept in $work (cluster logs in $cluster/log, job logs in $jobs)"
    fi
    echo "$passed passed, $failed failed"
    status=0; [ "$failed" -eq 0 ] || status=1
    exit "$status"
}
trap finish EXIT
trap 'echo "slurm tests: interrupted" >&2; failed=$((failed + 1)); exit 130' INT TERM

# ---- job utilities -----------------------------------------------------------------------

# job_states ID: the JobState of the job, one line per array task.
job_states() { scontrol show job -o "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2; }

# wait_until SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_until() {
    local limit=$(( $1 * 5 )) i=0
    shift
    until "$@"; do
        [ "$i" -ge "$limit" ] && return 1
        sleep 0.2; i=$((i + 1))
    done
}
# wait_job ID SECONDS: waits until the job (every task of an array) has finished, then prints
# the largest exit code, as sbatch --wait would; fails on timeout.
job_finished() {
    local states
    states=$(job_states "$1")
    [ -n "$states" ] &&
        ! grep -qE '^(PENDING|CONFIGURING|RUNNING|COMPLETING|SUSPENDED|REQUEUED|RESIZING|SIGNALING|STAGE_OUT)$' <<<"$states"
}
wait_job() {
    wait_until "$2" job_finished "$1" || { note "job $1 not finished after $2 s: $(job_states "$1" | tr '\n' ' ')"; return 1; }
    scontrol show job -o "$1" | grep -oE 'ExitCode=[0-9]+' | cut -d= -f2 | sort -n | tail -n 1
}
job_gone_from_queue() { [ -z "$(squeue -h -j "$1" 2>/dev/null)" ]; }
job_in_state() { [ "$(job_states "$1" | sort -u)" = "$2" ]; }

# fill TEMPLATE OUT NAME=VALUE...: writes TEMPLATE with every @NAME@ replaced by VALUE and
# fails if a placeholder is left.
fill() {
    local template=$1 out=$2 text kv name value
    shift 2
    text=$(cat "$template")
    for kv in "$@"; do
        name=${kv%%=*}; value=${kv#*=}
        text=${text//"@$name@"/"$value"}
    done
    printf '%s\n' "$text" > "$out"
    if grep -qE '@[A-Z_]+@' "$out"; then
        note "unfilled placeholders in $out: $(grep -oE '@[A-Z_]+@' "$out" | sort -u | tr '\n' ' ')"
        return 1
    fi
}

# A stand-in for the platlas executable: records how it was called, one line per rank.
stub=$work/bin/platlas
mkdir -p "$work/bin"
cat > "$stub" <<'EOF'
#!/bin/bash
set -euo pipefail
command=$1; shift
case $command in
    run)
        arguments="$*"; output=
        while [ $# -gt 0 ]; do
            case $1 in --output) output=$2; shift ;; esac
            shift
        done
        echo "rank ${SLURM_PROCID:-?} of ${SLURM_NTASKS:-?}: run $arguments"
        if [ "${SLURM_PROCID:-0}" = 0 ]; then echo "run $arguments" > "$output"; fi ;;
    collect)
        output=$1; shift
        cat "$@" > "$output"
        echo "collected $# files" ;;
    *) echo "stub platlas: unknown command $command" >&2; exit 64 ;;
esac
EOF
chmod +x "$stub"

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
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=6817
while port_busy "$port" || port_busy "$((port + 1))"; do
    port=$((port + 2))
    [ "$port" -lt 6900 ] || { fail "free port pair for slurmctld and slurmd"; exit 1; }
done
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
#SBATCH --time=2
#SBATCH --output=$jobs/mpi-%j.out
set -euo pipefail
export OPENBLAS_NUM_THREADS=1
echo "job \$SLURM_JOB_ID: \$SLURM_NTASKS tasks on \$SLURM_JOB_NODELIST"
srun --mpi=pmix --label "$bin/platlas-mpi-tests" --workdir "$jobs/mpi-work"
EOF
    timeout 60 sbatch --wait --parsable "$script" > "$jobs/mpi.id"
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
    timeout 60 sbatch --wait --time=2 --job-name=exit3 --output="$jobs/exit3-%j.out" \
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

check_run_template() {
    local script=$jobs/run.sbatch rc id log spec="$jobs/my spec.toml" out=$jobs/result.h5
    fill "$slurm/platlas.sbatch" "$script" JOB_NAME=tpl-run PARTITION=debug NODES=1 \
        NTASKS_PER_NODE=2 TIME=00:02:00 PLATLAS="$stub" SPEC="$spec" OUTPUT="$out" \
        EXTRA_ARGS="--resume" || return 1
    id=$(cd "$jobs" && sbatch --parsable run.sbatch) || return 1
    rc=$(wait_job "$id" 30) || return 1
    log=$jobs/tpl-run-$id.out
    if [ "$rc" -ne 0 ]; then
        note "exit code $rc"
        cat "$log" "$jobs/tpl-run-$id.err" 2>/dev/null | sed 's/^/       | /'
        return 1
    fi
    [ "$(cat "$out" 2>/dev/null)" = "run $spec --output $out --resume" ] ||
        { note "result file: $(cat "$out" 2>&1)"; return 1; }
    if ! { grep -q "^platlas: job $id (tpl-run) on 1 node(s)" "$log" &&
           grep -q "^rank 0 of 2: run" "$log" && grep -q "^rank 1 of 2: run" "$log" &&
           grep -q "^platlas: results in $out" "$log"; }; then
        note "log $log:"; sed 's/^/       | /' "$log"; return 1
    fi
    [ ! -s "$jobs/tpl-run-$id.err" ] || { note "stderr: $(cat "$jobs/tpl-run-$id.err")"; return 1; }
    note "job $id: exit code 0, 2 ranks, log $(basename "$log")"
}

check_array_templates() {
    local array_id collect_id rc want
    printf 'models/m%s.toml\n' 0 1 2 > "$jobs/models.txt"
    fill "$slurm/platlas-array.sbatch" "$jobs/array.sbatch" JOB_NAME=tpl-array PARTITION=debug \
        ARRAY=0-2 NODES=1 NTASKS_PER_NODE=1 TIME=00:02:00 PLATLAS="$stub" SPEC=spec.toml \
        MODEL_LIST="$jobs/models.txt" OUTDIR="$jobs/tasks" EXTRA_ARGS= || return 1
    array_id=$(cd "$jobs" && sbatch --parsable array.sbatch) || return 1
    fill "$slurm/collect.sbatch" "$jobs/collect.sbatch" JOB_NAME=tpl-collect PARTITION=debug \
        TIME=00:02:00 ARRAY_JOB_ID="$array_id" PLATLAS="$stub" OUTDIR="$jobs/tasks" \
        OUTPUT="$jobs/all.h5" || return 1
    collect_id=$(cd "$jobs" && sbatch --parsable collect.sbatch) || return 1
    rc=$(wait_job "$collect_id" 30) || return 1
    if [ "$rc" -ne 0 ]; then
        note "collect job: exit code $rc; array states: $(job_states "$array_id" | tr '\n' ' ')"
        cat "$jobs"/tpl-*.err 2>/dev/null | sed 's/^/       | /'
        return 1
    fi
    want=$(for t in 0 1 2; do echo "run spec.toml --model models/m$t.toml --output $jobs/tasks/task-$t.h5"; done)
    [ "$(cat "$jobs/all.h5" 2>/dev/null)" = "$want" ] || { note "collected: $(cat "$jobs/all.h5" 2>&1)"; return 1; }
    [ "$(job_states "$array_id" | sort -u)" = COMPLETED ] || { note "array states: $(job_states "$array_id")"; return 1; }
    note "array job $array_id (3 tasks), then collect job $collect_id after it: exit code 0"
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
    for c in "check_up_again:local-up.sh again reports the cluster already up" \
             "check_mpi_job:2-task sbatch --wait job runs platlas-mpi-tests under srun --mpi=pmix" \
             "check_exit_code:sbatch --wait returns the exit code of a failing job (3)" \
             "check_array:3-task job array (--array=0-2) runs every task" \
             "check_cancel:scancel of a running job leaves it CANCELLED and its process gone" \
             "check_run_template:platlas.sbatch, filled in, runs a 2-rank job" \
             "check_array_templates:platlas-array.sbatch then collect.sbatch (afterok) run in order"; do
        t0=$(date +%s.%N)
        if "${c%%:*}"; then ok=1; else ok=0; fi
        took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
        if [ "$ok" -eq 1 ]; then pass "${c#*:} (${took} s)"; else fail "${c#*:} (${took} s)"; fi
    done
else
    fail "cluster checks" "not run: the cluster did not come up"
fi
