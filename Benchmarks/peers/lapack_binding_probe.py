#!/usr/bin/env python3
"""Which dsyevd is faster: the LAPACK copy inside libopenblas.so.0, or the system liblapack.so.3?

Diagnostic behind docs/benchmarks/foundation.md section 4. In one process, on the same matrix
(the paper's model, t1 = 1, t2 = 0.6, W = 9, L x L periodic), it alternates single solves of
  * dsyevd_ from libopenblas.so.0 (OpenBLAS's bundled LAPACK),
  * dsyevd_ from liblapack.so.3 (Debian: LAPACK 3.11 built against OpenBLAS's BLAS),
  * numpy.linalg.eigh (dsyevd in numpy's own OpenBLAS),
all with 1 BLAS thread, and prints the medians. Alternating single solves makes the ratios
robust against load from other processes.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 Benchmarks/peers/lapack_binding_probe.py 40 7
"""
import ctypes
import statistics
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

ob = ctypes.CDLL("libopenblas.so.0")
lap = ctypes.CDLL("liblapack.so.3")
ob.openblas_set_num_threads(1)
L = int(sys.argv[1]) if len(sys.argv) > 1 else 40
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 7
n = L * L
h = np.diag(np.random.default_rng(1).uniform(-4.5, 4.5, n))
for i in range(n):
    x, y = i % L, i // L
    for dx, dy, t in [(1, 0, 1), (-1, 0, 1), (0, 1, 1), (0, -1, 1), (1, 1, .6), (-1, -1, .6), (1, -1, .6), (-1, 1, .6)]:
        h[i, (x + dx) % L + L * ((y + dy) % L)] = t
P, I = ctypes.POINTER(ctypes.c_double), ctypes.c_int


def fortran(lib, uplo=b"U"):
    b = np.array(h, order="F")
    w = np.empty(n)
    info = I(0)

    def call(work, lw, iwork, liw):
        lib.dsyevd_(ctypes.c_char_p(b"V"), ctypes.c_char_p(uplo), ctypes.byref(I(n)), b.ctypes.data_as(P), ctypes.byref(I(n)),
                    w.ctypes.data_as(P), work.ctypes.data_as(P), ctypes.byref(I(lw)), iwork.ctypes.data_as(ctypes.POINTER(I)),
                    ctypes.byref(I(liw)), ctypes.byref(info), ctypes.c_size_t(1), ctypes.c_size_t(1))
    wq, iwq = np.empty(1), np.empty(1, dtype=np.int32)
    call(wq, -1, iwq, -1)
    work, iwork = np.empty(int(wq[0])), np.empty(int(iwq[0]), dtype=np.int32)
    t0 = time.perf_counter()
    call(work, int(wq[0]), iwork, int(iwq[0]))
    dt = time.perf_counter() - t0
    assert info.value == 0
    return dt


def numpy_eigh():
    t0 = time.perf_counter()
    np.linalg.eigh(h)
    return time.perf_counter() - t0


with threadpool_limits(1):
    fortran(ob), fortran(lap), numpy_eigh()
    o, s, t = [], [], []
    for _ in range(reps):
        o.append(fortran(ob))
        s.append(fortran(lap))
        t.append(numpy_eigh())
m = statistics.median
print(f"n={n}: libopenblas dsyevd {m(o):.4f} s | liblapack.so.3 dsyevd {m(s):.4f} s | numpy eigh {m(t):.4f} s | "
      f"ratios to numpy {m(o) / m(t):.3f} {m(s) / m(t):.3f}")
