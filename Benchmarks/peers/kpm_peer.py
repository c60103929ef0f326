#!/usr/bin/env python3
"""Peer of `fermiglass dos --method kpm`: the kernel polynomial method with numpy/scipy.

The same t-t'-W lattice (periodic L x L, t1 = 1, t2, the on-site energies W_i of FermiGlass's
SplitMix64 counter hash of (seed, realization, site), reproduced here in numpy), M Chebyshev
moments from R random +-1 vectors, two moments per product, the R vectors advanced together
as one block-SpMM (scipy CSR @ a row-major n x R block), in the form scipy makes fast.

    --engine scipy   the block-SpMM recurrence above (default)
    --engine kwant   kwant.kpm.SpectralDensity on the same CSR matrix (needs kwant)

Prints the wall time of the moment loop and the DOS at a few energies; --moments-out saves the
mean moments (.npy). Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (numpy's bundled
OpenBLAS picks its own kernel); the SpMM itself is scipy's C++ loop, not BLAS.
"""
import argparse
import time

import numpy as np
import scipy.sparse as sp

GAMMA = np.uint64(0x9E3779B97F4A7C15)


def mix(z):
    z = z.copy()
    z ^= z >> np.uint64(30); z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27); z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def onsite(seed, realization, n, w):
    with np.errstate(over="ignore"):
        base = mix(np.array([np.uint64(seed) + np.uint64(realization + 1) * GAMMA], dtype=np.uint64))[0]
        u = mix(base + (np.arange(n, dtype=np.uint64) + np.uint64(1)) * GAMMA)
    return w * ((u >> np.uint64(11)).astype(np.float64) * 2.0 ** -53 - 0.5)


def hamiltonian(L, t1, t2, w, seed, realization):
    n = L * L
    i = np.arange(n)
    x, y = i % L, i // L
    rows, cols, vals = [i], [i], [onsite(seed, realization, n, w)]
    for dx, dy, t in [(1, 0, t1), (-1, 0, t1), (0, 1, t1), (0, -1, t1), (1, 1, t2), (-1, -1, t2), (1, -1, t2), (-1, 1, t2)]:
        rows.append(i); cols.append((x + dx) % L + L * ((y + dy) % L)); vals.append(np.full(n, t))
    h = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    h.sort_indices()
    return h


def kpm_scipy(h, m, r, seed, a, b):
    n = h.shape[0]
    rng = np.random.default_rng(seed)
    v0 = rng.choice(np.array([-1.0, 1.0]), size=(n, r))          # row-major n x R block
    mu = np.zeros((m, r))
    v1 = h @ v0; v1 -= b * v0; v1 *= 1.0 / a
    mu[0] = np.einsum("ij,ij->j", v0, v0)
    mu[1] = np.einsum("ij,ij->j", v1, v0)
    k = 1
    while 2 * k < m:
        v2 = h @ v1; v2 -= b * v1; v2 *= 2.0 / a; v2 -= v0
        mu[2 * k] = 2 * np.einsum("ij,ij->j", v1, v1) - mu[0]
        if 2 * k + 1 < m:
            mu[2 * k + 1] = 2 * np.einsum("ij,ij->j", v2, v1) - mu[1]
        v0, v1 = v1, v2
        k += 1
    return mu.mean(axis=1) / n


def jackson(m):
    q = np.pi / (m + 1)
    k = np.arange(m)
    return ((m - k + 1) * np.cos(q * k) + np.sin(q * k) / np.tan(q)) / (m + 1)


def dos(mu, a, b, energies):
    x = (np.asarray(energies) - b) / a
    g = jackson(len(mu))
    t = np.cos(np.outer(np.arange(len(mu)), np.arccos(x)))
    coeff = g * mu
    coeff[1:] *= 2
    return coeff @ t / (np.pi * a * np.sqrt(1 - x * x))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--t2", type=float, default=0.6)
    p.add_argument("--W", type=float, default=9.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--moments", type=int, default=1000)
    p.add_argument("--vectors", type=int, default=10)
    p.add_argument("--engine", choices=["scipy", "kwant"], default="scipy")
    p.add_argument("--moments-out")
    args = p.parse_args()
    start = time.perf_counter()
    h = hamiltonian(args.size, 1.0, args.t2, args.W, args.seed, 0)
    # Gershgorin bounds widened by 1% (the peer skips the Lanczos tightening).
    d = h.diagonal()
    radius = 4 * 1.0 + 4 * abs(args.t2)
    lo, hi = d.min() - radius, d.max() + radius
    a, b = 0.505 * (hi - lo), 0.5 * (hi + lo)
    built = time.perf_counter()
    energies = [-2.0, 0.0, 2.0]
    if args.engine == "scipy":
        mu = kpm_scipy(h, args.moments, args.vectors, args.seed, a, b)
        rho = dos(mu, a, b, energies)
    else:
        import kwant.kpm
        sd = kwant.kpm.SpectralDensity(h, num_vectors=args.vectors, num_moments=args.moments,
                                       bounds=(lo * 1.01, hi * 1.01), rng=args.seed)
        mu = None
        rho = np.real(sd(np.array(energies))) / h.shape[0]
    done = time.perf_counter()
    if args.moments_out is not None and mu is not None:
        np.save(args.moments_out, mu)
    print(f"engine {args.engine}: build {built - start:.2f} s, moments {done - built:.2f} s, "
          f"DOS at {energies}: {np.round(rho, 5).tolist()}")


if __name__ == "__main__":
    main()
