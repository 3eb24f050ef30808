"""CKAN benchmark: a 5,000-package fake CKAN portal with 100 ms latency, enumerated and crawled.

The action API (status_show, package_search pages of 1,000) runs on 127.0.0.1; each package has one
small CSV, spread over four file hosts 127.0.0.2..127.0.0.5. Every server adds `--latency` to each
request and records the most requests it had in flight at once, so the per-host limit is measured,
not assumed. Packages are copies of a real demo.ckan.org package (tests/fixtures/ckan).

    python bench/bench_ckan.py [--packages 5000] [--latency 0.1] [--per-host 4]

Target (issue 13): the whole portal enumerated and crawled (metadata + resources, checks included)
with no host ever above --per-host.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from ckan_portal import FakeCkan, package_from, real_packages  # noqa: E402


def build(portal: FakeCkan, n: int) -> None:
    template = real_packages()["2016-regione-asia-est-oceania-classi-di-eta"]
    hosts = portal.file_hosts
    for i in range(n):
        url = hosts[i % len(hosts)].serve(f"/files/{i}.csv", f"id,value\n{i},{i * 2}\n".encode(), content_type="text/csv")
        portal.add(package_from(template, f"pkg-{i:05d}", f"package {i}", [{"url": url, "format": "CSV"}]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--packages", type=int, default=5000)
    ap.add_argument("--latency", type=float, default=0.1)
    ap.add_argument("--per-host", type=int, default=4)
    args = ap.parse_args()
    with FakeCkan(latency=args.latency, file_hosts=4) as portal:
        build(portal, args.packages)
        out = Path(tempfile.mkdtemp()) / "snap"
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "odaudit", "crawl", "--portal", portal.base_url, "--all", "--out", str(out),
                            "--per-host", str(args.per_host), "--quiet"], capture_output=True, text=True)
        took = time.perf_counter() - t0
        if p.returncode != 0:
            raise SystemExit(f"crawl failed ({p.returncode}): {p.stderr}")
        m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        shutil.rmtree(out.parent, ignore_errors=True)
        print(f"{args.packages} packages, latency {args.latency * 1000:.0f} ms, --per-host {args.per_host}: {took:.1f} s wall")
        print(f"enumeration: {m['enumeration']}")
        print(f"datasets {m['counts']['datasets']}, resources {m['counts']['resources']}, findings {m['counts']['findings']}")
        for h in portal.hosts:
            print(f"  {h.name:7} {h.total_requests:6d} requests, at most {h.max_in_flight} in flight")
        worst = max(h.max_in_flight for h in portal.hosts)
        ok = worst <= args.per_host and m["counts"]["datasets"] == args.packages
        print(("OK" if ok else "FAILED") + f": max in flight per host {worst} (limit {args.per_host})")
        if not ok:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
