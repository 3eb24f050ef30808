"""Time what the trend's site adds to `odaudit trend`: trend.md, the CSVs and the chart against the
site (both editions: pages, agency pages, charts), in process, over bench_trend's chain of
synthetic whole-portal snapshots (built once, cached under bench/out/).

    python bench/bench_trend_site.py                                   # 10 × 50,000 datasets
    python bench/bench_trend_site.py --snapshots 4 --datasets 10000 --resources 24000

Prints the seconds of `trend_snapshots` (not the site's: the lead's bench_trend.py times it), of
the files without the site, of the site alone, its page and byte counts, and the peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from bench_trend import make_chain  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--snapshots", type=int, default=10)
    ap.add_argument("--datasets", type=int, default=50_000)
    ap.add_argument("--resources", type=int, default=120_000)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    args = ap.parse_args()
    from odaudit.trend import render, trend_snapshots
    from odaudit.trend.site import write_trend_site

    paths = make_chain(args.out / f"trend-{args.snapshots}-{args.datasets}-{args.resources}", args.snapshots, args.datasets, args.resources)
    t0 = time.perf_counter()
    r = trend_snapshots(paths)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        site = render.write_trend_site
        render.write_trend_site = lambda *a, **k: []  # the files without the site
        try:
            render.write_trend(r, Path(tmp) / "files")
        finally:
            render.write_trend_site = site
        t2 = time.perf_counter()
        written = write_trend_site(r, Path(tmp) / "site", "en", partial(render._site_charts, r))
        t3 = time.perf_counter()
        html = [p for p in written if p.suffix == ".html"]
        print(json.dumps({"snapshots": len(paths), "history_rows": len(r.history), "trend_snapshots_s": round(t1 - t0, 1),
                          "files_without_site_s": round(t2 - t1, 2), "site_s": round(t3 - t2, 2), "site_pages": len(html),
                          "site_charts": sum(1 for p in written if p.suffix == ".svg"),
                          "site_mb": round(sum(p.stat().st_size for p in written) / 2**20, 1),
                          "largest_page_kb": round(max(p.stat().st_size for p in html) / 1024),
                          "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
