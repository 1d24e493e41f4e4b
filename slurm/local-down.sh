#!/usr/bin/env bash
# Stops the Slurm cluster that slurm/local-up.sh started in DIR.
#
#   slurm/local-down.sh [DIR]      DIR defaults to ${PLATLAS_SLURM_DIR:-/tmp/platlas-slurm}
#
# Cancels the cluster's jobs (so no job step outlives slurmd), then stops slurmd, slurmctld and
# munged, in that order, each by the PID in its pid file: SIGTERM, up to 15 s to exit, then
# SIGKILL. A daemon whose pid file is missing is found by the DIR paths on its command line.
# Removes the pid files. Succeeds if nothing runs. Reports on standard error.
# A cluster of simulated nodes (local-up.sh --nodes N) loses its nodes too: every process left
# in a node (mpirun's orted, a stray rank) is killed, then the node's keeper, which ends its
# namespaces and with them its /tmp, /dev/shm and veth pair; then the bridge goes.
# Leaves DIR itself (configuration, key, logs) in place.
set -euo pipefail
prog=local-down
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"
# shellcheck source-path=SCRIPTDIR source=nodes.sh
. "$here/nodes.sh"

dir=$(resolve_dir "${1:-}")
set_paths
export PATH=$PATH:/usr/sbin
for v in $(compgen -e | grep -E '^SLURM_' || true); do unset "$v"; done
export SLURM_CONF=$conf

stopped=0
failed=0

# Jobs first, while slurmctld and slurmd can still deliver the signals.
if [ -r "$conf" ] && pid_alive "$ctld_pid" slurmctld >/dev/null && [ -n "$(pids_by_dir slurmd "$dir")" ]; then
    jobs=$(timeout 10 squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ' || true)
    if [ -n "${jobs// /}" ]; then
        say "cancelling jobs: $jobs"
        # shellcheck disable=SC2086
        timeout 10 scancel $jobs 2>/dev/null || true
        i=0
        while [ -n "$(timeout 5 squeue -h -o %A 2>/dev/null || true)" ] && [ "$i" -lt 100 ]; do
            sleep 0.1; i=$((i + 1))
        done
    fi
fi

# terminate NAME PID: SIGTERM, up to 15 s to exit, then SIGKILL.
terminate() {
    local name=$1 pid=$2
    kill -TERM "$pid" 2>/dev/null || true
    if wait_gone "$pid" 15; then
        say "stopped $name ($pid)"
    else
        say "$name ($pid) ignored SIGTERM for 15 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        if ! wait_gone "$pid" 5; then
            say "error: $name ($pid) is still running"
            failed=1
            return
        fi
        say "killed $name ($pid)"
    fi
    stopped=$((stopped + 1))
}

stop() {  # stop PIDFILE NAME [PIDFILE...]
    local name=$2 file pid
    for file in "$1" "${@:3}"; do
        if pid=$(pid_alive "$file" "$name"); then
            terminate "$name" "$pid"
        fi
        rm -f "$file"
    done
    # Without a pid file (deleted, or never written), look for this cluster's daemon by the
    # paths on its command line.
    for pid in $(pids_by_dir "$name" "$dir"); do
        say "$name ($pid) of $dir has no pid file"
        terminate "$name" "$pid"
    done
}

# slurmd: the one of a one-node cluster, or those of simulated nodes (DIR/run/slurmd-nodeK.pid).
shopt -s nullglob
stop "$slurmd_pid" slurmd "$dir"/run/slurmd-*.pid
stop "$ctld_pid" slurmctld
stop "$munge_pid" munged
rm -f "$munge_socket" "$munge_socket.lock"

# Simulated nodes: whatever still runs inside them, their keepers, veth pairs and the bridge.
if [ -d "$dir/nodes" ] || [ -n "$(keepers_of "$dir")" ]; then
    nodes_paths
    BRIDGE=''
    # shellcheck disable=SC1090
    [ -r "$nodes_env" ] && . "$nodes_env"
    while read -r kp node_dir; do
        [ -n "$kp" ] || continue
        ns=$(node_netns "$kp")
        for pid in $(pids_in_netns "$ns"); do
            [ "$pid" != "$kp" ] || continue
            say "${node_dir##*/}: killing $(cat "/proc/$pid/comm" 2>/dev/null) ($pid), left in the node"
            kill -KILL "$pid" 2>/dev/null || true
        done
        for pid in $(pids_in_netns "$ns"); do
            [ "$pid" = "$kp" ] || wait_gone "$pid" 5 || { say "error: $pid in ${node_dir##*/} survived SIGKILL"; failed=1; }
        done
        terminate "keeper of ${node_dir##*/}" "$kp"
    done < <(keepers_of "$dir")
    rm -f "$dir"/nodes/node*/keeper.pid "$dir"/nodes/node*/ready
    if [ -n "$BRIDGE" ]; then
        for veth in $(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
            ip link del "$veth" 2>/dev/null || true
        done
        if ip link show "$BRIDGE" > /dev/null 2>&1; then
            if ip link del "$BRIDGE"; then say "removed bridge $BRIDGE"; stopped=$((stopped + 1)); else failed=1; fi
        fi
    fi
fi

[ "$failed" -eq 0 ] || exit 1
if [ "$stopped" -eq 0 ]; then
    say "nothing running in $dir"
else
    say "down in $dir"
fi
