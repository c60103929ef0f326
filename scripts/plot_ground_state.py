#!/usr/bin/env python3
"""Fig. 2 of Lau & Ng from a `fermiglass ground-state` output directory.

    python3 scripts/plot_ground_state.py OUTDIR [--U 0.1,0.4,1.0] [--out fig2.png]

(a) realization-averaged <n_a> against xi_a - E_F (occupation_by_level.csv) with the fitted
    2/(exp(beta(x - mu)) + 1) from summary.json; (b) polarized count against U N(0) (fig2b.csv)
    with the two-sided census and N(0) U <IPR> x sites.
"""
import argparse, csv, json, math, os
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

ap = argparse.ArgumentParser()
ap.add_argument("outdir")
ap.add_argument("--U", default=None, help="U values for panel (a), comma separated (default: three of the run)")
ap.add_argument("--out", default=None)
a = ap.parse_args()
summary = json.load(open(os.path.join(a.outdir, "summary.json")))
results = {r["U"]: r for r in summary["results"]}
rows = list(csv.DictReader(open(os.path.join(a.outdir, "occupation_by_level.csv"))))
us = sorted(results)
pick = [float(x) for x in a.U.split(",")] if a.U else [us[0], us[len(us) // 2], us[-1]]
fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4))
for u in pick:
    pts = [(float(r["mean_xi_minus_EF"]), float(r["mean_occupation"])) for r in rows if float(r["U"]) == u]
    line, = ax.plot([p[0] for p in pts], [p[1] for p in pts], ".", label=f"U = {u}")
    r = results[u]
    t, mu = r.get("inverse_beta"), r.get("fit_mu_minus_EF")
    if t and mu is not None:
        xs = [pts[0][0] + (pts[-1][0] - pts[0][0]) * k / 300 for k in range(301)]
        ax.plot(xs, [2 / (math.exp(min((x - mu) / t, 700)) + 1) for x in xs], "-", color=line.get_color(), lw=1)
ax.set_xlabel(r"$\xi_a - E_F$ [$t_1$]"); ax.set_ylabel(r"$\langle n_a\rangle_{dis}$"); ax.legend()
f2 = list(csv.DictReader(open(os.path.join(a.outdir, "fig2b.csv"))))
x = [float(r["U_N0"]) for r in f2]
bx.errorbar(x, [float(r["polarized_mean"]) for r in f2], [float(r["polarized_stderr"]) for r in f2], fmt="o", label=summary["algorithm"])
bx.plot(x, [float(r["census_two_sided_mean"]) for r in f2], "s", mfc="none", label="census (two-sided)")
bx.plot(x, [float(r["N0_U_IPR_sites"]) for r in f2], "--", label=r"$N(0)U\langle IPR\rangle \times$ sites")
bx.set_xlabel(r"$U N(0)$"); bx.set_ylabel("polarized states"); bx.legend()
fig.tight_layout()
out = a.out or os.path.join(a.outdir, "fig2.png")
fig.savefig(out, dpi=120)
print(out)
