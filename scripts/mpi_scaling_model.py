#!/usr/bin/env python3
"""Scaling model for fermiglass under MPI (issue #23), from measured per-unit costs.

    python3 scripts/mpi_scaling_model.py            # markdown tables for docs/benchmarks/mpi.md

The executor (StudyRunner+MPI.swift): rank 0 hands out units one at a time, the costliest first,
and computes none itself; a worker that returns a record gets its next unit only after rank 0
has taken the record in (decode, journal: record file + fsync'd line, write). So the job is a
list schedule (LPT) of the unit costs on P - 1 workers, plus a single server (rank 0) whose
service time per record is its bytes over the network and disk bandwidths plus the fsyncs, plus
the serial global pieces (the inertia counts of a patch window) and the start-up.

Every number below says where it comes from; the cluster bandwidths are assumptions, marked so.
"""
import heapq
import math

# --- measured on the development machine (docs/benchmarks/mpi.md, section 3) ----------------
START_S = 1.0            # mpirun + MPI_Init of every rank (0.33 s + ~0.4 s), rounded up
JOURNAL_S = 0.003        # rank 0 per record: record file (tmp, fsync, rename, dir fsync) + log line (fsync), median
HANDOUT_S = 0.001        # rank 0 per unit: the handed-out line (one fsync)
# --- assumed for a cluster (not measured here) ------------------------------------------------
NET_BPS = 5e9            # a worker -> rank 0 record over InfiniBand / 100 GbE, one stream
DISK_BPS = 1e9           # rank 0's sustained write stream to a parallel file system

# --- finite-size-scaling study (issue #19, docs/physics/fss-campaign.json) ----------------------
# CPU seconds per sweep unit (one (L, W, realization), every U on its eigenstates), from the
# "Cost of each part" table of docs/physics/finite-size-scaling.md: L = 40 ~1 s (estimated),
# 60: 6.4 s, 100: 26 s (measured). Above 100 an extrapolation c = 26 s (N / 10^4)^b with b
# from the 60 -> 100 pair (b = ln(26/6.4) / ln(10^4/3600) = 1.37); at 200 the measured single-U
# ground-state run (242 s CPU, docs/benchmarks/ground-state.md) is larger and is used instead.
B_FSS = math.log(26 / 6.4) / math.log(1e4 / 3600)
def fss_unit_cost(L):
    measured = {40: 1.0, 60: 6.4, 100: 26.0}
    if L in measured:
        return measured[L]
    c = 26.0 * (L * L / 1e4) ** B_FSS
    return max(c, 242.0) if L == 200 else c

# (size, number of W, realizations) of every part with 40 <= L <= 1000 (fss/L*.json)
FSS_PARTS = [(40, 3, 24), (60, 3, 8), (100, 3, 4), (200, 3, 8), (400, 2, 4), (1000, 2, 4)]
# a sweep record: rows of 9 U, ~60 columns each, about 1 KB per row plus provenance
FSS_RECORD_BYTES = 12_000

# --- one patch window on 10^8 sites (L = 10^4), energy:0.05, W = 9 ------------------------------
# docs/benchmarks/patches.md (seventh session): patches of 372^2 = 138 000 sites with halo 93,
# 36 of them tile 1000^2 (core ~167); a patch with the energy:0.05 window plus margins holds
# ~1400 states at c_eff = 0.5 us per state per patch site: 97 s CPU per patch (extrapolated
# there from the measured levels:100 run); stored states ~0.47 MB each (rectangle (2.6 x 93)^2
# doubles), ~10^4 states per 10^6 sites in the window.
PATCH_CPU_S = 97.0
PATCH_CORE = 167
STATE_BYTES = 0.47e6
STATES_PER_SITE = 1e4 / 1e6
# Global inertia counts: one MUMPS LDL^T factorization of the whole lattice each, ~3.5 s at
# 10^6 sites (the brief's figure; patches.md: 112 s for 8 factorizations there, so 3.5-14 s),
# growing as V^1.5 (nested dissection on a 2D lattice). The E_F search needs ~8 counts and the
# window edges 2 more; as implemented (docs/benchmarks/patch-units.md) all of them run on rank 0
# before pass 1 (the plan's energies are the window they return), none overlaps the patches.
COUNT_S_1E6 = 3.5
EF_COUNTS = 8
EDGE_COUNTS = 2
# Distributed MUMPS on q ranks: assumed parallel efficiency 0.3 at q = 16..64 for a 2D
# nested-dissection factorization (tree parallelism plus 2D block-cyclic fronts at the top).
MUMPS_EFF = 0.3


def schedule(costs, workers, record_bytes, serial_before=0.0):
    """Wall seconds of a dynamic largest-first hand-out of `costs` on `workers` ranks, rank 0
    serving every returned record one at a time; returns (wall, rank-0 busy fraction)."""
    order = sorted(range(len(costs)), key=lambda i: -costs[i])
    service = [record_bytes[i] / NET_BPS + record_bytes[i] / DISK_BPS + JOURNAL_S + HANDOUT_S for i in range(len(costs))]
    t0 = START_S + serial_before
    free = [(t0, w) for w in range(workers)]  # when each worker asks for work
    heapq.heapify(free)
    rank0 = t0            # when rank 0 is next free
    busy = 0.0
    end = t0
    pending = []          # (finish time, unit)
    for i in order:
        t, w = heapq.heappop(free)
        finish = t + costs[i]
        # rank 0 takes the record in when both the record and rank 0 are there
        start = max(finish, rank0)
        rank0 = start + service[i]
        busy += service[i]
        end = max(end, rank0)
        heapq.heappush(free, (rank0, w))
    return end, busy / max(end - t0, 1e-9)


# Patches per unit when the L >= 400 units are split into patches over the ranks (helper
# patchrun's patches as MPI units): 16 at 400^2 and 36 at 1000^2 (docs/benchmarks/patches.md).
PATCHES_PER_UNIT = {400: 16, 1000: 36}

def fss_table(ranks, split=False):
    costs, sizes = [], []
    for L, nw, nr in FSS_PARTS:
        pieces = PATCHES_PER_UNIT.get(L, 1) if split else 1
        for _ in range(nw * nr * pieces):
            costs.append(fss_unit_cost(L) / pieces)
            sizes.append(FSS_RECORD_BYTES)
    total = sum(costs)
    rows = []
    for P in ranks:
        wall, r0 = schedule(costs, P - 1, sizes)
        bound = max(max(costs), total / (P - 1))
        rows.append((P, wall, total / wall, r0, bound))
    return total, max(costs), len(costs), rows


def window_table(ranks, sites=1e8, distributed=None):
    L = math.sqrt(sites)
    patches = math.ceil(L / PATCH_CORE) ** 2
    states = STATES_PER_SITE * sites
    bytes_per_patch = states / patches * STATE_BYTES
    count_s = COUNT_S_1E6 * (sites / 1e6) ** 1.5
    rows = []
    for P in ranks:
        q = min(distributed, P // 2) if distributed else 1
        t_count = count_s if q == 1 else count_s / (q * MUMPS_EFF)
        serial = (EF_COUNTS + EDGE_COUNTS) * t_count
        workers = P - 1
        wall, r0 = schedule([PATCH_CPU_S] * patches, workers, [bytes_per_patch] * patches, serial_before=serial)
        rows.append((P, q, patches, count_s, serial, wall, r0, patches * bytes_per_patch))
    return rows


def hms(s):
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def main():
    ranks = [16, 64, 256]
    print(f"b = {B_FSS:.2f}; unit costs (CPU s): " + ", ".join(f"L={L}: {fss_unit_cost(L):.0f}" for L, _, _ in FSS_PARTS) + "\n")
    for split in [False, True]:
        total, biggest, n, rows = fss_table(ranks, split)
        what = "L >= 400 units split into patches" if split else "sweep units as they are"
        print(f"### Finite-size-scaling study, L = 40..1000, {what} ({n} units, {hms(total)} CPU, largest {hms(biggest)})\n")
        print("| ranks | predicted wall | speed-up over 1 core | rank 0 busy | lower bound max(largest unit, CPU/(P-1)) |")
        print("|---|---|---|---|---|")
        for P, wall, speed, r0, bound in rows:
            print(f"| {P} | {hms(wall)} | {speed:.1f} | {100 * r0:.2f}% | {hms(bound)} |")
        print()
    for label, dist in [("counts on one rank (sequential MUMPS)", None), ("counts on distributed MUMPS over min(16, P/2) ranks", 16)]:
        print(f"### One 10^8-site patch window, energy:0.05, W = 9: {label}\n")
        print("| ranks | patches | one count | 10 counts before the patches | predicted wall | rank 0 busy | written by rank 0 |")
        print("|---|---|---|---|---|---|---|")
        for P, q, patches, count_s, serial, wall, r0, written in window_table(ranks, distributed=dist):
            print(f"| {P} | {patches} | {hms(count_s if q == 1 else count_s / (q * MUMPS_EFF))} (q = {q}) | {hms(serial)} | {hms(wall)} | {100 * r0:.0f}% | {written / 1e9:.0f} GB |")
        print()
    for sites in [1e7]:
        rows = window_table(ranks, sites=sites)
        P, q, patches, count_s, serial, wall, r0, written = rows[-1]
        print(f"10^7 sites, counts on one rank: {patches} patches, one count {hms(count_s)}, 10 counts {hms(serial)}, wall on 256 ranks {hms(wall)}.")
        rows = window_table(ranks, sites=sites, distributed=16)
        P, q, patches, count_s, serial, wall, r0, written = rows[-1]
        print(f"10^7 sites, counts on 16 ranks: 10 counts {hms(serial)}, wall on 256 ranks {hms(wall)}.")


if __name__ == "__main__":
    main()
