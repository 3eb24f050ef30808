"""The table scan: a body read as a table by frictionless's rules, with its errors counted and dated columns tracked.

Frictionless does the detection (dialect, header, the schema inferred from the first rows) and decides
every cell the fast paths cannot prove valid; `scan_delimited` takes the CSV fast path when it can
(csvfast.py), the row-by-row path otherwise (rows.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from ..charset import register_codecs
from .columnar import Unsure, columnar_ok, scan_csv_columnar
from .common import TableScan, _Collector, _header_errors, _open_frictionless, temp_dir
from .csvfast import _fast_ok, _last_newline, _scan_csv_fast
from .datecols import _DateTracker
from .rows import _scan_rows


def _finish(kind: str, fmt: str, engine: str, res_labels: list[str], rows: int, col: _Collector, *,
            complete: bool, notes: list[str], trackers: dict[int, _DateTracker], encoding: str,
            reader: str = "") -> TableScan:
    dates = {t.stat.column: t.stat for t in trackers.values() if t.stat.newest or t.stat.future}
    return TableScan(
        kind=kind, format=fmt, engine=engine, rows=rows, labels=tuple(str(x) for x in res_labels),
        errors=dict(sorted(col.counts.items())), examples=col.final_examples(), first_errors=col.first_errors(),
        complete=complete,
        notes=tuple(notes), dates=dates, encoding=encoding, reader=reader,
    )


def scan_delimited(path: Path, fmt: str, codec: str, *, truncated: bool, row_limit: int | None,
                   ref: datetime, force_frictionless: bool = False) -> TableScan:
    """Validate a CSV/TSV body. A truncated body is cut after its last newline (into a temporary
    copy) so the torn last line is not reported as an error."""
    register_codecs()  # `codec` may be odaudit's EUDC codec (charset.py)
    if truncated:
        limit = _last_newline(path)
        with temp_dir() as tmp:
            copy = Path(tmp) / "prefix"
            with open(path, "rb") as src, open(copy, "wb") as dst:
                left = limit
                while left > 0:
                    block = src.read(min(left, 1 << 20))
                    if not block:
                        break
                    dst.write(block)
                    left -= len(block)
            scan = _scan_delimited(copy, fmt, codec, row_limit=row_limit, ref=ref, force_frictionless=force_frictionless)
        scan.complete = False
        scan.notes = (f"body truncated: rows after byte {limit} not seen", *scan.notes)
        return scan
    return _scan_delimited(path, fmt, codec, row_limit=row_limit, ref=ref, force_frictionless=force_frictionless)


def _scan_delimited(path: Path, fmt: str, codec: str, *, row_limit: int | None, ref: datetime,
                    force_frictionless: bool) -> TableScan:
    from frictionless import FrictionlessException

    col = _Collector()
    notes: list[str] = []
    reader = ""
    res = _open_frictionless(path, "tsv" if fmt == "TSV" else "csv", codec)
    try:
        res.open()
    except FrictionlessException as exc:
        col.add_error(exc.error)
        return _finish("invalid", fmt, "frictionless", [], 0, col, complete=False, notes=notes, trackers={}, encoding=codec)
    try:
        labels = list(res.labels)
        _header_errors(res, col)
        if not force_frictionless and _fast_ok(res):
            engine = "odaudit-csv"
            res.close()
            rows, stopped, trackers, reader = _scan_csv(path, res, codec, row_limit=row_limit, ref=ref, col=col)
        else:
            engine = "frictionless"
            rows, stopped, trackers = _scan_rows(res, row_limit=row_limit, ref=ref, col=col)
    finally:
        res.close()
    if row_limit is not None and stopped and rows >= row_limit:
        notes.append(f"row limit: only the first {row_limit} rows checked")
    return _finish("table", fmt, engine, labels, rows, col, complete=not stopped,
                   notes=notes, trackers=trackers, encoding=codec, reader=reader)


def _scan_csv(path: Path, res: Any, codec: str, *, row_limit: int | None, ref: datetime,
              col: _Collector) -> tuple[int, bool, dict[int, _DateTracker], str]:
    """The columnar reader where it is sure to read the rows as the csv module does, csvfast.py otherwise
    (from the start: what the columnar pass found is dropped)."""
    if columnar_ok(res, codec, row_limit):
        try:
            rows, found, trackers = scan_csv_columnar(path, res, codec, ref=ref)
        except Unsure:
            pass
        else:
            col.merge(found)
            return rows, False, trackers, "columnar"
    rows, stopped, trackers = _scan_csv_fast(path, res, codec, row_limit=row_limit, ref=ref, col=col)
    return rows, stopped, trackers, "stdlib"


def _scan_frictionless(res: Any, fmt: str, engine: str, *, row_limit: int | None, ref: datetime,
                       notes: list[str], trailing: tuple[str, ...] = ()) -> TableScan:
    """Open a frictionless resource and scan it row by row (spreadsheets, in-memory tables)."""
    from frictionless import FrictionlessException

    col = _Collector()
    try:
        res.open()
    except FrictionlessException as exc:
        col.add_error(exc.error)
        return _finish("invalid", fmt, engine, [], 0, col, complete=False, notes=notes, trackers={}, encoding="")
    try:
        labels = list(res.labels)
        _header_errors(res, col)
        rows, stopped, trackers = _scan_rows(res, row_limit=row_limit, ref=ref, col=col)
    finally:
        res.close()
    notes = list(notes)
    if stopped and row_limit is not None and rows >= row_limit:
        notes.append(f"row limit: only the first {row_limit} rows checked")
    notes.extend(trailing)
    return _finish("table", fmt, engine, labels, rows, col, complete=not stopped, notes=notes,
                   trackers=trackers, encoding="")


def scan_spreadsheet(path: Path, fmt: str, *, row_limit: int | None, ref: datetime) -> TableScan:
    """The first sheet; XLSX and ODS within their real extent and the caps of sheets.py."""
    from ..sheets import bounded_sheet

    with bounded_sheet() as bounds:
        scan = _scan_frictionless(_open_frictionless(path, fmt.lower(), None), fmt, "frictionless",
                                  row_limit=row_limit, ref=ref, notes=[], trailing=("first sheet",))
    if bounds.note:
        scan.notes = (*scan.notes, bounds.note)
    if bounds.cut:
        scan.complete = False
    return scan


def scan_inline(rows_in: list[list[Any]], fmt: str, engine: str, *, row_limit: int | None, ref: datetime,
                notes: list[str]) -> TableScan:
    import frictionless

    return _scan_frictionless(frictionless.Resource(data=rows_in), fmt, engine, row_limit=row_limit, ref=ref,
                              notes=notes)
