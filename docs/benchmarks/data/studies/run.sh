#!/bin/bash
# The --jobs measurements of BENCHMARKS.md ("Studies and --jobs"): release build, 1 BLAS thread
# per job, --jobs 1 then --jobs 2, wall time and peak memory from /usr/bin/time -v.
# Usage: run.sh BIN OUTDIR WHAT   (WHAT: fig2 | reproduce | quick)
set -u
BIN=$1; OUT=$2; WHAT=$3
mkdir -p "$OUT"
for jobs in 1 2; do
  dir="$OUT/$WHAT-jobs$jobs"; rm -rf "$dir" "$dir.checkpoint"
  case $WHAT in
    fig2) args=(ground-state --preset paper --realizations 15 --U 0.05,0.1,0.15,0.2,0.25,0.3,0.35,0.4,0.6,0.8,1.0,1.2,1.4 --algorithm paper --window levels:100);;
    reproduce) args=(reproduce);;
    quick) args=(reproduce --quick);;
  esac
  echo "== $WHAT --jobs $jobs  $(date -u +%H:%M:%S)  load: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/$WHAT.log"
  /usr/bin/time -v "$BIN" "${args[@]}" --jobs $jobs --quiet --output "$dir" 2>> "$OUT/$WHAT.log"
  echo "exit $?  end $(date -u +%H:%M:%S)  load: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/$WHAT.log"
done
