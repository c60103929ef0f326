#!/bin/sh
# Regenerates the scaling table of docs/benchmarks/engine.md: for each lattice size, the
# shift-invert engine (`fermiglass bench engine`, k states nearest E_F at the paper's parameters)
# and scipy.sparse.linalg.eigsh(sigma=E_F) on the same exported matrix, one after the other.
# Usage: Benchmarks/peers/engine.sh [sizes...]   (default 100 200 500; 1000 needs ~6 GB, run alone)
set -e
BIN=${BIN:-.build/release/fermiglass}
OUT=${OUT:-/tmp/fermiglass-engine-bench}
mkdir -p "$OUT"
for L in ${@:-100 200 500}; do
  "$BIN" bench engine --size "$L" --counts 100,200 --export "$OUT/L$L" > "$OUT/engine-L$L.json"
  [ "${WINDOW:-1}" = 0 ] || "$BIN" bench engine --size "$L" --counts 100,200 --window > "$OUT/window-L$L.json"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 "$(dirname "$0")/eigsh_engine.py" "$OUT/L$L" 100 200 > "$OUT/scipy-L$L.json"
  rm -f "$OUT/L$L"/*.npy
done
echo "results in $OUT"
