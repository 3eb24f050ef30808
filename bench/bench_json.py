"""What the streamed JSON table scan costs: time and peak memory on a JSON table far over 16 MB.

    python bench/bench_json.py                 # a 200 MB array of objects
    python bench/bench_json.py --mb 50 --shape arrays

Writes the table (keyed records under a wrapping object, as data.gov.tw's API answers, or an array
of arrays) into a temporary directory, then runs `scan_json` on it in a fresh Python subprocess
and reports wall time and that process's peak RSS (`resource.getrusage(RUSAGE_SELF).ru_maxrss`,
read in the child just before it exits), plus ijson's backend. For scale, the same figure for a
Python interpreter that only imported odaudit's table code is printed as the baseline.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = """
import resource, sys, time
from datetime import UTC, datetime
from pathlib import Path
from odaudit.inspect.tables import scan_json
from odaudit.inspect.tables.jsonstream import BACKEND
if sys.argv[1] != "-":
    t = time.perf_counter()
    scan = scan_json(Path(sys.argv[1]), truncated=False, row_limit=None, ref=datetime(2026, 1, 1, tzinfo=UTC))
    took = time.perf_counter() - t
    print(f"{scan.kind} rows={scan.rows} fields={scan.fields} errors={scan.errors} in {took:.1f} s")
print(f"backend={BACKEND} peak_rss_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
"""


def write_table(path: Path, mb: int, shape: str) -> int:
    """Write about `mb` MB; one record in 997 has a text in the integer column (type-error)."""
    target = mb * 2**20
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"success": true, "result": {"records": [' if shape == "objects" else '[["id","count","name","date"],')
        size, i = 0, 0
        while size < target:
            count = "n/a" if i % 997 == 5 else i * 7
            rec: object = ({"id": i, "count": count, "name": f"臺北市第{i % 500}區公所", "date": f"2025-12-{i % 28 + 1:02d}"}
                           if shape == "objects" else [i, count, f"臺北市第{i % 500}區公所", f"2025-12-{i % 28 + 1:02d}"])
            line = ("," if i else "") + json.dumps(rec, ensure_ascii=False)
            fh.write(line)
            size += len(line.encode("utf-8"))
            i += 1
        fh.write("]}}" if shape == "objects" else "]")
    return i


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--shape", choices=("objects", "arrays"), default="objects")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.json"
        t = time.perf_counter()
        n = write_table(path, args.mb, args.shape)
        print(f"wrote {path.stat().st_size / 2**20:.0f} MB, {n} records ({args.shape}) in {time.perf_counter() - t:.1f} s")
        for arg, what in (("-", "baseline (imports only)"), (str(path), "scan_json")):
            t = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", CHILD, arg], cwd=REPO, capture_output=True, text=True, check=True)
            print(f"{what}: {out.stdout.strip()} (process {time.perf_counter() - t:.1f} s)".replace("\n", "; "))


if __name__ == "__main__":
    main()
