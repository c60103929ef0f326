#!/usr/bin/env python3
"""FermiGlass against its peers, in one run, on the same matrices.

For each lattice side L (the paper's model, --preset paper: t1=+1, t2=+0.6, W=9, periodic,
realization 0 of seed 1) this script

  1. exports H0 with `fermiglass bench export` (hamiltonian.npz, scipy.sparse.load_npz format),
  2. times, alternating one run of ours and one of the peer per repeat so that both see the
     same background load:
       dense:         `fermiglass bench solve --method dense`  vs  numpy.linalg.eigh
                      (CSR in, every eigenpair with vectors out; both sides densify inside
                      the timed region)
       shift-invert:  `fermiglass bench solve --method shift-invert --k K --sigma S --tol T`
                      vs  scipy.sparse.linalg.eigsh(H, k=K, sigma=S, tol=T)
                      (factorization + iterations; scipy factors with SuperLU, we with
                      CHOLMOD LDL^T)
  3. prints one row per (method, L): our median, the peer's median, and the ratio ours/peer
     with min/median/max over the paired repeats, peak memory of each side, and each side's
     OpenBLAS kernel and thread count (ours: summary.json provenance `openblas_core`,
     `openblas_threads`; the peer's: threadpoolctl).

Each timed run is a fresh process (ours: `fermiglass bench solve --repeats 1 --warmup 1`; the
peer: this script with --worker), timed inside the process around the solve only, after one
untimed warm-up solve. Peak memory is the process's VmHWM, reset just before the timed solve.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: these may be set on this machine for our OpenBLAS. They
are removed from the environment of the PEER's command alone (the worker process gets the
environment minus these two, as `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3
compare.py --worker ...` would), so numpy's bundled OpenBLAS picks its own kernel; ours runs with the environment as given. Each row
records the kernel each side actually used.

Usage (from the repository root, after `swift build -c release`):

    python3 Benchmarks/peers/compare.py --fermiglass .build/release/fermiglass \\
        --sizes 20,40,60 --repeats 5 --threads 1 --out runs/peers

Writes OUT/peers.csv and OUT/peers.md (the table for BENCHMARKS.md). Never run in CI or tests.
"""

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

PEER_ENV_UNSET = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


# --------------------------------------------------------------------------- memory

def reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


# --------------------------------------------------------------------------- the peer

def worker(args):
    """One peer measurement in this process; prints a JSON object on stdout."""
    import numpy as np
    import scipy
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla
    from threadpoolctl import threadpool_info, threadpool_limits

    H = sp.load_npz(args.matrix).tocsr()
    with threadpool_limits(limits=args.threads):
        blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        if args.worker == "dense":
            def solve():
                w, v = np.linalg.eigh(H.toarray())
                return w, v
        else:
            Hc = H.tocsc()
            def solve():
                w, v = spla.eigsh(Hc, k=args.k, sigma=args.sigma, which="LM", tol=args.tol)
                return w, v
        for _ in range(args.warmup):
            solve()
        reset_peak()
        t0 = time.perf_counter()
        w, v = solve()
        seconds = time.perf_counter() - t0
        peak = peak_bytes()
    residual = float(np.max(np.linalg.norm(H @ v - v * w, axis=0)))
    info = blas[0] if blas else {}
    print(json.dumps({
        "seconds": seconds, "peak_rss_bytes": peak, "eigenpairs": int(len(w)),
        "lowest": float(np.min(w)), "highest": float(np.max(w)), "max_residual": residual,
        "blas": info.get("internal_api", "unknown"), "blas_kernel": info.get("architecture", "unknown"),
        "blas_threads": info.get("num_threads", -1), "blas_version": info.get("version", "unknown"),
        "numpy": np.__version__, "scipy": scipy.__version__,
        "env_OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "unset"),
    }))


def run_peer(args, method, matrix):
    env = {k: v for k, v in os.environ.items() if k not in PEER_ENV_UNSET}
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", method, "--matrix", matrix,
           "--threads", str(args.threads), f"--k={args.k}", f"--sigma={args.sigma!r}",
           f"--tol={args.tol!r}", "--warmup", "1"]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


# --------------------------------------------------------------------------- ours

def run_ours(args, method, matrix, outdir):
    cmd = [args.fermiglass, "bench", "solve", "--matrix", matrix, "--method", method,
           "--repeats", "1", "--warmup", "1", "--threads", str(args.threads),
           f"--k={args.k}", f"--sigma={args.sigma!r}", f"--tol={args.tol!r}",
           "--output", outdir, "--force"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip() or r.stdout.strip())
    with open(os.path.join(outdir, "summary.json")) as f:
        s = json.load(f)
    libs = s["provenance"]["libraries"]
    return {"seconds": s["times_s"][0], "peak_rss_bytes": s["peak_rss_bytes"], "eigenpairs": s["eigenpairs"],
            "max_residual": s["max_residual"], "blas_kernel": libs.get("openblas_core", "unknown"),
            "blas_threads": int(libs.get("openblas_threads", -1)),
            "env_OPENBLAS_CORETYPE": libs.get("OPENBLAS_CORETYPE", "unset")}


# --------------------------------------------------------------------------- driver

def mib(b):
    return b / 1048576.0


def write_tables(out, rows):
    """peers.csv and peers.md with every row so far (rewritten after each row)."""
    with open(os.path.join(out, "peers.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(out, "peers.md"), "w") as f:
        f.write("| method | L | sites | ours (s) | peer | peer (s) | ours/peer median [min, max] | peak MiB ours / peer | "
                "BLAS ours | BLAS peer |\n|---|---|---|---|---|---|---|---|---|---|\n")
        for r in rows:
            f.write(f"| {r['method']} | {r['L']} | {r['sites']} | {r['ours_median_s']:.4g} | {r['peer']} | {r['peer_median_s']:.4g} | "
                    f"{r['ratio_median']:.3f} [{r['ratio_min']:.3f}, {r['ratio_max']:.3f}] | "
                    f"{r['ours_peak_mib']:.0f} / {r['peer_peak_mib']:.0f} | {r['ours_kernel']} x{r['ours_threads']} | "
                    f"{r['peer_kernel']} x{r['peer_threads']} |\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--fermiglass", default=".build/release/fermiglass", help="the fermiglass binary (a release build)")
    p.add_argument("--sizes", default="20,40,60", help="lattice sides L for the dense comparison")
    p.add_argument("--sparse-sizes", default="", help="lattice sides L for the shift-invert comparison")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--k", type=int, default=200, help="eigenpairs nearest sigma (shift-invert)")
    p.add_argument("--sigma", type=float, default=-1.2, help="shift; -1.2 is near E_F of the paper's filling 5/6")
    p.add_argument("--tol", type=float, default=1e-10, help="relative tolerance of the Ritz values (both sides)")
    p.add_argument("--out", default="runs/peers")
    p.add_argument("--worker", choices=["dense", "shift-invert"], help=argparse.SUPPRESS)
    p.add_argument("--matrix", help=argparse.SUPPRESS)
    p.add_argument("--warmup", type=int, default=1, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args)

    if not shutil.which(args.fermiglass) and not os.access(args.fermiglass, os.X_OK):
        sys.exit(f"error: fermiglass binary {args.fermiglass} not found; build it with swift build -c release")
    os.makedirs(args.out, exist_ok=True)
    plan = [("dense", int(L)) for L in args.sizes.split(",") if L] + \
           [("shift-invert", int(L)) for L in args.sparse_sizes.split(",") if L]
    rows = []
    for method, L in plan:
        mdir = os.path.join(args.out, f"L{L}", "matrix")
        if not os.path.exists(os.path.join(mdir, "hamiltonian.npz")):
            subprocess.run([args.fermiglass, "bench", "export", "--preset", "paper", "--size", str(L),
                            "--output", mdir, "--force"], check=True, capture_output=True)
        matrix = os.path.join(mdir, "hamiltonian.npz")
        ours, peer = [], []
        try:
            for rep in range(args.repeats):
                ours.append(run_ours(args, method, matrix, os.path.join(args.out, f"L{L}", f"ours-{method}")))
                peer.append(run_peer(args, method, matrix))
        except RuntimeError as e:
            print(f"{method:12s} L={L:5d}: ours not available: {e}", file=sys.stderr)
            continue
        ratios = [o["seconds"] / q["seconds"] for o, q in zip(ours, peer)]
        row = {
            "method": method, "L": L, "sites": L * L, "repeats": args.repeats,
            "k": args.k if method != "dense" else L * L,
            "ours_median_s": statistics.median(o["seconds"] for o in ours),
            "peer_median_s": statistics.median(q["seconds"] for q in peer),
            "ratio_min": min(ratios), "ratio_median": statistics.median(ratios), "ratio_max": max(ratios),
            "ours_peak_mib": max(mib(o["peak_rss_bytes"]) for o in ours),
            "peer_peak_mib": max(mib(q["peak_rss_bytes"]) for q in peer),
            "ours_kernel": ours[0]["blas_kernel"], "ours_threads": ours[0]["blas_threads"],
            "peer_kernel": peer[0]["blas_kernel"], "peer_threads": peer[0]["blas_threads"],
            "peer": "numpy.linalg.eigh" if method == "dense" else "scipy.sparse.linalg.eigsh",
            "peer_versions": f"numpy {peer[0]['numpy']}, scipy {peer[0]['scipy']}, {peer[0]['blas']} {peer[0]['blas_version']}",
            "ours_max_residual": max(o["max_residual"] for o in ours),
            "peer_max_residual": max(q["max_residual"] for q in peer),
            "ours_OPENBLAS_CORETYPE": ours[0]["env_OPENBLAS_CORETYPE"],
            "peer_OPENBLAS_CORETYPE": peer[0]["env_OPENBLAS_CORETYPE"],
        }
        rows.append(row)
        print(f"{method:12s} L={L:4d} N={L*L:7d}: ours {row['ours_median_s']:.4g} s, {row['peer']} {row['peer_median_s']:.4g} s, "
              f"ratio ours/peer {row['ratio_median']:.3f} [{row['ratio_min']:.3f}, {row['ratio_max']:.3f}] | "
              f"peak {row['ours_peak_mib']:.0f}/{row['peer_peak_mib']:.0f} MiB | "
              f"BLAS ours {row['ours_kernel']}x{row['ours_threads']}, peer {row['peer_kernel']}x{row['peer_threads']}",
              flush=True)
        write_tables(args.out, rows)
    if not rows:
        sys.exit("error: no comparison ran")
    print(f"wrote {args.out}/peers.csv and peers.md")


if __name__ == "__main__":
    main()
