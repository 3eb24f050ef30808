"""What verifying every body costs a recheck.

    python bench/bench_bodies.py                         # 1,000 datasets x 3 CSV resources, ~370 MB of bodies
    python bench/bench_bodies.py --datasets 200 --median-kb 40 --sigma 1.5

Builds (once, cached under bench/out/) a snapshot with tests/snapfactory.py whose resources all
have stored CSV bodies, sizes drawn from a log-normal distribution (median 40 KB, sigma 1.5, capped
at 20 MB: many small files and a few large ones, as on data.gov.tw). Then times, each in a fresh
`python -m odaudit` subprocess:

* `verify`: `Snapshot.body_problems()` alone: every distinct body's lstat, size and sha256 (what
  `crawl --recheck` and `diff` do before checking);
* `recheck`: the whole `odaudit crawl --recheck SNAP` (verification first, then the checks, which
  verify each body again, lazily, right before they read it).

The bodies were just written, so they are in the page cache: the figures are for warm files
(a cold disk adds its read time to both).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import snapfactory as sf  # noqa: E402

OUT = REPO / "bench" / "out"
CAP = 20 * 1024 * 1024
ROW = "{i},臺北市第{i}區,{v},2025-12-{d:02d}\n"


def body(seed: str, size: int) -> bytes:
    rng = random.Random(seed)
    head = f"id,name,value,date\n0,{seed},0,2025-12-01\n"
    rows = "".join(ROW.format(i=i, v=rng.randrange(10_000), d=1 + i % 28) for i in range(1, 200)).encode()
    data = head.encode() + rows * (size // len(rows) + 1)
    cut = data[:size]
    return cut[: cut.rfind(b"\n") + 1] or data[: len(head.encode())]


def build(root: Path, n: int, median_kb: float, sigma: float, seed: int) -> tuple[int, int]:
    """The snapshot (records by snapfactory, bodies written beside them): (bodies, bytes)."""
    rng = random.Random(seed)
    mu = __import__("math").log(median_kb * 1024)
    datasets, files = [], {}
    for i in range(1, n + 1):
        res = []
        for j in range(3):
            data = body(f"{i}-{j}", min(CAP, max(64, int(rng.lognormvariate(mu, sigma)))))
            digest = hashlib.sha256(data).hexdigest()
            files[digest] = data
            res.append(sf.resource("CSV", bytes=len(data), sha256=digest, body=f"bodies/{digest[:2]}/{digest}",
                                   content_type="text/csv", checks=sf.PASS_ALL))
        datasets.append(sf.dataset(f"資料集{i}", id=i, agency=f"機關{i % 20}", resources=res, checks=sf.DATASET_PASS))
    sf.build_snapshot(root, datasets)
    for digest, data in files.items():
        (root / "bodies" / digest[:2]).mkdir(parents=True, exist_ok=True)
        (root / "bodies" / digest[:2] / digest).write_bytes(data)
    return len(files), sum(len(d) for d in files.values())


VERIFY = """
import sys, time
from odaudit.store import Snapshot
snap = Snapshot.open(sys.argv[1])
t0 = time.perf_counter()
problems = snap.body_problems()
print(time.perf_counter() - t0, len(problems))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--datasets", type=int, default=1000)
    ap.add_argument("--median-kb", type=float, default=40)
    ap.add_argument("--sigma", type=float, default=1.5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--check-workers", type=int, default=1)
    args = ap.parse_args()
    root = OUT / f"bodies-{args.datasets}-{args.median_kb:g}-{args.sigma:g}-{args.seed}"
    if not (root / "manifest.json").exists():
        shutil.rmtree(root, ignore_errors=True)
        build(root, args.datasets, args.median_kb, args.sigma, args.seed)
    sizes = [p.stat().st_size for p in (root / "bodies").rglob("*") if p.is_file()]
    total_mb = sum(sizes) / 2**20
    print(f"snapshot {root.relative_to(REPO)}: {len(sizes)} bodies, {total_mb:.0f} MB "
          f"(median {sorted(sizes)[len(sizes) // 2] / 1024:.0f} KB, largest {max(sizes) / 2**20:.1f} MB)")

    p = subprocess.run([sys.executable, "-c", VERIFY, str(root)], capture_output=True, text=True, check=True)
    verify_s, problems = p.stdout.split()
    print(f"verify  {float(verify_s):7.2f} s  ({total_mb / float(verify_s):.0f} MB/s, {problems} problems)")

    work = OUT / "bodies-recheck"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(root, work)
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "odaudit", "crawl", "--recheck", str(work), "--quiet",
                        "--check-workers", str(args.check_workers)], capture_output=True, text=True)
    recheck_s = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"recheck failed ({p.returncode}): {p.stderr}")
    share = 2 * float(verify_s) / recheck_s
    print(f"recheck {recheck_s:7.2f} s  (--check-workers {args.check_workers}); hashing twice "
          f"(up front and lazily in the checks) is about {share:.0%} of it")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
