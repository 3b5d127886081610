"""The FVC protocol and error-rate definitions of `fvc-eval` (biometrics::eval), shared by the
peer harnesses (`bozorth3_fvc.py`, `afis_fvc.py`): genuine = all pairs of impressions of one
finger, impostor = all pairs of impressions of different fingers, eer_fvc = EER against the
FVC-official impostor subset (first impressions)."""
import os
import re
import statistics
import time


def take_option(args, name, default, convert):
    """Removes `name VALUE` from the list `args` and returns `convert(VALUE)`, or `default`."""
    if name not in args:
        return default
    i = args.index(name)
    value = convert(args[i + 1])
    del args[i : i + 2]
    return value


def parse(name):
    m = re.fullmatch(r"(\d+)_(\d+)\.(tif|tiff|bmp|png)", name, re.IGNORECASE)
    return (int(m.group(1)), int(m.group(2))) if m else None


def fvc_files(folder):
    """[((finger, impression), file name)] of an FVC folder, sorted."""
    return sorted((parse(f), f) for f in os.listdir(folder) if parse(f))


def score_all_pairs(ids, compare, keep=None):
    """Scores every pair (a < b) with `compare(a, b)`, timing only the calls. Returns
    (genuine, impostor, impostor_fvc, seconds spent comparing). With a list `keep`, appends
    every (a, b, score) to it, for `write_scores`."""
    firsts = {}
    for fid, imp in ids:
        firsts[fid] = min(firsts.get(fid, imp), imp)
    gen, imp, imp_fvc, total = [], [], [], 0.0
    n = len(ids)
    for a in range(n):
        for b in range(a + 1, n):
            start = time.perf_counter()
            s = compare(a, b)
            total += time.perf_counter() - start
            if keep is not None:
                keep.append((a, b, s))
            if ids[a][0] == ids[b][0]:
                gen.append(s)
            else:
                imp.append(s)
                if ids[a][1] == firsts[ids[a][0]] and ids[b][1] == firsts[ids[b][0]]:
                    imp_fvc.append(s)
    return gen, imp, imp_fvc, total


def write_scores(path, ids, kept):
    """Writes the score file `fvc-compare` reads (biometrics::eval::paired): one line
    `N_M N_M score` per compared pair, the score in shortest round-trip form."""
    with open(path, "w") as out:
        for a, b, s in kept:
            (fa, ia), (fb, ib) = ids[a], ids[b]
            out.write(f"{fa}_{ia} {fb}_{ib} {float(s)!r}\n")


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


def report(gen, imp, imp_fvc, compare_seconds, extract_ms):
    """The JSON fields `fvc-eval` prints, for one engine on one set."""
    return {
        "genuine": len(gen),
        "impostor": len(imp),
        "impostor_fvc": len(imp_fvc),
        "eer": round(eer(gen, imp), 5),
        "fmr100": round(fnmr_at_fmr(gen, imp, 0.01), 5),
        "fmr1000": round(fnmr_at_fmr(gen, imp, 0.001), 5),
        "zero_fmr": round(fnmr_at_fmr(gen, imp, 0.0), 5),
        "eer_fvc": round(eer(gen, imp_fvc), 5),
        "extract_ms_median": round(statistics.median(extract_ms), 2),
        "compare_us_mean": round(compare_seconds * 1e6 / max(len(gen) + len(imp), 1), 2),
    }
