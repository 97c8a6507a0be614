#!/bin/bash
# Cold builds of two (or more) qdocgen trees, interleaved, so that both see the same machine.
#
#     bash benchmarks/cold_ab.sh N TREE_A TREE_B [PYTHON]
#
# Each tree is a checkout (e.g. `git worktree add /tmp/old <commit>`). Each gets a compile cache of
# its own, warmed by one build first; then N rounds build the bundled data of each tree in turn into
# a new output folder (`qdocgen build -q -o ...`: the benchmark's build_cold_s) and print wall
# seconds and user/system CPU per build. PYTHON defaults to `python3`; give the interpreter itself,
# not a pyenv shim (which adds ~0.3 s a start). Run it as root with `nice -n -15` ahead of other
# work only where the kernel's autogroup scheduling is off (/proc/sys/kernel/sched_autogroup_enabled).
set -eu
N=$1; A=$2; B=$3; PY=${4:-python3}
OUT=$(mktemp -d /tmp/qdocgen-ab-XXXX)
trap 'rm -rf "$OUT"' EXIT
for d in "$A" "$B"; do
  "$PY" -m compileall -q "$d/qdocgen"
  (cd "$d" && QDOCGEN_CACHE_DIR="$OUT/cache-$(basename "$d")" PYTHONPATH="$d" "$PY" -m qdocgen build -q -o "$OUT/out" >/dev/null 2>&1)
  rm -rf "$OUT/out"
done
for _ in $(seq "$N"); do
  for d in "$A" "$B"; do
    (cd "$d" && QDOCGEN_CACHE_DIR="$OUT/cache-$(basename "$d")" PYTHONPATH="$d" \
      /usr/bin/time -f "$(basename "$d")  %e s  %U user  %S sys" "$PY" -m qdocgen build -q -o "$OUT/out" 2>&1 >/dev/null | tail -1)
    rm -rf "$OUT/out"
  done
done
