#!/usr/bin/env python3
"""Markdown tables for docs/benchmarks/patch-decay.md from `fermiglass bench patch-decay` runs.

Usage: scripts/patch_decay_tables.py DIR [DIR ...]   (each DIR an --output of bench patch-decay)
Standard library only.
"""
import csv, json, math, statistics, sys

def fmt(x):
    if isinstance(x, str): return x
    if x is None or (isinstance(x, float) and math.isnan(x)): return "-"
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e6): return str(int(x))
    return f"{x:.2g}" if abs(x) < 1e-2 or abs(x) >= 1e4 else f"{x:.3g}"

def rows(path):
    with open(path) as f: return list(csv.DictReader(f))

for d in sys.argv[1:]:
    s = json.load(open(f"{d}/summary.json"))
    p = s["parameters"]
    W = p.get("W", p.get("disorder_strength"))
    print(f"\n#### {d.rstrip('/').split('/')[-1]}: L = {p.get('Lx', '?')}, W = {W}, E_F = {s['fermi_energy']:.5f}, "
          f"{s['states']} states, ||H||_inf = {s['hamiltonian_norm_inf']:.3g}, global solve {s['global_solve_seconds']:.1f} s, "
          f"max global residual {s['max_global_residual']:.1e}\n")
    print("| R | patch sites | best residual | median | worst | median 1 - overlap | median patch solve (s) | solver |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    pr = rows(f"{d}/patches.csv")
    for r in s["per_radius"]:
        sel = [x for x in pr if int(x["radius"]) == r["radius"]]
        ov = statistics.median(float(x["overlap_defect"]) for x in sel)
        print(f"| {r['radius']} | {(2*r['radius']+1)**2} | {fmt(r['best_residual'])} | {fmt(r['median_residual'])} | "
              f"{fmt(r['worst_residual'])} | {fmt(ov)} | {r['median_seconds']:.3f} | {r['method']} |")
    print("\n| tol | halo R median | halo R worst | first R meeting tol, median | support half-width median | worst | support sites (median) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for t in s["per_tolerance"]:
        first = [x for x in t["first_halo_per_state"]]
        known = sorted(x if isinstance(x, int) else math.inf for x in first)
        fm = statistics.median(known)
        print(f"| {t['tolerance']:.0e} | {fmt(t['halo_median'])} | {fmt(t['halo_worst'])} | {fmt(fm) if fm != math.inf else '> max R'} | "
              f"{fmt(t['support_halfwidth_median'])} | {fmt(t['support_halfwidth_worst'])} | {fmt(t['support_sites_median'])} |")
    tm = ", ".join(f"xi_{e['width']} = {e['xi']:.2f} +- {e['xi_stderr']:.2f} (Lambda {e['lambda']:.3f})" for e in s["transfer_matrix"])
    print(f"\nShell decay length of <ln |psi|^2>: median {s['decay_length_median']:.2f}, range "
          f"{s['decay_length_min']:.2f} .. {s['decay_length_max']:.2f}; transfer matrix at E_F: {tm}.")
    # Every candidate patch state near E, by its halo (R - distance of its maximum from the centre).
    cr = rows(f"{d}/candidates.csv")
    buckets = [(0, 10), (10, 20), (20, 30), (30, 40), (40, 50), (50, 60), (60, 70), (70, 80), (80, 90), (90, 100), (100, 125)]
    print("\nEvery candidate patch eigenstate (the 6 nearest E_psi of every patch), by its own halo h = R - d_max:\n")
    print("| h | states | median residual | 90th percentile | worst | <= 1e-4 | <= 1e-6 | <= 1e-8 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for lo, hi in buckets:
        v = sorted(float(x["residual"]) for x in cr if lo <= int(x["halo"]) < hi)
        if not v: continue
        frac = lambda tol: f"{100 * sum(1 for x in v if x <= tol) / len(v):.0f}%"
        print(f"| {lo}-{hi - 1} | {len(v)} | {fmt(statistics.median(v))} | {fmt(v[int(0.9 * (len(v) - 1))])} | {fmt(v[-1])} | "
              f"{frac(1e-4)} | {frac(1e-6)} | {frac(1e-8)} |")
    cost = rows(f"{d}/patch_cost.csv")
    if cost:
        print("\n| patch side | sites | states | method | setup, wall (s) | solve, wall (s) | total, wall (s) | CPU (s) | CPU per state per site (us) | max residual |")
        print("| ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for c in cost:
            cpu = float(c.get("cpu_seconds", "nan"))
            per = 1e6 * cpu / (int(c["count"]) * int(c["sites"]))
            print(f"| {c['side']} | {c['sites']} | {c['count']} | {c['method']} | {float(c['setup_seconds']):.2f} | "
                  f"{float(c['solve_seconds']):.2f} | {float(c['total_seconds']):.2f} | {cpu:.2f} | {per:.2f} | {float(c['max_residual']):.1e} |")
