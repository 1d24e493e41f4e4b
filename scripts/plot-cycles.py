#!/usr/bin/env python3
"""Draw the cycles of a platlas result file over trajectories of its model (2D models, or the
first two coordinates of higher-dimensional ones). Reads only the documented schema
(docs/hdf5-schema.md): /model and /cycles.

Usage: plot-cycles.py RESULT.h5 OUT.png
"""
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def shallow_form(g):
    """The generic form F(z) = A z + W1 relu(N z + b) + h1 of the model group g."""
    kind = g.attrs["type"]
    arr = {k: np.array(g[k]) for k in g.keys()}
    a = arr["A"] if arr["A"].ndim == 2 else np.diag(arr["A"])
    if kind == "plrnn":
        m = a.shape[0]
        return a, arr["W"], np.eye(m), np.zeros(m), arr["h"]
    if kind == "alrnn":
        m, p = a.shape[0], int(np.array(g["P"]))
        w = arr["W"]
        a = a + np.hstack([w[:, : m - p], np.zeros((m, p))])
        return a, w[:, m - p:], np.eye(m)[m - p:], np.zeros(p), arr["h"]
    if kind == "shplrnn":
        return a, arr["W1"], arr["W2"], arr["h2"], arr["h1"]
    # clipped-shplrnn
    w1, w2 = arr["W1"], arr["W2"]
    return a, np.hstack([w1, -w1]), np.vstack([w2, w2]), np.concatenate([arr["h2"], 0 * arr["h2"]]), arr["h1"]


def main(path, out):
    f = h5py.File(path, "r")
    A, W1, N, b, h1 = shallow_form(f["model"])
    F = lambda z: A @ z + W1 @ np.maximum(N @ z + b, 0) + h1
    c = f["cycles"]
    points, offsets = np.array(c["points"]), np.array(c["offsets"])
    stability = [s.decode() if isinstance(s, bytes) else s for s in c["stability"][()]]
    orders = np.array(c["order"])
    lo, hi = points.min(axis=0) if len(points) else -np.ones(A.shape[0]), points.max(axis=0) if len(points) else np.ones(A.shape[0])
    span = np.full(A.shape[0], max(float(np.max(hi - lo)) if len(points) else 1.0, 1.0))
    lo, hi = lo - 0.6 * span, hi + 0.6 * span
    fig, ax = plt.subplots(figsize=(6, 5))
    rng = np.random.default_rng(0)
    for _ in range(40):
        z = lo + rng.random(A.shape[0]) * (hi - lo)
        orbit = [z]
        for _ in range(200):
            z = F(z)
            if not np.all(np.abs(z) < 1e6):
                break
            orbit.append(z)
        orbit = np.array(orbit)
        ax.plot(orbit[:, 0], orbit[:, 1] if orbit.shape[1] > 1 else 0 * orbit[:, 0], color="0.8", lw=0.5, zorder=1)
    style = {"stable": ("o", "tab:blue"), "saddle": ("X", "tab:red"), "unstable": ("s", "tab:orange"), "marginal": ("D", "tab:green")}
    for i, k in enumerate(orders):
        pts = points[offsets[i]:offsets[i + 1]]
        marker, color = style[stability[i]]
        y = pts[:, 1] if pts.shape[1] > 1 else 0 * pts[:, 0]
        ax.scatter(pts[:, 0], y, marker=marker, color=color, s=60, zorder=3,
                   label=f"{stability[i]} {'fixed point' if k == 1 else f'{k}-cycle'}")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), loc="best", fontsize=8)
    ax.set_xlim(lo[0], hi[0])
    if A.shape[0] > 1:
        ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("z1")
    ax.set_ylabel("z2")
    ax.set_title(f"{f['model'].attrs['type']}: cycles up to order {c.attrs['max_order']}")
    fig.tight_layout()
    fig.savefig(out, dpi=120)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
