"""findings.jsonld benchmark: time and extra memory of writing N findings as DQV JSON-LD.

A findings frame of N rows (10 resources a dataset, 8 checks a resource, Chinese evidence) is built
in memory, then `write_findings_jsonld` writes it, once timed and once with the peak of Python
allocations traced (tracemalloc), so the figure is what the writer adds on top of the frame the score
command holds anyway.

    python bench/bench_jsonld.py [--rows 100000,1000000]

Target: the writer streams, so its extra memory stays far below the frame's size (it must not
grow by a dict per finding). Measured (2 cores shared with other work, Python 3.11, load about 6):

    rows        write     extra peak   file
    100,000     3.2 s       21 MB      39 MB
    1,000,000  31.4 s       79 MB     389 MB

(the extra peak that grows is the map of resource URLs to IRIs, one entry per resource; the frame
itself is far larger. The first version, one pandas cell and one urllib quote per finding, took
6.2 s per 100,000 rows.)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from odaudit.report.jsonld import write_findings_jsonld  # noqa: E402

CHECKS = ("link", "downloadable", "format", "encoding", "structure", "fields", "machine_readable", "stars")


def frame(rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    n_res = rows // len(CHECKS)
    res = [f"tw:{i // 10}#{i % 10}" for i in range(n_res)]
    ds = [r.split("#")[0] for r in res]
    findings = pd.DataFrame({
        "dataset": [d for d in ds for _ in CHECKS], "resource": [r for r in res for _ in CHECKS],
        "url": [f"https://opendata.example.gov.tw/檔案/{r.replace('#', '_')}.csv" for r in res for _ in CHECKS],
        "check": list(CHECKS) * n_res, "outcome": "pass", "measured": "200", "expected": "",
        "evidence": "HTTP 200，內容為 CSV（UTF-8），欄位與說明相符", "name": "水庫每日營運狀況", "provenance": "",
    })
    keys = sorted(set(ds))
    datasets = pd.DataFrame({"key": keys, "name": "水庫每日營運狀況", "page": [f"https://data.gov.tw/dataset/{k[3:]}" for k in keys]})
    return findings, datasets


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="100000,1000000")
    args = ap.parse_args()
    print(f"{'rows':>10} {'write':>8} {'extra peak':>11} {'file':>8}")
    for rows in (int(x) for x in args.rows.split(",")):
        findings, datasets = frame(rows)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "findings.jsonld"
            t0 = time.perf_counter()
            write_findings_jsonld(SimpleNamespace(datasets=datasets), path, findings)
            took = time.perf_counter() - t0  # timed untraced: tracemalloc slows Python several times
            tracemalloc.start()
            write_findings_jsonld(SimpleNamespace(datasets=datasets), path, findings)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            size = path.stat().st_size
        print(f"{rows:>10,} {took:>7.1f}s {peak / 1e6:>9.0f} MB {size / 1e6:>5.0f} MB")


if __name__ == "__main__":
    main()
