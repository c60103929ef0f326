"""Frozen-core density by probed Chebyshev expansion: what spacing s and order M give a
1e-5 density error (issue 18, step 1). numpy/scipy peer measurement, not part of the package.

Model: paper t-t'-W (t1 = +1, t2 = +0.6 diagonal, W_i uniform in [-W/2, W/2]), L x L periodic,
filling 5/6 (N/2 = 5 L^2 / 12 levels per spin below E_F). Disorder from numpy (seed), not the
package's generator: only the statistics of the decay matter here.

1. Polynomial error: max over |E - E_s| >= D of |S(E) - theta(E_s - E)| for the Jackson-damped
   step (ChebyshevCore) of order M: bounds the density error from levels outside the window
   (sum_n |phi_n(i)|^2 = 1).
2. Probing crosstalk: columns S(H) e_i at sampled sites i; the probing error of spacing s at i
   is sum_{j != i, j = i mod s} S_ji (what ChebyshevCore adds to n_core(i)), with and without
   the window states' share removed from the whole column.
"""
import sys, time, json
import numpy as np, scipy.sparse as sp, scipy.sparse.linalg as sla

def hamiltonian(L, W, seed):
    rng = np.random.default_rng(seed)
    n = L * L
    eps = rng.uniform(-W / 2, W / 2, n)
    idx = np.arange(n).reshape(L, L)  # idx[y, x]
    rows, cols, vals = [], [], []
    for dx, dy, t in [(1, 0, 1.0), (0, 1, 1.0), (1, 1, 0.6), (1, -1, 0.6)]:
        j = np.roll(np.roll(idx, -dx, axis=1), -dy, axis=0)
        rows += [idx.ravel(), j.ravel()]; cols += [j.ravel(), idx.ravel()]; vals += [np.full(n, t)] * 2
    H = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    return (H + sp.diags(eps)).tocsr(), eps

def jackson(M):
    n = np.arange(M); q = np.pi / (M + 1)
    return ((M - n + 1) * np.cos(q * n) + np.sin(q * n) / np.tan(q)) / (M + 1)

def step_coeffs(x0, M):
    t0 = np.arccos(x0); n = np.arange(1, M)
    return np.concatenate([[1 - t0 / np.pi], -2 * np.sin(n * t0) / (n * np.pi)]) * jackson(M)

def series(c, x):
    return np.polynomial.chebyshev.chebval(x, c)

def main():
    L, W, D = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    Ms = [int(m) for m in sys.argv[4].split(",")]
    Mcol = int(sys.argv[5]); samples = int(sys.argv[6])
    H, eps = hamiltonian(L, W, 1)
    n = L * L
    lo, hi = -(W / 2 + 4 + 2.4), W / 2 + 4 + 2.4
    a, b = 0.505 * (hi - lo), 0.5 * (hi + lo)
    # E_F: eigenvalues near the Fermi index by shift-invert, located by an integrated-DOS guess.
    t = time.time()
    nf = 5 * n // 12
    # E_F from a stochastic KPM count (16 random +-1 vectors, 600 moments): ~1e-2 accurate,
    # enough to place the window where the states near E_F are (only their decay matters here).
    rng0 = np.random.default_rng(3)
    R = rng0.choice([-1.0, 1.0], size=(n, 16))
    Ht0 = (H - b * sp.identity(n)) / a
    mom = []
    T0, T1 = R, Ht0 @ R
    mom += [np.mean(np.sum(R * T0, 0)), np.mean(np.sum(R * T1, 0))]
    for m in range(2, 600):
        T0, T1 = T1, 2 * (Ht0 @ T1) - T0
        mom.append(np.mean(np.sum(R * T1, 0)))
    mom = np.array(mom)
    def count(E):
        x = (E - b) / a; t0 = np.arccos(x); k = np.arange(1, 600)
        c = step_coeffs(x, 600)  # theta(E - H): levels below E
        return float(c @ mom)
    l, r = -6.0, 6.0
    for _ in range(50):
        m = 0.5 * (l + r)
        if count(m) < nf: l = m
        else: r = m
    guess = 0.5 * (l + r)
    out = {"L": L, "W": W, "D": D, "E_F_estimate": guess}
    # 1. polynomial error of the Jackson step (scaled units), step at E_s, window +-D.
    grid = np.linspace(-1, 1, 200001)
    ef = guess
    xs = (ef - b) / a
    outside = np.abs(grid - xs) >= D / a
    poly = {}
    for M in Ms:
        c = step_coeffs(xs, M)
        s = series(c, grid)
        poly[M] = float(np.max(np.abs(s - (grid < xs))[outside]))
    out["jackson_step_error_outside_window"] = poly
    # An erfc step 0.5 erfc((x - x_s) / w), Chebyshev-interpolated at degree M, undamped:
    # the smallest error outside the window over widths w = D / k.
    from scipy.special import erfc
    best = {}
    for M in Ms:
        errs = {}
        for kk in [2.5, 3, 3.5, 4, 4.5, 5, 6]:
            w = D / a / kk
            c = np.polynomial.chebyshev.chebinterpolate(lambda x: 0.5 * erfc((x - xs) / w), M)
            s = series(c, grid)
            errs[kk] = float(np.max(np.abs(s - (grid < xs))[outside]))
        kk = min(errs, key=errs.get)
        best[M] = {"D_over_w": kk, "error": errs[kk]}
    out["erfc_step_error_outside_window"] = best
    print(json.dumps(out), flush=True)
    # 2. window states (for the subtracted variant): all levels in [E_s - D, E_s + D].
    k = max(16, int(1.3 * n * 0.02 * D / 0.1 * (9 / W)))
    vals, vecs = sla.eigsh(H, k=k, sigma=ef, which="LM", tol=1e-10)
    inw = np.abs(vals - ef) < D
    wv, wx = vals[inw], vecs[:, inw]
    assert np.max(np.abs(vals - ef)) >= D, "window not covered"
    print(f"window states {inw.sum()} (eigsh {time.time() - t:.0f} s)", flush=True)
    c = step_coeffs(xs, Mcol)
    Ht = (H - b * sp.identity(n)) / a
    rng = np.random.default_rng(7)
    sites = rng.choice(n, samples, replace=False)
    V = np.zeros((n, samples)); V[sites, np.arange(samples)] = 1
    t = time.time()
    T0, T1 = V, Ht @ V
    acc = c[0] * T0 + c[1] * T1
    for m in range(2, Mcol):
        T0, T1 = T1, 2 * (Ht @ T1) - T0
        acc += c[m] * T1
    print(f"columns {time.time() - t:.0f} s", flush=True)
    sw = series(c, (wv - b) / a)
    sub = acc - wx @ (sw[:, None] * (wx[sites, :].T))
    res = {}
    for s in [10, 20, 25, 40, 50, 100]:
        if L % s: continue
        e1, e2 = [], []
        for q, i in enumerate(sites):
            x, y = i % L, i // L
            js = [(xx + L * yy) for xx in range(x % s, L, s) for yy in range(y % s, L, s) if xx + L * yy != i]
            e1.append(abs(acc[js, q].sum())); e2.append(abs(sub[js, q].sum()))
        res[s] = {"max": float(max(e1)), "median": float(np.median(e1)), "max_window_removed": float(max(e2)),
                  "median_window_removed": float(np.median(e2))}
    # envelope of |S_ij| with distance (Chebyshev metric, minimum image)
    env = {}
    for q, i in enumerate(sites):
        x, y = i % L, i // L
        X, Y = np.meshgrid(np.arange(L), np.arange(L))
        dx = np.minimum(abs(X - x), L - abs(X - x)); dy = np.minimum(abs(Y - y), L - abs(Y - y))
        d = np.maximum(dx, dy).ravel()
        for r in [r for r in [10, 20, 30, 40, 50, 60, 80] if r <= L // 2]:
            env.setdefault(r, []).append(float(np.max(np.abs(acc[d >= r, q]))))
    out["window_states"] = int(inw.sum()); out["M_columns"] = Mcol; out["sites_sampled"] = samples
    out["probing_error_by_spacing"] = res
    out["max_abs_S_ij_beyond_distance"] = {r: float(np.max(v)) for r, v in env.items()}
    print(json.dumps(out), flush=True)

main()
