# shellcheck shell=bash disable=SC2034,SC2154
# The simulated nodes of a local cluster started with `slurm/local-up.sh --nodes N` (N >= 2);
# sourced by local-up.sh, local-down.sh and node-exec.sh, after common.sh, not run.
#
# Node K (hostname nodeK) is a network + UTS + mount namespace held open by one process, its
# keeper: `bash -c SCRIPT platlas-node-keeper DIR/nodes/nodeK nodeK ...`, started by `unshare
# --net --uts --mount --propagation private`, which sets the hostname, mounts a tmpfs on /tmp
# and on /dev/shm (node-local storage), binds back into that /tmp the paths under /tmp the nodes
# share (DIR and any --share PATH), binds DIR/nodes/hosts over /etc/hosts, and then blocks
# reading a FIFO, forever, without a child. Everything outside /tmp and /dev/shm is the
# machine's, so the repository and the shared directory DIR/shared (made by local-up.sh) are the
# same on every node. Processes enter a node with `nsenter --target KEEPER --net --uts
# --mount` (node-exec.sh; slurmd is started so).
#
# Network: a Linux bridge plb<PORT> with address 10.213.S.1/24 on the host, and per node a veth
# pair: plb<PORT>h<K> on the bridge, its peer renamed eth0 inside the node, address
# 10.213.S.(10+K)/24. S comes from the port (one subnet and one bridge per cluster) unless
# PLATLAS_SLURM_SUBNET sets it. No default route: a node reaches the host and the other nodes,
# nothing else.
#
# Layout under DIR/nodes:
#   cluster.env         NODES, PORT, SUBNET, BRIDGE (read by local-down.sh and node-exec.sh)
#   hostfile            Open MPI host file: nodeK slots=CPUS, one line a node
#   hosts               the nodes' /etc/hosts
#   nodeK/keeper.pid    the keeper's PID; nodeK/hold its FIFO; nodeK/ready written when set up
#   nodeK/stage         where the node's tmpfs is assembled before it is moved onto /tmp

nodes_paths() {
    nodes_dir=$dir/nodes
    nodes_env=$nodes_dir/cluster.env
    hostfile=$nodes_dir/hostfile
    hosts_file=$nodes_dir/hosts
}

# subnet_for PORT: the third byte S of 10.213.S.0/24 for a cluster on PORT (consecutive port
# pairs get different subnets).
subnet_for() { echo $(( ($1 / 2) % 250 + 1 )); }

# keeper_pid NODE_DIR: prints the keeper's PID if DIR/nodes/nodeK/keeper.pid names a live
# keeper of that very node (a reused PID is ignored).
keeper_pid() {
    local node_dir=$1 pid
    [ -r "$node_dir/keeper.pid" ] || return 1
    pid=$(tr -dc '0-9' < "$node_dir/keeper.pid")
    [ -n "$pid" ] && is_keeper "$pid" "$node_dir" && printf '%s\n' "$pid"
}

# is_keeper PID NODE_DIR: PID is a live keeper process of NODE_DIR.
is_keeper() {
    [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ] || return 1
    [ -e "/proc/$1" ] &&
        tr '\0' '\n' < "/proc/$1/cmdline" 2>/dev/null | grep -qxF -e "$2" &&
        tr '\0' '\n' < "/proc/$1/cmdline" 2>/dev/null | grep -qxF platlas-node-keeper
}

# keepers_of DIR_PREFIX: every live keeper whose node directory is DIR_PREFIX/nodes/<name>, as
# "PID NODE_DIR" lines (the keepers of a cluster whose pid files are gone; with DIR_PREFIX
# empty, of every cluster).
keepers_of() {
    local prefix=$1 p args
    for p in /proc/[0-9]*; do
        [ "$(cat "$p/comm" 2>/dev/null)" = bash ] || continue
        args=$(tr '\0' '\n' < "$p/cmdline" 2>/dev/null) || continue
        grep -qxF platlas-node-keeper <<<"$args" || continue
        [ "$(awk '{print $3}' "$p/stat" 2>/dev/null)" != Z ] || continue
        local node_dir
        node_dir=$(grep -A1 -xF platlas-node-keeper <<<"$args" | tail -n 1)
        if [ -z "$prefix" ]; then
            case $node_dir in */nodes/*) ;; *) continue ;; esac
        else
            case $node_dir in "$prefix"/nodes/*) ;; *) continue ;; esac
        fi
        printf '%s %s\n' "${p#/proc/}" "$node_dir"
    done
}

# in_node PID COMMAND...: runs COMMAND in the keeper PID's namespaces.
in_node() {
    local pid=$1
    shift
    nsenter --target "$pid" --net --uts --mount -- "$@"
}

# The keeper's script: $1 node directory, $2 hostname, $3 hosts file, $4... paths under /tmp to
# share. It must not fork a child that outlives set-up: it ends blocked in `read`.
# shellcheck disable=SC2016
keeper_script='
set -eu
node_dir=$1 name=$2 hosts=$3
shift 3
hostname "$name"
mount -t tmpfs -o mode=1777,size=25% "tmpfs-$name" "$node_dir/stage"
for p in "$@"; do
    mkdir -p "$node_dir/stage/${p#/tmp/}"
    mount --bind "$p" "$node_dir/stage/${p#/tmp/}"
done
mount --move "$node_dir/stage" /tmp
mount -t tmpfs -o mode=1777,size=25% "shm-$name" /dev/shm
mount --bind "$hosts" /etc/hosts
echo "$$" > "$node_dir/ready"
exec 3<> "$node_dir/hold"
read -r -u 3 _
'

# shared_under_tmp PATH...: those of the paths that lie under /tmp (outside it everything is
# shared anyway), without any that lies inside another, one a line. Fails on /tmp itself.
shared_under_tmp() {
    local p q keep
    for p in "$@"; do
        [ "$p" != /tmp ] || return 1
    done
    for p in "$@"; do
        case $p in /tmp/*) ;; *) continue ;; esac
        keep=1
        for q in "$@"; do
            [ "$q" != "$p" ] || continue
            case $p in "$q"/*) keep=0 ;; esac
        done
        [ "$keep" -eq 0 ] || printf '%s\n' "$p"
    done | sort -u
}

# probe_namespaces: succeeds if this process may create the namespaces, mounts, bridge and veth
# pairs; otherwise prints why, in a few words, and fails.
probe_namespaces() {
    local out probe=plbprobe$$
    for b in unshare nsenter ip; do
        command -v "$b" >/dev/null || { echo "$b not found (Debian packages util-linux and iproute2)"; return 1; }
    done
    if ! out=$(unshare --net --uts --mount --propagation private -- \
            sh -c 'hostname platlas-probe && mount -t tmpfs probe /mnt && ip link set lo up' 2>&1); then
        echo "cannot create network, UTS and mount namespaces with a tmpfs ($(tail -n 1 <<<"$out"))"
        return 1
    fi
    if ! out=$(ip link add name "$probe" type bridge 2>&1); then
        echo "cannot create a bridge ($(tail -n 1 <<<"$out"))"
        return 1
    fi
    ip link del "$probe" 2>/dev/null || true
    if ! out=$(ip link add name "${probe}a" type veth peer name "${probe}b" 2>&1); then
        echo "cannot create veth pairs ($(tail -n 1 <<<"$out"))"
        return 1
    fi
    ip link del "${probe}a" 2>/dev/null || true
}

# node_netns PID: the network namespace of a process (as /proc/PID/ns/net reads).
node_netns() { readlink "/proc/$1/ns/net" 2>/dev/null; }

# pids_in_netns NS: live processes in the network namespace NS, one PID a line.
pids_in_netns() {
    local ns=$1 p
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$ns" ] || continue
        [ "$(awk '{print $3}' "$p/stat" 2>/dev/null)" != Z ] || continue
        printf '%s\n' "${p#/proc/}"
    done
}
