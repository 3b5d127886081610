#!/usr/bin/env python3
"""NIST NBIS (mindtct + bozorth3, via PyPI nbis-py 0.1.3) on an FVC folder, with exactly the
protocol and error-rate definitions of `fvc-eval` (biometrics::eval): genuine = all pairs of
impressions of one finger, impostor = all pairs of impressions of different fingers, eer_fvc =
EER against the FVC-official impostor subset (first impressions). Last line: one JSON object.

    python3 -m venv /var/cache/rekam/venv-matcher
    /var/cache/rekam/venv-matcher/bin/pip install nbis-py==0.1.3
    /var/cache/rekam/venv-matcher/bin/python benches/peers/bozorth3_fvc.py DIR [--ppi N] \
        [--scores FILE]

Compare times are measured around the bozorth3 call alone (one thread), extraction per image.
`--scores FILE` also writes every pair's score for `fvc-compare`.
"""
import json
import os
import sys
import time

import nbis

from fvc_protocol import fvc_files, report, score_all_pairs, take_option, write_scores


def main():
    args = sys.argv[1:]
    ppi = take_option(args, "--ppi", 500.0, float)
    scores_path = take_option(args, "--scores", None, str)
    folder = args[0]
    settings = nbis.NbisExtractorSettings(
        min_quality=0.0, get_center=False, check_fingerprint=False, compute_nfiq2=False, ppi=ppi
    )
    extractor = nbis.new_nbis_extractor(settings)
    files = fvc_files(folder)
    ids = [i for i, _ in files]
    templates, extract_ms = [], []
    for _, f in files:
        start = time.perf_counter()
        templates.append(extractor.extract_minutiae_from_image_file(os.path.join(folder, f)))
        extract_ms.append((time.perf_counter() - start) * 1e3)
    kept = []
    gen, imp, imp_fvc, total = score_all_pairs(
        ids, lambda a, b: templates[a].compare(templates[b]), kept
    )
    if scores_path:
        write_scores(scores_path, ids, kept)
    result = {
        "engine": "nbis-py 0.1.3 (mindtct + bozorth3)",
        "set": folder,
        "images": len(ids),
        **report(gen, imp, imp_fvc, total, extract_ms),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
