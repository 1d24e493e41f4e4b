#!/usr/bin/env bash
# Starts a one-node Slurm cluster for tests, entirely under one directory, without systemd or
# cgroups: munged, slurmctld and slurmd, run as root.
#
#   slurm/local-up.sh [DIR]        DIR defaults to ${PLATLAS_SLURM_DIR:-/tmp/platlas-slurm}
#   eval "$(slurm/local-up.sh | tail -1)"     # sets SLURM_CONF in the calling shell
#
# Writes DIR/slurm.conf (one node named after `hostname -s`, CPUs=4 whatever the machine has,
# one partition `debug`), creates a munge key under DIR if there is none, starts the daemons and
# waits until the node is idle. If the cluster in DIR is already up it says so and succeeds.
# The last line of standard output is `export SLURM_CONF=DIR/slurm.conf`; all else goes to
# standard error. Stop it with slurm/local-down.sh DIR.
#
# Environment:
#   PLATLAS_SLURM_DIR     default DIR
#   PLATLAS_SLURM_PORT    slurmctld port (default 6817); slurmd uses the next one
#   PLATLAS_SLURM_CPUS    CPUs the node declares (default 4)
#   PLATLAS_SLURM_TIMEOUT seconds to wait for an idle node (default 30)
set -euo pipefail
prog=local-up
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"

dir=$(resolve_dir "${1:-}")
set_paths
port=${PLATLAS_SLURM_PORT:-6817}
cpus=${PLATLAS_SLURM_CPUS:-4}
timeout=${PLATLAS_SLURM_TIMEOUT:-30}
host=$(hostname -s)
case $port$cpus$timeout in *[!0-9]*) die "PLATLAS_SLURM_PORT, _CPUS and _TIMEOUT must be whole numbers" ;; esac

[ "$(id -u)" -eq 0 ] || die "must run as root (slurmd and the test cluster's SlurmUser are root)"
for b in munged slurmctld slurmd sinfo scontrol; do
    command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] ||
        die "$b not found; install the Debian packages munge and slurm-wlm"
done
export PATH=$PATH:/usr/sbin
# Clients in this script talk to this cluster only, never to one inherited from the caller.
unset SLURM_CONF_SERVER
for v in $(compgen -e | grep -E '^SLURM_' || true); do unset "$v"; done
export SLURM_CONF=$conf

log_tail() {  # log_tail FILE: the last lines of a daemon log, indented, on stderr
    if [ -s "$1" ]; then
        say "last lines of $1:"
        tail -n 15 "$1" | sed 's/^/    /' >&2
    else
        say "$1 is empty or missing"
    fi
}

node_state() { sinfo -h -n "$host" -o %t 2>/dev/null | head -n 1; }

# Already up?
m=$(pid_alive "$munge_pid" munged || true)
c=$(pid_alive "$ctld_pid" slurmctld || true)
d=$(pid_alive "$slurmd_pid" slurmd || true)
if [ -n "$m" ] && [ -n "$c" ] && [ -n "$d" ]; then
    state=$(node_state || true)
    case $state in
        idle|mix|alloc|comp|resv)
            say "already up in $dir (munged $m, slurmctld $c, slurmd $d; node $host $state)"
            printf 'export SLURM_CONF=%s\n' "$conf"
            exit 0 ;;
    esac
fi
if [ -n "$m$c$d" ]; then
    say "cluster in $dir is partly up or unhealthy; restarting it"
    "$here/local-down.sh" "$dir"
fi

# Ports: fail early with a clear message instead of a bind error in a log.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$port" "$((port + 1))"; do
    if port_busy "$p"; then
        die "port $p on 127.0.0.1 is in use (another Slurm, or this one without its pid files: slurm/local-down.sh $dir stops that); set PLATLAS_SLURM_PORT to a free pair"
    fi
done

# Directories. munged refuses a socket or key whose directories others may write, and needs
# execute permission for all on the socket's directory.
mkdir -p "$dir"
chmod 0755 "$dir"
install -d -m 0755 "$munge_dir" "$dir/run" "$dir/log" "$dir/state" "$dir/spool"

if [ ! -s "$munge_key" ]; then
    if command -v mungekey >/dev/null || [ -x /usr/sbin/mungekey ]; then
        mungekey --create --keyfile="$munge_key" >/dev/null
    else
        dd if=/dev/urandom of="$munge_key" bs=1024 count=1 status=none
    fi
    chmod 0400 "$munge_key"
    say "created munge key $munge_key"
fi

mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)

cat > "$conf" <<EOF
# One-node test cluster written by slurm/local-up.sh; everything lives under $dir.
ClusterName=platlas-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
# No systemd, no cgroups: track processes by parentage, bind nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
# No accounting daemon: use scontrol show job, not sacct.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
# Schedule a batch job when it is submitted (the default waits up to 3 s to batch them).
SchedulerParameters=batch_sched_delay=0
# The node may declare more CPUs than the machine has.
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=5
# Finished jobs stay visible to scontrol show job for 5 minutes (there is no accounting).
MinJobAge=300
InactiveLimit=0
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$ctld_pid
SlurmdPidFile=$slurmd_pid
SlurmctldLogFile=$ctld_log
SlurmdLogFile=$slurmd_log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus Sockets=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=UNLIMITED State=UP
EOF

# give_up MESSAGE LOG...: shows the logs' last lines, stops whatever did start, and fails.
give_up() {
    local message=$1 f
    shift
    for f in "$@"; do log_tail "$f"; done
    "$here/local-down.sh" "$dir" || true
    die "$message"
}

# munged: key, socket, pid, log and seed under DIR; nothing in /etc/munge or /run/munge.
rm -f "$munge_socket" "$munge_socket.lock"
if ! munged --key-file="$munge_key" --socket="$munge_socket" --pid-file="$munge_pid" \
        --log-file="$munge_log" --seed-file="$munge_dir/munged.seed" 2>>"$munge_log"; then
    give_up "munged did not start" "$munge_log"
fi
i=0
until [ -S "$munge_socket" ] && pid_alive "$munge_pid" munged >/dev/null; do
    [ "$i" -ge 50 ] && give_up "munged did not create $munge_socket" "$munge_log"
    sleep 0.1; i=$((i + 1))
done
say "munged up ($(cat "$munge_pid")), socket $munge_socket"

# slurmctld: -c starts from a clean state (no jobs from an earlier run).
if ! slurmctld -c -f "$conf" 2>>"$ctld_log"; then
    give_up "slurmctld did not start" "$ctld_log"
fi
if ! slurmd -c -N "$host" -f "$conf" 2>>"$slurmd_log"; then
    give_up "slurmd did not start" "$slurmd_log"
fi

i=0; limit=$((timeout * 5)); state=
while :; do
    state=$(node_state || true)
    [ "$state" = idle ] && break
    if [ "$i" -ge "$limit" ]; then
        say "node $host not idle after ${timeout}s (state: ${state:-no answer from slurmctld})"
        give_up "cluster in $dir did not come up" "$ctld_log" "$slurmd_log"
    fi
    for f in "$ctld_pid:slurmctld:$ctld_log" "$slurmd_pid:slurmd:$slurmd_log"; do
        IFS=: read -r pf name lf <<<"$f"
        # Give each daemon a moment to write its pid file before judging it dead.
        if [ "$i" -ge 10 ] && ! pid_alive "$pf" "$name" >/dev/null; then
            give_up "$name exited during start-up" "$lf"
        fi
    done
    sleep 0.2; i=$((i + 1))
done
say "up in $dir: munged $(cat "$munge_pid"), slurmctld $(cat "$ctld_pid"), slurmd $(cat "$slurmd_pid"); node $host idle, partition debug, $cpus CPUs"
printf 'export SLURM_CONF=%s\n' "$conf"
