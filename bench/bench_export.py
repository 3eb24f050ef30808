"""Export memory benchmark: the peak memory of a crawl must not grow with the bulk export's size
when the catalog is small (issue 17, item 12).

A bulk export of N rows (22 columns, Chinese text, about 310 bytes a row) is generated at run
time and served by the fake portal on 127.0.0.1; two of its datasets (one near the start, one
near the end) are in the catalog, with their resources on an agency host. For each N:

* catalog crawl: `odaudit crawl --catalog (2 datasets) --check-workers 0` in a subprocess;
* `--all` parse: the export parse step of a whole-portal crawl alone (every row is kept then;
  fetching a million API answers is not the point here), in a subprocess, reading the
  stored body the way that version's crawl does.

The peak RSS of each subprocess is its getrusage(RUSAGE_CHILDREN) maximum, read by a fresh
wrapper process per run (exact, not sampled). With `--before REV`, the same runs are made
with the odaudit package of git revision REV (extracted with `git archive` into a temporary
folder and put first on PYTHONPATH), side by side; each copy is checked to be the one imported.

    python bench/bench_export.py [--rows 100000,1000000] [--before REV]

Target: the catalog crawl's peak at 1,000,000 rows within 10 % (or 20 MB) of its peak at the
smallest N. Measured (2 cores shared with other work, 24 GB, Python 3.11; `--before 3c62db8`,
the commit before streaming; rows of about 346 bytes):

    rows        export   catalog crawl (2 datasets)        --all export parse step
                         before          after              before          after
    100,000      34 MB     479 MB  3.6 s    56 MB  2.3 s      446 MB  2.0 s    71 MB  1.3 s
    1,000,000   346 MB   4,384 MB 48.1 s    56 MB 17.0 s    4,351 MB 31.3 s   592 MB 20.8 s

The catalog crawl is flat (56 MB whatever the export's size). An --all crawl needs every row,
so its parse still grows with the export, by about 0.6 KB a row (the row's text, UTF-8, see
`datagovtw.ExportRow`) instead of 4.3 KB (a dict of 22 cells).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import portal as fake  # noqa: E402
from portal import EXPORT_PATH, FakePortal  # noqa: E402

from odaudit.portals.datagovtw import EXPORT_COLUMNS  # noqa: E402

fake._Server.handle_error = lambda self, request, client_address: None  # type: ignore[method-assign]

#: Runs `argv` and prints the peak RSS (KiB) of it and its descendants.
WRAPPER = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.returncode)")
#: The export parse step of an --all crawl, as the crawl of each version does it: the old one
#: read the whole body into memory first; the new one hands over the open file.
PARSE_ALL = """
import sys
from pathlib import Path
from odaudit.portals import datagovtw
path = Path(sys.argv[1])
with open(path, "rb") as fh:
    data = path.read_bytes() if sys.argv[2] == "bytes" else fh
    parsed = datagovtw.parse_export(data, "export")
print(len(parsed.rows), file=sys.stderr)
"""


def export_rows(n: int, urls: dict[str, str]) -> bytes:
    """The export of `n` datasets, UTF-8 with BOM and CRLF, like the portal's."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(EXPORT_COLUMNS)
    for i in range(1, n + 1):
        ds = str(i)
        w.writerow([ds, f"測試資料集{i}", "原始資料", "公共資訊", "無", "CSV",
                    urls.get(ds, f"https://opendata.example.gov.tw/dataset/{i}/download.csv"), "UTF-8", "原始資料",
                    f"本資料集提供第{i}號統計資料，每日更新。", "年度;數值;說明", f"測試機關{i % 97}", "每1日",
                    "政府資料開放授權條款-第1版", "", "免費", "王小明", "02-1234-5678", "2020-01-01 00:00:00",
                    "2026-01-01 00:00:00", "", "100"])
    return buf.getvalue().encode("utf-8-sig")


def code_tree(rev: str, into: Path) -> Path:
    """The odaudit package of git revision `rev`, extracted into `into`."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "odaudit"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def check_import(tree: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    got = subprocess.run([sys.executable, "-c", "import odaudit; print(odaudit.__file__)"], env=env, capture_output=True,
                         text=True, cwd=tempfile.gettempdir(), check=True).stdout.strip()
    if not Path(got).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"{tree}: the subprocess imported {got} instead")


def peak_mb(argv: list[str], pythonpath: Path) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of `argv` run with `pythonpath` first on the import path."""
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    t0 = time.perf_counter()
    # cwd: `python -c` and `-m` put the current directory first on the path, before PYTHONPATH
    p = subprocess.run([sys.executable, "-c", WRAPPER, *argv], env=env, capture_output=True, text=True,
                       cwd=tempfile.gettempdir())
    took = time.perf_counter() - t0
    fields = p.stdout.split()
    if p.returncode != 0 or len(fields) != 2 or fields[1] != "0":
        raise SystemExit(f"{argv[:4]} failed: {p.stdout} {p.stderr}")
    return int(fields[0]) / 1024, took


def run(rows: int, trees: dict[str, Path], tmp: Path) -> dict[str, tuple[float, float, float, float]]:
    wanted = ("17", str(rows - 17))
    with FakePortal(agency_hosts=1) as portal:
        urls = {ds: portal.hosts[1].serve(f"/{ds}.csv", b"id,value\n1,2\n", content_type="text/csv") for ds in wanted}
        data = export_rows(rows, urls)
        portal.portal.serve(EXPORT_PATH, data, content_type="text/html; charset=UTF-8")
        for ds in wanted:
            portal.add_dataset({"資料集識別碼": ds, "資料集名稱": f"測試資料集{ds}", "檔案格式": "CSV", "資料下載網址": urls[ds]})
        stored = tmp / f"export-{rows}.csv"
        stored.write_bytes(data)
        size_mb = len(data) / 2**20
        del data
        cat = tmp / "cat.yaml"
        cat.write_text("name: bench\ntitle: export benchmark\nmethod: two datasets\ncategories:\n- id: '1'\n  name: one\n"
                       "  datasets:\n" + "".join(f"  - {{name: 'dataset {ds}', id: '{ds}'}}\n" for ds in wanted),
                       encoding="utf-8")
        out: dict[str, tuple[float, float, float, float]] = {}
        for label, tree in trees.items():
            snap = tmp / f"snap-{label}-{rows}"
            crawl_mb, crawl_s = peak_mb([sys.executable, "-m", "odaudit", "crawl", "--portal", portal.base_url, "--catalog",
                                         str(cat), "--out", str(snap), "--check-workers", "0", "--quiet"], tree)
            shutil.rmtree(snap)
            mode = "bytes" if label == "before" else "file"
            parse_mb, parse_s = peak_mb([sys.executable, "-c", PARSE_ALL, str(stored), mode], tree)
            out[label] = (crawl_mb, crawl_s, parse_mb, parse_s)
        stored.unlink()
    print(f"{rows:>10,} {size_mb:>6.0f} MB  " + "  ".join(
        f"{label}: crawl {c:>6,.0f} MB {cs:>5.1f} s, --all parse {p:>6,.0f} MB {ps:>5.1f} s"
        for label, (c, cs, p, ps) in out.items()), flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="100000,1000000", help="export sizes, comma-separated")
    ap.add_argument("--before", default="", help="also measure the odaudit of this git revision")
    args = ap.parse_args()
    sizes = sorted(int(x) for x in args.rows.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="odaudit-export-"))
    try:
        trees = {"after": ROOT}
        if args.before:
            trees = {"before": code_tree(args.before, tmp / "before"), **trees}
        for tree in trees.values():
            check_import(tree)
        print("export memory benchmark: catalog of 2 datasets; peak RSS per subprocess (rows, export size, code)")
        results = {n: run(n, trees, tmp) for n in sizes}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    small, big = results[sizes[0]]["after"][0], results[sizes[-1]]["after"][0]
    flat = big <= max(small * 1.10, small + 20)
    print(f"catalog crawl peak at {sizes[-1]:,} rows {big:.0f} MB vs {small:.0f} MB at {sizes[0]:,}: "
          f"{'flat, OK' if flat else 'GREW'}")
    sys.exit(0 if flat else 1)


if __name__ == "__main__":
    main()
