#!/usr/bin/env python3
"""Finite-size scaling figure of `fermiglass scaling`: moment density against 1/L_loc^2 and
against the number of sites, one series per (W, U), error bars = standard errors over
realizations.  Usage: plot_scaling_fss.py scaling.csv scaling.png"""
import csv
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main(path, out):
    rows = list(csv.DictReader(open(path)))
    series = {}
    for r in rows:
        series.setdefault((float(r["W"]), float(r["U"])), []).append(r)
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for (w, u), rs in sorted(series.items()):
        x1 = [float(r["inv_L_loc_sq"]) for r in rs]
        x2 = [int(r["sites"]) for r in rs]
        y = [float(r["moment_density"]) for r in rs]
        e = [float(r["moment_density_stderr"]) for r in rs]
        label = f"W={w:g}, U={u:g}"
        a.errorbar(x1, y, yerr=e, fmt="o", capsize=3, label=label)
        b.errorbar(x2, y, yerr=e, fmt="o-", capsize=3, label=label)
    a.set_xlabel(r"$1/L_{loc}^2$")
    a.set_ylabel("polarized states per site")
    b.set_xlabel("sites $L_x L_y$")
    b.set_xscale("log")
    for ax in (a, b):
        ax.grid(alpha=0.3)
    a.legend(fontsize=7)
    fig.suptitle("FermiGlass finite-size scaling of the moment density")
    fig.tight_layout()
    fig.savefig(out, dpi=120)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
