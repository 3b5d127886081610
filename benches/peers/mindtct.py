#!/usr/bin/env python3
"""Side-by-side peer run: NIST mindtct (PyPI nbis-py 0.1.3) on the shared FVC2002 sets.

For every image: mindtct extraction time (single thread, in-process, best of 3 after a warm-up),
minutiae count; then, if OUR_DIR/<set>/ holds our ISO records (written by
`cargo run --release -p biometrics --example extract_set`), whether NBIS loads each of them and
how many minutiae it reads back. Writes a CSV per set and prints a summary.

    /var/cache/rekam/venv-extract/bin/python benches/peers/mindtct.py DATA_DIR OUR_DIR OUT_DIR

Timing only, one folder (used by benches/peers/extract_side_by_side.sh):

    .../python benches/peers/mindtct.py --time SET_DIR PPI [REPEATS]

prints `<set> median_ms=<m> mean_ms=<m> images=<n> minutiae_mean=<m>`, the same line and the
same protocol (warm-up pass, best of REPEATS per image) as our `extract_speed` example.
"""
import csv, os, statistics, sys, time

import nbis

SETS = [("fvc2002-db1b", 500), ("fvc2002-db2b", 569)]


def time_only(folder, ppi, repeats):
    settings = nbis.NbisExtractorSettings(
        min_quality=0.0, get_center=False, check_fingerprint=False, compute_nfiq2=False, ppi=float(ppi)
    )
    ex = nbis.new_nbis_extractor(settings)
    files = sorted(f for f in os.listdir(folder) if f.endswith((".tif", ".bmp", ".png")))
    raws = [open(os.path.join(folder, f), "rb").read() for f in files]
    counts = [len(ex.extract_minutiae(r).get()) for r in raws]  # warm-up pass
    times = []
    for raw in raws:
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            ex.extract_minutiae(raw)
            best = min(best, time.perf_counter() - t0)
        times.append(best * 1000)
    name = os.path.basename(os.path.normpath(folder))
    print(f"{name} median_ms={statistics.median(times):.2f} mean_ms={statistics.mean(times):.2f} "
          f"images={len(times)} minutiae_mean={statistics.mean(counts):.1f}")


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "--time":
        time_only(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 3)
        return
    data, ours, out = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(out, exist_ok=True)
    os.sched_setaffinity(0, {0})  # single core, like our single-threaded bench
    for name, ppi in SETS:
        settings = nbis.NbisExtractorSettings(
            min_quality=0.0, get_center=False, check_fingerprint=False, compute_nfiq2=False, ppi=float(ppi)
        )
        ex = nbis.new_nbis_extractor(settings)
        folder = os.path.join(data, "fingerprints", name)
        files = sorted(f for f in os.listdir(folder) if f.endswith(".tif"))
        rows, times, counts, ours_counts, loaded = [], [], [], [], 0
        ex.extract_minutiae(open(os.path.join(folder, files[0]), "rb").read())  # warm-up
        for f in files:
            raw = open(os.path.join(folder, f), "rb").read()
            best = float("inf")
            for _ in range(3):
                t0 = time.perf_counter()
                m = ex.extract_minutiae(raw)
                best = min(best, time.perf_counter() - t0)
            n = len(m.get())
            times.append(best * 1000)
            counts.append(n)
            row = {"image": f, "mindtct_ms": round(best * 1000, 2), "mindtct_minutiae": n}
            iso_path = os.path.join(ours, name, f.replace(".tif", ".iso"))
            if os.path.exists(iso_path):
                mine = open(iso_path, "rb").read()
                ours_n = mine[27] if len(mine) > 27 else -1  # count byte of view 1
                ours_counts.append(ours_n)
                row["ours_minutiae"] = ours_n
                try:
                    back = ex.load_iso_19794_2_2005(mine)
                    row["nbis_reads_ours"] = len(back.get())
                    loaded += len(back.get()) == ours_n
                except Exception as e:  # noqa: BLE001 - report what the peer says
                    row["nbis_reads_ours"] = f"error: {e}"
            rows.append(row)
        with open(os.path.join(out, f"mindtct_{name}.csv"), "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=sorted({k for r in rows for k in r}))
            w.writeheader()
            w.writerows(rows)
        print(f"{name}: mindtct median {statistics.median(times):.1f} ms/image, "
              f"minutiae median {statistics.median(counts)} (mean {statistics.mean(counts):.1f})")
        if ours_counts:
            print(f"{name}: ours minutiae median {statistics.median(ours_counts)} "
                  f"(mean {statistics.mean(ours_counts):.1f}); NBIS read {loaded}/{len(ours_counts)} of our ISO records with the same count")


if __name__ == "__main__":
    main()
