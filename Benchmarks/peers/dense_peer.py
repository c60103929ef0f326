#!/usr/bin/env python3
"""Dense all-eigenpairs: FermiGlass (LAPACKE dsyevd) next to numpy.linalg.eigh on the same matrix.

For each lattice size L the hidden command `fermiglass dense-benchmark` builds H0 of the paper's
model (t1 = 1, t2 = 0.6, W = 9, periodic, seed 1, realization 0), writes it as .npy and times
its dense solve (eigenvalues and eigenvectors); this script then loads that matrix and times
numpy.linalg.eigh (also dsyevd, through numpy's own OpenBLAS) on it. Both sides use the same
thread count; rounds alternate the two sides so that load from other processes hits both.
Reported: the median over all repeats of each side, the ratio FermiGlass / numpy and the BLAS
kernel each side used.

    python3 Benchmarks/peers/dense_peer.py --binary .build/release/fermiglass --sizes 40,60,80 \
        --repeats 5 --rounds 3 --threads 1

For a fair peer run, unset the OpenBLAS tuning variables in that one command:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 Benchmarks/peers/dense_peer.py ...
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=".build/release/fermiglass")
    ap.add_argument("--sizes", default="40,60,80")
    ap.add_argument("--repeats", type=int, default=5, help="timed solves per side per round")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (FermiGlass, numpy) per size")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--warmup-below", type=int, default=4000,
                    help="one untimed warm-up solve per side and round for matrices smaller than this (sites)")
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args()

    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as tmp, threadpool_limits(limits=args.threads, user_api="blas"):
        numpy_blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        for L in sizes:
            path = os.path.join(tmp, f"h{L}.npy")
            ours, theirs, info = [], [], None
            for rnd in range(args.rounds):
                cmd = [args.binary, "dense-benchmark", "--size", str(L), "--t2", "0.6", "--W", "9", "--seed", "1",
                       "--repeats", str(args.repeats), "--threads", str(args.threads),
                       "--warmup", "1" if L * L < args.warmup_below else "0"]
                if rnd == 0:
                    cmd += ["--save-matrix", path]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
                info = json.loads(out.strip().splitlines()[-1])
                ours += info["times_seconds"]
                h = np.load(path)
                if L * L < args.warmup_below:
                    np.linalg.eigh(h)  # warm-up, as on our side
                for _ in range(args.repeats):
                    t0 = time.perf_counter()
                    w, v = np.linalg.eigh(h)
                    theirs.append(time.perf_counter() - t0)
                if rnd == 0:
                    res = np.max(np.linalg.norm(h @ v - v * w, axis=0))
            row = {
                "L": L, "sites": L * L,
                "fermiglass_median_s": statistics.median(ours), "numpy_median_s": statistics.median(theirs),
                "ratio": statistics.median(ours) / statistics.median(theirs),
                "fermiglass_times_s": ours, "numpy_times_s": theirs,
                "fermiglass_residual": info["max_residual"], "numpy_residual": float(res),
                "fermiglass_core": info["openblas_core"], "fermiglass_threads": info["threads"],
                "fermiglass_openblas": info["openblas_config"],
            }
            results.append(row)
            print(f"L={L:3d} sites={L*L:5d}  fermiglass {row['fermiglass_median_s']:.4f} s  numpy {row['numpy_median_s']:.4f} s"
                  f"  ratio {row['ratio']:.3f}  (kernels: {row['fermiglass_core']} / "
                  f"{numpy_blas[0].get('architecture')}, threads {args.threads})", flush=True)
    summary = {
        "threads": args.threads, "repeats_per_round": args.repeats, "rounds": args.rounds,
        "numpy": np.__version__, "numpy_blas": numpy_blas,
        "env": {k: os.environ.get(k, "unset") for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")},
        "results": results,
    }
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2)
    print(json.dumps({k: v for k, v in summary.items() if k != "results"}, indent=None))


if __name__ == "__main__":
    sys.exit(main())
