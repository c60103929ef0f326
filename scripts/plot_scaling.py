#!/usr/bin/env python3
"""Log-log figure of a `fermiglass bench scaling` run.

    python3 scripts/plot_scaling.py DIR [--out DIR/scaling.png]

Reads DIR/scaling.csv (one row per phase and size: median, min, max seconds) and
DIR/summary.json (fitted exponents, crossover). Draws each phase's median time against the
number of sites N with min-max error bars, the fitted power law t = a N^p as a dashed line
labelled with p, and the measured dense/sparse crossover as a vertical band (between the last
size where dense won and the first where sparse won) with the fitted intersection N* as a
dotted line.
"""
import argparse
import csv
import json
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    p.add_argument("dir", help="output directory of fermiglass bench scaling")
    p.add_argument("--out", help="figure path (default DIR/scaling.png)")
    args = p.parse_args()
    csv_path = os.path.join(args.dir, "scaling.csv")
    if not os.path.exists(csv_path):
        sys.exit(f"error: {csv_path} does not exist; run fermiglass bench scaling --output {args.dir} first")
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    summary = {}
    if os.path.exists(os.path.join(args.dir, "summary.json")):
        with open(os.path.join(args.dir, "summary.json")) as f:
            summary = json.load(f)
    exponents = summary.get("exponents", {})

    phases = []
    for r in rows:
        if r["phase"] not in phases:
            phases.append(r["phase"])
    fig, ax = plt.subplots(figsize=(10, 6))
    for phase in phases:
        pts = sorted((int(r["sites"]), float(r["median_s"]), float(r["min_s"]), float(r["max_s"]))
                     for r in rows if r["phase"] == phase)
        n = [q[0] for q in pts]
        med = [q[1] for q in pts]
        lo = [q[1] - q[2] for q in pts]
        hi = [q[3] - q[1] for q in pts]
        fit = exponents.get(phase)
        label = f"{phase}  (p = {fit['exponent']:.2f})" if fit else phase
        bars = ax.errorbar(n, med, yerr=[lo, hi], marker="o", ms=4, capsize=2, lw=1.2, label=label)
        if fit and len(n) >= 2:
            # The fitted power law over the sizes that entered the fit.
            a, pexp = fit["prefactor_s"], fit["exponent"]
            xs = [fit.get("min_sites", min(n)), fit.get("max_sites", max(n))]
            ax.plot(xs, [a * x ** pexp for x in xs], ls="--", lw=0.8, color=bars[0].get_color())
    c = summary.get("crossover", {})
    if c.get("measured"):
        last, first, fitted = c.get("last_dense_win_sites"), c.get("first_sparse_win_sites"), c.get("fitted_crossover_sites")
        if last and first:
            ax.axvspan(last, first, color="grey", alpha=0.2, label=f"crossover (measured): {last}..{first} sites")
        if fitted:
            ax.axvline(fitted, color="k", ls=":", lw=1, label=f"crossover (fitted): N* = {fitted:.0f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("sites N = Lx Ly")
    ax.set_ylabel("wall time per call (s), median of repeats")
    params = summary.get("parameters", {})
    threads = summary.get("provenance", {}).get("threads", "?")
    core = summary.get("provenance", {}).get("libraries", {}).get("openblas_core", "?")
    ax.set_title(f"fermiglass bench scaling  (t2 = {params.get('t2', '?')}, W = {params.get('W', '?')}; "
                 f"{threads} thread(s), OpenBLAS {core})", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    out = args.out or os.path.join(args.dir, "scaling.png")
    fig.savefig(out, dpi=130)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
