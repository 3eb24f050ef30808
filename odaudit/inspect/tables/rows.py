"""The row-by-row path: frictionless's own row stream, for what the fast path does not take."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .common import SAMPLE_ROWS, _Collector
from .datecols import _date_columns, _DateTracker


def _scan_rows(res: Any, *, row_limit: int | None, ref: datetime, col: _Collector) -> tuple[int, bool, dict[int, _DateTracker]]:
    from frictionless import FrictionlessException

    header_row = res.dialect.header_rows[0] if res.dialect.header and res.dialect.header_rows else 0
    sample = [list(r) for r in res.sample[header_row:header_row + SAMPLE_ROWS]]
    trackers = _date_columns(list(res.labels), sample, ref)
    rows = 0
    stopped = False
    stream = res.row_stream
    while True:
        if row_limit is not None and rows >= row_limit:
            stopped = True
            break
        try:
            row = next(stream)
        except StopIteration:
            break
        except FrictionlessException as exc:
            col.add_error(exc.error)
            stopped = True
            break
        rows += 1
        for e in row.errors:
            col.add_error(e)
        cells = row.cells
        for i, tracker in trackers.items():
            if i < len(cells):
                v = cells[i]
                if v is not None and v != "":
                    tracker.consider(v)
    return rows, stopped, trackers
