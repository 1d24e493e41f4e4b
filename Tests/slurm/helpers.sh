# shellcheck shell=bash disable=SC2034  # sets variables for the suite that sources it
# Shared by the Slurm suites (Tests/slurm/run.sh, Tests/nodes/run.sh); sourced, not run. The
# caller defines note() (an indented line of detail) before calling these.

# suite_start NAME SCRIPT ARGS...: the start of a suite run as `SCRIPT BIN_DIR`. Checks the
# argument; sets suite (NAME), bin, root, slurm, platlas, python, started, before (the daemons
# already running), work (a fresh directory under /tmp), cluster ($work/cluster), passed and
# failed; cleans the launcher environment, exports PLATLAS_TEMPLATES; reports an interruption
# as a failure.
suite_start() {
    suite=$1
    if [ $# -ne 3 ]; then
        echo "usage: $2 BIN_DIR" >&2
        exit 2
    fi
    bin=$(cd "$3" 2>/dev/null && pwd) || { echo "$suite: no directory $3" >&2; exit 2; }
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    slurm=$root/slurm
    export PATH=$PATH:/usr/sbin
    started=$(date +%s)
    clean_launcher_env
    export OPENBLAS_NUM_THREADS=1
    platlas=$bin/platlas
    # `platlas submit` uses this repository's templates wherever BIN_DIR is (a copied binary
    # finds none of its own).
    export PLATLAS_TEMPLATES=$slurm
    python=/usr/bin/python3      # Debian's, with h5py (the python3 on PATH may lack it)
    before=$(daemons)
    work=$(mktemp -d "/tmp/platlas-${suite%% *}-test.XXXXXX")
    chmod 0755 "$work"
    cluster=$work/cluster
    passed=0; failed=0
    trap 'echo "$suite: interrupted" >&2; failed=$((failed + 1)); exit 130' INT TERM
}

# stop_cluster: the first step of a suite's EXIT trap: clears the traps, goes on past errors,
# runs slurm/local-down.sh on the suite's cluster if it was created (its lines indented), and sets
# leftover to the Slurm and munge processes that were not running before the suite.
stop_cluster() {
    trap - EXIT INT TERM
    set +e
    if [ -d "$cluster" ]; then
        "$slurm/local-down.sh" "$cluster" 2>&1 | sed 's/^/       /'
    fi
    leftover=$(leftover_daemons "$before")
}

# suite_end KEPT SUMMARY: prints the time taken; removes the work directory if nothing failed,
# else says it is kept (and KEPT: what lies where); prints SUMMARY last and exits 1 if anything
# failed, 0 otherwise.
suite_end() {
    echo "$suite: $(( $(date +%s) - started )) s"
    if [ "$failed" -eq 0 ]; then
        rm -rf "$work"
    else
        echo "$suite: logs kept in $work ($1)"
    fi
    echo "$2"
    [ "$failed" -eq 0 ] || exit 1
    exit 0
}

# clean_launcher_env: inherited Slurm or MPI settings (from an enclosing job, or a singleton
# MPI_Init) must not leak into a test cluster's jobs.
clean_launcher_env() {
    local v
    for v in $(compgen -e | grep -E '^(SLURM_|SBATCH_|SRUN_|SALLOC_|PMIX_|PMI_|OMPI_)' || true); do
        unset "$v"
    done
}

# bench_workdir NAME: for the benchmarks over simulated nodes: sets work (a new directory
# /tmp/platlas-bench-NAME.XXXXXX) and cluster (work/cluster), removes both on exit (the cluster
# stopped first), and sets the launcher environment of a 2-core machine running several ranks.
bench_workdir() {
    work=$(mktemp -d "/tmp/platlas-bench-$1.XXXXXX")
    chmod 0755 "$work"
    cluster=$work/cluster
    trap '[ ! -d "$cluster" ] || slurm/local-down.sh "$cluster" > /dev/null 2>&1 || true; rm -rf "$work"' EXIT
    clean_launcher_env
    export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
}

# daemons: live (not zombie) Slurm and munge processes, one PID a line.
daemons() {
    ps -eo pid=,stat=,comm= |
        awk '$2 !~ /^Z/ && $3 ~ /^(slurmctld|slurmd|slurmstepd|slurmscriptd|munged)$/ { print $1 }' |
        sort
}

# leftover_daemons BEFORE: the daemons running now that were not in BEFORE (a list from
# daemons()), comma-separated, empty when none; gives init up to 5 s to reap what exited.
leftover_daemons() {
    local before=$1 leftover i=0
    while :; do
        leftover=$(comm -13 <(printf '%s\n' "$before") <(daemons) | paste -sd, -)
        [ -z "$leftover" ] || [ "$i" -ge 50 ] && break
        sleep 0.1; i=$((i + 1))
    done
    printf '%s\n' "$leftover"
}

# free_port_pair: a port P such that P and P + 1 are free on 127.0.0.1, from 6817 on, so a
# cluster already running elsewhere is no obstacle; fails if none below 6900.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port_pair() {
    local port=${1:-6817}
    while port_busy "$port" || port_busy "$((port + 1))" || ip link show "plb$port" > /dev/null 2>&1; do
        port=$((port + 2))
        [ "$port" -lt 6900 ] || return 1
    done
    printf '%s\n' "$port"
}

# long_sweep_spec N FLUSH: a job spec of the toy map: [[info]], then a [[sweep]] of N x N points
# that writes its finished points every FLUSH seconds (callers may append analyses).
long_sweep_spec() {
    cat <<EOF
name = "long-sweep"
model = "$root/jobs/models/toymap.json"
seed = 3
[[info]]
[[sweep]]
param = "W[0,0]"
range = "0.77:3.77:$1"
param2 = "W[1,0]"
range2 = "-0.6:1.8:$1"
max_order = 6
lyapunov = true
lyapunov_steps = 2000
flush_interval = $2
EOF
}

# ---- job utilities -----------------------------------------------------------------------

# job_states ID: the JobState of the job, one line per array task.
job_states() { scontrol show job -o "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2; }

# wait_until SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds. SECONDS is what the
# event takes on an idle machine; the limit is ten times that, a safety net for a hung daemon, so
# that a slow or loaded machine still passes (every wait is for an event, never for a duration).
wait_until() {
    local limit=$(( $1 * 5 * 10 )) i=0
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

# submitted_job FILE: the job id in the first `job ID: ...` line `platlas submit` printed.
submitted_job() { grep -oE '^job [0-9]+' "$1" | head -1 | cut -d' ' -f2; }

# run_checks NAME:DESCRIPTION...: runs each function NAME, timed, and reports it with the
# caller's pass, fail or skip (exit status 77) DESCRIPTION, with the time and, if the check set
# it, the one-line $reason.
run_checks() {
    local c t0 took rc line
    for c in "$@"; do
        reason=
        t0=$(date +%s.%N)
        "${c%%:*}"
        rc=$?
        took=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
        line="${c#*:} (${took} s)${reason:+: $reason}"
        case $rc in
            0) pass "$line" ;;
            77) skip "$line" ;;
            *) fail "$line" ;;
        esac
    done
}
