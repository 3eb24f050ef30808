"""Crawl benchmark: concurrency 1 vs the defaults, against local servers with 100 ms latency.

The portal (export + dataset API) runs on 127.0.0.1; 200 datasets x 2 resources are spread over
four agency hosts 127.0.0.2..127.0.0.5. Every server adds 100 ms to each request and records the
most requests it ever had in flight at once, so the per-host limit is measured, not assumed.

    python bench/bench_crawl.py [--datasets 200] [--latency 0.1]

Target (issue 2): the defaults at least 6x faster than concurrency 1, and no host ever above
its per-host limit (default 4).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from portal import FakePortal  # noqa: E402


def build(portal: FakePortal, n: int) -> Path:
    hosts = portal.agency_hosts
    for i in range(1, n + 1):
        urls = []
        for j in range(2):
            host = hosts[(2 * i + j) % len(hosts)]
            urls.append(host.serve(f"/files/{i}-{j}.csv", f"id,value\n{i},{j}\n".encode(), content_type="text/csv"))
        portal.add_dataset({"資料集識別碼": str(i), "資料集名稱": f"dataset {i}", "檔案格式": "CSV;CSV",
                            "資料下載網址": ";".join(urls), "編碼格式": "UTF-8;UTF-8", "提供機關": f"agency {i % 7}",
                            "授權方式": "政府資料開放授權條款-第1版", "計費方式": "免費", "更新頻率": "每年"})
    cat = Path(tempfile.mkdtemp()) / "bench.yaml"
    lines = ["name: bench", "title: crawl benchmark", "method: synthetic", "categories:", "- id: '1'", "  name: all", "  datasets:"]
    lines += [f"  - {{id: '{i}', name: 'dataset {i}'}}" for i in range(1, n + 1)]
    cat.write_text("\n".join(lines) + "\n")
    return cat


def run(portal: FakePortal, cat: Path, extra: list[str]) -> tuple[float, dict[str, int]]:
    out = Path(tempfile.mkdtemp()) / "snap"
    for h in portal.hosts:
        h.reset_counters()
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "odaudit", "crawl", "--portal", portal.base_url, "--catalog", str(cat),
                        "--out", str(out), "--quiet", *extra], capture_output=True, text=True)
    took = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"crawl failed ({p.returncode}): {p.stderr}")
    peaks = {h.name: h.max_in_flight for h in portal.hosts}
    shutil.rmtree(out.parent, ignore_errors=True)
    return took, peaks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", type=int, default=200)
    ap.add_argument("--latency", type=float, default=0.1)
    args = ap.parse_args()
    with FakePortal(agency_hosts=4, latency=args.latency) as portal:
        cat = build(portal, args.datasets)
        requests = 1 + args.datasets + 2 * args.datasets
        serial, serial_peaks = run(portal, cat, ["--concurrency", "1", "--per-host", "1"])
        default, default_peaks = run(portal, cat, [])
    print(f"crawl benchmark: {args.datasets} datasets x 2 resources, {requests} requests, {args.latency * 1000:.0f} ms latency per request")
    print(f"{'run':<16}{'wall s':>9}{'max in flight per host':>40}")
    print(f"{'concurrency 1':<16}{serial:>9.2f}   {serial_peaks}")
    print(f"{'defaults':<16}{default:>9.2f}   {default_peaks}")
    speedup = serial / default
    ok_speed = speedup >= 6
    ok_limit = max(default_peaks.values()) <= 4 and max(serial_peaks.values()) <= 1
    print(f"speed-up {speedup:.1f}x (target >= 6x): {'OK' if ok_speed else 'MISSED'}; per-host limit held: {'OK' if ok_limit else 'EXCEEDED'}")
    sys.exit(0 if ok_speed and ok_limit else 1)


if __name__ == "__main__":
    main()
