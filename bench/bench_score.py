"""Benchmark `odaudit score` on a whole-catalog-sized snapshot.

    python bench/bench_score.py                      # 50,000 datasets, 120,000 resources
    python bench/bench_score.py --datasets 5000 --resources 12000
    python bench/bench_score.py --no-site            # without the site (a page per dataset)

Builds (once, cached under bench/out/) a synthetic whole-portal snapshot with tests/snapfactory.py,
with seeded random outcomes for every check, then runs `python -m odaudit score` on it in a
subprocess and reports wall time and peak memory (RSS and PSS of the process tree, see
bench_diff.measure; the target is judged on PSS): with an empty columnar store (cold), again with the
store built (warm), and with `--baseline REF` first the odaudit of commit REF (bench/baseline.py).
Targets: < 5 s, < 2 GB.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

import snapfactory as sf  # noqa: E402

RES_CHECKS = ("link", "downloadable", "format", "encoding", "structure", "fields", "machine_readable", "stars")
DS_CHECKS = ("licence", "free", "freshness", "metadata", "badge", "consistency")
FORMATS = ("CSV", "CSV", "CSV", "JSON", "XML", "XML", "PDF", "XLS", "ZIP", "WEBSERVICES", "ODS", "KML")
FREQUENCIES = ("每1日", "每1月", "每1年", "不定期", "每1季", "即時", "不更新", "")
BADGES = ("白金", "金", "金", "銀", "銅", "無", "")
TARGET_SECONDS, TARGET_MB = 5, 2048


def outcome(rng: random.Random, p_fail: float) -> str:
    x = rng.random()
    return "fail" if x < p_fail else ("skip" if x < p_fail + 0.03 else ("warn" if x < p_fail + 0.08 else "pass"))


def build(root: Path, n_datasets: int, n_resources: int, seed: int = 2017) -> Path:
    rng = random.Random(seed)
    per = [1] * n_datasets
    for _ in range(n_resources - n_datasets):
        per[rng.randrange(n_datasets)] += 1
    datasets = []
    for i in range(n_datasets):
        resources = []
        for _ in range(per[i]):
            fmt = rng.choice(FORMATS)
            checks = {c: outcome(rng, 0.45 if fmt in ("PDF", "ZIP") and c in ("format", "structure") else 0.12) for c in RES_CHECKS}
            checks["stars"] = ("pass", str(rng.choice((1, 2, 3, 3, 3, 4))), "openness stars from the detected format")
            checks["link"] = (checks["link"], "200" if checks["link"] != "fail" else "404", "HTTP status of the final URL")
            resources.append(sf.resource(fmt, checks=checks))
        checks = {c: outcome(rng, 0.15) for c in DS_CHECKS}
        checks["freshness"] = (checks["freshness"], f"{rng.randrange(0, 900)} days", "age of the newest data vs the declared frequency")
        datasets.append(sf.dataset(
            f"資料集 {i:05d}", id=10000 + i, category="", agency=f"機關{rng.randrange(600):03d}", resources=resources, checks=checks,
            frequency=rng.choice(FREQUENCIES), badge=rng.choice(BADGES), published=f"{rng.randrange(2012, 2026)}-0{rng.randrange(1, 10)}-01T00:00:00",
        ))
    catalog = {"name": "all", "title": "data.gov.tw (whole portal, synthetic)", "portal": sf.PORTAL,
               "method": "Every dataset listed on the portal (synthetic benchmark data).",
               "categories": [{"id": "all", "name": "whole portal", "datasets": []}]}
    return sf.build_snapshot(root, datasets, catalog=catalog, catalog_name="all")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", type=int, default=50_000)
    ap.add_argument("--resources", type=int, default=120_000)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the snapshot even if cached")
    ap.add_argument("--lang", default="en")
    ap.add_argument("--baseline", metavar="REF", help="also run the odaudit of this git commit (git archive), side by side")
    ap.add_argument("--no-site", action="store_true", help="score with --no-site: the tables, report and charts without the "
                    "site (a whole portal's site is a page per dataset, 100,000 pages at 50,000 datasets)")
    args = ap.parse_args()

    snap = args.out / f"snapshot-{args.datasets}-{args.resources}"
    if args.rebuild or not (snap / "manifest.json").exists():
        t0 = time.perf_counter()
        build(snap, args.datasets, args.resources)
        print(f"built {snap} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    manifest = json.loads((snap / "manifest.json").read_text(encoding="utf-8"))
    from bench_diff import measure, runs

    results = {}
    for label, runner in runs(args.baseline):
        report = args.out / f"report-{args.datasets}-{args.resources}-{label}"
        cmd = runner.cmd("score", str(snap), "--rubric", "ocf-2017", "--out", str(report), "--lang", args.lang, "-q",
                         *(["--no-site"] if args.no_site else []))
        res = measure(cmd, cwd=runner.root, env=runner.environ())
        res["within_targets"] = res["exit"] == 0 and res["wall_seconds"] < TARGET_SECONDS and res["peak_pss_mb_process_tree"] < TARGET_MB
        if res["exit"] == 0:
            res["output_bytes"] = {p.name: p.stat().st_size for p in sorted(report.iterdir())}
        results[label] = res
    # the same snapshot and rubric: every output file (but the manifest, which names the run) the same bytes
    done = [args.out / f"report-{args.datasets}-{args.resources}-{label}" for label in results if results[label]["exit"] == 0]
    names = sorted(p.name for p in done[0].iterdir() if p.is_file() and p.name != "manifest.json") if done else []
    differing = sorted({n for r in done[1:] for n in sum(filecmp.cmpfiles(done[0], r, names, shallow=False)[1:], [])})  # mismatched, unreadable
    print(json.dumps({
        "compared_files": len(names), "files_differing_between_runs": differing,
        "datasets": manifest["counts"]["datasets"], "resources": manifest["counts"]["resources"],
        "findings": manifest["counts"]["findings"], "site": not args.no_site, "targets": {"seconds": TARGET_SECONDS, "peak_mb": TARGET_MB}, "runs": results,
    }, ensure_ascii=False, indent=2))
    return 0 if all(r["within_targets"] for k, r in results.items() if k != "baseline") else 1


if __name__ == "__main__":
    sys.exit(main())
