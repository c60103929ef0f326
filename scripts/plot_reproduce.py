#!/usr/bin/env python3
"""Figures of `fermiglass reproduce` (Lau & Ng, PRB 110, 075153, Figs. 1-3) from its CSV files.

Usage: plot_reproduce.py DIR      (reads DIR/fig*.csv, writes DIR/fig1.png ... DIR/fig3.png)
"""
import csv
import math
import os
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def read(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def fig1(d):
    pairs = read(os.path.join(d, "fig1_pairs.csv"))
    decay = read(os.path.join(d, "fig1_decay.csv"))
    fit = read(os.path.join(d, "fig1_fit.csv"))[0]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.scatter([float(p["distance"]) for p in pairs], [float(p["chi"]) for p in pairs], s=2, alpha=0.3)
    a.set_yscale("log")
    a.set_xlabel("distance d between maxima")
    a.set_ylabel(r"$\chi_{ac} = U_{aacc}/U$")
    a.set_title("(a) pairs")
    xs = [float(r["d"]) for r in decay if int(r["pairs"]) > 0]
    ys = [float(r["mean_chi"]) for r in decay if int(r["pairs"]) > 0]
    es = [float(r["stderr"]) for r in decay if int(r["pairs"]) > 0]
    b.errorbar(xs, ys, yerr=es, fmt="o", capsize=3, label=r"$\langle\chi\rangle(d)$")
    lam, c = float(fit["decay_length"]), float(fit["intercept"])
    if xs:
        grid = [min(xs) + (max(xs) - min(xs)) * k / 50 for k in range(51)]
        b.plot(grid, [math.exp(c - x / lam) for x in grid], "-", label=f"fit: decay length {lam:.2f}")
    b.set_yscale("log")
    b.set_xlabel("d")
    b.set_title("(b) binned mean")
    b.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(d, "fig1.png"), dpi=120)


def fig2(d):
    occ = read(os.path.join(d, "fig2a_occupations.csv"))
    pol = read(os.path.join(d, "fig2b_polarized.csv"))
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    us = sorted({r["U"] for r in occ}, key=float)
    for u in us:
        rs = [r for r in occ if r["U"] == u]
        a.plot([float(r["xi"]) for r in rs], [float(r["n_mean"]) for r in rs], "o", ms=3, label=f"U={float(u):g}")
        if rs and rs[0].get("fit_mu"):
            mu, ib = float(rs[0]["fit_mu"]), float(rs[0]["fit_inverse_beta"])
            xs = sorted(float(r["xi"]) for r in rs)
            if ib > 0:
                a.plot(xs, [2 / (math.exp((x - mu) / ib) + 1) for x in xs], "-", lw=1)
    a.set_xlabel(r"$\xi_a$")
    a.set_ylabel(r"$\langle n_a\rangle$")
    a.set_title("(a) occupations")
    a.legend(fontsize=7)
    b.errorbar([float(r["U_N0"]) for r in pol], [float(r["polarized_mean"]) for r in pol],
               yerr=[float(r["polarized_stderr"]) for r in pol], fmt="o-", capsize=3)
    b.set_xlabel(r"$U N(0)$")
    b.set_ylabel("polarized states")
    b.set_title("(b) polarized states")
    fig.tight_layout()
    fig.savefig(os.path.join(d, "fig2.png"), dpi=120)


def fig3(d):
    rows = read(os.path.join(d, "fig3_dos.csv"))
    cols = [c for c in rows[0].keys() if c.startswith("W=")]
    fig, a = plt.subplots(figsize=(6, 4))
    for c in cols:
        a.plot([float(r["energy"]) for r in rows], [float(r[c]) for r in rows], label=c)
    a.set_xlabel("energy (units of t1)")
    a.set_ylabel("DOS per site per spin")
    a.legend()
    a.set_title("density of states")
    fig.tight_layout()
    fig.savefig(os.path.join(d, "fig3.png"), dpi=120)


if __name__ == "__main__":
    out = sys.argv[1]
    for f in (fig1, fig2, fig3):
        f(out)
