#!/usr/bin/env bash
# What one round of a distributed manifold construction costs in communication, over three
# transports, 2 ranks each (docs/scaling.md, "Measured"):
#   shm          mpirun -np 2 on this machine, Open MPI's default (shared memory between ranks)
#   tcp-local    the same with --mca btl tcp,self (TCP over the loopback interface)
#   tcp-nodes    one rank on each of two simulated nodes (slurm/local-up.sh --nodes 2: network
#                namespaces joined by veth pairs and a bridge), started through
#                slurm/node-exec.sh, TCP over the bridge; skipped where namespaces are refused
# on two manifolds: the Duffing model's stable manifold (80 short rounds of a few kB: latency)
# and the 24-dimensional stable manifold of scripts/make-saddle-alrnn.py 25 10 in the box
# -10:10 (4 rounds of up to a few MB: bandwidth). Each run is repeated and the best kept.
#
# Columns: exchange/round is the time a round spends in its collectives (the all-to-all
# exchanges and the reduction ending them), the least over ranks, so the transport's cost
# without the wait for a slower rank (`exchange_seconds_per_round` of the manifold's
# distribution report; "n/a" from a platlas without it); overhead/round is the construction's
# time minus the busiest rank's time in the work unit, over the rounds (everything that is not
# computing: messages, serialisation, waiting).
#
#   scripts/bench-transport.sh [BIN_DIR] [REPEATS]      BIN_DIR default .build/release, REPEATS 3
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/release}
repeats=${2:-3}
platlas=$bin/platlas
[ -x "$platlas" ] || { echo "bench-transport: no $platlas" >&2; exit 2; }
# shellcheck source-path=SCRIPTDIR source=../Tests/slurm/helpers.sh
. Tests/slurm/helpers.sh
bench_workdir transport

/usr/bin/python3 scripts/make-saddle-alrnn.py 25 10 > "$work/alrnn.json"
cases=("duffing|$PWD/jobs/models/duffing.json --cycle 1 --kind stable --allow-non-invertible --max-iterations 80"
       "alrnn-25-10|$work/alrnn.json --cycle 1 --kind stable --bounds=-10:10")

# The simulated nodes, for tcp-nodes; a free port pair, as the tests choose one.
nodes_note=
port=$(free_port_pair 6917) || port=
if [ -z "$port" ]; then
    nodes_note="no free port pair"
elif ! PLATLAS_SLURM_PORT=$port slurm/local-up.sh --nodes 2 --share "$work" --share "$PWD" --share "$(cd "$bin" && pwd)" \
        "$cluster" > /dev/null 2> "$work/up.err"; then
    nodes_note=$(tail -n 1 "$work/up.err")
fi
net=
[ -n "$nodes_note" ] || net=10.213.$(sed -n 's/^SUBNET=//p' "$cluster/nodes/cluster.env")

# launch TRANSPORT: the mpirun words for 2 ranks over TRANSPORT.
launch() {
    case $1 in
        shm) echo mpirun -np 2 ;;
        tcp-local) echo mpirun -np 2 --mca btl tcp,self --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo ;;
        tcp-nodes) echo env PLATLAS_SLURM_DIR="$cluster" mpirun -np 2 --map-by node --bind-to none --hostfile "$cluster/nodes/hostfile" \
            --mca plm_rsh_agent "$PWD/slurm/node-exec.sh" \
            --mca btl_tcp_if_include "$net.0/24" --mca oob_tcp_if_include "$net.0/24" ;;
    esac
}

transports=(shm tcp-local tcp-nodes)
[ -z "$nodes_note" ] || transports=(shm tcp-local)
failed=()
# The runs interleaved (each repeat runs every case and transport once), so that a busy moment
# of the machine does not fall on one transport only.
for r in $(seq 1 "$repeats"); do
    for c in "${cases[@]}"; do
        label=${c%%|*}
        read -r -a args <<<"${c#*|}"
        for transport in "${transports[@]}"; do
            read -r -a words <<<"$(launch "$transport")"
            (cd "$work" && timeout 900 "${words[@]}" "$platlas" manifold "${args[@]}" --json) \
                > "$work/$label-$transport-$r.json" 2> "$work/$label-$transport-$r.err" ||
                { failed+=("$label $transport: $(tail -n 1 "$work/$label-$transport-$r.err")"); rm -f "$work/$label-$transport-$r.json"; }
        done
    done
done

echo "## Exchange per round, 2 ranks ($(nproc) cores, $(uname -m); best of $repeats runs)"
echo
echo "| manifold | transport | rounds | bytes/round (mean) | exchange/round (median) | exchange/round (mean) | overhead/round | construction s |"
echo "|---|---|---|---|---|---|---|---|"
for c in "${cases[@]}"; do
    label=${c%%|*}
    for transport in shm tcp-local tcp-nodes; do
        if [ "$transport" = tcp-nodes ] && [ -n "$nodes_note" ]; then
            echo "| $label | $transport | skipped: $nodes_note | | | | | |"
            continue
        fi
        files=("$work/$label-$transport"-*.json)
        if [ ! -e "${files[0]}" ]; then
            echo "| $label | $transport | every run failed | | | | | |"
            continue
        fi
        /usr/bin/python3 - "$label" "$transport" "${files[@]}" <<'PY'
import json, statistics, sys
label, transport, files = sys.argv[1], sys.argv[2], sys.argv[3:]
rows = []
for f in files:
    m = json.load(open(f))["manifolds"][0]
    d = m["distribution"]
    rounds = d["rounds"]
    per_round = d.get("exchange_seconds_per_round")
    overhead = (m["seconds"] - max(d["seconds_per_rank"])) / rounds
    rows.append((statistics.mean(per_round) if per_round else overhead, per_round, overhead, m["seconds"], d))
best = min(rows, key=lambda r: r[0])
_, per_round, overhead, seconds, d = best
ms = lambda s: f"{s * 1e3:.3f} ms"
median = ms(statistics.median(per_round)) if per_round else "n/a"
mean = ms(statistics.mean(per_round)) if per_round else "n/a"
print(f"| {label} | {transport} | {d['rounds']} | {d['bytes_per_round_mean'] / 1e3:.1f} kB | {median} | {mean} | "
      f"{ms(overhead)} | {seconds:.3f} |")
PY
    done
done
echo
for f in ${failed[@]+"${failed[@]}"}; do echo "failed: $f"; done
echo "Command: scripts/bench-transport.sh $bin $repeats"
