#!/usr/bin/env python3
"""Draws what a platlas result file holds: the example of docs/postprocessing.md.

    python3 scripts/postprocess-example.py RESULT.h5 FIGURE.png

RESULT.h5 is what `platlas run` (or `platlas cycles --output`) writes, or what `platlas collect`
writes (one panel per task under /tasks/<i>). Needs h5py, numpy and matplotlib; draws without
a display (matplotlib's Agg backend). Prints one line per panel and the figure's path.

Each analysis group has its own section below (a function `draw_<group>`); an analysis this
version of platlas does not write yet (manifolds, sweeps) is skipped when absent.
"""
import sys

import h5py
import matplotlib

matplotlib.use("Agg")  # headless: no display needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

STYLE = {  # stability -> (colour, marker)
    "stable": ("tab:blue", "o"),
    "saddle": ("tab:red", "x"),
    "unstable": ("tab:orange", "s"),
    "marginal": ("tab:gray", "d"),
}


def read_cycles(group):
    """The cycles of a /cycles group as a list of dicts (docs/hdf5-schema.md)."""
    offsets = group["offsets"][()]
    points = group["points"][()]
    stability = group["stability"][()].astype(str)  # fixed-length strings: bytes -> str
    cycles = []
    for i, order in enumerate(group["order"][()]):
        cycles.append({
            "order": int(order),
            "points": points[offsets[i]:offsets[i + 1]],  # (order, M)
            "stability": stability[i],
            "unstable_dimension": int(group["unstable_dimension"][i]),
            "eigenvalues": group["eigenvalues"][i],  # (M, 2): real, imaginary
        })
    return cycles


def draw_cycles(ax, group, title):
    """Section: cycles. The first two state coordinates of every cycle point; a cycle's points
    are joined in their order (a k-cycle is a closed polygon)."""
    cycles = read_cycles(group)
    seen = set()
    for c in cycles:
        colour, marker = STYLE.get(c["stability"], ("black", "."))
        p = c["points"]
        x = p[:, 0]
        y = p[:, 1] if p.shape[1] > 1 else np.zeros_like(x)
        label = c["stability"] if c["stability"] not in seen else None
        seen.add(c["stability"])
        if c["order"] > 1:
            ax.plot(np.append(x, x[0]), np.append(y, y[0]), color=colour, lw=0.8, alpha=0.6)
        ax.scatter(x, y, color=colour, marker=marker, label=label, zorder=3)
    ax.set_xlabel("z1")
    ax.set_ylabel("z2")
    ax.set_title(f"{title}: {len(cycles)} cycles, orders <= {group.attrs['max_order']}", fontsize=9)
    if cycles:
        ax.legend(fontsize=7)
    orders = sorted(c["order"] for c in cycles)
    return f"{title}: {len(cycles)} cycles (orders {orders})"


def draw_manifolds(ax, group, title):
    """Section: manifolds (not written by this version of platlas; the layout will be in
    docs/hdf5-schema.md when `[[manifold]]` is available)."""
    raise NotImplementedError


def draw_sweep(ax, group, title):
    """Section: sweeps (not written by this version of platlas; see draw_manifolds)."""
    raise NotImplementedError


SECTIONS = [("cycles", draw_cycles)]  # later: ("manifold", draw_manifolds), ("sweep", draw_sweep)


def runs(f):
    """(title, group) of every run in the file: the root of a run's file, or each /tasks/<i> of
    a collected file."""
    if "tasks" in f:
        for i in sorted((k for k in f["tasks"] if k.isdigit()), key=int):
            task = f["tasks"][i]
            name = task["job"].attrs["name"] if "job" in task else f"task {i}"
            yield f"task {i} ({name})", task
    else:
        name = f["job"].attrs["name"] if "job" in f else f.filename
        yield name, f


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: postprocess-example.py RESULT.h5 FIGURE.png")
    with h5py.File(sys.argv[1], "r") as f:
        panels = [(title, run, name, draw) for title, run in runs(f)
                  for name, draw in SECTIONS if name in run]
        if not panels:
            sys.exit(f"{sys.argv[1]}: no group this example draws ({', '.join(n for n, _ in SECTIONS)})")
        fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 4), squeeze=False)
        for ax, (title, run, name, draw) in zip(axes[0], panels):
            print(draw(ax, run[name], title))
        fig.tight_layout()
        fig.savefig(sys.argv[2], dpi=100)
    print(f"wrote {sys.argv[2]}")


if __name__ == "__main__":
    main()
