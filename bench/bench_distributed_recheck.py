"""Benchmark: `crawl --recheck` locally and on a Dask cluster (`--scheduler`), same snapshot, same bytes.

    python bench/bench_distributed_recheck.py               # every dataset of tests/fixtures/portal
    python bench/bench_distributed_recheck.py --workers 2   # Dask workers (one thread each) of the LocalCluster

Crawls the real portal files of tests/fixtures/portal (FakePortal on loopback) into bench/out/, then
times, each as a whole `python -m odaudit crawl --recheck` process on its own copy of the snapshot
(interpreter start and imports included): in-process (--check-workers 0), the local pool
(--check-workers N), and a LocalCluster on 127.0.0.1 with and without check limits (started once,
before the timings; its workers are warmed by one untimed run). Asserts that every run wrote the same
findings file, byte for byte, and prints a table (wall seconds) with the load average, since on a
shared machine the figures move with the load. Nothing here is a target: the cluster is for
archives too big for one machine, and on one machine it can only add overhead.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "tests")]


def recheck(snap: Path, *args: str) -> tuple[float, bytes]:
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "odaudit", "crawl", "--recheck", str(snap), "--quiet", *args],
                       capture_output=True, text=True)
    took = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"{args}: exit {p.returncode}: {p.stderr}")
    rechecks = sorted((snap / "rechecks").rglob("findings.csv"))
    return took, rechecks[-1].read_bytes()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    import dask
    import distributed
    from portal import FakePortal, real_portal_fixture
    from test_crawl_e2e import crawl, write_catalog

    from odaudit.store import Snapshot
    from odaudit.store.snapshot import rewrite_findings

    out = HERE / "out" / "distributed"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    spec = real_portal_fixture()
    with FakePortal.from_spec(spec) as portal:
        crawl(portal, write_catalog(out / "cat.yaml", spec.ids()), out / "snap")
    snap = Snapshot.open(out / "snap")
    rewrite_findings(snap, snap.findings()[1:], {"rules_version": "older-rules"})  # so that each recheck writes a file
    print(f"snapshot: {len(snap.datasets())} datasets, {len(snap.resources())} resources, "
          f"{sum(1 for p in (out / 'snap' / 'bodies').rglob('*') if p.is_file())} bodies")
    runs: list[tuple[str, list[str]]] = [("in-process (--check-workers 0)", ["--check-workers", "0"]),
                                         (f"local pool (--check-workers {args.workers})", ["--check-workers", str(args.workers)])]
    results = []
    with dask.config.set({"distributed.worker.daemon": False}), \
            distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                     dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        shutil.copytree(out / "snap", out / "warm")
        recheck(out / "warm", "--scheduler", address)  # the workers import odaudit's checks once
        runs += [(f"Dask, {args.workers} workers, bounded", ["--scheduler", address]),
                 (f"Dask, {args.workers} workers, --check-workers 0", ["--scheduler", address, "--check-workers", "0"])]
        for i, (name, extra) in enumerate(runs):
            copy = out / f"run{i}"
            shutil.copytree(out / "snap", copy)
            took, data = recheck(copy, *extra)
            results.append((name, took, data))
    first = results[0][2]
    assert all(data == first for _, _, data in results), "the findings differ between runs"
    rows = first.count(b"\n") - 1
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; findings identical ({rows} rows)")
    for name, took, _ in results:
        print(f"  {name:<40} {took:6.1f} s")


if __name__ == "__main__":
    main()
