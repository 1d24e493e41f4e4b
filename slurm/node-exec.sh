#!/usr/bin/env bash
# Runs a command on a simulated node of a local cluster (slurm/local-up.sh --nodes N): in the
# node's network, UTS and mount namespaces, with the caller's environment and working directory.
# Made to be Open MPI's remote shell, in place of ssh, so that mpirun starts ranks on the
# simulated nodes without Slurm:
#
#   mpirun --mca plm_rsh_agent "$PWD/slurm/node-exec.sh" --hostfile DIR/nodes/hostfile \
#       --mca btl_tcp_if_include 10.213.S.0/24 --mca oob_tcp_if_include 10.213.S.0/24 -np 4 prog
#   slurm/node-exec.sh node2 hostname           # prints node2
#
#   slurm/node-exec.sh [SSH-OPTIONS] NODE COMMAND...
#
# As with ssh, the words of COMMAND are joined with spaces and run by `bash -c` (Open MPI hands
# its agent one string that sets PATH and starts orted); ssh's options before NODE (-x, -o
# OPTION, ...) are accepted and ignored. The working directory is the caller's if the node sees
# it (a path under another node's /tmp it does not), else $HOME.
#
# The node is found by its keeper process (slurm/nodes.sh): in the cluster directory
# $PLATLAS_SLURM_DIR when that is set, else in whichever running cluster has a node of that
# name (an error if several have). Exit code: COMMAND's, or 255 when the node cannot be entered
# (as ssh when it cannot connect).
set -uo pipefail
prog='node-exec'
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$here/common.sh"
# shellcheck source-path=SCRIPTDIR source=nodes.sh
. "$here/nodes.sh"

fail() { say "error: $*"; exit 255; }

while [ $# -gt 0 ]; do
    case $1 in
        -[bcDEeFIiJLlmOopQRSWw]) shift 2 ;;   # ssh options that take a value
        -?*) shift ;;
        *) break ;;
    esac
done
[ $# -ge 2 ] || fail "usage: node-exec.sh [SSH-OPTIONS] NODE COMMAND..."
node=$1
shift
command=$*

# The keeper of NODE: in $PLATLAS_SLURM_DIR, or in the one cluster that has such a node.
if [ -n "${PLATLAS_SLURM_DIR:-}" ]; then
    dir=$(resolve_dir "$PLATLAS_SLURM_DIR")
    kp=$(keeper_pid "$dir/nodes/$node") || fail "no running node $node in $dir (slurm/local-up.sh --nodes N $dir starts one)"
else
    found=$(keepers_of "" | awk -v n="$node" '{ k = $2; sub(/.*\//, "", k) } k == n')
    case $(grep -c . <<<"$found") in
        0) fail "no running simulated node named $node (slurm/local-up.sh --nodes N starts them)" ;;
        1) kp=${found%% *} ;;
        *) fail "several clusters have a node $node ($(awk '{ print $2 }' <<<"$found" | sed 's|/nodes/.*||' | tr '\n' ' ')); set PLATLAS_SLURM_DIR" ;;
    esac
fi

# Entering a mount namespace moves the working directory to its root: go back to the caller's.
exec nsenter --target "$kp" --net --uts --mount -- \
    /bin/bash -c 'cd -- "$1" 2> /dev/null || cd; exec /bin/bash -c "$2"' node-exec "$PWD" "$command"
