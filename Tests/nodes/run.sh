#!/usr/bin/env bash
# Two-node tests: starts a local Slurm of two simulated nodes (slurm/local-up.sh --nodes 2:
# node1 and node2, each slurmd in a network, UTS and mount namespace of its own, joined by a
# bridge, each with a /tmp of its own) in a fresh temporary directory and checks that
#   - local-up.sh exits 77 with one line when namespaces are refused (a stand-in unshare that
#     fails), so that machines without the permission skip this suite;
#   - the cluster comes up: 2 nodes idle, partitions debug, node1 and node2; again: "already up";
#   (e) a file written to /tmp on node1 is not seen on node2 nor on the host, while one written
#     to the shared directory is (with slurm/node-exec.sh and with srun -p node1 / -p node2);
#   (a) a sweep on 2 nodes x 2 ranks, started by srun across node1 and node2 and by mpirun
#     through DIR/nodes/hostfile (slurm/node-exec.sh as its rsh agent, the TCP BTL over the
#     bridge), writes the same /sweep as one rank (scripts/compare-groups.py);
#   (b) the same for a stable manifold (scripts/compare-manifolds.py);
#   (c) `platlas submit --nodes 2 --ntasks-per-node 2` runs jobs/toymap-chart.toml on both nodes
#     and writes what one rank writes;
#   (d) a 2-rank sweep job in partition node1 stops itself once its checkpoint holds 96 points
#     (PLATLAS_PAUSE_AFTER_POINTS), is killed (SIGKILL, as a node failure), and is submitted again
#     with --resume in partition node2: the checkpoint on the shared path is continued there and
#     the result equals one uninterrupted rank's;
#   (f) a sweep and a manifold on 2 ranks of this machine with `--mca btl tcp,self` (TCP over
#     loopback) write what the default transport (shared memory) writes, and what one rank writes;
#   (g) a run whose output or checkpoint directory is node-local (/tmp, seen differently by the
#     ranks on node1 and on node2) is refused: non-zero exit, one line with "not shared" and the
#     directory, nothing written (PLATLAS_NODES_EXPECT_SHARED_CHECK=0 skips it);
# then always stops the cluster and checks that no daemon, keeper, namespace, veth or bridge it
# started remains. Every wait is for an event (a job state, a stopped process, a line), with a
# generous upper bound; none is a fixed sleep.
#
#   Tests/nodes/run.sh BIN_DIR      BIN_DIR holds platlas (e.g. .build/release)
#
# Runs as root. Each check prints PASS, FAIL or SKIP with its time and a one-line reason, then
# `N passed, M failed, K skipped`. Exits non-zero if anything failed; 0 if all passed or were
# skipped (where this machine allows no namespaces, the cluster checks skip with local-up.sh's
# line saying why).
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=../slurm/helpers.sh
. "$(dirname "${BASH_SOURCE[0]}")/../slurm/helpers.sh"
suite_start "nodes tests" Tests/nodes/run.sh "$@"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
prog=nodes-tests
skipped=0
pass() { passed=$((passed + 1)); echo "PASS - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+: $2}"; }
skip() { skipped=$((skipped + 1)); echo "SKIP - $1"; }
note() { echo "       $*"; }

shared=$work/shared        # job files and outputs: seen by every node
ref=$work/ref              # the one-rank results, run here
mkdir -p "$shared" "$ref"
cluster_up=0
why_skipped=
port=$(free_port_pair) || { echo "nodes tests: no free port pair below 6900" >&2; exit 1; }
export PLATLAS_SLURM_PORT=$port PLATLAS_SLURM_DIR=$cluster

finish() {
    stop_cluster
    [ -z "$(keepers_of "$cluster")" ] || leftover="$leftover keepers: $(keepers_of "$cluster" | cut -d' ' -f1 | paste -sd, -)"
    ! ip link show "plb$port" > /dev/null 2>&1 || leftover="$leftover bridge plb$port"
    [ -z "$(ip -o link show 2>/dev/null | grep -E "plb${port}[hn][0-9]")" ] || leftover="$leftover veths of plb$port"
    if [ -z "${leftover// /}" ]; then
        pass "cleanup: no daemon, node keeper, namespace, veth or bridge of the test left"
    else
        fail "cleanup" "still there:$leftover"
    fi
    suite_end "cluster logs in $cluster/log, job files in $shared" "$passed passed, $failed failed, $skipped skipped"
}
trap finish EXIT
# keepers_of, pids_in_netns, node_netns
# shellcheck source-path=SCRIPTDIR source=../../slurm/common.sh
. "$slurm/common.sh"
# shellcheck source-path=SCRIPTDIR source=../../slurm/nodes.sh
. "$slurm/nodes.sh"

# ---- what is run, and the one-rank references ------------------------------------------------

sweep_args=(sweep "$root/jobs/models/toymap.json" --param 'W[0,0]' --range 0.77:3.77:16
            --param2 'W[1,0]' --range2 -0.6:1.8:16 --max-order 6 --lyapunov --lyapunov-steps 2000 --seed 3)
# Cycle 1 of the bundled Duffing model is its saddle (Tests/mpi/run.sh finds it the same way).
manifold_args=(manifold "$root/jobs/models/duffing.json" --cycle 1 --kind stable --allow-non-invertible
               --max-iterations 80)
long_total=576
long_sweep_spec 24 1e-6 > "$shared/long.toml"

references() {
    (cd "$ref" &&
        "$platlas" "${sweep_args[@]}" --output "$ref/sweep.h5" &&
        "$platlas" "${manifold_args[@]}" --output "$ref/manifold.h5" &&
        "$platlas" run "$root/jobs/toymap-chart.toml" --output "$ref/chart.h5" &&
        "$platlas" run "$shared/long.toml" --output "$ref/long.h5") > "$ref/log" 2>&1
}

# same_sweep FILE RANKS: FILE holds the reference sweep, written by RANKS ranks.
same_sweep() {
    local out
    out=$("$python" "$root/scripts/compare-groups.py" "$ref/sweep.h5" "$1" /sweep /model) || { reason="$out"; return 1; }
    ranks_are "$1" "$2"
}
# same_manifold FILE RANKS: FILE holds the reference manifold, built over RANKS ranks that
# exchanged arrivals.
same_manifold() {
    local out
    out=$("$python" "$root/scripts/compare-manifolds.py" "$ref/manifold.h5" "$1") || { reason="$out"; return 1; }
    ranks_are "$1" "$2" || return 1
    out=$("$python" - "$1" "$2" <<'EOF'
import sys, h5py
d = h5py.File(sys.argv[1], "r")["manifolds/cycle1-stable/distribution"]
if d.attrs["ranks"] != int(sys.argv[2]) or d["bytes_sent_per_rank"][()].min() <= 0:
    print(f"load report: {d.attrs['ranks']} ranks, bytes sent per rank {d['bytes_sent_per_rank'][()].tolist()}")
EOF
    )
    [ -z "$out" ] || { reason=$out; return 1; }
}
ranks_are() {
    local r
    r=$("$python" -c 'import h5py, sys; print(h5py.File(sys.argv[1], "r").attrs["ranks"])' "$1" 2>&1)
    [ "$r" = "$2" ] || { reason="$1 written by ${r} ranks, expected $2"; return 1; }
}

# ---- cluster utilities -------------------------------------------------------------------------

# needs_cluster: returns 77 (skip) with the reason when the cluster is not up.
needs_cluster() {
    [ "$cluster_up" -eq 1 ] && return 0
    reason=${why_skipped:-the cluster did not come up}
    [ -n "$why_skipped" ] && return 77
    return 1
}

# mpirun_nodes NP ARGS...: mpirun over the simulated nodes (node1 first), TCP on the bridge only.
mpirun_nodes() {
    local np=$1 net
    shift
    net=10.213.$(sed -n 's/^SUBNET=//p' "$cluster/nodes/cluster.env")
    # --bind-to none: each simulated node would bind its first rank to core 0, the same core.
    timeout 600 mpirun --bind-to none --mca plm_rsh_agent "$slurm/node-exec.sh" --hostfile "$cluster/nodes/hostfile" \
        --mca btl_tcp_if_include "$net.0/24" --mca oob_tcp_if_include "$net.0/24" -np "$np" "$@"
}

# logged NAME COMMAND...: runs COMMAND (a function too) in the shared directory, its stderr in
# $shared/NAME.err; on failure sets reason to NAME and the last line of it.
logged() {
    local name=$1
    shift
    (cd "$shared" && "$@") > /dev/null 2> "$shared/$name.err" || { reason="$name: $(tail -n 1 "$shared/$name.err")"; return 1; }
}

# node_processes NODE NAME: PIDs of the live NAME processes inside NODE, one a line.
node_processes() {
    local kp pid
    kp=$(keeper_pid "$cluster/nodes/$1") || return 0
    for pid in $(pids_in_netns "$(node_netns "$kp")"); do
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && printf '%s\n' "$pid"
    done
}

# stopped_or_over NODE N JOB: N platlas processes run on NODE and all are stopped (state T), or
# the job JOB has ended.
stopped_or_over() {
    local pids
    pids=$(node_processes "$1" platlas)
    if [ "$(wc -w <<<"$pids")" -eq "$2" ] && ! ps -o stat= -p "$(paste -sd, <<<"$pids")" | grep -qv '^T'; then
        return 0
    fi
    job_finished "$3"
}

# sbatch_head NAME NODES PARTITION: a job script head for NODES nodes x 2 tasks; the body is
# appended by the caller.
sbatch_head() {
    cat <<EOF
#!/bin/bash
#SBATCH --job-name=$1
#SBATCH --partition=$3
#SBATCH --nodes=$2
#SBATCH --ntasks-per-node=2
#SBATCH --time=5
#SBATCH --output=$shared/$1-%j.out
#SBATCH --error=$shared/$1-%j.err
set -euo pipefail
export OPENBLAS_NUM_THREADS=1
cd "$shared"
EOF
}

# run_job SCRIPT: submits it and waits for it; sets job_id and job_log; fails (with reason) if it
# did not finish with exit code 0.
run_job() {
    local rc
    job_id=$(cd "$shared" && sbatch --parsable "$1") || { reason="sbatch refused $1"; return 1; }
    job_log=$shared/$(sed -n 's/^#SBATCH --job-name=//p' "$1")-$job_id
    rc=$(wait_job "$job_id" 60) || { reason="job $job_id did not finish"; return 1; }
    [ "$rc" -eq 0 ] || { reason="job $job_id exit code $rc: $(tail -n 2 "$job_log.err" | tr '\n' ' ')"; return 1; }
}

# ---- checks --------------------------------------------------------------------------------

check_refused() {
    local rc lines
    mkdir -p "$work/stub"
    printf '#!/bin/sh\necho "unshare: unshare failed: Operation not permitted" >&2\nexit 1\n' > "$work/stub/unshare"
    chmod +x "$work/stub/unshare"
    PATH=$work/stub:$PATH "$slurm/local-up.sh" --nodes 2 "$work/refused" > "$work/refused.out" 2> "$work/refused.err"
    rc=$?
    lines=$(wc -l < "$work/refused.err")
    reason="exit $rc, $lines line(s): $(head -n 1 "$work/refused.err")"
    [ "$rc" -eq 77 ] && [ "$lines" -eq 1 ] && [ ! -s "$work/refused.out" ] &&
        grep -q 'Operation not permitted' "$work/refused.err" && [ ! -e "$work/refused/slurm.conf" ]
}

check_up() {
    local out rc parts
    out=$("$slurm/local-up.sh" --nodes 2 --share "$work" --share "$root" --share "$bin" "$cluster" 2> "$work/up.err")
    rc=$?
    if [ "$rc" -eq 77 ]; then
        why_skipped=$(tail -n 1 "$work/up.err")
        reason=$why_skipped
        return 77
    fi
    [ "$rc" -eq 0 ] || { sed 's/^/       | /' "$work/up.err"; reason="local-up.sh exit code $rc"; return 1; }
    [ "$out" = "export SLURM_CONF=$cluster/slurm.conf" ] || { reason="stdout was: $out"; return 1; }
    eval "$out"
    cluster_up=1
    parts=$(sinfo -h -o '%P %D %t %N' | tr '\n' ';')
    reason="sinfo: $parts"
    [ "$parts" = "debug* 2 idle node[1-2];node1 1 idle node1;node2 1 idle node2;" ] &&
        [ "$(cat "$cluster/nodes/hostfile")" = $'node1 slots=2\nnode2 slots=2' ]
}

check_up_again() {
    needs_cluster || return
    local out
    out=$("$slurm/local-up.sh" --nodes 2 --share "$work" --share "$root" --share "$bin" "$cluster" 2> "$work/up2.err") || return 1
    reason=$(grep -m1 'already up' "$work/up2.err" || echo "no 'already up' line: $(tail -n 1 "$work/up2.err")")
    [ "$out" = "export SLURM_CONF=$cluster/slurm.conf" ] && grep -q 'already up' "$work/up2.err"
}

check_node_local() {
    needs_cluster || return
    local token=$RANDOM$RANDOM seen host1 host2 addr1 addr2
    host1=$("$slurm/node-exec.sh" node1 hostname) && host2=$("$slurm/node-exec.sh" node2 hostname) ||
        { reason="node-exec.sh could not enter the nodes"; return 1; }
    addr1=$("$slurm/node-exec.sh" node1 ip -4 -o addr show eth0 | awk '{ print $4 }')
    addr2=$("$slurm/node-exec.sh" node2 ip -4 -o addr show eth0 | awk '{ print $4 }')
    [ "$host1 $host2" = "node1 node2" ] && [ -n "$addr1" ] && [ "$addr1" != "$addr2" ] ||
        { reason="hostnames $host1 $host2, addresses $addr1 $addr2"; return 1; }
    # Written on node1: in its /tmp and in the shared directory.
    "$slurm/node-exec.sh" node1 "echo $token > /tmp/platlas-node-probe && echo $token > $shared/node-probe" ||
        { reason="cannot write on node1"; return 1; }
    seen=$("$slurm/node-exec.sh" node1 cat /tmp/platlas-node-probe)
    [ "$seen" = "$token" ] || { reason="node1 does not see its own /tmp file"; return 1; }
    [ "$("$slurm/node-exec.sh" node2 cat "$shared/node-probe")" = "$token" ] ||
        { reason="node2 does not see the shared file"; return 1; }
    if "$slurm/node-exec.sh" node2 test -e /tmp/platlas-node-probe; then reason="node2 sees node1's /tmp file"; return 1; fi
    if [ -e /tmp/platlas-node-probe ]; then reason="the host sees node1's /tmp file"; return 1; fi
    # The same through Slurm, one partition per node.
    srun -p node1 -n 1 sh -c "echo $token > /tmp/platlas-srun-probe" || { reason="srun -p node1 failed"; return 1; }
    [ "$(srun -p node1 -n 1 cat /tmp/platlas-srun-probe)" = "$token" ] || { reason="srun on node1 does not see its /tmp file"; return 1; }
    seen=$(srun -p node2 -n 1 sh -c 'hostname; test ! -e /tmp/platlas-srun-probe || echo seen' 2>&1)
    [ "$seen" = node2 ] || { reason="srun -p node2: $(tr '\n' ' ' <<<"$seen")"; return 1; }
    reason="node1 ($addr1) and node2 ($addr2): /tmp files stay on their node, the shared directory is seen by both"
}

check_sweep_srun() {
    needs_cluster || return
    local script=$shared/sweep-srun.sbatch
    { sbatch_head sweep-srun 2 debug
      echo "srun --mpi=pmix --label hostname"
      echo "srun --mpi=pmix --kill-on-bad-exit=1 $(printf '%q ' "$platlas" "${sweep_args[@]}") --output $shared/sweep-srun.h5"
    } > "$script"
    run_job "$script" || return 1
    placed=$(grep -E '^[0-9]+: node[0-9]+$' "$job_log.out" | sort | tr '\n' ' ')
    [ "$placed" = "0: node1 1: node1 2: node2 3: node2 " ] || { reason="ranks placed $placed"; return 1; }
    same_sweep "$shared/sweep-srun.h5" 4 || return 1
    reason="job $job_id: ranks 0,1 on node1, 2,3 on node2; /sweep equal to 1 rank's"
}

check_sweep_mpirun() {
    needs_cluster || return
    local placed
    placed=$(cd "$shared" && mpirun_nodes 4 hostname 2> "$shared/mpirun-hostname.err" | sort | uniq -c | awk '{ print $1 "x" $2 }' | tr '\n' ' ')
    [ "$placed" = "2xnode1 2xnode2 " ] || { reason="mpirun placed ranks: ${placed:-none} ($(tail -n 1 "$shared/mpirun-hostname.err"))"; return 1; }
    logged sweep-mpirun mpirun_nodes 4 "$platlas" "${sweep_args[@]}" --output "$shared/sweep-mpirun.h5" || return 1
    same_sweep "$shared/sweep-mpirun.h5" 4 || return 1
    reason="2 ranks on node1, 2 on node2, TCP between them; /sweep equal to 1 rank's"
}

check_manifold_srun() {
    needs_cluster || return
    local script=$shared/manifold-srun.sbatch
    { sbatch_head manifold-srun 2 debug
      echo "srun --mpi=pmix --kill-on-bad-exit=1 $(printf '%q ' "$platlas" "${manifold_args[@]}") --output $shared/manifold-srun.h5"
    } > "$script"
    run_job "$script" || return 1
    grep -q 'on 4 ranks' "$job_log.err" || { reason="no 'on 4 ranks' in $job_log.err"; return 1; }
    same_manifold "$shared/manifold-srun.h5" 4 || return 1
    reason="job $job_id: the manifold equal to 1 rank's, every rank sent arrivals"
}

check_manifold_mpirun() {
    needs_cluster || return
    logged manifold-mpirun mpirun_nodes 4 "$platlas" "${manifold_args[@]}" --output "$shared/manifold-mpirun.h5" || return 1
    same_manifold "$shared/manifold-mpirun.h5" 4 || return 1
    reason="the manifold equal to 1 rank's, every rank sent arrivals"
}

check_submit() {
    needs_cluster || return
    local out=$shared/chart.h5 rc log cmp
    (cd "$shared" && "$platlas" submit "$root/jobs/toymap-chart.toml" --nodes 2 --ntasks-per-node 2 --partition debug \
        --time 00:05:00 --output "$out") > "$shared/submit.out" 2> "$shared/submit.err" ||
        { reason="submit: $(tail -n 1 "$shared/submit.err")"; return 1; }
    job_id=$(submitted_job "$shared/submit.out")
    log=$shared/toymap-chart-$job_id
    rc=$(wait_job "$job_id" 60) || { reason="job $job_id did not finish"; return 1; }
    [ "$rc" -eq 0 ] || { reason="job $job_id exit code $rc: $(tail -n 1 "$log.err")"; return 1; }
    grep -q "^platlas: job $job_id (toymap-chart) on 2 node(s): node\[1-2\]$" "$log.out" &&
        grep -q '^platlas: 4 ranks;' "$log.out" || { reason="log: $(head -n 2 "$log.out" | tr '\n' ' ')"; return 1; }
    cmp=$("$python" "$root/scripts/compare-groups.py" --ignore summary "$ref/chart.h5" "$out" /sweep /model /job) ||
        { reason=$cmp; return 1; }
    ranks_are "$out" 4 || return 1
    reason="job $job_id on node[1-2], 4 ranks: /sweep, /model and /job equal to 1 rank's"
}

# The stand-in for a node failure: the job stops itself at a known point, then is killed.
check_move_node() {
    needs_cluster || return
    local out=$shared/moved.h5 id log rc done_points
    (cd "$shared" && PLATLAS_PAUSE_AFTER_POINTS=96 "$platlas" submit "$shared/long.toml" --partition node1 \
        --ntasks-per-node 2 --time 00:05:00 --output "$out") > "$shared/move1.out" 2> "$shared/move1.err" ||
        { reason="submit: $(tail -n 1 "$shared/move1.err")"; return 1; }
    id=$(submitted_job "$shared/move1.out")
    # Both ranks stop themselves (SIGSTOP) after the checkpoint write that reaches 96 points.
    wait_until 60 stopped_or_over node1 2 "$id" || { reason="job $id: ranks not stopped ($(job_states "$id"))"; scancel "$id"; return 1; }
    job_finished "$id" && { reason="job $id ended before it stopped itself: $(tail -n 1 "$shared/long-sweep-$id.err")"; return 1; }
    scancel --signal=KILL --full "$id" || { reason="scancel failed"; return 1; }
    wait_until 30 job_finished "$id" || { reason="job $id still $(job_states "$id") after SIGKILL"; return 1; }
    wait_until 10 eval '[ -z "$(node_processes node1 platlas)" ]' || { reason="ranks still on node1"; return 1; }
    grep -q "^platlas: job $id (long-sweep) on 1 node(s): node1$" "$shared/long-sweep-$id.out" ||
        { reason="job $id did not run on node1: $(head -n 1 "$shared/long-sweep-$id.out")"; return 1; }
    [ ! -e "$out" ] && [ -s "$out.partial" ] || { reason="expected $out.partial and no $out"; return 1; }
    done_points=$("$python" -c "import h5py, sys; print(int(h5py.File(sys.argv[1], 'r')['sweep/done'][()].sum()))" "$out.partial") ||
        { reason="cannot read the checkpoint"; return 1; }
    [ "$done_points" -ge 96 ] && [ "$done_points" -lt "$long_total" ] ||
        { reason="the checkpoint holds $done_points of $long_total points"; return 1; }
    "$slurm/node-exec.sh" node2 test -s "$out.partial" || { reason="node2 does not see the checkpoint"; return 1; }

    (cd "$shared" && "$platlas" submit "$shared/long.toml" --partition node2 --ntasks-per-node 2 --time 00:05:00 \
        --output "$out" --resume) > "$shared/move2.out" 2> "$shared/move2.err" ||
        { reason="resubmit: $(tail -n 1 "$shared/move2.err")"; return 1; }
    id=$(submitted_job "$shared/move2.out")
    log=$shared/long-sweep-$id
    rc=$(wait_job "$id" 60) || { reason="job $id did not finish"; return 1; }
    [ "$rc" -eq 0 ] || { reason="resumed job $id exit code $rc: $(tail -n 1 "$log.err")"; return 1; }
    grep -q "^platlas: job $id (long-sweep) on 1 node(s): node2$" "$log.out" || { reason="job $id not on node2"; return 1; }
    grep -q "/sweep: continuing from $out.partial: $done_points of $long_total points already done" "$log.err" ||
        { reason="no continuation line in $log.err"; return 1; }
    reason=$("$python" "$root/scripts/compare-groups.py" --ignore resumed "$ref/long.h5" "$out" /info /model /sweep) || return 1
    [ "$("$python" -c 'import h5py, sys; print(h5py.File(sys.argv[1], "r")["job"].attrs["resumed"])' "$out")" = 1 ] ||
        { reason="the result is not marked resumed"; return 1; }
    reason="stopped and killed on node1 at $done_points/$long_total points, resumed on node2 from the shared checkpoint: equal to 1 rank's"
}

check_tcp_btl() {
    local t out
    local tcp=(--mca btl 'tcp,self' --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo)
    for t in default tcp; do
        local opts=()
        [ "$t" = default ] || opts=("${tcp[@]}")
        logged "sweep-$t" timeout 600 mpirun -np 2 ${opts[@]+"${opts[@]}"} "$platlas" "${sweep_args[@]}" \
            --output "$shared/sweep-$t.h5" || return 1
        logged "manifold-$t" timeout 600 mpirun -np 2 ${opts[@]+"${opts[@]}"} "$platlas" "${manifold_args[@]}" \
            --output "$shared/manifold-$t.h5" || return 1
        same_sweep "$shared/sweep-$t.h5" 2 || { reason="sweep ($t): $reason"; return 1; }
        same_manifold "$shared/manifold-$t.h5" 2 || { reason="manifold ($t): $reason"; return 1; }
    done
    out=$("$python" "$root/scripts/compare-groups.py" "$shared/sweep-default.h5" "$shared/sweep-tcp.h5" /sweep /model) || { reason=$out; return 1; }
    out=$("$python" "$root/scripts/compare-manifolds.py" "$shared/manifold-default.h5" "$shared/manifold-tcp.h5") || { reason=$out; return 1; }
    reason="2 ranks, --mca btl tcp,self over loopback and the default: sweep and manifold equal to each other and to 1 rank's"
}

# A directory not every rank sees is refused (PLATLAS_NODES_EXPECT_SHARED_CHECK=0 skips this).
check_shared_refusal() {
    if [ "${PLATLAS_NODES_EXPECT_SHARED_CHECK:-1}" != 1 ]; then
        reason="skipped (PLATLAS_NODES_EXPECT_SHARED_CHECK=0)"
        return 77
    fi
    needs_cluster || return
    local d=/tmp/platlas-nodes-local case rc lines
    for n in node1 node2; do "$slurm/node-exec.sh" "$n" mkdir -p "$d" || { reason="mkdir on $n"; return 1; }; done
    # The output, then a manifold checkpoint, in the node-local directory.
    for case in output checkpoint; do
        if [ "$case" = output ]; then
            (cd "$shared" && mpirun_nodes 4 "$platlas" run "$shared/long.toml" --output "$d/out.h5") \
                > "$shared/g-$case.out" 2> "$shared/g-$case.err"
        else
            (cd "$shared" && mpirun_nodes 4 "$platlas" "${manifold_args[@]}" --output "$shared/g.h5" \
                --checkpoint-every 5 --checkpoint "$d/m.checkpoint.h5") > "$shared/g-$case.out" 2> "$shared/g-$case.err"
        fi
        rc=$?
        lines=$(grep -c 'not shared' "$shared/g-$case.err")
        if [ "$rc" -eq 0 ] || [ "$lines" -ne 1 ] || ! grep 'not shared' "$shared/g-$case.err" | grep -qF "$d"; then
            reason="$case in $d: exit $rc, $lines 'not shared' line(s): $(grep -m1 'platlas' "$shared/g-$case.err")"
            return 1
        fi
        if "$slurm/node-exec.sh" node1 test -e "$d/out.h5" || [ -e "$shared/g.h5" ]; then
            reason="$case: a result was written"; return 1
        fi
    done
    reason="output and checkpoint in node-local $d refused: $(grep -m1 'not shared' "$shared/g-output.err" | cut -c1-100)..."
}

# ---- run ---------------------------------------------------------------------------------

echo "nodes tests: work directory $work, port $port"
run_checks "check_refused:local-up.sh --nodes 2 exits 77 with one line where namespaces are refused"
if references; then
    pass "one-rank reference runs (sweep, manifold, jobs/toymap-chart.toml, a 576-point sweep spec)"
else
    fail "one-rank reference runs" "$(tail -n 2 "$ref/log" | tr '\n' ' ')"
fi
run_checks "check_up:local-up.sh --nodes 2: node1 and node2 idle, partitions debug, node1, node2; hostfile" \
    "check_up_again:local-up.sh --nodes 2 again reports the cluster already up" \
    "check_node_local:(e) /tmp is node-local, the shared directory is shared" \
    "check_sweep_srun:(a) sweep on 2 nodes x 2 ranks under srun equals 1 rank's" \
    "check_sweep_mpirun:(a) sweep on 2 nodes x 2 ranks under mpirun --hostfile (node-exec.sh, TCP) equals 1 rank's" \
    "check_manifold_srun:(b) stable manifold on 2 nodes x 2 ranks under srun equals 1 rank's" \
    "check_manifold_mpirun:(b) stable manifold on 2 nodes x 2 ranks under mpirun --hostfile equals 1 rank's" \
    "check_submit:(c) platlas submit --nodes 2 --ntasks-per-node 2 jobs/toymap-chart.toml equals 1 rank's" \
    "check_move_node:(d) sweep job killed on node1, resumed on node2 from the shared checkpoint, equals 1 rank's" \
    "check_tcp_btl:(f) sweep and manifold with --mca btl tcp,self equal the default transport's" \
    "check_shared_refusal:(g) output or checkpoint in a node-local directory refused (one line, 'not shared')"
