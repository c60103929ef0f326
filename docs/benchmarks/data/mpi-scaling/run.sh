#!/bin/bash
# Strong scaling of the MPI executor on this machine (docs/benchmarks/mpi.md, section 3).
# Usage: nice -n 10 bash docs/benchmarks/data/mpi-scaling/run.sh .build/release/fermiglass OUTDIR REPS
# Prints one line per run: case ranks seconds; checks every output against the serial one.
set -u
B=$1 OUT=$2 REPS=${3:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
MPI=(env -u OMPI_MCA_ess_singleton_isolated mpirun --oversubscribe --allow-run-as-root)
run() {  # name ranks args...
  local name=$1 np=$2; shift 2
  for r in $(seq "$REPS"); do
    local d="$OUT/$name-np$np-$r"; rm -rf "$d"
    local t0=$(date +%s.%N)
    if [ "$np" = 1 ]; then "$B" "$@" --output "$d" >/dev/null 2>&1; else "${MPI[@]}" -np "$np" "$B" "$@" --output "$d" >/dev/null 2>&1; fi
    local rc=$? t1=$(date +%s.%N)
    local same=yes ref="$OUT/$name-np1-1"
    for f in $(cd "$ref" && find . -type f ! -name summary.json ! -name sweep.json ! -name results.jsonl); do cmp -s "$ref/$f" "$d/$f" || same=no; done
    echo "$name np=$np rep=$r rc=$rc seconds=$(echo "$t1 - $t0" | bc) identical=$same load=$(cut -d' ' -f1 /proc/loadavg)"
  done
}
for np in 1 2 3 5; do run loc "$np" localization --preset paper --size 40 --realizations 4 --quiet; done
for np in 1 2 3 5; do run sweep "$np" sweep "$HERE/sweep.json" --quiet; done
