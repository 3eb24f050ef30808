"""Benchmark: odaudit's structure check against bare `frictionless validate` and pyarrow's bare parse.

    python bench/bench_structure.py                 # 1,000,000-row CSV and a 1 GB CSV in bench/out/
    python bench/bench_structure.py --gb 0.2        # smaller "large" file
    python bench/bench_structure.py --skip-large    # only the 1,000,000-row file
    python bench/bench_structure.py --repeat 3      # each child process 3 times; the median is shown
    python bench/bench_structure.py --large-repeat 3   # the same on the large file (default: once)
    python bench/bench_structure.py --out /tmp/x    # elsewhere (bench/out/ is git-ignored)

Files are generated once (deterministic: seeded) and reused. Each file holds realistic Taiwanese
open-data columns (ids, Chinese names, dates, ISO timestamps, numbers, empty cells) and a few dozen
planted errors after the first 1,000 rows (extra cells, missing cells, a blank row, type errors), so
both tools must read every row and have errors to agree on; below frictionless' 1,000-error limit.

Every measurement runs in its own child process; wall time and the child's peak RSS come from
`os.wait4` (rusage of that one child). Runs:

* `frictionless validate --json FILE` (the CLI, defaults);
* pyarrow bare parse: `pyarrow.csv.read_csv(FILE)` (defaults: type inference, threads), the parsing limit;
* odaudit structure: encoding detection (strict decoding of the whole file) + the structure scan
  (`odaudit.checks.base.scan_body`, the code `run_checks` uses), with the columnar reader;
* odaudit structure, stdlib reader: the same with ODAUDIT_CSV_READER=stdlib, i.e. the csv-module
  reader that was the CSV path before the columnar one (today's code on main);
* odaudit run_checks: all checks on a one-resource dataset whose body is the file.

Then the per-file overhead on small files: one child process scans a 50 KB CSV (the same columns)
many times in-process (`scan_body`, encoding detection included) and reports the median per call,
for both readers; process start-up is excluded.

Prints a table and writes bench/out/structure_results.json. Error counts by type are compared between
frictionless and odaudit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CRAWL = "2026-11-26T15:46:42Z"

HEADER = ["測站代碼", "測站名稱", "縣市", "觀測時間", "觀測日期", "雨量", "水位", "有效蓄水量", "狀態", "備註", "經度", "緯度"]
COUNTIES = ["臺北市", "新北市", "桃園市", "臺中市", "臺南市", "高雄市", "基隆市", "新竹市", "嘉義市", "宜蘭縣", "花蓮縣", "臺東縣"]
NOTES = ["", "", "", "", "儀器維護", "資料補遺", "颱風期間"]


# -- generation -------------------------------------------------------------------------

def generate(path: Path, *, rows: int | None = None, size: int | None = None, seed: int = 20261126) -> dict:
    """Write the CSV; returns {"rows": data rows, "planted": {type: count}}."""
    rnd = random.Random(seed)
    base = datetime(2020, 1, 1)
    stations = [f"站{n:03d}" for n in range(500)]
    planted: Counter[str] = Counter()
    target_rows = rows if rows is not None else 10**12
    target_size = size if size is not None else 10**15
    every = max(1000, rows // 40) if rows is not None else 200_000
    written = 0
    n = 0
    tmp = path.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(HEADER) + "\n")
        buf: list[str] = []
        while n < target_rows and written < target_size:
            t = base + timedelta(minutes=n % 2_000_000)
            cells = [
                str(100000 + n % 500), stations[n % 500], COUNTIES[n % 12], t.strftime("%Y-%m-%dT%H:%M:%S"),
                t.strftime("%Y-%m-%d"), f"{rnd.random() * 120:.1f}", str(rnd.randint(0, 5000)),
                f"{rnd.random() * 1e5:.3f}", "正常" if n % 9 else "維護", NOTES[n % 7],
                f"{120 + rnd.random() * 2:.6f}", f"{22 + rnd.random() * 3:.6f}",
            ]
            if n > 1000 and n % every == 0:  # a planted error, cycling through kinds
                kind = (n // every) % 4
                if kind == 0:
                    cells.append("多出來的欄位")
                    planted["extra-cell"] += 1
                elif kind == 1:
                    cells = cells[:-1]
                    planted["missing-cell"] += 1
                elif kind == 2:
                    cells[6] = "N/A"
                    planted["type-error"] += 1
                else:
                    buf.append("\n")
                    n += 1
                    planted["blank-row"] += 1
            line = ",".join(cells) + "\n"
            buf.append(line)
            n += 1
            if len(buf) >= 10000:
                chunk = "".join(buf)
                fh.write(chunk)
                written += len(chunk.encode("utf-8"))
                buf.clear()
        if buf:
            fh.write("".join(buf))
    os.replace(tmp, path)
    info = {"rows": n, "planted": dict(sorted(planted.items())), "bytes": path.stat().st_size}
    path.with_suffix(".json").write_text(json.dumps(info))
    return info


def ensure(path: Path, **kw) -> dict:
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return json.loads(meta.read_text())
    print(f"generating {path} …", file=sys.stderr, flush=True)
    t = time.perf_counter()
    info = generate(path, **kw)
    print(f"  {info['rows']:,} rows, {info['bytes'] / 2**20:,.0f} MiB in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return info


# -- measurement ------------------------------------------------------------------------

def measure(cmd: list[str], cwd: Path, repeat: int = 1, env: dict[str, str] | None = None) -> dict:
    """Run cmd as a child `repeat` times: median wall seconds and peak RSS (MiB) of the child, with
    every run's seconds, the exit status and stdout of the last run."""
    runs = [_measure_once(cmd, cwd, env) for _ in range(repeat)]
    last = runs[-1]
    return {**last, "seconds": statistics.median(r["seconds"] for r in runs), "cpu": statistics.median(r["cpu"] for r in runs),
            "peak_mib": statistics.median(r["peak_mib"] for r in runs), "runs": [round(r["seconds"], 3) for r in runs]}


def _measure_once(cmd: list[str], cwd: Path, env: dict[str, str] | None) -> dict:
    with tempfile.TemporaryFile() as out:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, cwd=cwd,
                                env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        stdout = out.read().decode("utf-8", "replace")
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_mib": usage.ru_maxrss / 1024,
            "exit": proc.returncode, "stdout": stdout}


def child_structure(path: str) -> None:
    sys.path.insert(0, str(ROOT))
    from odaudit.checks.base import scan_body
    from odaudit.inspect.charset import detect_encoding
    from odaudit.inspect.dates import parse_crawl_time

    p = Path(path)
    det = detect_encoding(p)
    scan = scan_body(p, "CSV", truncated=False, row_limit=None, ref=parse_crawl_time(CRAWL), encoding=lambda: det)
    print(json.dumps({"rows": scan.rows, "fields": scan.fields, "errors": scan.errors, "engine": scan.engine,
                      "reader": scan.reader, "encoding": det.label}))


def child_arrow(path: str) -> None:
    import pyarrow.csv as pacsv

    # ragged rows are skipped (read_csv stops at the first one otherwise): still a bare parse
    table = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(invalid_row_handler=lambda row: "skip"))
    print(json.dumps({"rows": table.num_rows}))


def child_small(path: str, calls: int) -> None:
    """Median wall and CPU seconds per in-process structure scan of one small file (after a warm-up
    call), and of frictionless's detection alone (opening the resource: dialect, header, schema)."""
    sys.path.insert(0, str(ROOT))
    from odaudit.checks.base import scan_body
    from odaudit.inspect.charset import detect_encoding
    from odaudit.inspect.dates import parse_crawl_time
    from odaudit.inspect.tables.common import _open_frictionless

    p = Path(path)
    ref = parse_crawl_time(CRAWL)

    def scan() -> Any:
        det = detect_encoding(p)
        return scan_body(p, "CSV", truncated=False, row_limit=None, ref=ref, encoding=lambda: det)

    def detect() -> None:
        res = _open_frictionless(p, "csv", "utf-8")
        res.open()
        res.close()

    def timed(fn: Any) -> tuple[float, float]:
        wall, cpu = [], []
        for _ in range(calls):
            t, c = time.perf_counter(), time.process_time()
            fn()
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        return statistics.median(wall), statistics.median(cpu)

    first = scan()
    wall, cpu = timed(scan)
    d_wall, d_cpu = timed(detect)
    print(json.dumps({"median": wall, "cpu": cpu, "detect": d_wall, "detect_cpu": d_cpu, "calls": calls,
                      "rows": first.rows, "reader": first.reader}))


def child_checks(path: str) -> None:
    sys.path.insert(0, str(ROOT))
    from odaudit.checks import run_checks

    src = Path(path)
    # bodies are only read under their content address: bodies/<2 hex>/<sha256>, next to the file
    digest = hashlib.sha256()
    with open(src, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    sha = digest.hexdigest()
    root = src.parent / "store"
    p = root / "bodies" / sha[:2] / sha
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
        os.link(src, p)
    ds = {"key": "tw:0", "kind": "portal", "id": "0", "name": "bench", "category": "", "url": "",
          "fetch": {"status": "ok", "sources": ["export"], "error": ""}, "raw": {},
          "meta": {"title": "bench", "description": "benchmark dataset for the structure check",
                   "frequency": "每1日", "licence": "政府資料開放授權條款-第1版", "cost": "免費", "badge": "金",
                   "fields": HEADER[:4], "fields_text": "", "modified": "2026-11-01T00:00:00"},
          "parse_issues": [], "resources": ["tw:0#0"]}
    res = {"key": "tw:0#0", "dataset_key": "tw:0", "index": 0,
           "declared": {"format": "CSV", "encoding": "UTF-8", "rows": "", "description": "", "modified": ""},
           "url": "https://example/bench.csv", "request_url": "", "final_url": "", "redirects": [], "status": 200,
           "content_type": "text/csv", "content_length": "", "content_encoding": "", "content_disposition": "",
           "last_modified": "", "etag": "", "bytes": p.stat().st_size, "truncated": False, "sha256": sha,
           "body": f"bodies/{sha[:2]}/{sha}", "elapsed_ms": 0, "attempts": 1, "not_modified": False, "error": None}
    findings = run_checks(ds, [res], str(root), CRAWL)
    print(json.dumps({f.check: [f.outcome, f.measured] for f in findings}, ensure_ascii=False))


def frictionless_counts(stdout: str) -> tuple[int | None, dict[str, int]]:
    try:
        report = json.loads(stdout)
    except ValueError:
        return None, {}
    task = report["tasks"][0]
    counts = Counter(e["type"] for e in task.get("errors", []))
    return task.get("stats", {}).get("rows"), dict(sorted(counts.items()))


def run(files: list[tuple[str, Path, dict, int]], out: Path, checks: bool = True) -> list[dict]:
    fl = shutil.which("frictionless")
    if fl is None:
        raise SystemExit("the frictionless CLI is not on PATH")
    me = str(Path(__file__).resolve())
    rows: list[dict] = []
    for label, path, info, repeat in files:
        size_mib = path.stat().st_size / 2**20

        def add(tool: str, m: dict, got: dict, label: str = label, size_mib: float = size_mib, **extra: Any) -> None:
            rows.append({"file": label, "mib": size_mib, "tool": tool, "seconds": m["seconds"], "cpu": m["cpu"], "runs": m["runs"],
                         "peak_mib": m["peak_mib"], "rows": got.get("rows"), "errors": got.get("errors", {}), **extra})
            # each figure as soon as it is measured: a long run cut short still has them
            print(f"  {label}, {tool}: {m['seconds']:.1f} s wall (runs {m['runs']}), {m['cpu']:.1f} s CPU, "
                  f"{m['peak_mib']:.0f} MiB peak RSS, load {os.getloadavg()[0]:.2f}", file=sys.stderr, flush=True)

        print(f"{label}: frictionless validate …", file=sys.stderr, flush=True)
        # a relative path: frictionless refuses absolute paths as "not safe"
        m = measure([fl, "validate", "--json", path.name], path.parent, repeat)
        f_rows, f_errors = frictionless_counts(m["stdout"])
        add("frictionless validate (CLI)", m, {"rows": f_rows, "errors": f_errors},
            planted=info["planted"], generated_rows=info["rows"])
        print(f"{label}: pyarrow read_csv …", file=sys.stderr, flush=True)
        m = measure([sys.executable, me, "--child-arrow", str(path)], out, repeat)
        add("pyarrow read_csv (bare parse)", m, json.loads(m["stdout"]) if m["exit"] == 0 else {})
        for reader, env in (("columnar", {}), ("stdlib", {"ODAUDIT_CSV_READER": "stdlib"})):
            print(f"{label}: odaudit structure, {reader} reader …", file=sys.stderr, flush=True)
            m = measure([sys.executable, me, "--child-structure", str(path)], out, repeat, env)
            got = json.loads(m["stdout"]) if m["exit"] == 0 else {}
            add(f"odaudit structure ({got.get('reader', '?')})", m, got)
        if not checks:
            continue
        print(f"{label}: odaudit run_checks …", file=sys.stderr, flush=True)
        m = measure([sys.executable, me, "--child-checks", str(path)], out, repeat)
        got = json.loads(m["stdout"]) if m["exit"] == 0 else {}
        add("odaudit run_checks (all checks)", m, {"rows": None}, structure=got.get("structure", ["?", "?"]))
    return rows


def small_overhead(out: Path, calls: int) -> list[dict]:
    """Per-call milliseconds of the structure scan of a 50 KB CSV, in-process, for both readers."""
    path = out / "small_50kb.csv"
    ensure(path, rows=430)  # about 50 KB
    me = str(Path(__file__).resolve())
    results = []
    for reader, env in (("columnar", {}), ("stdlib", {"ODAUDIT_CSV_READER": "stdlib"})):
        m = measure([sys.executable, me, "--child-small", str(path), "--calls", str(calls)], out, 1, env)
        got = json.loads(m["stdout"]) if m["exit"] == 0 else {}
        results.append({"reader": got.get("reader", reader), "calls": calls, "rows": got.get("rows"), "bytes": path.stat().st_size,
                        **{f"{k}_ms": got.get(k, float("nan")) * 1000 for k in ("median", "cpu", "detect", "detect_cpu")}})
    return results


def table(rows: list[dict]) -> str:
    lines = [f"{'file':<12} {'MiB':>7} {'tool':<34} {'seconds':>8} {'CPU s':>7} {'peak RSS MiB':>13} {'rows':>11}  errors"]
    lines.append("-" * len(lines[0]) + "-" * 30)
    for r in rows:
        errs = ", ".join(f"{k} {v}" for k, v in r["errors"].items()) if r["errors"] else (r.get("structure", [""])[-1] if r.get("structure") else "0")
        rows_text = f"{r['rows']:,}" if isinstance(r["rows"], int) else ""
        lines.append(f"{r['file']:<12} {r['mib']:>7,.0f} {r['tool']:<34} {r['seconds']:>8.1f} {r['cpu']:>7.1f} {r['peak_mib']:>13.0f} {rows_text:>11}  {errs}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of the first file")
    ap.add_argument("--gb", type=float, default=1.0, help="size of the large file in GB (10^9 bytes)")
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--only-large", action="store_true", help="only the large file (results in structure_results_large.json)")
    ap.add_argument("--skip-checks", action="store_true", help="no run_checks child")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each child process (the median is shown)")
    ap.add_argument("--large-repeat", type=int, default=1, help="runs of each child process on the large file")
    ap.add_argument("--calls", type=int, default=200, help="in-process scans of the 50 KB file per reader")
    ap.add_argument("--child-structure", metavar="FILE", help=argparse.SUPPRESS)
    ap.add_argument("--child-checks", metavar="FILE", help=argparse.SUPPRESS)
    ap.add_argument("--child-arrow", metavar="FILE", help=argparse.SUPPRESS)
    ap.add_argument("--child-small", metavar="FILE", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_structure:
        return child_structure(args.child_structure)
    if args.child_checks:
        return child_checks(args.child_checks)
    if args.child_arrow:
        return child_arrow(args.child_arrow)
    if args.child_small:
        return child_small(args.child_small, args.calls)
    args.out.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    files = []
    small = args.out / f"rows_{args.rows}.csv"
    if not args.only_large:
        files.append((f"{args.rows // 1000}k rows", small, ensure(small, rows=args.rows), args.repeat))
    if not args.skip_large:
        big = args.out / f"size_{args.gb:g}gb.csv"
        files.append((f"{args.gb:g} GB", big, ensure(big, size=int(args.gb * 10**9)), args.large_repeat))
    rows = run(files, args.out, checks=not args.skip_checks)
    overhead = [] if args.only_large else small_overhead(args.out, args.calls)
    load_after = os.getloadavg()
    print(table(rows))
    print(f"seconds: wall, CPU = user + system of the child (rusage); median of {args.repeat} run(s) each "
          f"({args.large_repeat} on the large file); load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          f"(1-minute; {os.cpu_count()} cores)")
    for label, _, info, _ in files:
        mine = [r for r in rows if r["file"] == label]
        f, a, o, old = (next(r for r in mine if r["tool"].startswith(p)) for p in
                        ("frictionless", "pyarrow", "odaudit structure (columnar", "odaudit structure (stdlib"))
        same = f["errors"] == o["errors"] == old["errors"] and f["rows"] == o["rows"] == old["rows"]
        print(f"{label}: {info['rows']:,} data rows generated, planted {info['planted']}; "
              f"frictionless and both odaudit readers agree on rows and errors by type: {'yes' if same else 'NO'}; "
              f"wall (CPU) ratios: frictionless/columnar {f['seconds'] / o['seconds']:.1f}x ({f['cpu'] / o['cpu']:.1f}x), "
              f"frictionless/stdlib {f['seconds'] / old['seconds']:.1f}x ({f['cpu'] / old['cpu']:.1f}x), "
              f"columnar/pyarrow bare parse {o['seconds'] / a['seconds']:.1f}x ({o['cpu'] / a['cpu']:.1f}x); "
              f"columnar peak RSS {o['peak_mib']:.0f} MiB")
    for r in overhead:
        print(f"{r['bytes'] / 1000:.0f} KB CSV ({r['rows']} rows), in-process, median of {r['calls']} calls, {r['reader']} reader: "
              f"{r['median_ms']:.1f} ms wall, {r['cpu_ms']:.1f} ms CPU per file, of which frictionless's detection alone "
              f"{r['detect_ms']:.1f} ms wall, {r['detect_cpu_ms']:.1f} ms CPU")
    (args.out / ("structure_results_large.json" if args.only_large else "structure_results.json")).write_text(json.dumps(
        {"crawl_time": CRAWL, "python": sys.version.split()[0], "load_average": [load_before, load_after],
         "repeat": args.repeat, "large_repeat": args.large_repeat, "results": rows, "small_file": overhead}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
