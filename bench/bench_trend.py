"""Benchmark `odaudit trend` on ten whole-catalog-sized snapshots.

    python bench/bench_trend.py                           # 10 snapshots of 50,000 datasets, ~120,000 resources
    python bench/bench_trend.py --snapshots 10 --datasets 5000 --resources 12000 --baseline 0fa0219

Builds (once, cached under bench/out/) a chain of synthetic whole-portal snapshots a month apart,
each the previous one with bench_diff's CHANGES applied (≈ 5 % of the datasets: removed, added,
links broken and fixed, licences, stale, renamed, moved, URLs, resources added), and re-checks
each with today's rules (`crawl --recheck`, so `trend` reuses their findings: the case of a
series that is re-checked once when the rules change, not at every report).

Runs `python -m odaudit trend` over all of them with an empty columnar store (cold) and again
with the store built (warm), with wall time and peak memory of the process tree (RSS and PSS, see
bench_diff.measure; the target is judged on PSS). Today's code has no
`trend`: with `--baseline REF` its nearest equivalent is timed, the consecutive `odaudit diff`s
of the odaudit of commit REF (bench/baseline.py). Targets: under 60 s and 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from bench_diff import base_dataset, build, change, measure, runs  # noqa: E402

TARGET_SECONDS, TARGET_MB = 60, 2048
SEED = 2017


def crawl_time(k: int) -> str:
    return f"{2025 + (k // 12)}-{k % 12 + 1:02d}-15T02:00:00Z"


def make_chain(base: Path, n_snapshots: int, n_datasets: int, n_resources: int) -> list[Path]:
    from odaudit.crawl import recheck

    paths = [base / f"s{k:02d}" for k in range(n_snapshots)]
    if all((p / "manifest.json").exists() for p in paths):
        return paths
    rng = random.Random(SEED)
    per = [1] * n_datasets
    for _ in range(n_resources - n_datasets):
        per[rng.randrange(n_datasets)] += 1
    state = [base_dataset(i, per[i], SEED) for i in range(n_datasets)]
    next_id = n_datasets
    for k, p in enumerate(paths):
        if k:
            state, counts = change(state, rng, next_id, SEED + k)
            next_id += counts["added"]
        if not (p / "manifest.json").exists():
            t0 = time.perf_counter()
            build(p, state, crawl_time(k), SEED)
            recheck(p, workers=os.cpu_count() or 1)
            print(f"built and re-checked {p} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--snapshots", type=int, default=10)
    ap.add_argument("--datasets", type=int, default=50_000)
    ap.add_argument("--resources", type=int, default=120_000)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    ap.add_argument("--baseline", metavar="REF", help="also time the consecutive diffs of the odaudit of this git commit")
    ap.add_argument("--baseline-diffs", type=int, default=None, metavar="N",
                    help="time only the first N of those diffs (the total is then extrapolated, and labelled so)")
    ap.add_argument("--jobs", type=int, default=None, help="--jobs of odaudit trend (this checkout's runs) [default: its default, 1]")
    args = ap.parse_args()

    base = args.out / f"trend-{args.snapshots}-{args.datasets}-{args.resources}"
    paths = make_chain(base, args.snapshots, args.datasets, args.resources)
    results: dict[str, dict] = {}
    for label, runner in runs(args.baseline):
        if label == "baseline":
            total: dict = {"wall_seconds": 0.0, "peak_rss_mb_process_tree": 0.0, "peak_pss_mb_process_tree": 0.0, "exit": 0}
            pairs = range(1, len(paths) if args.baseline_diffs is None else min(len(paths), 1 + args.baseline_diffs))
            for k in pairs:
                res = measure(runner.cmd("diff", str(paths[k - 1]), str(paths[k]), "--out", str(base / f"report-diff-{k}"), "-q"),
                              cwd=runner.root, env=runner.environ())
                total["wall_seconds"] = round(total["wall_seconds"] + res["wall_seconds"], 2)
                for peak in ("peak_rss_mb_process_tree", "peak_pss_mb_process_tree"):
                    total[peak] = max(total[peak], res[peak])
                total["exit"] = max(total["exit"], 0 if res["exit"] in (0, 1) else res["exit"])
            if len(pairs) < len(paths) - 1:
                total["timed_diffs"] = len(pairs)
                total["wall_seconds_extrapolated"] = round(total["wall_seconds"] / len(pairs) * (len(paths) - 1), 1)
            results[f"baseline: {len(paths) - 1} consecutive diffs"] = total
            continue
        out = base / f"report-trend-{label}"
        jobs = ["--jobs", str(args.jobs)] if args.jobs is not None else []
        res = measure(runner.cmd("trend", *map(str, paths), "--out", str(out), "-q", *jobs), cwd=runner.root, env=runner.environ())
        res["within_target"] = res["exit"] == 0 and res["wall_seconds"] < TARGET_SECONDS and res["peak_pss_mb_process_tree"] < TARGET_MB
        if res["exit"] == 0:
            with open(out / "resource_history.csv", encoding="utf-8") as fh:
                res["history_rows"] = sum(1 for _ in fh) - 1
            res["output_bytes"] = {p.name: p.stat().st_size for p in sorted(out.iterdir())}
        results[f"trend {label}"] = res
    manifests = [json.loads((p / "manifest.json").read_text(encoding="utf-8")) for p in paths]
    print(json.dumps({"snapshots": len(paths), "datasets": [m["counts"]["datasets"] for m in manifests],
                      "resources": [m["counts"]["resources"] for m in manifests], "cpus": os.cpu_count(), "jobs": args.jobs or 1,
                      "targets": {"seconds": TARGET_SECONDS, "peak_mb": TARGET_MB}, "runs": results}, ensure_ascii=False, indent=2))
    return 0 if all(r.get("within_target", True) for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
