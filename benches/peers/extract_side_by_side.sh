#!/usr/bin/env bash
# Extraction speed, ours vs NIST mindtct (PyPI nbis-py 0.1.3), side by side in one run, both
# pinned to the same single core. Per set the order is ours, mindtct, ours again, so a change in
# machine load shows up as a gap between our two figures. Both sides use the same protocol: one
# warm-up pass, then the best of REPEATS runs per image; the table gives the median over images.
# mindtct's time includes decoding the TIFF inside NBIS (small next to its extraction); ours
# excludes decoding.
#
#   benches/peers/extract_side_by_side.sh [DATA_DIR] [CORE] [REPEATS]
#
# Env: PYTHON (a python with nbis-py; default /var/cache/rekam/venv-extract/bin/python),
#      CARGO_TARGET_DIR (default /var/cache/rekam/target-extract).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
data="${1:-$root/../shared/data}"
[ -d "$data/fingerprints" ] || data=/work/shared/data
core="${2:-1}"
repeats="${3:-3}"
python="${PYTHON:-/var/cache/rekam/venv-extract/bin/python}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/cache/rekam/target-extract}"

(cd "$root" && cargo build --quiet --release -p biometrics --example extract_speed)
ours="$CARGO_TARGET_DIR/release/examples/extract_speed"

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
printf '%-14s %12s %12s %12s %8s %10s %10s\n' set ours_ms mindtct_ms ours2_ms ratio ours_min mindtct_min
for entry in fvc2002-db1b:500 fvc2002-db2b:569; do
  set_name="${entry%%:*}"; ppi="${entry##*:}"; dir="$data/fingerprints/$set_name"
  a="$(taskset -c "$core" "$ours" "$dir" "$ppi" "$repeats")"
  m="$(taskset -c "$core" "$python" "$here/mindtct.py" --time "$dir" "$ppi" "$repeats")"
  b="$(taskset -c "$core" "$ours" "$dir" "$ppi" "$repeats")"
  oa="$(echo "$a" | field median_ms)"; ob="$(echo "$b" | field median_ms)"
  mm="$(echo "$m" | field median_ms)"
  ratio="$(python3 -c "print(f'{$mm / max($oa, $ob):.2f}')")"
  printf '%-14s %12s %12s %12s %7sx %10s %10s\n' "$set_name" "$oa" "$mm" "$ob" "$ratio" \
    "$(echo "$a" | field minutiae_mean)" "$(echo "$m" | field minutiae_mean)"
done
echo "ratio = mindtct median / the slower of our two medians (single core $core, best of $repeats per image)"
