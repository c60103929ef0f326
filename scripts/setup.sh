#!/usr/bin/env bash
# FermiGlass set-up: installs what the package needs, only when it is missing (idempotent).
#   Debian: liblapacke-dev libopenblas-dev libsuitesparse-dev libmumps-dev libarpack2-dev,
#           libopenmpi-dev openmpi-bin (Open MPI, for runs over several machines)
#   Python: matplotlib (figures), numpy (figure scripts and peers)
set -euo pipefail
need=()
for p in liblapacke-dev libopenblas-dev libsuitesparse-dev libmumps-dev libarpack2-dev libopenmpi-dev openmpi-bin; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! python3 -c "import matplotlib, numpy" 2>/dev/null; then
    echo "setup: installing matplotlib and numpy with pip" >&2
    python3 -m pip install -q matplotlib numpy 2>&1 | grep -v "Running pip as the 'root' user" || true
fi
