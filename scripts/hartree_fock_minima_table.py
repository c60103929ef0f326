#!/usr/bin/env python3
"""The free-HF minima table of docs/benchmarks/hartree-fock.md (issue 20).

Usage: hartree_fock_minima_table.py UP_DIR DOWN_DIR [OLD_DIR]

UP_DIR / DOWN_DIR: `fermiglass hartree-fock` runs of the same realizations with the U list
ascending and descending (each U warm-started from the previous one besides its own starts).
OLD_DIR (optional): the same ascending sweep with `--no-stability --mode-starts 0` (the search
before issue 20), for the comparison column. Prints one markdown row per (realization, U): the
lower of the two sweeps' energies, its moments, the lowest Hessian eigenvalue of the kept state,
how many of that run's starts reached it, and the energy difference between the two directions.
"""
import json
import sys


def load(path):
    with open(path + "/summary.json") as f:
        d = json.load(f)
    return {(e["realization"], e["U"]): e for e in d["results"]}


def main():
    up, down = load(sys.argv[1]), load(sys.argv[2])
    old = load(sys.argv[3]) if len(sys.argv) > 3 else {}
    head = "| r | U | E (lowest) | from | E_up - E_down | moments (abs m > 0.1) | sum abs m | S_z | Hessian min eig. | starts at min / starts | distinct minima |"
    sep = "|" + "|".join(["---"] * (head.count("|") - 1)) + "|"
    if old:
        head += " E before (old defaults) |"
        sep += "---|"
    print(head)
    print(sep)
    for key in sorted(set(up) | set(down)):
        a, b = up.get(key), down.get(key)
        ok = [x for x in (a, b) if x and x.get("converged")]
        if not ok:
            print(f"| {key[0]} | {key[1]} | not converged |")
            continue
        best = min(ok, key=lambda x: x["energy"])
        src = "up" if best is a else "down"
        diff = a["energy"] - b["energy"] if a and b and a.get("converged") and b.get("converged") else float("nan")
        starts = len({run["start"] for run in best["runs"]})
        row = (f"| {key[0]} | {key[1]} | {best['energy']:.6f} | {src} | {diff:.2e} | {best['moment_count']} | "
               f"{best['sum_abs_moment']:.3f} | {best['sz']:+.1f} | {best['hessian_min_eigenvalue']:.4f} | "
               f"{best['starts_reaching_minimum']} / {starts} | {best['distinct_minima']} |")
        if old:
            o = old.get(key)
            row += f" {o['energy']:.6f} |" if o and o.get("converged") else " - |"
        print(row)


if __name__ == "__main__":
    main()
