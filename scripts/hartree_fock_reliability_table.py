#!/usr/bin/env python3
"""The free-HF search against a reference search (issue 20, seventh session).

Usage: hartree_fock_reliability_table.py SEARCH_DIR REFERENCE_DIR

SEARCH_DIR: a `fermiglass hartree-fock --mode free` run with the default search (a --U list,
swept up and back down); REFERENCE_DIR: the same realizations and U list with many more
starts. Prints one markdown row per (realization, U): the search's kept energy, the lowest
energy of either run (the reference minimum), their difference, the kept state's moments,
S_z, lowest Hessian eigenvalue and stability radius, how many of the search's starts reached
its kept minimum, its distinct minima and its wall time; then how many (realization, U) the
search found the reference minimum at (to 1e-7), for U < 3 and U >= 3 (only where the
reference has that (realization, U); "-" where it has not).
"""
import json
import sys


def load(path):
    with open(path + "/summary.json") as f:
        d = json.load(f)
    return {(e["realization"], e["U"]): e for e in d["results"]}


def main():
    run, ref = load(sys.argv[1]), load(sys.argv[2])
    print("| r | U | E (search) | E (reference) | search - reference | moments (abs m > 0.1) | sum abs m | S_z | "
          "Hessian min eig. | stability radius | starts at min / starts | distinct minima | seconds |")
    print("|" + "---|" * 13)
    hits = {"U < 3": [0, 0], "U >= 3": [0, 0]}
    for key in sorted(set(run) | set(ref)):
        a, b = run.get(key), ref.get(key)
        if not a or not a.get("converged"):
            print(f"| {key[0]} | {key[1]} | not converged |")
            continue
        if not b or not b.get("converged"):
            rho = a.get("stability_radius")
            print(f"| {key[0]} | {key[1]} | {a['energy']:.6f} | - | - | {a['moment_count']} | {a['sum_abs_moment']:.3f} | "
                  f"{a['sz']:+.1f} | {a['hessian_min_eigenvalue']:.4f} | {'-' if rho is None else f'{rho:.3f}'} | "
                  f"{a['starts_reaching_minimum']} / {len({r['start'] for r in a['runs']})} | {a['distinct_minima']} | "
                  f"{a['seconds']:.1f} |")
            continue
        lowest = min(a["energy"], b["energy"])
        diff = a["energy"] - lowest
        starts = len({r["start"] for r in a["runs"]})
        rho = a.get("stability_radius")
        group = "U >= 3" if key[1] >= 3 else "U < 3"
        hits[group][1] += 1
        if diff <= 1e-7 * max(1, abs(lowest)):
            hits[group][0] += 1
        print(f"| {key[0]} | {key[1]} | {a['energy']:.6f} | {lowest:.6f} | {diff:.2e} | {a['moment_count']} | "
              f"{a['sum_abs_moment']:.3f} | {a['sz']:+.1f} | {a['hessian_min_eigenvalue']:.4f} | "
              f"{'-' if rho is None else f'{rho:.3f}'} | {a['starts_reaching_minimum']} / {starts} | "
              f"{a['distinct_minima']} | {a['seconds']:.1f} |")
    for g, (h, n) in hits.items():
        print(f"\n{g}: the search found the reference minimum in {h} of {n} (realization, U).")


if __name__ == "__main__":
    main()
