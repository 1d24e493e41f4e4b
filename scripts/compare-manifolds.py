#!/usr/bin/python3
"""Checks that two platlas result files hold the same manifolds, whatever the number of ranks
that wrote them: every /manifolds/<name> group has the same attributes (except timings and the job-spec analysis label) and,
after a stable sort of the sheets by region code, bit-identical sheets (region, origin, basis,
generation, support points, normal, cycle point, and the parent as the parent's position in
that order); the sample points are compared as sorted rows, also bit
for bit. The per-rank load report (/manifolds/<name>/distribution) is not compared.
Usage: compare-manifolds.py A.h5 B.h5   (exit 0 when equal, 1 with the first difference)"""
import sys
import h5py
import numpy as np

SKIP_ATTRS = {"seconds", "analysis"}  # timings; the job-spec analysis that wrote the group


def sheets(g):
    s = g["sheets"]
    region = s["region"][()]
    offsets = s["support_offsets"][()]
    support = s["support_points"][()]
    n = region.shape[0]
    order = sorted(range(n), key=lambda i: (tuple(region[i][::-1]), i))
    position = {i: k for k, i in enumerate(order)}
    parent = s["parent"][()] if "parent" in s else None
    out = []
    for i in order:
        row = [region[i].tobytes(), s["origin"][i].tobytes(), s["basis"][i].tobytes(), int(s["generation"][i]),
               support[offsets[i]:offsets[i + 1]].tobytes()]
        if "normal" in s:
            row.append(s["normal"][i].tobytes())
        if parent is not None:
            row.append(position[int(parent[i])] if parent[i] >= 0 else -1)
        if "cycle_point" in s:
            row.append(int(s["cycle_point"][i]))
        out.append(row)
    return out


def compare(a, b):
    if set(a["manifolds"]) != set(b["manifolds"]):
        return f"different manifolds: {sorted(a['manifolds'])} vs {sorted(b['manifolds'])}"
    for name in a["manifolds"]:
        ga, gb = a["manifolds"][name], b["manifolds"][name]
        for key in set(ga.attrs) | set(gb.attrs):
            if key in SKIP_ATTRS:
                continue
            va, vb = ga.attrs.get(key), gb.attrs.get(key)
            if not np.array_equal(np.asarray(va), np.asarray(vb), equal_nan=isinstance(va, float)):
                return f"{name}: attribute {key} differs: {va} vs {vb}"
        for key in ["bounds", "saddle_points"]:
            if not np.array_equal(ga[key][()], gb[key][()]):
                return f"{name}: {key} differs"
        sa, sb = sheets(ga), sheets(gb)
        if len(sa) != len(sb):
            return f"{name}: {len(sa)} vs {len(sb)} sheets"
        for i, (x, y) in enumerate(zip(sa, sb)):
            if x != y:
                return f"{name}: sheet {i} (in region order) differs"
        pa, pb = ga["points"][()], gb["points"][()]
        if pa.shape != pb.shape:
            return f"{name}: points {pa.shape} vs {pb.shape}"
        if not np.array_equal(pa[np.lexsort(pa.T[::-1])], pb[np.lexsort(pb.T[::-1])]):
            return f"{name}: sample points differ"
    return None


if __name__ == "__main__":
    with h5py.File(sys.argv[1], "r") as a, h5py.File(sys.argv[2], "r") as b:
        problem = compare(a, b)
    if problem:
        print(f"{sys.argv[1]} vs {sys.argv[2]}: {problem}")
        sys.exit(1)
    print(f"{sys.argv[1]} and {sys.argv[2]}: same manifolds")
