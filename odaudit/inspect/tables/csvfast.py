"""The CSV fast path: the stdlib csv reader over the whole file, with frictionless's error semantics.

Its parity with frictionless is tested in tests/test_checks_structure.py."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import datetime
from pathlib import Path
from typing import Any

from .cells import _CellCheck
from .common import CHUNK_ROWS, SAMPLE_ROWS, _Collector, _short
from .datecols import _date_columns, _DateTracker


def _last_newline(path: Path) -> int:
    """Size up to and including the last newline (for truncated bodies)."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        pos = size
        while pos > 0:
            start = max(0, pos - 65536)
            fh.seek(start)
            block = fh.read(pos - start)
            i = block.rfind(b"\n")
            if i >= 0:
                return start + i + 1
            pos = start
    return 0


def _fast_ok(res: Any) -> bool:
    d = res.dialect
    s = res.schema
    if not d.header or len(d.header_rows) != 1 or d.comment_char or d.comment_rows or d.skip_blank_rows:
        return False
    if not res.labels or s.primary_key or s.foreign_keys or list(s.missing_values) != [""]:
        return False
    for f in s.fields:
        if f.constraints or f.has_defined("missing_values"):
            return False
    return True


def _scan_csv_fast(path: Path, res: Any, codec: str, *, row_limit: int | None, ref: datetime, col: _Collector) -> tuple[int, bool, dict[int, _DateTracker]]:
    from frictionless.formats.csv import CsvControl

    fields = list(res.schema.fields)
    n = len(fields)
    header_row = res.dialect.header_rows[0]
    dialect = CsvControl.from_dialect(res.dialect).to_python()
    checks = [(i, _CellCheck(f)) for i, f in enumerate(fields) if f.type != "string"]
    sample = [list(r) for r in res.sample[header_row:header_row + SAMPLE_ROWS]]
    trackers = _date_columns(list(res.labels), sample, ref)

    raw = io.FileIO(path, "r")
    rows = 0
    stopped = False
    with io.TextIOWrapper(io.BufferedReader(raw, 1 << 20), encoding=codec, newline="") as text:
        reader = csv.reader(text, dialect)
        try:
            for _ in range(header_row):
                next(reader)
        except StopIteration:
            return 0, False, trackers
        row_no = header_row  # number of the last record read
        while True:
            want = CHUNK_ROWS
            if row_limit is not None:
                want = min(want, row_limit - rows)
                if want <= 0:
                    stopped = True
                    break
            try:
                chunk = list(itertools.islice(reader, want))
            except csv.Error as exc:
                col.add("source-error", row_no + 1, 0, f"source-error at row {row_no + 1}: {exc}")
                stopped = True
                break
            except UnicodeDecodeError as exc:
                col.add("encoding-error", row_no + 1, 0, f"encoding-error near row {row_no + 1}: {exc.reason}")
                stopped = True
                break
            if not chunk:
                break
            base = row_no + 1
            rows += len(chunk)
            row_no += len(chunk)
            _check_chunk(chunk, base, n, checks, trackers, col)
    return rows, stopped, trackers


def _check_chunk(chunk: list[list[str]], base: int, n: int, checks: list[tuple[int, _CellCheck]],
                 trackers: dict[int, _DateTracker], col: _Collector) -> None:
    lens = list(map(len, chunk))
    regular = lens.count(n) == len(lens) and all(map(any, chunk))
    if regular:
        normal = chunk
        index: list[int] | None = None
    else:
        normal, index = [], []
        for k, cells in enumerate(chunk):
            if len(cells) == n and any(cells):
                normal.append(cells)
                index.append(k)
            else:
                _odd_row(cells, base + k, n, checks, col)
    if not normal:
        return
    columns = list(zip(*normal, strict=True))  # normal rows all have the header's width
    for i, chk in checks:
        values = columns[i]
        bad = chk.bad_values(values)
        if bad:
            hits = [k for k, v in enumerate(values) if v in bad]
            col.counts["type-error"] += len(hits)
            for k in hits:
                row = base + (index[k] if index is not None else k)
                if not col.wants(row, i + 1):
                    break
                col.example(row, i + 1, f"type-error at row {row} field {i + 1} ({_short(values[k])!r} is not {chk.note[9:-1]})", "type-error")
    for i, tracker in trackers.items():
        tracker.feed(columns[i])


def _odd_row(cells: list[str], row: int, n: int, checks: list[tuple[int, _CellCheck]], col: _Collector) -> None:
    """A short, long or blank row: frictionless's Row semantics, cell by cell."""
    typed = dict(checks)
    blank = 0
    errs: list[tuple[str, int, str]] = []
    for i in range(n):
        v = cells[i] if i < len(cells) else None
        if v is None or v == "":
            blank += 1
            continue
        chk = typed.get(i)
        if chk is not None and not chk.ok(v):
            errs.append(("type-error", i + 1, f"type-error at row {row} field {i + 1} ({_short(v)!r} is not {chk.note[9:-1]})"))
    if len(cells) > n:
        for j in range(n, len(cells)):
            errs.append(("extra-cell", j + 1, f"extra-cell at row {row} field {j + 1} ({_short(cells[j])!r})"))
    elif len(cells) < n:
        for j in range(len(cells), n):
            errs.append(("missing-cell", j + 1, f"missing-cell at row {row} field {j + 1}"))
    if blank == n:
        errs = [("blank-row", 0, f"blank-row at row {row}")]
    for etype, fno, text in errs:
        col.add(etype, row, fno, text)
