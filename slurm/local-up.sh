#!/usr/bin/env bash
# Starts a Slurm cluster for tests, entirely under one directory, without systemd or cgroups:
# munged, slurmctld and slurmd, run as root. One node by default; with --nodes N (N >= 2) N
# simulated nodes on this machine, each slurmd in a network, UTS and mount namespace of its own.
#
#   slurm/local-up.sh [--nodes N] [--share PATH]... [DIR]
#                                  DIR defaults to ${PLATLAS_SLURM_DIR:-/tmp/platlas-slurm}
#   eval "$(slurm/local-up.sh | tail -1)"     # sets SLURM_CONF in the calling shell
#
# One node: writes DIR/slurm.conf (one node named after `hostname -s`, CPUs=4 whatever the
# machine has, one partition `debug`), creates a munge key under DIR if there is none, starts the
# daemons and waits until the node is idle.
#
# --nodes N: nodes node1..nodeN (CPUs=2 each), reached over a bridge plb<PORT> at 10.213.S.11,
# .12, ... (the host, where munged and slurmctld run, is 10.213.S.1); partitions `debug` (all
# nodes, the default) and one per node, named after it. Each node has a /tmp and /dev/shm of its
# own (tmpfs); everything else is shared, including DIR and DIR/shared. Paths under /tmp that the
# nodes must see (the test's work directory, a platlas build) are named with --share PATH (or
# PLATLAS_SLURM_SHARE, colon-separated). Writes DIR/nodes/hostfile for mpirun with
# slurm/node-exec.sh (docs/cluster.md, "Two nodes"; the layout is in slurm/nodes.sh). If this
# machine does not allow namespaces, mounts or bridges, exits 77 with one line saying why.
#
# If the cluster in DIR is already up it says so and succeeds. The last line of standard output
# is `export SLURM_CONF=DIR/slurm.conf`; all else goes to standard error. Stop it with
# slurm/local-down.sh DIR.
#
# Environment:
#   PLATLAS_SLURM_DIR     default DIR
#   PLATLAS_SLURM_PORT    slurmctld port (default 6817); slurmd uses the next one
#   PLATLAS_SLURM_CPUS    CPUs each node declares (default 4; 2 with --nodes N)
#   PLATLAS_SLURM_TIMEOUT seconds to wait for an idle node (default 30)
#   PLATLAS_SLURM_SUBNET  with --nodes: S of 10.213.S.0/24 (default from the port, 1 to 250)
#   PLATLAS_SLURM_SHARE   with --nodes: paths under /tmp the nodes share, colon-separated
set -euo pipefail
prog=local-up
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"

nodes=1
shares=()
[ -z "${PLATLAS_SLURM_SHARE:-}" ] || IFS=: read -r -a shares <<<"$PLATLAS_SLURM_SHARE"
args=()
while [ $# -gt 0 ]; do
    case $1 in
        --nodes) [ $# -ge 2 ] || die "--nodes needs a number"; nodes=$2; shift 2 ;;
        --nodes=*) nodes=${1#--nodes=}; shift ;;
        --share) [ $# -ge 2 ] || die "--share needs a path"; shares+=("$2"); shift 2 ;;
        --share=*) shares+=("${1#--share=}"); shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 0 ;;
        -*) die "unknown option $1 (usage: local-up.sh [--nodes N] [--share PATH]... [DIR])" ;;
        *) args+=("$1"); shift ;;
    esac
done
[ "${#args[@]}" -le 1 ] || die "one cluster directory at most (usage: local-up.sh [--nodes N] [--share PATH]... [DIR])"
case $nodes in ''|*[!0-9]*|0) die "--nodes takes a whole number from 1 (got '$nodes')" ;; esac

dir=$(resolve_dir "${args[0]:-}")
set_paths
port=${PLATLAS_SLURM_PORT:-6817}
cpus=${PLATLAS_SLURM_CPUS:-$([ "$nodes" -eq 1 ] && echo 4 || echo 2)}
timeout=${PLATLAS_SLURM_TIMEOUT:-30}
host=$(hostname -s)
case $port$cpus$timeout in *[!0-9]*) die "PLATLAS_SLURM_PORT, _CPUS and _TIMEOUT must be whole numbers" ;; esac
if [ "$nodes" -gt 1 ]; then
    # shellcheck source-path=SCRIPTDIR source=nodes.sh
    . "$here/nodes.sh"
    nodes_paths
    subnet=${PLATLAS_SLURM_SUBNET:-$(subnet_for "$port")}
    case $subnet in ''|*[!0-9]*) die "PLATLAS_SLURM_SUBNET must be a whole number from 1 to 250" ;; esac
    [ "$subnet" -ge 1 ] && [ "$subnet" -le 250 ] || die "PLATLAS_SLURM_SUBNET must be a whole number from 1 to 250"
    [ "$nodes" -le 200 ] || die "--nodes: at most 200"
    net=10.213.$subnet
    bridge=plb$port
    for i in "${!shares[@]}"; do
        case ${shares[$i]} in /*) ;; *) shares[i]=$PWD/${shares[$i]} ;; esac
        shares[i]=${shares[$i]%/}
    done
    bound=$(shared_under_tmp "$dir" ${shares[@]+"${shares[@]}"}) ||
        die "--share /tmp would leave the nodes no /tmp of their own; share a directory below it"
    [ "$dir" != /tmp ] || die "the cluster directory cannot be /tmp itself"
elif [ "${#shares[@]}" -gt 0 ]; then
    say "--share has no effect on a one-node cluster (everything is shared)"
fi

[ "$(id -u)" -eq 0 ] || die "must run as root (slurmd and the test cluster's SlurmUser are root)"
for b in munged slurmctld slurmd sinfo scontrol; do
    command -v "$b" >/dev/null || [ -x "/usr/sbin/$b" ] ||
        die "$b not found; install the Debian packages munge and slurm-wlm"
done
export PATH=$PATH:/usr/sbin
if [ "$nodes" -gt 1 ] && ! why=$(probe_namespaces); then
    # The one line a caller shows when it skips (exit 77: the automake convention for "skipped").
    say "cannot simulate $nodes nodes on this machine: $why"
    exit 77
fi
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
# With --nodes: the states of all nodes, one a line, sorted and counted ("2 idle").
# (sinfo -N lists a node once per partition.)
nodes_states() { sinfo -h -N -o '%N %t' 2>/dev/null | sort -u | awk '{ print $2 }' | sort | uniq -c | awk '{ print $1, $2 }'; }

# Already up?
m=$(pid_alive "$munge_pid" munged || true)
c=$(pid_alive "$ctld_pid" slurmctld || true)
if [ "$nodes" -eq 1 ]; then
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
else
    # Every node's keeper and slurmd, as "node1:KEEPER:SLURMD" words where alive.
    d=
    alive=0
    for k in $(seq 1 "$nodes"); do
        kp=$(keeper_pid "$nodes_dir/node$k" || true)
        sp=$(pid_alive "$dir/run/slurmd-node$k.pid" slurmd || true)
        [ -z "$kp$sp" ] || d="$d node$k:$kp:$sp"
        [ -n "$kp" ] && [ -n "$sp" ] && alive=$((alive + 1))
    done
    if [ -n "$m" ] && [ -n "$c" ] && [ "$alive" -eq "$nodes" ] && [ -r "$nodes_env" ] &&
            grep -qx "NODES=$nodes" "$nodes_env" && grep -qx "PORT=$port" "$nodes_env"; then
        states=$(nodes_states || true)
        if [ -n "$states" ] && ! grep -qvE ' (idle|mix|alloc|comp|resv)$' <<<"$states" &&
                [ "$(awk '{ n += $1 } END { print n + 0 }' <<<"$states")" -eq "$nodes" ]; then
            say "already up in $dir (munged $m, slurmctld $c; $nodes nodes: $(tr '\n' ',' <<<"$states" | sed 's/,$//'))"
            printf 'export SLURM_CONF=%s\n' "$conf"
            exit 0
        fi
    fi
    # Keepers left by a cluster whose pid files are gone count as partly up too.
    [ -n "$d" ] || [ -z "$(keepers_of "$dir")" ] || d=keepers
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
if [ "$nodes" -gt 1 ]; then
    if ip link show "$bridge" >/dev/null 2>&1; then
        die "bridge $bridge exists already (a cluster on port $port: slurm/local-down.sh on its directory removes it; or set PLATLAS_SLURM_PORT)"
    fi
    if ip -o -4 addr show | grep -q " inet $net\."; then
        die "addresses $net.0/24 are in use on this machine; set PLATLAS_SLURM_SUBNET to another S of 10.213.S.0/24"
    fi
fi

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

mem_mb=$(awk -v n="$nodes" '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 / n }' /proc/meminfo)

if [ "$nodes" -eq 1 ]; then
    title="One-node test cluster"
    ctld_addr=127.0.0.1
    spool=$dir/spool d_pid=$slurmd_pid d_log=$slurmd_log
    node_lines="NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus Sockets=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=UNLIMITED State=UP"
else
    # Each slurmd has a spool, pid file and log of its own (%n: its node name).
    title="Test cluster of $nodes simulated nodes (network, UTS and mount namespaces; slurm/nodes.sh)"
    ctld_addr=$net.1
    spool=$dir/spool/%n d_pid=$dir/run/slurmd-%n.pid d_log=$dir/log/slurmd-%n.log
    node_lines=
    for k in $(seq 1 "$nodes"); do
        node_lines+="NodeName=node$k NodeAddr=$net.$((10 + k)) CPUs=$cpus Sockets=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$mem_mb State=UNKNOWN"$'\n'
    done
    node_lines+="PartitionName=debug Nodes=node[1-$nodes] Default=YES MaxTime=UNLIMITED State=UP"
    for k in $(seq 1 "$nodes"); do
        node_lines+=$'\n'"PartitionName=node$k Nodes=node$k MaxTime=UNLIMITED State=UP"
    done
fi

cat > "$conf" <<EOF
# $title written by slurm/local-up.sh; everything lives under $dir.
ClusterName=platlas-local
SlurmctldHost=$host($ctld_addr)
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
SlurmdSpoolDir=$spool
SlurmctldPidFile=$ctld_pid
SlurmdPidFile=$d_pid
SlurmctldLogFile=$ctld_log
SlurmdLogFile=$d_log
SlurmctldDebug=info
SlurmdDebug=info
$node_lines
EOF

# give_up MESSAGE LOG...: shows the logs' last lines, stops whatever did start, and fails.
give_up() {
    local message=$1 f
    shift
    for f in "$@"; do log_tail "$f"; done
    "$here/local-down.sh" "$dir" || true
    die "$message"
}

# The nodes: the bridge, then per node its keeper (namespaces, private /tmp) and its veth pair.
if [ "$nodes" -gt 1 ]; then
    rm -rf "$nodes_dir"
    install -d -m 0755 "$nodes_dir" "$dir/shared"
    printf 'NODES=%s\nPORT=%s\nSUBNET=%s\nBRIDGE=%s\n' "$nodes" "$port" "$subnet" "$bridge" > "$nodes_env"
    {
        printf '127.0.0.1 localhost\n%s.1 %s\n' "$net" "$host"
        for k in $(seq 1 "$nodes"); do printf '%s.%s node%s\n' "$net" $((10 + k)) "$k"; done
    } > "$hosts_file"
    for k in $(seq 1 "$nodes"); do printf 'node%s slots=%s\n' "$k" "$cpus"; done > "$hostfile"
    ip link add name "$bridge" type bridge || give_up "cannot create the bridge $bridge"
    { ip addr add "$net.1/24" dev "$bridge" && ip link set "$bridge" up; } || give_up "cannot set up the bridge $bridge"
    for k in $(seq 1 "$nodes"); do
        node_dir=$nodes_dir/node$k
        install -d -m 0755 "$node_dir" "$node_dir/stage" "$dir/spool/node$k"
        mkfifo "$node_dir/hold"
        # shellcheck disable=SC2086  # $bound: paths under /tmp, one a word
        setsid unshare --net --uts --mount --propagation private -- \
            bash -c "$keeper_script" platlas-node-keeper "$node_dir" "node$k" "$hosts_file" $bound \
            < /dev/null > "$node_dir/keeper.log" 2>&1 &
        echo "$!" > "$node_dir/keeper.pid"
    done
    for k in $(seq 1 "$nodes"); do
        node_dir=$nodes_dir/node$k
        i=0
        until [ -s "$node_dir/ready" ]; do
            if [ "$i" -ge 100 ] || ! keeper_pid "$node_dir" > /dev/null; then
                give_up "node$k: its namespaces were not set up" "$node_dir/keeper.log"
            fi
            sleep 0.1; i=$((i + 1))
        done
        kp=$(keeper_pid "$node_dir") || give_up "node$k: no keeper" "$node_dir/keeper.log"
        veth=${bridge}h$k peer=${bridge}n$k
        { ip link add name "$veth" type veth peer name "$peer" &&
            ip link set "$peer" netns "$kp" &&
            ip link set "$veth" master "$bridge" && ip link set "$veth" up &&
            in_node "$kp" ip link set "$peer" name eth0 &&
            in_node "$kp" ip addr add "$net.$((10 + k))/24" dev eth0 &&
            in_node "$kp" ip link set eth0 up && in_node "$kp" ip link set lo up; } ||
            give_up "node$k: cannot connect it to $bridge"
    done
    say "$nodes nodes: bridge $bridge $net.1/24, node1..node$nodes at $net.11..$net.$((10 + nodes)); shared under /tmp: $(tr '\n' ' ' <<<"$bound")"
fi

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
if [ "$nodes" -eq 1 ]; then
    if ! slurmd -c -N "$host" -f "$conf" 2>>"$slurmd_log"; then
        give_up "slurmd did not start" "$slurmd_log"
    fi
else
    # Each slurmd is started inside its node and stays there (its children too: job steps).
    for k in $(seq 1 "$nodes"); do
        kp=$(keeper_pid "$nodes_dir/node$k") || give_up "node$k: its keeper has gone" "$nodes_dir/node$k/keeper.log"
        if ! in_node "$kp" slurmd -c -N "node$k" -f "$conf" 2>>"$dir/log/slurmd-node$k.log"; then
            give_up "slurmd of node$k did not start" "$dir/log/slurmd-node$k.log"
        fi
    done
fi

# daemons_alive PIDFILE:NAME:LOG...: slurmctld's and each named daemon's pid file name a live
# daemon; gives up with the daemon's log otherwise.
daemons_alive() {
    local f pf name lf
    for f in "$ctld_pid:slurmctld:$ctld_log" "$@"; do
        IFS=: read -r pf name lf <<<"$f"
        if ! pid_alive "$pf" "$name" >/dev/null; then
            give_up "$name exited during start-up" "$lf"
        fi
    done
}

i=0; limit=$((timeout * 5)); state=
if [ "$nodes" -eq 1 ]; then
    while :; do
        state=$(node_state || true)
        [ "$state" = idle ] && break
        if [ "$i" -ge "$limit" ]; then
            say "node $host not idle after ${timeout}s (state: ${state:-no answer from slurmctld})"
            give_up "cluster in $dir did not come up" "$ctld_log" "$slurmd_log"
        fi
        # Give each daemon a moment to write its pid file before judging it dead.
        [ "$i" -lt 10 ] || daemons_alive "$slurmd_pid:slurmd:$slurmd_log"
        sleep 0.2; i=$((i + 1))
    done
    say "up in $dir: munged $(cat "$munge_pid"), slurmctld $(cat "$ctld_pid"), slurmd $(cat "$slurmd_pid"); node $host idle, partition debug, $cpus CPUs"
else
    slurmds=()
    for k in $(seq 1 "$nodes"); do slurmds+=("$dir/run/slurmd-node$k.pid:slurmd:$dir/log/slurmd-node$k.log"); done
    while :; do
        state=$(nodes_states || true)
        [ "$state" = "$nodes idle" ] && break
        if [ "$i" -ge "$limit" ]; then
            say "nodes not all idle after ${timeout}s (states: $(tr '\n' ',' <<<"${state:-no answer from slurmctld}"))"
            give_up "cluster in $dir did not come up" "$ctld_log" "${slurmds[@]##*:}"
        fi
        [ "$i" -lt 10 ] || daemons_alive "${slurmds[@]}"
        sleep 0.2; i=$((i + 1))
    done
    say "up in $dir: munged $(cat "$munge_pid"), slurmctld $(cat "$ctld_pid") on $net.1:$port; node1..node$nodes idle, $cpus CPUs each; partitions debug (all), node1..node$nodes; hostfile $hostfile"
fi
printf 'export SLURM_CONF=%s\n' "$conf"
