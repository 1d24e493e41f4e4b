#!/usr/bin/env bash
# Strong and weak scaling over ranks and simulated nodes (docs/scaling.md, "Measured: ranks
# and nodes"):
#   sweep     the chaos preset of the 2D toy map (jobs/models/toymap.json) over h1 in [-1, -0.5] x
#             h2 in [-0.6, -0.2], cycles up to order 10 (the plane of scripts/bench-sweep.sh);
#             strong: 100 x 100 points on every layout; weak: 100 x 25 points per rank
#   manifold  the 24-dimensional stable manifold of scripts/make-saddle-alrnn.py 25 10 in the
#             box -30:30 (strong only: a manifold has no size per rank to hold fixed)
# on the layouts 1 rank; 2 ranks on 1 node; 2 ranks on 2 nodes (1 + 1); 4 ranks on 1 node;
# 4 ranks on 2 nodes (2 + 2). "1 node" is this machine (mpirun, shared memory); "2 nodes" are
# the simulated nodes of slurm/local-up.sh --nodes 2 (network namespaces, TCP over a bridge,
# ranks started by slurm/node-exec.sh). Wall seconds of the whole command. Every result is
# compared with the 1-rank one (scripts/compare-groups.py, compare-manifolds.py).
#
# Read the figures with the machine in mind: the simulated nodes share this machine's cores, so
# "2 nodes" adds the TCP transport, not cores, and 4 ranks on a 2-core machine are
# oversubscribed (their time shows the overhead of 4 ranks, not a speedup).
#
#   scripts/bench-nodes-scaling.sh [BIN_DIR] [WHAT]    WHAT: all (default), sweep (strong and
#                                                      weak), strong, weak or manifold
#
# PLATLAS_BENCH_LAYOUTS (e.g. "2x2 4x2") runs some layouts only; results are then compared with
# the first of them, and PLATLAS_BENCH_STRONG_BASE gives the 1-rank seconds of the strong sweep.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release}
what=${2:-all}
platlas=$(cd "$(dirname "$bin/platlas")" && pwd)/platlas
[ -x "$platlas" ] || { echo "bench-nodes-scaling: no $platlas" >&2; exit 2; }
# shellcheck source-path=SCRIPTDIR source=../Tests/slurm/helpers.sh
. Tests/slurm/helpers.sh
bench_workdir nodes

port=$(free_port_pair 6927) || { echo "bench-nodes-scaling: no free port pair" >&2; exit 2; }
if ! PLATLAS_SLURM_PORT=$port slurm/local-up.sh --nodes 2 --share "$work" --share "$PWD" \
        --share "$(dirname "$platlas")" "$cluster" > /dev/null 2> "$work/up.err"; then
    echo "bench-nodes-scaling: the simulated nodes did not start: $(tail -n 1 "$work/up.err")" >&2
    exit 2
fi
net=10.213.$(sed -n 's/^SUBNET=//p' "$cluster/nodes/cluster.env")
/usr/bin/python3 scripts/make-saddle-alrnn.py 25 10 > "$work/alrnn.json"
cp jobs/models/toymap.json "$work/toymap.json"

# launch LAYOUT: the launcher words for LAYOUT (ranks x nodes).
launch() {
    case $1 in
        1x1) echo ;;
        2x1) echo mpirun -np 2 ;;
        4x1) echo mpirun -np 4 ;;
        # --bind-to none: each simulated node would bind its first rank to core 0, and both
        # nodes' core 0 is this machine's core 0.
        2x2|4x2) echo env PLATLAS_SLURM_DIR="$cluster" mpirun -np "${1%x*}" --map-by node --bind-to none --hostfile "$cluster/nodes/hostfile" \
            --mca plm_rsh_agent "$PWD/slurm/node-exec.sh" \
            --mca btl_tcp_if_include "$net.0/24" --mca oob_tcp_if_include "$net.0/24" ;;
    esac
}

# timed NAME LAYOUT ARGS...: runs platlas ARGS on LAYOUT in the work directory; prints seconds.
timed() {
    local name=$1 layout=$2 start end words
    shift 2
    read -r -a words <<<"$(launch "$layout")"
    start=$(date +%s.%N)
    (cd "$work" && timeout 3600 ${words[@]+"${words[@]}"} "$platlas" "$@" > "$work/$name.json" 2> "$work/$name.err") ||
        { echo "bench-nodes-scaling: $name on $layout failed: $(grep -m1 error "$work/$name.err")" >&2; echo nan; return; }
    end=$(date +%s.%N)
    echo "$start $end" | awk '{ printf "%.1f", $2 - $1 }'
}

sweep_args() {  # rows: the h2 points (h1 always 100)
    echo sweep toymap.json --param 'h[0]' --range=-1:-0.5:100 --param2 'h[1]' --range2=-0.6:-0.2:$1 --max-order 10 --json
}
read -r -a layouts <<<"${PLATLAS_BENCH_LAYOUTS:-1x1 2x1 2x2 4x1 4x2}"
first=${layouts[0]}
ranks() { echo "${1%x*}"; }
nodes() { echo "${1#*x}"; }
same() {  # same KIND A B: "yes" if the two results are equal
    if [ "$1" = sweep ]; then
        /usr/bin/python3 scripts/compare-groups.py "$work/$2.h5" "$work/$3.h5" /sweep > /dev/null 2>&1 && echo yes || echo NO
    else
        /usr/bin/python3 scripts/compare-manifolds.py "$work/$2.h5" "$work/$3.h5" > /dev/null 2>&1 && echo yes || echo NO
    fi
}

echo "Machine: $(nproc) cores, $(uname -m), $(lscpu | sed -n 's/^Model name: *//p' | head -1); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
case $what in all|sweep|strong|weak) ;; manifold) ;; *) echo "bench-nodes-scaling: WHAT is all, sweep, strong, weak or manifold" >&2; exit 2 ;; esac
if [ "$what" != manifold ]; then
    echo "| sweep | points | ranks | nodes | wall s | points/s/rank | speedup | efficiency | same as 1 rank |"
    echo "|---|---|---|---|---|---|---|---|---|"
fi
if [ "$what" = all ] || [ "$what" = sweep ] || [ "$what" = strong ]; then
    base=
    for layout in "${layouts[@]}"; do
        read -r -a a <<<"$(sweep_args 100)"
        s=$(timed "sweep-strong-$layout" "$layout" "${a[@]}" --output "sweep-strong-$layout.h5")
        [ -n "$base" ] || base=${PLATLAS_BENCH_STRONG_BASE:-$s}
        p=$(ranks "$layout")
        echo "| strong | 10000 | $p | $(nodes "$layout") | $s | $(awk -v s="$s" -v p="$p" 'BEGIN { printf "%.1f", 10000 / s / p }') |" \
            "$(awk -v b="$base" -v s="$s" 'BEGIN { printf "%.2f", b / s }') | $(awk -v b="$base" -v s="$s" -v p="$p" 'BEGIN { printf "%.2f", b / s / p }') |" \
            "$(same sweep "sweep-strong-$first" "sweep-strong-$layout") |"
    done
fi
if [ "$what" = all ] || [ "$what" = sweep ] || [ "$what" = weak ]; then
    base=
    for layout in "${layouts[@]}"; do
        p=$(ranks "$layout")
        read -r -a a <<<"$(sweep_args $((25 * p)))"
        s=$(timed "sweep-weak-$layout" "$layout" "${a[@]}" --output "sweep-weak-$layout.h5")
        [ -n "$base" ] || base=$s
        reference=sweep-weak-1x1
        [ "$p" -eq 1 ] || reference=sweep-weak-${p}x1
        echo "| weak | $((2500 * p)) | $p | $(nodes "$layout") | $s | $(awk -v s="$s" -v p="$p" 'BEGIN { printf "%.1f", 2500 * p / s / p }') |" \
            "- | $(awk -v b="$base" -v s="$s" 'BEGIN { printf "%.2f", b / s }') | $( [ "$layout" = "${p}x1" ] && echo "-" || same sweep "$reference" "sweep-weak-$layout") |"
    done
    echo
    echo "Weak: efficiency is the 1-rank time over this time (1.00: perfect); the last column compares 2 nodes with 1 node at the same rank count."
    echo
fi
if [ "$what" = all ] || [ "$what" = manifold ]; then
    echo "| manifold | ranks | nodes | wall s | speedup | efficiency | rounds | exchange s (all rounds) | imbalance (s) | same as 1 rank |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    base=
    for layout in "${layouts[@]}"; do
        s=$(timed "manifold-$layout" "$layout" manifold alrnn.json --cycle 1 --kind stable --bounds=-30:30 --json --output "manifold-$layout.h5")
        [ -n "$base" ] || base=$s
        p=$(ranks "$layout")
        stats=$(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["manifolds"][0].get("distribution", {})
print(d.get("rounds", "-"), "%.4f" % d.get("exchange_seconds", 0), "%.2f" % d.get("round_imbalance_seconds", 1))' "$work/manifold-$layout.json" 2>/dev/null || echo "- - -")
        read -r rounds exchange imbalance <<<"$stats"
        echo "| M = 25, P = 10 | $p | $(nodes "$layout") | $s | $(awk -v b="$base" -v s="$s" 'BEGIN { printf "%.2f", b / s }') |" \
            "$(awk -v b="$base" -v s="$s" -v p="$p" 'BEGIN { printf "%.2f", b / s / p }') | $rounds | $exchange | $imbalance |" \
            "$(same manifold "manifold-$first" "manifold-$layout") |"
    done
    echo
fi
echo "Load after: $(cut -d' ' -f1-3 /proc/loadavg). Command: scripts/bench-nodes-scaling.sh $bin $what"
