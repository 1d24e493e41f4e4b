# shellcheck shell=bash disable=SC2034,SC2154
# Shared by local-up.sh and local-down.sh; sourced, not run.
# Layout of a local cluster directory DIR:
#   DIR/slurm.conf                      the configuration every daemon, client and job reads
#   DIR/munge/{munge.key,munge.socket,munged.pid,munged.log,munged.seed}
#   DIR/run/{slurmctld,slurmd}.pid      daemon pid files
#   DIR/log/{slurmctld,slurmd}.log      daemon logs
#   DIR/state, DIR/spool                slurmctld state and slurmd spool

say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Resolves DIR from the first argument, PLATLAS_SLURM_DIR or the default, as an absolute path.
resolve_dir() {
    local d=${1:-${PLATLAS_SLURM_DIR:-/tmp/platlas-slurm}}
    case $d in /*) ;; *) d=$PWD/$d ;; esac
    printf '%s\n' "${d%/}"
}

set_paths() {
    conf=$dir/slurm.conf
    munge_dir=$dir/munge
    munge_key=$munge_dir/munge.key
    munge_socket=$munge_dir/munge.socket
    munge_pid=$munge_dir/munged.pid
    munge_log=$munge_dir/munged.log
    ctld_pid=$dir/run/slurmctld.pid
    slurmd_pid=$dir/run/slurmd.pid
    ctld_log=$dir/log/slurmctld.log
    slurmd_log=$dir/log/slurmd.log
}

# pid_alive PIDFILE NAME: prints the PID and succeeds if the pid file names a live process
# whose command is NAME (so a stale file whose PID was reused by something else is ignored).
pid_alive() {
    local file=$1 name=$2 pid comm
    [ -r "$file" ] || return 1
    pid=$(tr -dc '0-9' < "$file")
    [ -n "$pid" ] || return 1
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
    [ "$comm" = "$name" ] || return 1
    printf '%s\n' "$pid"
}

# wait_gone PID SECONDS: waits for PID to exit; fails if it is still there after SECONDS.
wait_gone() {
    local pid=$1 limit=$(( $2 * 10 )) i=0
    while [ -e "/proc/$pid" ]; do
        # A zombie has exited; its parent (not us) reaps it.
        [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && return 0
        [ "$i" -ge "$limit" ] && return 1
        sleep 0.1; i=$((i + 1))
    done
}

# pids_by_dir NAME DIR: PIDs of live NAME processes whose command line names a file under DIR
# (slurmctld and slurmd get -f DIR/slurm.conf, munged --key-file=DIR/munge/...). Finds the
# cluster's daemons when their pid files are gone, without touching any other cluster's.
pids_by_dir() {
    local name=$1 d=$2 p
    for p in /proc/[0-9]*; do
        [ "$(cat "$p/comm" 2>/dev/null)" = "$name" ] || continue
        [ "$(awk '{print $3}' "$p/stat" 2>/dev/null)" != Z ] || continue
        if tr '\0' '\n' < "$p/cmdline" 2>/dev/null | grep -qE "(^|=)$(printf '%s' "$d" | sed 's/[][\.*^$+?(){}|]/\\&/g')/"; then
            printf '%s\n' "${p#/proc/}"
        fi
    done
}
