#!/usr/bin/env python3
"""Plot <chi_ac>(d) written by `fermiglass matrix-elements` (the paper's Fig. 1(b)).

    python3 scripts/plot_decay.py runs/fig1 -o runs/fig1/decay.png

Reads chi_vs_distance.csv (unit-width distance bins), decay.csv (the fit bins) and
summary.json from the run directory; draws <chi>(d) on a log scale with the fit
ln <chi> = intercept + slope d through the fit bins and the 1/N level of a fully extended
state.
"""
import argparse
import csv
import json
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def table(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", help="output directory of `fermiglass matrix-elements`")
    ap.add_argument("-o", "--output", help="PNG to write (default: decay.png in the run directory)")
    args = ap.parse_args()

    prof = table(os.path.join(args.run, "chi_vs_distance.csv"))
    bins = table(os.path.join(args.run, "decay.csv"))
    with open(os.path.join(args.run, "summary.json")) as f:
        s = json.load(f)
    p = s["parameters"]

    fig, ax = plt.subplots(figsize=(6.0, 4.2))
    d = [0.5 * (float(r["distance_low"]) + float(r["distance_high"])) for r in prof]
    ax.semilogy(d, [float(r["mean_chi"]) for r in prof], ".", color="0.5", label="<chi> in unit-width bins")
    xb = [float(r["bin_center"]) for r in bins]
    ax.semilogy(xb, [float(r["mean_chi"]) for r in bins], "o", color="C0", label="fit bins (|d - d_k| <= h)")
    if s.get("fit"):
        f = s["fit"]
        xs = [min(xb), max(xb)]
        ax.semilogy(xs, [math.exp(f["intercept"] + f["slope"] * x) for x in xs], "-", color="C1",
                    label=f"fit: lambda = {s['decay_length']:.2f} +- {s['decay_length_bootstrap_error']:.2f}")
    ax.axhline(1 / (p["Lx"] * p["Ly"]), color="0.7", ls=":", lw=0.8, label="1/N")
    ax.set_xlabel("d (lattice constants, minimum image)")
    ax.set_ylabel("<chi_ac> = <U_aacc> / U")
    ax.set_title(f"{p['Lx']}x{p['Ly']}, t2 = {p['t2']:g}, W = {p['W']:g}, {len(p['realizations'])} realizations; "
                 f"L_all = {s['localization_length_all']:.2f}, L_sel = {s['localization_length_selected']:.2f}", fontsize=8)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = args.output or os.path.join(args.run, "decay.png")
    fig.savefig(out, dpi=130)
    print(out)


if __name__ == "__main__":
    main()
