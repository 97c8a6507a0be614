#!/bin/bash
# `qdocgen build --pdf` of two (or more) qdocgen trees, interleaved, so that both see the same machine.
#
#     bash benchmarks/pdf_ab.sh N TREE_A TREE_B [PYTHON]
#
# As benchmarks/cold_ab.sh, for the PDFs: each tree gets a compile cache of its own (and so a kept
# LibreOffice profile of its own: qdocgen/office_profile.py), warmed by one `build --pdf`; then N
# rounds build and convert the bundled data of each tree in turn into a new output folder (the
# benchmark's build_pdf_s) and print wall seconds and user/system CPU, LibreOffice's included.
# LibreOffice's work is ~95 % of it and its speed moves with the host's from minute to minute:
# read the two trees of one round side by side.
set -eu
N=$1; A=$2; B=$3; PY=${4:-python3}
OUT=$(mktemp -d /tmp/qdocgen-pdf-ab-XXXX)
trap 'rm -rf "$OUT"' EXIT
for d in "$A" "$B"; do
  "$PY" -m compileall -q "$d/qdocgen"
  (cd "$d" && QDOCGEN_CACHE_DIR="$OUT/cache-$(basename "$d")" PYTHONPATH="$d" "$PY" -m qdocgen build -q --pdf -o "$OUT/out" >/dev/null 2>&1)
  rm -rf "$OUT/out"
done
for _ in $(seq "$N"); do
  for d in "$A" "$B"; do
    (cd "$d" && QDOCGEN_CACHE_DIR="$OUT/cache-$(basename "$d")" PYTHONPATH="$d" \
      /usr/bin/time -f "$(basename "$d")  %e s  %U user  %S sys" "$PY" -m qdocgen build -q --pdf -o "$OUT/out" 2>&1 >/dev/null | tail -1)
    rm -rf "$OUT/out"
  done
done
