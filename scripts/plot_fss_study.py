#!/usr/bin/env python3
"""Figures of the finite-size-scaling study (`fermiglass scaling`, issue 19).

Usage: plot_fss_study.py scaling.csv small_u_law.csv fss_vs_U.png fss_vs_L.png fss_collapse.png

* fss_vs_U.png: moment density n_m against U on log axes, one panel per W, one series per size
  (a dashed line of slope 1 for reference);
* fss_vs_L.png: n_m against the linear size L = sqrt(Lx Ly), one panel per W, one series per U;
* fss_collapse.png: n_m / (N(0) U g) against U for g = 1/L_loc^2 (reference L_loc over all
  states) and g = <IPR> of the window, every (W, size); the fitted c (all sizes) as a line.
Error bars are standard errors over realizations.
"""
import csv
import math
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def num(r, k):
    try:
        return float(r[k])
    except (KeyError, ValueError):
        return float("nan")


def logbars(ys, es):
    """Error bars for log axes: the lower bar stops at 10% of the value."""
    return [[min(e, 0.9 * y) for y, e in zip(ys, es)], es]


def main(scaling, law, out_u, out_l, out_c):
    rows = list(csv.DictReader(open(scaling)))
    laws = list(csv.DictReader(open(law)))
    ws = sorted({num(r, "W") for r in rows})
    sizes = sorted({int(r["sites"]) for r in rows})
    us = sorted({num(r, "U") for r in rows})
    cmap = plt.get_cmap("viridis")

    def color(k, n):
        return cmap(0.1 + 0.8 * k / max(n - 1, 1))

    # n_m against U, one panel per W.
    fig, axes = plt.subplots(1, len(ws), figsize=(4.2 * len(ws), 3.8), squeeze=False)
    for ax, w in zip(axes[0], ws):
        for k, s in enumerate(sizes):
            pts = sorted((num(r, "U"), num(r, "moment_density"), num(r, "moment_density_stderr"))
                         for r in rows if num(r, "W") == w and int(r["sites"]) == s and num(r, "moment_density") > 0)
            if not pts:
                continue
            ax.errorbar([p[0] for p in pts], [p[1] for p in pts], yerr=logbars([p[1] for p in pts], [p[2] for p in pts]),
                        fmt="o-", ms=4, capsize=2, color=color(k, len(sizes)), label=f"L={round(math.sqrt(s))}")
        ys = [num(r, "moment_density") for r in rows if num(r, "W") == w and num(r, "moment_density") > 0]
        if ys:
            u0, u1 = min(us), max(us)
            ymid = sorted(ys)[len(ys) // 2]
            umid = math.sqrt(u0 * u1)
            ax.plot([u0, u1], [ymid * u0 / umid, ymid * u1 / umid], "k--", lw=0.8, label="slope 1")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("U / t1")
        ax.set_title(f"W = {w:g}")
        ax.grid(alpha=0.3, which="both")
    axes[0][0].set_ylabel("n_m (polarized levels per site)")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_u, dpi=120)

    # n_m against L, one panel per W.
    fig, axes = plt.subplots(1, len(ws), figsize=(4.2 * len(ws), 3.8), squeeze=False)
    for ax, w in zip(axes[0], ws):
        for k, u in enumerate(us):
            pts = sorted((math.sqrt(int(r["sites"])), num(r, "moment_density"), num(r, "moment_density_stderr"))
                         for r in rows if num(r, "W") == w and num(r, "U") == u and num(r, "moment_density") > 0)
            if not pts:
                continue
            ax.errorbar([p[0] for p in pts], [p[1] for p in pts], yerr=logbars([p[1] for p in pts], [p[2] for p in pts]),
                        fmt="o-", ms=4, capsize=2, color=color(k, len(us)), label=f"U={u:g}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ls = sorted({math.sqrt(s) for s in sizes})
        ax.set_xticks(ls)
        ax.set_xticklabels([f"{l:g}" for l in ls])
        ax.minorticks_off()
        ax.set_xlabel("L = sqrt(Lx Ly)")
        ax.set_title(f"W = {w:g}")
        ax.grid(alpha=0.3, which="both")
    axes[0][0].set_ylabel("n_m (polarized levels per site)")
    axes[0][0].legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(out_l, dpi=120)

    # Collapse: n_m / (N(0) U g) for both g.
    markers = "osD^v<>"
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), squeeze=False)
    for ax, (col, g, title) in zip(axes[0], [("c_inv_L_loc_sq", "inv_L_loc_sq", "g = 1/L_loc^2 (reference, all states)"),
                                              ("c_window_IPR", "window_IPR", "g = <IPR> of the window")]):
        any_point = False
        for wi, w in enumerate(ws):
            for k, s in enumerate(sizes):
                pts = sorted((num(r, "U"), num(r, col), num(r, col) * num(r, "relative_error"))
                             for r in rows if num(r, "W") == w and int(r["sites"]) == s and math.isfinite(num(r, col)) and num(r, col) > 0)
                if not pts:
                    continue
                any_point = True
                ax.errorbar([p[0] for p in pts], [p[1] for p in pts], yerr=[p[2] if math.isfinite(p[2]) else 0 for p in pts],
                            fmt=markers[wi % len(markers)] + "-", ms=4, capsize=2, lw=0.6, color=color(k, len(sizes)),
                            label=f"W={w:g}, L={round(math.sqrt(s))}")
        for r in laws:
            if r["g"] == g and r["size"] == "all" and math.isfinite(num(r, "c")):
                c, e = num(r, "c"), num(r, "c_error")
                ax.axhline(c, color="k", lw=1, ls="--", label=f"c = {c:.3g} ± {e:.2g} (U ≤ {num(r, 'U_max'):g})")
        ax.set_xscale("log")
        ax.set_xlabel("U / t1")
        ax.set_ylabel("n_m / (N(0) U g)")
        ax.set_title(title, fontsize=9)
        ax.grid(alpha=0.3, which="both")
        if any_point:
            ax.legend(fontsize=6, ncol=2)
        else:
            ax.text(0.5, 0.5, "no data (no L_loc reference?)", transform=ax.transAxes, ha="center")
    fig.tight_layout()
    fig.savefig(out_c, dpi=120)


if __name__ == "__main__":
    main(*sys.argv[1:6])
