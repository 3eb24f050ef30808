"""Do checks overlap downloads? Crawl time with checks in-process vs in the process pool.

Issue 3: validation is CPU-bound and downloads are I/O-bound, so checks run in a process pool
while the crawl goes on, and a crawl's wall time should not be the sum of the two. This crawls
the same local portal (latency per request, tables big enough for validation to cost real CPU)
three ways, in one run:

* checks in-process (`--check-workers 0`): downloads and validation take turns;
* checks in a process pool (the default: one worker per core but one, left to the crawl itself);
* checks in a pool with one worker per core;
* checks alone: `odaudit crawl --recheck` on the finished snapshot (validation time only);
* downloads alone (nearly): the same portal and latency serving 1-row tables.

Overlap means: crawl wall time well under "downloads alone + checks alone".

    python bench/bench_crawl_checks.py [--datasets 40] [--rows 60000] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from portal import FakePortal  # noqa: E402


def table(i: int, rows: int) -> bytes:
    lines = ["站名,日期,數值,說明"] + [f"測站{i}-{r % 97},2026-11-{1 + r % 25:02d},{(r * 37) % 1000 / 10},第{r}筆" for r in range(rows)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def crawl(portal: FakePortal, cat: Path, out: Path, extra: list[str]) -> float:
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "odaudit", "crawl", "--portal", portal.base_url, "--catalog", str(cat),
                        "--out", str(out), "--quiet", *extra], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(p.stderr)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", type=int, default=40)
    ap.add_argument("--rows", type=int, default=60000)
    ap.add_argument("--latency", type=float, default=0.05)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="odaudit-bench-"))
    cat = work / "cat.yaml"
    cat.write_text("name: bench\ntitle: b\nmethod: synthetic\ncategories:\n- id: '1'\n  name: all\n  datasets:\n"
                   + "".join(f"  - {{id: '{i}', name: 't{i}'}}\n" for i in range(1, args.datasets + 1)))

    def serve(portal: FakePortal, rows: int) -> None:
        for i in range(1, args.datasets + 1):
            host = portal.agency_hosts[i % 2]
            url = host.serve(f"/t/{i}.csv", table(i, rows), content_type="text/csv")
            portal.add_dataset({"資料集識別碼": str(i), "資料集名稱": f"table {i}", "檔案格式": "CSV", "資料下載網址": url,
                                "編碼格式": "UTF-8", "主要欄位說明": "站名、日期、數值、說明", "更新頻率": "每日"})

    with FakePortal(agency_hosts=2, latency=args.latency) as portal:
        serve(portal, 1)
        downloads_only = crawl(portal, cat, work / "tiny", [])
    with FakePortal(agency_hosts=2, latency=args.latency) as portal:
        serve(portal, args.rows)
        inline = crawl(portal, cat, work / "inline", ["--check-workers", "0"])
        pooled = crawl(portal, cat, work / "pooled", [])
        cores = os.cpu_count() or 1
        all_cores = crawl(portal, cat, work / "allcores", ["--check-workers", str(cores)])
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "odaudit", "crawl", "--recheck", str(work / "inline"), "--check-workers", "0",
                    "--quiet"], check=True)
    checks_only = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in (work / "inline" / "bodies").rglob("*") if f.is_file())
    print(f"{args.datasets} datasets, one {args.rows:,}-row CSV each ({size / 1e6:.0f} MB stored), {args.latency * 1000:.0f} ms latency")
    print(f"{'run':<34}{'wall s':>8}")
    print(f"{'crawl, checks in-process':<34}{inline:>8.2f}")
    print(f"{'crawl, checks in pool (default)':<34}{pooled:>8.2f}")
    print(f"{f'crawl, pool of {cores} (all cores)':<34}{all_cores:>8.2f}")
    print(f"{'checks alone (recheck, 1 process)':<34}{checks_only:>8.2f}")
    print(f"{'downloads alone (1-row tables)':<34}{downloads_only:>8.2f}")
    print(f"sum of the two {checks_only + downloads_only:.2f} s; crawl with pool {pooled:.2f} s "
          f"({(1 - pooled / (checks_only + downloads_only)) * 100:.0f} % less)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
