#!/usr/bin/python3
"""Checks a manifold written by `platlas manifold --output` against the true manifold, with
NumPy only and none of platlas's code: its own generic form of the model, its own inverse of
every region, its own local piece.

1. Coverage. Points on the saddle's local piece (a small disc of the eigenspace, radius a
   fraction of the distance to the nearest hyperplane) are pushed backward through every
   preimage (stable: all x in the box with F(x) = y, found by trying the affine inverse of every
   region) or forward (unstable), generation by generation, at most --points per generation.
   Coverage is the fraction of the points of generations 1.. that lie on a stored sheet: within
   --tolerance of its flat (polylines: of its segment), and inside its extent as
   docs/hdf5-schema.md defines it (the step towards the saddle lies on the parent sheet, down to
   the local piece, whose orbit stays in the saddle's regions and the box).
   With --points FILE (a JSON list of points), also the fraction of those points that lie on
   the stored manifold (a sample of a known true piece, for instance).
2. Invariance. Random points inside stored sheets (convex combinations of a sheet's support
   points) are iterated towards the saddle (stable: F; unstable: the inverse along the sheet's
   ancestry), projected back onto each parent sheet's flat, and must stay in every level's
   region and the box until they reach the saddle's local piece: the fraction that does.

Regions: every code of {0,1}^H when N selects coordinates and H <= 16 (PLRNN, ALRNN); else the
codes met by a dense sample of the box (shallow networks; reliable for M <= 3).

Usage: check-manifold.py MODEL.json FILE.h5 NAME [--points N] [--generations G] [--tolerance T]
       [--invariance N] [--seed S] [--points-file FILE]
Prints one JSON document: coverage, sampled, invariance, ..."""
import argparse
import itertools
import json
import sys

import h5py
import numpy as np


def generic_form(model):
    t = model["type"]
    A = np.array(model["A"], dtype=float)
    if t == "plrnn":
        M = len(model["h"])
        A = np.diag(A) if A.ndim == 1 else A
        return A, np.array(model["W"], dtype=float), np.eye(M), np.zeros(M), np.array(model["h"], dtype=float)
    if t == "alrnn":
        M, P = len(model["h"]), int(model["P"])
        W = np.array(model["W"], dtype=float)
        A = np.diag(A) if A.ndim == 1 else A
        A = A.copy()
        A[:, :M - P] += W[:, :M - P]
        return A, W[:, M - P:], np.eye(M)[M - P:], np.zeros(P), np.array(model["h"], dtype=float)
    if t in ("shplrnn", "clipped_shplrnn"):
        A = np.diag(A) if A.ndim == 1 else A
        W1, W2 = np.array(model["W1"], dtype=float), np.array(model["W2"], dtype=float)
        h1, h2 = np.array(model["h1"], dtype=float), np.array(model["h2"], dtype=float)
        if t == "shplrnn":
            return A, W1, W2, h2, h1
        return A, np.hstack([W1, -W1]), np.vstack([W2, W2]), np.concatenate([h2, np.zeros(len(h2))]), h1
    raise SystemExit(f"unknown model type {t}")


class Map:
    def __init__(self, model, box, seed):
        self.A, self.W1, self.N, self.b, self.h1 = generic_form(model)
        self.M, self.H = self.A.shape[0], self.N.shape[0]
        self.lo, self.hi = box
        selector = np.allclose(self.b, 0) and all(np.count_nonzero(row) == 1 and row.max() == 1 for row in self.N)
        if selector and self.H <= 16:
            codes = np.array(list(itertools.product([0, 1], repeat=self.H)), dtype=bool)
        else:
            rng = np.random.default_rng(seed)
            pts = self.lo + rng.random((400000, self.M)) * (self.hi - self.lo)
            # The distinct codes in lexicographic order (as np.unique(axis=0) sorts them), found
            # on the codes packed into bytes.
            bits = pts @ self.N.T + self.b > 0
            packed = np.ascontiguousarray(np.packbits(bits, axis=1))
            keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
            _, first = np.unique(keys, return_index=True)
            codes = bits[first]
        self.codes = codes
        D = codes.astype(float)
        self.J = self.A[None, :, :] + np.einsum("ih,kh,hj->kij", self.W1, D, self.N)
        self.c = self.h1[None, :] + (D * self.b[None, :]) @ self.W1.T
        self.inv = np.full(self.J.shape, np.nan)
        regular = np.abs(np.linalg.det(self.J)) > 1e-12
        if regular.any():
            self.inv[regular] = np.linalg.inv(self.J[regular])
        self.tol = 1e-9 * (1 + max(np.abs(self.lo).max(), np.abs(self.hi).max()))

    def F(self, x):
        return self.A @ x + self.W1 @ np.maximum(self.N @ x + self.b, 0) + self.h1

    def code(self, x):
        return self.N @ x + self.b > 0

    def in_region(self, x, d, tol=None):
        tol = self.tol if tol is None else tol
        u = self.N @ x + self.b
        return bool(np.all(np.where(d, u >= -tol, u <= tol)))

    def in_box(self, x, tol=None):
        tol = self.tol if tol is None else tol
        return bool(np.all(x >= self.lo - tol) and np.all(x <= self.hi + tol))

    def preimages(self, y):
        """Every x in the box with F(x) = y: the affine inverse of every region, kept where consistent."""
        return self.preimages_of([y])[0]

    def preimages_of(self, ys):
        """preimages(y) for every y of ys, computed together: x_k = J_k^-1 (y - c_k) for every
        region k, kept when x_k is finite, in the box, and in region k (every hyperplane on its
        side, within tol; a sample of the hyperplanes first, to drop most candidates cheaply)."""
        K, M, H = len(self.codes), self.M, self.H
        out = [[] for _ in ys]
        if K == 0 or not len(ys):
            return out
        first = np.arange(H)[:: max(1, H // 16)]
        chunk = max(1, 4_000_000 // max(1, K * M))
        with np.errstate(invalid="ignore", over="ignore"):
            for start in range(0, len(ys), chunk):
                Y = np.array(ys[start:start + chunk], dtype=float)
                # xs[p, k] = inv_k (y_p - c_k), summed over the columns (M is small).
                xs = np.zeros((len(Y), K, M))
                for j in range(M):
                    xs += self.inv[None, :, :, j] * (Y[:, j][:, None] - self.c[None, :, j])[:, :, None]
                keep = np.all(np.isfinite(xs), axis=2)
                keep &= np.all(xs >= self.lo - self.tol, axis=2) & np.all(xs <= self.hi + self.tol, axis=2)
                p, k = np.nonzero(keep)
                for rows in (first, None):
                    if not len(p):
                        break
                    N = self.N if rows is None else self.N[rows]
                    b = self.b if rows is None else self.b[rows]
                    d = self.codes[k] if rows is None else self.codes[k][:, rows]
                    u = xs[p, k] @ N.T + b
                    ok = np.all(np.where(d, u >= -self.tol, u <= self.tol), axis=1)
                    p, k = p[ok], k[ok]
                for pi, ki in zip(p, k):
                    x = xs[pi, ki]
                    found = out[start + pi]
                    if not any(np.linalg.norm(x - o) < 1e-9 * (1 + np.linalg.norm(x)) for o in found):
                        found.append(x)
        return out

    def jacobian(self, d):
        return self.A + self.W1 @ np.diag(d.astype(float)) @ self.N

    def offset(self, d):
        return self.h1 + self.W1 @ (d.astype(float) * self.b)


def load(path, name):
    f = h5py.File(path, "r")
    g = f["manifolds"][name]
    s = g["sheets"]
    H = int(f["cycles"].attrs["hidden_units"]) if "cycles" in f else None
    out = dict(kind=g.attrs["kind"], method=g.attrs["method"], dimension=int(g.attrs["dimension"]),
               bounds=g["bounds"][()], saddle=g["saddle_points"][()], region_words=s["region"][()], origin=s["origin"][()],
               basis=s["basis"][()], generation=s["generation"][()], parent=s["parent"][()], cycle_point=s["cycle_point"][()],
               offsets=s["support_offsets"][()], support=s["support_points"][()])
    return out


def decode(words, H):
    bits = np.zeros(H, dtype=bool)
    for i in range(H):
        bits[i] = (int(words[i // 64]) >> (i % 64)) & 1
    return bits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("file")
    ap.add_argument("name")
    ap.add_argument("--points", type=int, default=600)
    ap.add_argument("--generations", type=int, default=None)
    ap.add_argument("--tolerance", type=float, default=1e-6)
    ap.add_argument("--invariance", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--points-file", default=None)
    a = ap.parse_args()
    model = json.load(open(a.model))
    if "stack" in model:
        model = model["stack"][0]
    m = load(a.file, a.name)
    box = (m["bounds"][0], m["bounds"][1])
    F = Map(model, box, a.seed)
    H, M = F.H, F.M
    regions = np.array([decode(w, H) for w in m["region_words"]])
    stable = m["kind"] == "stable"
    polyline = m["method"] == "polyline"
    tol = a.tolerance * (1 + np.linalg.norm(F.hi - F.lo))
    rng = np.random.default_rng(a.seed)

    # The saddle cycle: its points, regions, and eigenspaces (its own eigen-decomposition).
    P = m["saddle"]
    k = len(P)
    creg = [F.code(p) for p in P]
    prod = np.eye(M)
    for i in range(k):
        prod = F.jacobian(creg[i]) @ prod
    vals, vecs = np.linalg.eig(prod)
    pick = np.abs(vals) < 1 if stable else np.abs(vals) > 1
    raw = []
    for j in np.where(pick)[0]:
        if vals[j].imag < 0:
            continue  # the conjugate of a pair taken already
        raw.append(vecs[:, j].real)
        if vals[j].imag > 0:
            raw.append(vecs[:, j].imag)
    E0 = np.linalg.qr(np.array(raw).T)[0][:, :int(pick.sum())]

    E = [E0]
    for i in range(1, k):
        E.append(np.linalg.qr(F.jacobian(creg[i - 1]) @ E[-1])[0])

    # A ball around each cycle point whose orbit towards the saddle never leaves the cycle's
    # regions: radius = distance to the nearest hyperplane or box face / the largest norm of the
    # step maps' powers on the eigenspace (over 4000 steps).
    step_maps = []
    for i in range(k):
        if stable:
            T = F.jacobian(creg[i])
        else:
            T = np.linalg.inv(F.jacobian(creg[(i - 1) % k]))
        step_maps.append(T)
    safe = []
    for i in range(k):
        u = F.N @ P[i] + F.b
        dist = min([abs(u[j]) / max(np.linalg.norm(F.N[j]), 1e-300) for j in range(H)] + list(P[i] - F.lo) + list(F.hi - P[i]))
        R = E[i].copy()
        worst = 1.0
        j = i
        for n in range(4000):
            j2 = (j + 1) % k if stable else (j - 1) % k
            R = E[j2] @ (E[j2].T @ (step_maps[j] @ R))
            j = j2
            worst = max(worst, np.linalg.norm(R, 2))
        safe.append(0.5 * dist / worst)

    def on_local(x, i, steps=200000):
        """x (at cycle point i) on the local piece: its orbit towards the saddle stays in the cycle's regions and the box, and converges.
        Each step is projected back onto the eigenspace (rounding off it grows along the other directions)."""
        y = x.copy()
        d0 = np.linalg.norm(x - P[i])
        for n in range(steps):
            j = (i + n) % k if stable else (i - n) % k
            y = P[j] + E[j] @ (E[j].T @ (y - P[j]))
            if not F.in_region(y, creg[j], 1e-7 * (1 + np.linalg.norm(y))) or not F.in_box(y, 1e-7):
                return False
            if np.linalg.norm(y - P[j]) <= safe[j]:
                return True
            if stable:
                y = F.jacobian(creg[j]) @ y + F.offset(creg[j])
            else:
                jp = (j - 1) % k
                y = np.linalg.solve(F.jacobian(creg[jp]), y - F.offset(creg[jp]))
        return True

    by_region = {}
    for s in range(len(regions)):
        by_region.setdefault(regions[s].tobytes(), []).append(s)

    def step_to_parent(x, s):
        """The step towards the saddle of a point of sheet s, landing on its parent."""
        if stable:
            return F.F(x)
        p = m["parent"][s]
        d = regions[p]
        return np.linalg.solve(F.jacobian(d), x - F.offset(d))

    def on_sheet(x, s, depth=0):
        if polyline:
            a0, b0 = m["support"][m["offsets"][s]], m["support"][m["offsets"][s] + 1]
            ab = b0 - a0
            t = np.clip(np.dot(x - a0, ab) / max(np.dot(ab, ab), 1e-300), 0, 1)
            return np.linalg.norm(a0 + t * ab - x) <= tol
        B = m["basis"][s]
        r = x - m["origin"][s]
        off = np.linalg.norm(r - B.T @ (B @ r))
        if depth == 0 and off > tol:
            return False
        rtol = 1e-7 * (1 + np.linalg.norm(x))
        if not F.in_region(x, regions[s], rtol) or not F.in_box(x, rtol):
            return False
        if m["parent"][s] < 0:
            return on_local(x, int(m["cycle_point"][s]))
        p = int(m["parent"][s])
        y = step_to_parent(x, s)
        if m["parent"][p] >= 0:
            # Back onto the parent's stored flat (rounding off it grows along the other directions).
            Bp = m["basis"][p]
            y = m["origin"][p] + Bp.T @ (Bp @ (y - m["origin"][p]))
        return on_sheet(y, p, depth + 1)

    def covered(x):
        key = F.code(x).tobytes()
        candidates = by_region.get(key, [])
        if not candidates:
            # On a hyperplane the region is ambiguous: try the neighbours the tolerance allows.
            u = F.N @ x + F.b
            near = np.where(np.abs(u) <= 1e-7 * (1 + np.linalg.norm(x)))[0]
            for flips in itertools.product([0, 1], repeat=min(len(near), 4)):
                d = F.code(x)
                for i, f in zip(near[:4], flips):
                    d[i] = d[i] ^ bool(f)
                candidates = candidates + by_region.get(d.tobytes(), [])
        return any(on_sheet(x, s) for s in candidates)

    # 1. Coverage.
    generations = a.generations if a.generations is not None else int(m["generation"].max())
    current = []
    for i in range(k):
        u = F.N @ P[i] + F.b
        dist = min(abs(u[j]) / max(np.linalg.norm(F.N[j]), 1e-300) for j in range(H))
        radius = 0.2 * min(dist, 0.05 * np.min(F.hi - F.lo))
        for _ in range(max(1, a.points // k)):
            z = rng.normal(size=E[i].shape[1])
            z *= radius * rng.random() ** (1 / len(z)) / np.linalg.norm(z)
            current.append(P[i] + E[i] @ z)
    sampled = hit = 0
    missed_regions = set()
    for g in range(generations):
        nxt = []
        if stable:
            for found in F.preimages_of(current):
                nxt += found
        else:
            for x in current:
                y = F.F(x)
                if F.in_box(y):
                    nxt.append(y)
        if len(nxt) > a.points:
            idx = rng.choice(len(nxt), a.points, replace=False)
            nxt = [nxt[i] for i in sorted(idx)]
        if not nxt:
            break
        for x in nxt:
            sampled += 1
            if covered(x):
                hit += 1
            elif F.code(x).tobytes() not in by_region:
                missed_regions.add(F.code(x).tobytes())
        current = nxt

    # 2. Invariance: random points of stored sheets go to the saddle.
    good = tried = 0
    sheets = [s for s in range(len(regions)) if m["offsets"][s + 1] - m["offsets"][s] >= 1]
    for _ in range(a.invariance if sheets else 0):
        s = sheets[rng.integers(len(sheets))]
        pts = m["support"][m["offsets"][s]:m["offsets"][s + 1]]
        w = rng.dirichlet(np.ones(min(len(pts), m["dimension"] + 1)))
        chosen = pts[rng.choice(len(pts), len(w), replace=False)]
        x = w @ chosen
        tried += 1
        # Its walk towards the saddle (F for stable, the inverse on the parent's region for
        # unstable, projected back onto each parent's flat) stays in every level's region and
        # the box and ends on the local piece.
        ok = on_sheet(x, s)
        good += ok
    given = None
    if a.points_file:
        pts = [np.array(p, dtype=float) for p in json.load(open(a.points_file))]
        given = sum(1 for x in pts if covered(x)) / max(len(pts), 1)
    print(json.dumps(dict(on_manifold=given, coverage=hit / sampled if sampled else None, sampled=sampled, covered=hit, generations=generations,
                          tolerance=tol, missed_regions=len(missed_regions), invariance=good / tried if tried else None,
                          invariance_tried=tried, sheets=len(regions), regions_enumerated=len(F.codes))))


if __name__ == "__main__":
    main()
