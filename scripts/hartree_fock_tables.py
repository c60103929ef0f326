#!/usr/bin/env python3
"""Assemble the per-realization and averaged tables of docs/benchmarks/hartree-fock.md from
the outputs of `fermiglass linear-stability`, `hartree-fock` and `ground-state`.

usage: hartree_fock_tables.py LS_DIRS HF_DIRS GS_DIRS [threshold]

Each argument is one output directory or a comma-separated list of them (e.g. one directory
per realization, run with --realization-range): the rows are keyed by (realization, U), so
the lists are merged and the average runs over every realization found. A second part compares
the moment maps site by site (free HF moments.npy against the first-order ground state's) and
locates the leading eigenvector of Pi (pi_leading_vector.npy) on them.
"""
import json, sys, os
import numpy as np

ls_dirs, hf_dirs, gs_dirs = [[d for d in a.split(",") if d] for a in sys.argv[1:4]]
thr = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1

def load(d):
    path = os.path.join(d, "summary.json")
    if not os.path.exists(path):
        return {"results": []}
    with open(path) as f:
        return json.load(f)

def sub(d, real, u):
    """The output sub-directory of (realization, U): r###/U<u>/ for a U list, r###/ for one U."""
    for c in (os.path.join(d, "r%03d" % real, "U%s" % float(u)), os.path.join(d, "r%03d" % real)):
        if os.path.isdir(c):
            return c
    return None

rows = {}
maps = {}  # (realization, U) -> {"hf": moments, "gs": moments, "pi": leading vector}
for ls_dir in ls_dirs:
  ls = load(ls_dir)
  for e in ls["results"]:
    if e.get("hf_converged"):
        d = sub(ls_dir, e["realization"], e["U"])
        if d and os.path.exists(os.path.join(d, "pi_leading_vector.npy")):
            maps.setdefault((e["realization"], e["U"]), {})["pi"] = np.load(os.path.join(d, "pi_leading_vector.npy"))
    key = (e["realization"], e["U"])
    r = rows.setdefault(key, {})
    if e.get("hf_converged"):
        r.update(lam=e["U_lambda_max"], one=e["census"]["one_sided"], two=e["census"]["two_sided"],
                 occ=e["occupation"], viol=e["aufbau_violations"])
    else:
        r.update(lam=float("nan"), one=None, two=None, occ="not converged", viol=None)
for hf_dir in hf_dirs:
  hf = load(hf_dir)
  if not hf["results"] and os.path.isdir(hf_dir):
      # Unfinished run: the per-(realization, U) arrays are written as they complete.
      for rd in sorted(os.listdir(hf_dir)):
          if not rd.startswith("r"):
              continue
          for ud in sorted(os.listdir(os.path.join(hf_dir, rd))):
              path = os.path.join(hf_dir, rd, ud, "moments.npy")
              if ud.startswith("U") and os.path.exists(path):
                  m = np.load(path)
                  maps.setdefault((int(rd[1:]), float(ud[1:])), {})["hf"] = m
                  d = os.path.join(hf_dir, rd, ud)
                  nu, nd = np.load(d + "/density_up.npy"), np.load(d + "/density_down.npy")
                  eu, ed = np.load(d + "/eigenvalues_up.npy"), np.load(d + "/eigenvalues_down.npy")
                  ku, kd = int(round(nu.sum())), int(round(nd.sum()))
                  # E_HF = sum_occ E_as - U sum_i n_up n_dn (occupied orbitals are stored first).
                  energy = eu[:ku].sum() + ed[:kd].sum() - float(ud[1:]) * float((nu * nd).sum())
                  rows.setdefault((int(rd[1:]), float(ud[1:])), {}).update(
                      hf_n=int((np.abs(m) > thr).sum()), hf_m=float(np.abs(m).sum()), hf_sz=abs(float(m.sum())) / 2, hf_e=energy)
  for e in hf["results"]:
      key = (e["realization"], e["U"])
      r = rows.setdefault(key, {})
      if e.get("converged"):
          r.update(hf_n=e["moment_count"], hf_m=e["sum_abs_moment"], hf_sz=e.get("total_sz"), hf_e=e.get("energy"))
          d = sub(hf_dir, e["realization"], e["U"])
          if d and os.path.exists(os.path.join(d, "moments.npy")):
              maps.setdefault(key, {})["hf"] = np.load(os.path.join(d, "moments.npy"))
      elif r.get("hf_n") is None:  # a converged run of the same (realization, U) elsewhere wins
          r.update(hf_n=None, hf_m=float("nan"), hf_sz=None)
for gs_dir in gs_dirs:
    if not os.path.exists(os.path.join(gs_dir, "summary.json")):
        continue
    gs = load(gs_dir)
    us = [e["U"] for e in gs["results"]]
    for real in gs["parameters"]["realizations"]:
        path = os.path.join(gs_dir, "r%03d" % real, "moments.npy")
        if not os.path.exists(path):
            continue
        m = np.load(path)
        for k, u in enumerate(us):
            r = rows.setdefault((real, u), {})
            r.update(gs_n=int((np.abs(m[k]) > thr).sum()), gs_m=float(np.abs(m[k]).sum()))
            maps.setdefault((real, u), {})["gs"] = m[k]
    for e in gs["results"]:
        reals_gs = gs["parameters"]["realizations"]
        for key, name in [("polarized", "gs_pol"), ("census_one_sided", "h0_one"), ("census_two_sided", "h0_two"),
                          ("energies", "gs_e")]:
            for real, p in zip(reals_gs, e.get(key) or []):
                rows.setdefault((real, e["U"]), {})[name] = p

def fmt(x, f="%.3f"):
    if x is None:
        return "-"
    if isinstance(x, float) and x != x:
        return "n/c"
    return f % x if isinstance(x, float) else str(x)

reals = sorted({k[0] for k in rows})
us = sorted({k[1] for k in rows})
hdr = ("| U | free HF sites abs(m)>%g | free HF sum abs(m) | free HF abs(S_z) | 1st-order GS sites abs(m)>%g | 1st-order GS sum abs(m) "
       "| GS polarized levels | E_HF - E1_GS | census H0 basis 1s/2s | census PM-HF basis 1s/2s | PM HF occupation (violations) | U lambda_max(Pi) |" % (thr, thr))
sep = "|" + "---|" * 12
for real in reals:
    print("\n**Realization %d**\n" % real)
    print(hdr); print(sep)
    for u in us:
        r = rows.get((real, u), {})
        occ = r.get("occ", "-")
        if r.get("viol") is not None:
            occ = "%s (%d)" % (occ, r["viol"])
        de = r["hf_e"] - r["gs_e"] if r.get("hf_e") is not None and r.get("gs_e") is not None else None
        print("| %g | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            u, fmt(r.get("hf_n")), fmt(r.get("hf_m")), fmt(r.get("hf_sz"), "%.1f"), fmt(r.get("gs_n")), fmt(r.get("gs_m")),
            fmt(r.get("gs_pol")), fmt(de, "%.3f"), "%s/%s" % (fmt(r.get("h0_one")), fmt(r.get("h0_two"))),
            "%s/%s" % (fmt(r.get("one")), fmt(r.get("two"))), occ, fmt(r.get("lam"), "%.4f")))
print("\n**Average over realizations %s** (mean ± standard error; n/c entries left out, count in brackets)\n" % reals)
print("| U | free HF sites | free HF sum abs(m) | 1st-order GS sites | 1st-order GS sum abs(m) | GS polarized | census H0 two-sided | census PM-HF one-sided | census PM-HF two-sided | U lambda_max(Pi) | realizations with U lambda_max >= 1 |")
print("|" + "---|" * 11)
def agg(vals):
    v = [float(x) for x in vals if x is not None and not (isinstance(x, float) and x != x)]
    if not v:
        return "-"
    m = np.mean(v); se = np.std(v, ddof=1) / np.sqrt(len(v)) if len(v) > 1 else 0.0
    return "%.3g ± %.2g [%d]" % (m, se, len(v))
for u in us:
    rs = [rows.get((real, u), {}) for real in reals]
    lams = [r.get("lam") for r in rs if r.get("lam") is not None and r.get("lam") == r.get("lam")]
    print("| %g | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d of %d |" % (u, agg([r.get("hf_n") for r in rs]), agg([r.get("hf_m") for r in rs]),
          agg([r.get("gs_n") for r in rs]), agg([r.get("gs_m") for r in rs]), agg([r.get("gs_pol") for r in rs]),
          agg([r.get("h0_two") for r in rs]), agg([r.get("one") for r in rs]),
          agg([r.get("two") for r in rs]), agg([r.get("lam") for r in rs]), sum(1 for l in lams if l >= 1), len(lams)))

# Site by site: which sites carry |m| > thr in free HF and in the first-order ground state, and
# where the leading eigenvector v of Pi (PM HF orbitals at the same U) sits.
print("\n**Site by site** (sites with abs(m) > %g; Pi: the leading eigenvector v of Pi at the same U (PM HF orbitals), "
      "its participation ratio 1/sum v^4, and the weight sum v^2 on the HF / GS moment sites; Pi(U = 0): the same for "
      "the leading eigenvector on H0's orbitals)\n" % thr)
print("(near: HF moment sites within distance 2 of a GS moment site, minimum image on the periodic square lattice, site i = x + L y)\n")
print("| realization | U | HF sites | GS sites | both | HF only | GS only | HF sites near a GS site | Pi participation ratio | Pi weight on HF sites | Pi weight on GS sites | Pi(U = 0) weight on HF sites | Pi(U = 0) weight on GS sites |")
print("|" + "---|" * 13)

def near(h, g, radius=2.0):
    """Number of sites of mask h within `radius` of a site of mask g (periodic L x L lattice)."""
    n = h.size
    l = int(round(np.sqrt(n)))
    hs, gs_ = np.nonzero(h)[0], np.nonzero(g)[0]
    if l * l != n or len(gs_) == 0:
        return None
    count = 0
    for i in hs:
        dx = np.abs(i % l - gs_ % l); dy = np.abs(i // l - gs_ // l)
        dx = np.minimum(dx, l - dx); dy = np.minimum(dy, l - dy)
        count += int(np.min(dx * dx + dy * dy) <= radius * radius)
    return count
for real in reals:
    for u in us:
        mp = maps.get((real, u), {})
        hfm, gsm, pi = mp.get("hf"), mp.get("gs"), mp.get("pi")
        if hfm is None and gsm is None:
            continue
        h = np.abs(hfm) > thr if hfm is not None else None
        g = np.abs(gsm) > thr if gsm is not None else None
        both = fmt(int((h & g).sum())) if h is not None and g is not None else "-"
        honly = fmt(int((h & ~g).sum())) if h is not None and g is not None else "-"
        gonly = fmt(int((~h & g).sum())) if h is not None and g is not None else "-"
        if pi is not None:
            v2 = pi ** 2 / (pi ** 2).sum()
            pr, wh, wg = 1 / (v2 ** 2).sum(), (v2[h].sum() if h is not None else None), (v2[g].sum() if g is not None else None)
        else:
            pr = wh = wg = None
        nr = near(h, g) if h is not None and g is not None else None
        pi0 = maps.get((real, 0.0), {}).get("pi")
        if pi0 is not None:
            w0 = pi0 ** 2 / (pi0 ** 2).sum()
            w0h, w0g = (w0[h].sum() if h is not None else None), (w0[g].sum() if g is not None else None)
        else:
            w0h = w0g = None
        print("| %d | %g | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            real, u, fmt(int(h.sum()) if h is not None else None), fmt(int(g.sum()) if g is not None else None), both, honly, gonly,
            fmt(nr), fmt(pr, "%.1f"), fmt(wh, "%.2f"), fmt(wg, "%.2f"), fmt(w0h, "%.2f"), fmt(w0g, "%.2f")))
