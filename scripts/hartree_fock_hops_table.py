#!/usr/bin/env python3
"""The free-HF search with basin hops against earlier searches (issue 20, eighth session).

Usage: hartree_fock_hops_table.py RUN_SUMMARY [OTHER_SUMMARY ...]

RUN_SUMMARY: summary.json of a `fermiglass hartree-fock --mode free --hops N` run. OTHER_SUMMARY:
summaries of other searches of the same realizations (any U subset). Prints one markdown row per
(realization, U) of the run: its kept energy, the lowest energy of all the summaries ("best
known"), the difference, the kept state's moments, S_z, lowest Hessian eigenvalue, stability
radius, how many starts reached the kept minimum (and how many of those were hops: start
numbers above every other start's), the distinct minima, then the energy of each other summary.
Then how many (realization, U) the run found the best-known minimum at (to 1e-7 relative),
for U < 3 and U >= 3.
"""
import json
import sys


def load(path):
    with open(path) as f:
        d = json.load(f)
    return {(e["realization"], e["U"]): e for e in d["results"] if e.get("converged")}, d.get("hops", 0)


def main():
    run, hops = load(sys.argv[1])
    others = [load(p)[0] for p in sys.argv[2:]]
    names = [p.split("/")[-1].replace("_summary.json", "").replace("summary.json", p.split("/")[-2]) for p in sys.argv[2:]]
    print("| r | U | E (this run) | E (best known) | run - best | moments (abs m > 0.1) | sum abs m | S_z | Hessian min eig. | "
          "stability radius | starts at min (hops) / starts | distinct minima | " + " | ".join(f"E ({n})" for n in names) + " |")
    print("|" + "---|" * (12 + len(names)))
    hits = {"U < 3": [0, 0], "U >= 3": [0, 0]}
    for key in sorted(run):
        a = run[key]
        energies = [a["energy"]] + [o[key]["energy"] for o in others if key in o]
        best = min(energies)
        diff = a["energy"] - best
        starts = sorted({r["start"] for r in a["runs"]})
        first_hop = len([s for s in starts if s >= 0]) - hops
        at_min = a["minima"][0]["starts"] if a["minima"] else []
        by_hops = len([s for s in at_min if s >= first_hop]) if hops else 0
        group = "U >= 3" if key[1] >= 3 else "U < 3"
        hits[group][1] += 1
        if diff <= 1e-7 * max(1, abs(best)):
            hits[group][0] += 1
        rho = a.get("stability_radius")
        cols = [f"{o[key]['energy']:.6f}" if key in o else "-" for o in others]
        print(f"| {key[0]} | {key[1]} | {a['energy']:.6f} | {best:.6f} | {diff:.2e} | {a['moment_count']} | "
              f"{a['sum_abs_moment']:.3f} | {a['sz']:+.1f} | {a['hessian_min_eigenvalue']:.4f} | "
              f"{'-' if rho is None else f'{rho:.3f}'} | {len(at_min)} ({by_hops}) / {len(starts)} | {a['distinct_minima']} | "
              + " | ".join(cols) + " |")
    for g, (h, n) in hits.items():
        print(f"\n{g}: this run found the best-known minimum in {h} of {n} (realization, U).")


if __name__ == "__main__":
    main()
