#!/usr/bin/env python3
"""scipy peer of `fermiglass bench engine`: the same matrix (COO .npy exported with --export DIR)
through scipy.sparse.linalg.eigsh(sigma=E_F, k), timed, with the BLAS kernel numpy used.

Run with OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset for this command only:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 eigsh_engine.py DIR K [K ...]
Prints one JSON line per k.
"""
import json
import resource
import sys
import time

import numpy as np
import scipy
import scipy.sparse as sp
import scipy.sparse.linalg as sla

try:
    from threadpoolctl import threadpool_info, threadpool_limits
    threadpool_limits(1)
    blas = ";".join(f"{i.get('internal_api')}:{i.get('architecture')}" for i in threadpool_info())
except Exception:  # noqa: BLE001
    blas = "unknown"

d = sys.argv[1]
ks = [int(k) for k in sys.argv[2:]]
rows, cols, vals = (np.load(f"{d}/{x}.npy") for x in ("rows", "cols", "vals"))
meta = json.load(open(f"{d}/sigma.json"))
n = meta["n"]
h = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
for k in ks:
    t = time.perf_counter()
    w, v = sla.eigsh(h, k=k, sigma=meta["sigma"], which="LM")
    seconds = time.perf_counter() - t
    res = np.linalg.norm(h @ v - v * w, axis=0).max()
    print(json.dumps({"n": n, "k": k, "scipy_seconds": seconds, "max_residual": float(res),
                      "maxrss_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "scipy": scipy.__version__, "blas": blas}))
