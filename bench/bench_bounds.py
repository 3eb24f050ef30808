"""Benchmark: spreadsheet bombs, and the largest normal bodies against the default check limits.

    python bench/bench_bounds.py                  # everything, files in bench/out/ (git-ignored)
    python bench/bench_bounds.py --skip-large     # only the bombs (seconds)

Every measurement runs `run_checks` on a one-resource dataset in its own child process, in-process
(no limits, so what is measured is the check itself); wall time and the child's peak RSS come from
`os.wait4`. Cases:

* the bombs of issue 17 (built as in tests/test_bounds.py): an XLSX whose `<dimension>` says
  A1:XFD1048576 over ten real rows (before: 74 s, 4.4 GB), a 1.5 KB XLSX with one cell at XFD1048576,
  with and without `<dimension>` (before: 20 minutes at 4.4 GB, unfinished), and the 1.4 KB ODS whose
  repeats expand to 115 million cells;
* normal bodies at the edge of what a crawl keeps: a 100 MB CSV (bench_structure's realistic
  columns, `--max-bytes` default), and an XLSX of 2,000,000 cells (the sheet cap) without a
  `<dimension>` (the slowest sheet path: it is measured once before it is read).

Prints a table and writes bench/out/bounds_results.json; compare the normal bodies' times with the
default `--check-timeout` (600 s per resource).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CRAWL = "2026-11-26T15:46:42Z"
CHILD = r"""
import json, sys
sys.path[:0] = [sys.argv[3], sys.argv[4]]
from test_checks_helpers import Portal
from odaudit.checks import run_checks
p = Portal(__import__("pathlib").Path(sys.argv[2]))
p.add(open(sys.argv[1], "rb").read(), fmt=sys.argv[5], content_type="application/octet-stream")
found = {f.check: f for f in run_checks(p.dataset(), p.resources, sys.argv[2], %r) if f.resource}
s = found["structure"]
print(json.dumps({"outcome": s.outcome, "measured": s.measured, "evidence": s.evidence[-160:]}))
""" % CRAWL  # noqa: UP031 (a code template: braces in it are Python's, not format fields)


def bombs(out: Path) -> dict[str, tuple[Path, str]]:
    sys.path.insert(0, str(ROOT / "tests"))
    import test_bounds as tb

    files = {
        "XLSX, <dimension> A1:XFD1048576 over 10 rows": (tb.xlsx(tb.ten_rows(), "A1:XFD1048576"), "XLSX"),
        "XLSX, one cell at XFD1048576": (tb.xlsx(tb.far_cell(), "A1:XFD1048576"), "XLSX"),
        "XLSX, one cell at XFD1048576, no <dimension>": (tb.xlsx(tb.far_cell(), None), "XLSX"),
        "ODS, repeats expanding to 115M cells": (tb.ods_align_bomb(), "ODS"),
    }
    got = {}
    for i, (name, (body, fmt)) in enumerate(files.items()):
        path = out / f"bomb{i}.{fmt.lower()}"
        path.write_bytes(body)
        got[name] = (path, fmt)
    return got


def large(out: Path) -> dict[str, tuple[Path, str]]:
    sys.path.insert(0, str(HERE))
    import bench_structure

    csv_path = out / "bounds_100mb.csv"
    if not csv_path.exists():
        bench_structure.generate(csv_path, size=100 * 10**6)
    xlsx_path = out / "bounds_2m_cells.xlsx"
    if not xlsx_path.exists():
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)  # write-only mode writes no <dimension>
        ws = wb.create_sheet("data")
        ws.append(bench_structure.HEADER[:10])
        for i in range(199_999):
            ws.append([f"站{i % 500:03d}", i, f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", i * 0.5, "正常",
                       "", 120 + i % 7, 22.5, i % 13, "備註" if i % 5 else ""])
        wb.save(xlsx_path)
    return {"CSV, 100 MB": (csv_path, "CSV"), "XLSX, 2,000,000 cells, no <dimension>": (xlsx_path, "XLSX")}


def measure(path: Path, fmt: str, work: Path, timeout: float) -> dict:
    """bench_structure's measurement (own child, os.wait4), under coreutils `timeout`."""
    sys.path.insert(0, str(HERE))
    import bench_structure

    work.mkdir(parents=True, exist_ok=True)
    cmd = ["timeout", str(int(timeout)), sys.executable, "-c", CHILD, str(path), str(work), str(ROOT / "tests"), str(ROOT), fmt]
    m = bench_structure.measure(cmd, ROOT)
    r = {"seconds": round(m["seconds"], 1), "peak_mb": round(m["peak_mib"]), "bytes": path.stat().st_size}
    if m["exit"] == 0:
        r.update(json.loads(m["stdout"]))
    else:
        r["note"] = f"over {timeout:.0f} s" if m["exit"] == 124 else f"exit {m['exit']}"
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--timeout", type=float, default=900, help="give up on one case after this many seconds")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    cases = bombs(args.out)
    if not args.skip_large:
        cases.update(large(args.out))
    results = {}
    for name, (path, fmt) in cases.items():
        results[name] = r = measure(path, fmt, args.out / "bounds_work", args.timeout)
        print(f"{name:<48} {r['bytes']:>12,} B  {r['seconds']:>7} s  peak {r['peak_mb']:>6} MB  "
              f"{r.get('outcome', '')} {r.get('measured', '')} {r.get('note', '')}", flush=True)
    (args.out / "bounds_results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
