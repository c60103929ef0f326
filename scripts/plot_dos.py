#!/usr/bin/env python3
"""Plot the density of states written by `fermiglass dos` (the paper's Fig. 3).

    python3 scripts/plot_dos.py runs/dos/dos.csv -o runs/dos/dos.png

Reads dos.csv (columns energy_low, energy_high, energy_center, dos_W<W>...) and, when it sits
beside it, summary.json (for the parameters and the Fermi energy), and draws one curve per W:
DOS per site per unit energy per spin against energy (units of t1).
"""
import argparse
import csv
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv", help="dos.csv from `fermiglass dos`")
    ap.add_argument("-o", "--output", help="PNG to write (default: dos.png beside the CSV)")
    args = ap.parse_args()

    with open(args.csv, newline="") as f:
        rows = list(csv.DictReader(f))
    columns = [c for c in rows[0] if c.startswith("dos_W")]
    energy = [float(r["energy_center"]) for r in rows]

    summary = None
    path = os.path.join(os.path.dirname(os.path.abspath(args.csv)), "summary.json")
    if os.path.exists(path):
        with open(path) as f:
            summary = json.load(f)

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for c in columns:
        ax.plot(energy, [float(r[c]) for r in rows], label=f"W = {c[5:]}", lw=1.3)
    ax.set_xlabel("E (units of t1)")
    ax.set_ylabel("DOS per site per unit energy (per spin)")
    title = "Density of states"
    if summary:
        p = summary["parameters"]
        title += f": {p['Lx']}x{p['Ly']}, t1 = {p['t1']:g}, t2 = {p['t2']:g}, {len(p['realizations'])} realizations"
        if summary.get("fermi_energy"):
            for w, ef in zip(summary["W"], summary["fermi_energy"]):
                ax.axvline(ef, color="0.7", lw=0.6, ls=":")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    ax.set_ylim(bottom=0)
    fig.tight_layout()
    out = args.output or os.path.join(os.path.dirname(os.path.abspath(args.csv)), "dos.png")
    fig.savefig(out, dpi=130)
    print(out)


if __name__ == "__main__":
    main()
