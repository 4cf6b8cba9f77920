#!/usr/bin/env python3
"""Independent baseline for `npm run bench:portfolio`: solves the same problems with cvxopt (interior point).

Input JSON (argv[1]): {"problems": [{"id", "objective", "mu", "cov", "lo", "hi", "rf", "target", "delta", "reps"}]}
Output JSON (stdout): {"results": {id: {"w": [...], "times_ms": [...]}}}
"""
import json
import sys
import time

import numpy as np
from cvxopt import matrix, solvers

solvers.options.update({"show_progress": False, "abstol": 1e-12, "reltol": 1e-12, "feastol": 1e-12, "maxiters": 300})


def f(a):
    return matrix(np.asarray(a, dtype=float))


def box(n, lo, hi, extra_cols=0):
    G = np.vstack([-np.eye(n), np.eye(n)])
    h = np.concatenate([-np.full(n, float(lo)), np.full(n, float(hi))])
    return G, h


def solve(p):
    mu = np.array(p["mu"])
    S = np.array(p["cov"])
    n = len(mu)
    lo, hi = p["lo"], p["hi"]
    obj = p["objective"]
    A1, b1 = np.ones((1, n)), np.ones(1)
    if obj == "min-volatility":
        G, h = box(n, lo, hi)
        return np.array(solvers.qp(f(2 * S), f(np.zeros(n)), f(G), f(h), f(A1), f(b1))["x"]).ravel()
    if obj == "max-quadratic-utility":
        G, h = box(n, lo, hi)
        return np.array(solvers.qp(f(p["delta"] * S), f(-mu), f(G), f(h), f(A1), f(b1))["x"]).ravel()
    if obj == "efficient-return":
        G, h = box(n, lo, hi)
        G = np.vstack([G, -mu.reshape(1, -1)])
        h = np.concatenate([h, [-p["target"]]])
        return np.array(solvers.qp(f(2 * S), f(np.zeros(n)), f(G), f(h), f(A1), f(b1))["x"]).ravel()
    if obj == "max-sharpe":
        rf = p["rf"]
        P = np.zeros((n + 1, n + 1))
        P[:n, :n] = 2 * S
        P[n, n] = 1e-14
        G = np.vstack([np.hstack([-np.eye(n), lo * np.ones((n, 1))]), np.hstack([np.eye(n), -hi * np.ones((n, 1))]), np.hstack([np.zeros((1, n)), -np.ones((1, 1))])])
        h = np.zeros(2 * n + 1)
        A = np.vstack([np.concatenate([mu - rf, [0]]), np.concatenate([np.ones(n), [-1]])])
        x = np.array(solvers.qp(f(P), f(np.zeros(n + 1)), f(G), f(h), f(A), f(np.array([1.0, 0.0])))["x"]).ravel()
        return x[:n] / x[n]
    if obj == "efficient-risk":
        L = np.linalg.cholesky(S)
        Gl, hl = box(n, lo, hi)
        G = np.vstack([Gl, np.zeros((1, n)), -L.T])
        h = np.concatenate([hl, [p["target"]], np.zeros(n)])
        sol = solvers.coneqp(f(1e-14 * np.eye(n)), f(-mu), f(G), f(h), {"l": 2 * n, "q": [n + 1], "s": []}, f(A1), f(b1))
        return np.array(sol["x"]).ravel()
    raise ValueError(obj)


def main():
    spec = json.load(open(sys.argv[1]))
    out = {}
    for p in spec["problems"]:
        times = []
        w = None
        for _ in range(p["reps"]):
            t0 = time.perf_counter()
            w = solve(p)
            times.append((time.perf_counter() - t0) * 1000)
        out[p["id"]] = {"w": w.tolist(), "times_ms": times}
    json.dump({"results": out}, sys.stdout)


if __name__ == "__main__":
    main()
