#!/usr/bin/env python3
"""Draws what a platlas result file holds: the example of docs/postprocessing.md.

    python3 scripts/postprocess-example.py RESULT.h5 FIGURE.png

RESULT.h5 is what `platlas run` (or `platlas cycles --output`) writes, or what `platlas collect`
writes (one panel per task under /tasks/<i>). Needs h5py, numpy and matplotlib; draws without
a display (matplotlib's Agg backend). Prints one line per panel and the figure's path.

Each kind of analysis has its own section below (a function `draw_<kind>`): cycles, sweeps
(a 1D sweep as an orbit diagram with its Lyapunov exponent, a 2D sweep as a chart) and
manifolds (`platlas manifold --output`, or the manifold and basins analyses of a run: the
sample points of every manifold in the first two coordinates, with the saddle), FTLE fields
(`platlas ftle`, `[[ftle]]`: the field as an image) and reduced models (`platlas reduce`,
`[[reduce]]`: the reduced map on the slow manifold's chart, its fixed points and folds).
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


MANIFOLD_COLOUR = {"stable": "tab:blue", "unstable": "tab:red", "slow": "tab:green"}


def read_manifold(group):
    """One /manifolds/<name> group (docs/hdf5-schema.md, "Manifolds"): its sample points, the
    saddle, and the sheets (sheet i's support points are rows offsets[i]:offsets[i+1])."""
    sheets = group["sheets"]
    offsets = sheets["support_offsets"][()]
    return {
        "kind": group.attrs["kind"],
        "dimension": int(group.attrs["dimension"]),
        "points": group["points"][()],  # (n, M): the polyline sampled, or the support points
        "saddle": group["saddle_points"][()],
        "sheets": len(offsets) - 1,
        "regions": len({bytes(r) for r in sheets["region"][()]}),
        "delta_sigma": float(group.attrs["delta_sigma"]),
    }


def draw_manifolds(ax, group, title):
    """Section: manifolds. Every manifold of the /manifolds group: its sample points in the first
    two coordinates (stable blue, unstable red; a projection for M > 2), the saddle's points as
    black crosses. The sheets are written rank after rank, each rank's in region order: sort by
    the region codes where order matters."""
    lines = []
    for name in sorted(group):
        m = read_manifold(group[name])
        p = m["points"]
        y = p[:, 1] if p.shape[1] > 1 else np.zeros(len(p))
        ax.scatter(p[:, 0], y, s=0.5, color=MANIFOLD_COLOUR.get(m["kind"], "black"), label=f"{name} (d = {m['dimension']})")
        lines.append(f"{name}: {m['sheets']} sheets in {m['regions']} regions, {len(p)} points, "
                     f"Delta_sigma {m['delta_sigma']:.3f}")
    for name in sorted(group):
        s = group[name]["saddle_points"][()]
        ax.scatter(s[:, 0], s[:, 1] if s.shape[1] > 1 else np.zeros(len(s)), marker="x", color="black", zorder=3)
    ax.set_xlabel("z1")
    ax.set_ylabel("z2")
    ax.set_title(f"{title}: {len(lines)} manifolds", fontsize=9)
    ax.legend(fontsize=7, markerscale=10)
    return f"{title}: " + "; ".join(lines)


def read_sweep(group):
    """Per-point results of a sweep group (`/sweep`, or `/<label>` of a `[[sweep]]` analysis):
    only points whose `done` flag is 1 are valid, which in a finished group is all of them."""
    done = group["done"][()].astype(bool)
    axes = [group[f"axis_{a}"][()] for a in range(2) if f"axis_{a}" in group]
    lyapunov = np.where(done, group["lyapunov"][()], np.nan)
    attractors = np.where(done, group["attractor_count"][()], -1)
    events = group["bifurcations"] if "bifurcations" in group else None
    return axes, lyapunov, attractors, events


def draw_sweep(ax, group, title):
    """Section: sweeps. One axis (a parameter, or the snapshot index of a stack): the orbit
    diagram (black, if stored) and the largest Lyapunov exponent (red) against the parameter,
    bifurcations as vertical lines. Two axes: the chart shaded by the largest Lyapunov exponent
    (red positive, blue negative; white where every orbit diverged), or by the number of
    attractors without exponents, bifurcations as dots between the cells where they happen."""
    axes, lyapunov, attractors, events = read_sweep(group)
    specs = group.attrs["specs"].split(";")
    between = events["between"][()] if events is not None else np.zeros((0, 2), int)
    if len(axes) == 1:
        x = axes[0]
        if "orbit" in group:
            orbit = group["orbit"][()]  # (N, R, M)
            for i in range(len(x)):
                ax.plot(np.full(orbit.shape[1], x[i]), orbit[i, :, 0], ",k")
            ax.set_ylabel("z1 (orbit diagram)")
        exponent = ax.twinx() if "orbit" in group else ax
        exponent.plot(x, lyapunov, color="tab:red", lw=1)
        exponent.axhline(0, color="tab:red", lw=0.5, ls="--")
        exponent.set_ylabel("largest Lyapunov exponent", color="tab:red")
        for value in (events["value"][()] if events is not None else []):
            ax.axvline(value, color="tab:blue", lw=0.4)
        ax.set_xlabel(specs[0] if specs != ["stack"] else "snapshot")
    else:
        x, y = axes
        shade = lyapunov if np.isfinite(lyapunov).any() else attractors.astype(float)
        grid = shade.reshape(len(x), len(y)).T  # rows: second axis
        if np.isfinite(lyapunov).any():
            scale = np.nanmax(np.abs(grid)) or 1
            image = ax.pcolormesh(x, y, grid, cmap="coolwarm", vmin=-scale, vmax=scale, shading="nearest")
            label = "largest Lyapunov exponent"
        else:
            image = ax.pcolormesh(x, y, grid, cmap="Blues", shading="nearest")
            label = "attractors"
        plt.colorbar(image, ax=ax, label=label)
        n2 = len(y)
        mid = [((x[i // n2] + x[j // n2]) / 2, (y[i % n2] + y[j % n2]) / 2) for i, j in between]
        if mid:
            ax.scatter(*zip(*mid), s=2, color="black")
        ax.set_xlabel(specs[0])
        ax.set_ylabel(specs[1])
    shape = " x ".join(str(len(a)) for a in axes)
    ax.set_title(f"{title}: sweep {shape}, {len(between)} bifurcations", fontsize=9)
    chaotic = int(np.sum(lyapunov > 0))
    return f"{title}: sweep {shape} over {', '.join(specs)}, {len(between)} bifurcations, {chaotic} points with a positive exponent"


def draw_ftle(ax, group, title):
    """Section: FTLE fields (`platlas ftle --output`, `[[ftle]]`). /ftle/values[a][b] is the value
    at x[a] on axis i and y[b] on axis j (NaN where the orbit diverged): imshow wants rows along
    y, hence the transpose. Ridges of the forward field are basin boundaries."""
    values, x, y = group["values"][()], group["x"][()], group["y"][()]
    axes = group["axes"][()]
    direction = group["direction"][0].decode()
    image = ax.imshow(values.T, origin="lower", extent=(x[0], x[-1], y[0], y[-1]), aspect="auto", cmap="viridis")
    plt.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xlabel(f"z{axes[0] + 1}")
    ax.set_ylabel(f"z{axes[1] + 1}")
    steps = int(group["steps"][()])
    ax.set_title(f"{title}: {direction} FTLE, T = {steps}", fontsize=9)
    finite = values[np.isfinite(values)]
    top = np.quantile(finite, 0.97) if finite.size else np.nan
    return (f"{title}: {direction} FTLE {values.shape[0]} x {values.shape[1]}, T = {steps}, "
            f"{finite.size} averaged ({np.nanmin(values):.4g} to {np.nanmax(values):.4g}; top 3% above {top:.4g}), "
            f"{values.size - finite.size} diverged")


def draw_reduced(ax, group, title):
    """Section: reduced models (`platlas reduce --output`, `[[reduce]]`). For d = 1: the reduced
    map f(s) on the chart (arc length s along the slow manifold) against the diagonal, with its
    fixed points; the drift |f(s) - s| is the vertical distance. With a parameter track, the
    folds are listed in the printed line."""
    d = int(group.attrs["dimension"])
    kind = group.attrs["classification"]
    gap = float(group.attrs["spectral_gap"])
    line = f"{title}: d = {d}, spectral gap {gap:.4g}, {kind}"
    if d == 1 and "chart" in group:
        s, f = group["s"][()], group["f"][()]
        ax.plot(s, f, color="tab:green", label="f(s)")
        ax.plot(s, s, color="gray", linestyle="--", linewidth=0.8, label="s")
        fixed = group["fixed_points"]
        stability = fixed["stability"][()].astype(str)
        for x, st in zip(fixed["s"][()], stability):
            colour, marker = STYLE.get(st, ("black", "."))
            ax.scatter([x], [x], color=colour, marker=marker, zorder=3)
        ax.set_xlabel("s (arc length along the slow manifold)")
        ax.set_ylabel("f(s)")
        ax.legend(fontsize=7)
        line += f", reduced fixed points: {', '.join(stability)}"
    if "folds" in group:
        folds = group["folds"]["parameter"][()]
        line += f", {len(folds)} fold(s) along {group['track'].attrs['param']}" + (
            f" at {', '.join(f'{p:.6g}' for p in folds)}" if len(folds) else "")
    ax.set_title(f"{title}: reduced model, {kind}", fontsize=9)
    return line


# Which analyses this example draws: the kind (as `/job/kinds` lists it) and its section.
SECTIONS = [("cycles", draw_cycles), ("sweep", draw_sweep), ("manifolds", draw_manifolds), ("ftle", draw_ftle),
            ("reduced", draw_reduced)]
# Kinds of a run's analyses that write into a shared group: manifold and basins analyses write
# /manifolds/<name> (drawn once, all manifolds in one panel).
SHARED_GROUP = {"manifold": "manifolds", "basins": "manifolds"}


def analyses(run):
    """(group name, kind) of every analysis of a run that has a section here. A run's file lists
    them in /job (a spec may hold several sweeps: /sweep_1, /sweep_2, ...); files of single
    commands (`platlas cycles --output`, `platlas sweep --output`) hold groups named as the kind."""
    kinds = dict(SECTIONS)
    if "job" in run and "kinds" in run["job"]:
        labels = run["job"]["analyses"][()].astype(str)
        pairs = []
        for label, kind in zip(labels, run["job"]["kinds"][()].astype(str)):
            shared = SHARED_GROUP.get(kind)
            if kind == "reduce":  # [[reduce]] labelled reduce, reduce_2, ... writes /reduced, /reduced_2, ...
                pair = ("reduced" + label[len("reduce"):], "reduced")
            else:
                pair = (shared, shared) if shared else (label, kind)
            if pair not in pairs:
                pairs.append(pair)
    else:
        pairs = ((name, name) for name, _ in SECTIONS)
    return [(name, kind) for name, kind in pairs if kind in kinds and name in run]


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
        draws = dict(SECTIONS)
        panels = [(title, run, name, draws[kind]) for title, run in runs(f) for name, kind in analyses(run)]
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
