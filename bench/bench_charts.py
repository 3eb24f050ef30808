"""Time the score report's three charts (write_charts) per language, in process.

    python bench/bench_charts.py [--categories 40] [--rounds 3]

Builds a snapshot with one dataset per category (long English, long Chinese and bilingual
category names, as in tests/test_charts.py), scores it with the bundled ocf-2017 rubric, then
writes the charts `--rounds` times in en and in zh-TW and prints the median seconds per round
and the SVG sizes. A report writes the charts once per language.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import snapfactory as sf

from odaudit.report.charts import write_charts
from odaudit.scoring import load_inputs, score_snapshot

NAMES = ["Judiciary and Judgment of the Supreme Court and the Administrative Courts of Taiwan",
         "中央政府各機關年度預算及決算與財政收支之統計資料彙編暨附屬單位預算", "司法及判決 Judiciary and Judgment", "Environment"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--categories", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        names = {f"{i // 10}.{i % 10}": NAMES[i % len(NAMES)] for i in range(args.categories)}
        datasets = [sf.dataset(f"資料集 {i}", id=str(1000 + i), category=cid, checks=sf.DATASET_PASS,
                               resources=[sf.resource("CSV", checks=sf.PASS_ALL)]) for i, cid in enumerate(names)]
        snap = sf.build_snapshot(Path(tmp) / "snap", datasets, catalog=sf.catalog_dict(datasets, categories=names))
        result = score_snapshot(*load_inputs(str(snap), str(ROOT / "odaudit" / "data" / "rubrics" / "ocf-2017.yaml")))
        for lang in ("en", "zh-TW"):
            out = Path(tmp) / lang
            out.mkdir()
            times = []
            for _ in range(args.rounds):
                t = time.perf_counter()
                paths = write_charts(result, out, lang)
                times.append(time.perf_counter() - t)
            sizes = ", ".join(f"{p.name} {p.stat().st_size / 1024:.0f} KB" for p in paths)
            print(f"{lang}: {statistics.median(times):.2f} s for {len(paths)} charts ({args.categories} categories); {sizes}")


if __name__ == "__main__":
    main()
