#!/usr/bin/env python3
"""Compare two output trees: every summary.json with timing/host/command/jobs fields removed,
and every other file byte for byte. Usage: cmp.py A B"""
import json, os, sys, hashlib
EXCL = {"timings", "timings_seconds", "provenance", "seconds", "wall_time_seconds", "command_line", "host", "jobs",
        "hf_seconds", "pi_seconds", "chebyshev_seconds", "started", "git_commit", "fermiglass_version", "libraries", "threads", "available_bytes"}
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k not in EXCL and not k.endswith("_seconds")}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
def files(root):
    out = {}
    for d, _, fs in os.walk(root):
        for f in fs:
            if f.startswith('.'): continue
            p = os.path.join(d, f); out[os.path.relpath(p, root)] = p
    return out
a, b = files(sys.argv[1]), files(sys.argv[2])
bad = 0
for k in sorted(set(a) | set(b)):
    if k not in a or k not in b:
        print("only in", "A" if k in a else "B", k); bad += 1; continue
    if k.endswith("summary.json"):
        ja, jb = strip(json.load(open(a[k]))), strip(json.load(open(b[k])))
        if ja != jb:
            bad += 1
            print("differs:", k)
            for key in ja:
                if ja.get(key) != jb.get(key): print("   key", key)
            for key in jb:
                if key not in ja: print("   key only in B", key)
    elif k.endswith(".png"):
        continue
    else:
        if open(a[k], 'rb').read() != open(b[k], 'rb').read():
            bad += 1; print("differs:", k)
print("identical" if bad == 0 else f"{bad} differences")
sys.exit(1 if bad else 0)
