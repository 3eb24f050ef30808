"""What a table scan finds (TableScan), how errors are collected and described, and what every engine shares."""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

CHUNK_ROWS = 20000


MEMO_MAX = 100_000


MAX_EXAMPLES = 5


SAMPLE_ROWS = 100


#: error types that make a table structurally broken (fail); others (type-error, blank-row) only warn
STRUCTURAL_ERRORS = frozenset({
    "source-error", "scheme-error", "format-error", "encoding-error", "compression-error",
    "blank-header", "blank-label", "duplicate-label", "extra-label", "missing-label", "incorrect-label",
    "unmatched-header", "extra-cell", "missing-cell",
})


@dataclass
class DateStat:
    column: str
    newest: datetime | None = None
    newest_text: str = ""
    future: int = 0
    future_max: datetime | None = None
    future_text: str = ""


@dataclass
class TableScan:
    #: "table" (validated), "document" (well-formed, not a flat table), "invalid" (does not parse)
    kind: str
    format: str
    engine: str = ""
    rows: int | None = None
    labels: tuple[str, ...] = ()
    errors: dict[str, int] = field(default_factory=dict)
    examples: tuple[str, ...] = ()
    #: (error type, row number, field number) of those first errors (0 = not applicable)
    first_errors: tuple[tuple[str, int, int], ...] = ()
    #: every row of the whole body was read
    complete: bool = True
    notes: tuple[str, ...] = ()
    dates: dict[str, DateStat] = field(default_factory=dict)
    member: str = ""
    encoding: str = ""
    #: which CSV reader of the odaudit-csv engine read the rows: "columnar" (pyarrow) or "stdlib" (csv
    #: module); not part of any finding, since both give the same errors
    reader: str = ""

    @property
    def fields(self) -> int:
        return len(self.labels)

    @property
    def error_total(self) -> int:
        return sum(self.errors.values())


class _Collector:
    """Error counts by type plus the first examples in (row, field) order."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.examples: list[tuple[int, int, str, str]] = []

    def wants(self, row: int, fieldno: int) -> bool:
        ex = self.examples
        return len(ex) < MAX_EXAMPLES or (row, fieldno) < ex[-1][:2]

    def example(self, row: int, fieldno: int, text: str, etype: str) -> None:
        ex = self.examples
        ex.append((row, fieldno, text, etype))
        ex.sort(key=lambda e: (e[0], e[1]))
        del ex[MAX_EXAMPLES:]

    def add(self, etype: str, row: int, fieldno: int, text: str) -> None:
        self.counts[etype] += 1
        if self.wants(row, fieldno):
            self.example(row, fieldno, text, etype)

    def add_error(self, err: Any) -> None:
        row = getattr(err, "row_number", None) or 0
        fno = getattr(err, "field_number", None) or 0
        self.counts[err.type] += 1
        if self.wants(row, fno):
            self.example(row, fno, describe_error(err), err.type)

    def merge(self, other: _Collector) -> None:
        self.counts.update(other.counts)
        for row, fno, text, etype in other.examples:
            if self.wants(row, fno):
                self.example(row, fno, text, etype)

    def final_examples(self) -> tuple[str, ...]:
        return tuple(e[2] for e in self.examples)

    def first_errors(self) -> tuple[tuple[str, int, int], ...]:
        return tuple((e[3], e[0], e[1]) for e in self.examples)


def describe_error(err: Any) -> str:
    row = getattr(err, "row_number", None)
    fno = getattr(err, "field_number", None)
    where = []
    if row:
        where.append(f"row {row}")
    if fno:
        where.append(f"field {fno}")
    cell = getattr(err, "cell", None)
    text = f"{err.type}" + (f" at {' '.join(where)}" if where else "")
    if err.type == "type-error" and cell is not None:
        text += f" ({_short(cell)!r} is not {getattr(err, 'note', '').replace('type is ', '')})"
    elif err.type in ("duplicate-label", "blank-label") and fno:
        label = getattr(err, "label", "")
        text += f" ({label!r})" if label else ""
    elif err.type in ("source-error", "encoding-error", "format-error", "scheme-error"):
        text += f": {_short(getattr(err, 'note', '') or err.message, 120)}"
    return text


_TMP_PATH = re.compile(r"\S*odaudit-zip-[^\s/]+/?\S*")


def _short(value: object, n: int = 30) -> str:
    s = _TMP_PATH.sub("<member>", str(value))
    return s if len(s) <= n else s[: n - 1] + "…"


def _open_frictionless(path: Path, fmt: str, codec: str | None):
    import frictionless

    kwargs: dict[str, Any] = {"path": path.name, "basepath": str(path.parent), "format": fmt}
    if codec:
        kwargs["encoding"] = codec
    return frictionless.Resource(**kwargs)


def _header_errors(res: Any, col: _Collector) -> None:
    if not (res.labels or res.fragment):
        col.add("source-error", 0, 0, "source-error: the source is empty")
    for err in res.header.errors:
        col.add_error(err)


def temp_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="odaudit-zip-", dir=os.environ.get("ODAUDIT_TMP") or None)
