#!/bin/bash
# usage: run.sh NAME BIN args...   (runs under nice -n 10 with /usr/bin/time -v, checkpointed)
name=$1; bin=$2; shift 2
d=/tmp/pp-bench/$name; mkdir -p $d
uptime > $d/load-start.txt
/usr/bin/time -v nice -n 10 $bin spectrum "$@" --threads 1 --patch-checkpoint $d/ckpt --output $d/out --force > $d/stdout.txt 2> $d/stderr.txt
echo "rc=$?" >> $d/stderr.txt
uptime > $d/load-end.txt
