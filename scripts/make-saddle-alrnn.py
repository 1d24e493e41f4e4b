#!/usr/bin/python3
"""An ALRNN with M units, the last P with a ReLU, built so that the all-active region has a fixed
point with exactly one eigenvalue outside the unit circle (1.3): a saddle with an (M-1)-dimensional
stable manifold. A diagonal in (0.3, 0.8), the ReLU block of the all-active region
Q diag(1.3, mu_2..mu_P) Q^-1, the linear units driven by the ReLU units, h placing the fixed point in
the all-active region; the first seed with det J > 0 in all 2^P regions (an invertible map).
Deterministic. Usage: make-saddle-alrnn.py M P > model.json"""
import json, sys, itertools
import numpy as np
M, P = int(sys.argv[1]), int(sys.argv[2])
L = M - P
for seed in range(1000):
    rng = np.random.default_rng(seed)
    A = np.concatenate([rng.uniform(0.3, 0.8, L), rng.uniform(0.3, 0.6, P)])
    mu = np.concatenate([[1.3], rng.uniform(-0.5, 0.7, P - 1)])
    Q = np.eye(P) + 0.3 * rng.normal(size=(P, P))
    JP = Q @ np.diag(mu) @ np.linalg.inv(Q)
    W = np.zeros((M, M))
    W[L:, L:] = JP - np.diag(A[L:])
    W[:L, L:] = 0.2 * rng.normal(size=(L, P))
    if any(np.linalg.det(np.diag(A) + W @ np.diag(np.concatenate([np.ones(L), bits]))) <= 0
           for bits in itertools.product([0, 1], repeat=P)):
        continue
    zstar = np.concatenate([rng.normal(size=L), rng.uniform(0.5, 1.5, P)])
    J = np.diag(A) + W
    h = zstar - J @ zstar
    assert sum(abs(np.linalg.eigvals(J)) > 1) == 1
    print(json.dumps({"type": "alrnn", "P": P, "A": A.tolist(), "W": W.tolist(), "h": h.tolist()}))
    break
