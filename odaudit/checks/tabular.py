"""Reading tabular bodies once: frictionless semantics, bounded memory, and a fast CSV path.

`scan_table(path, fmt, codec, ...)` returns a `TableScan`: labels, row and field counts, error counts by
frictionless error type (baseline check: blank-label, duplicate-label, blank-row, extra-cell,
missing-cell, type-error, source-error, encoding-error, …), the first few errors, and the newest date
found in date-like columns (for the freshness check).

Engines
-------
* **CSV/TSV, fast path** (`odaudit-csv`): frictionless opens the file and does all the detection it
  always does (dialect via csv.Sniffer, header row, schema inference on the first 100 rows, header
  errors); then the rows are read with the same `csv` dialect in chunks of 20,000 and checked column by
  column, with frictionless's own cell readers deciding every cell a cheap ASCII pattern cannot prove
  valid (results memoised per distinct value). Error types, counts and row/field numbers are those of
  frictionless `validate` (see tests/test_checks_structure.py, which compares them), but there is no
  error limit: every row is counted and only the first errors are kept.
* **frictionless** (`frictionless`): everything else frictionless reads (XLS, XLSX, ODS, CSV dialects
  the fast path does not cover, e.g. schemas with constraints): its row stream, counting
  `row.errors` — the same errors `validate` collects — again without an error limit.
* **JSON / XML tables**: a JSON array of flat objects (or of arrays), possibly under one wrapping object
  (`{"result": {"records": [...]}}`), or an XML document whose repeated record elements hold only leaf
  children, is turned into rows (header = keys / child tag names in order of first appearance) and
  validated by frictionless as inline data. Up to 16 MB (parsed in memory: no streaming JSON parser is
  installed); larger XML is only checked for well-formedness, streamed.

Memory is bounded by the chunk size, the memo tables (100,000 values per column) and the kept
examples, not by the file size. `row_limit` stops after that many data rows.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .dates import TAIPEI, parse_cell_date
from .sniff import JSON_PARSE_LIMIT, load_json

CHUNK_ROWS = 20000
MEMO_MAX = 100_000
MAX_EXAMPLES = 5
XML_TABLE_LIMIT = 16 * 1024 * 1024
ZIP_MEMBER_LIMIT = 512 * 1024 * 1024
SAMPLE_ROWS = 100
DATE_SHARE = 0.9
DATE_WORDS = re.compile(r"日期|時間|年月日|更新|date|time|updated|modified", re.IGNORECASE)

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


# -- date columns -------------------------------------------------------------------

_LEX_PATTERNS = [re.compile(p) for p in (r"\d{4}-\d{2}-\d{2}(?:[T ].*)?", r"\d{4}/\d{2}/\d{2}(?: .*)?", r"\d{8}(?:\d{4,6})?")]


class _DateTracker:
    """Newest date (≤ the reference time + 1 day) and future dates in one column."""

    def __init__(self, name: str, sample: list[str], ref: datetime) -> None:
        self.stat = DateStat(name)
        self.limit = ref + timedelta(days=1)
        self.memo: dict[str, datetime | None] = {}
        self.lex: re.Pattern[str] | None = None
        values = [v for v in sample if isinstance(v, str) and v.strip()]
        for pat in _LEX_PATTERNS:
            if values and all(pat.fullmatch(v) for v in values):
                self.lex = pat
                break
        self.key = ""
        if self.lex is not None:
            local = self.limit.astimezone(TAIPEI)
            fmt = {0: "%Y-%m-%d", 1: "%Y/%m/%d", 2: "%Y%m%d"}[_LEX_PATTERNS.index(self.lex)]
            self.key = (local + timedelta(days=1)).strftime(fmt)

    def _parse(self, v: object) -> datetime | None:
        if not isinstance(v, str):
            return parse_cell_date(v)
        got = self.memo.get(v, False)
        if got is False:
            got = parse_cell_date(v)
            if len(self.memo) < MEMO_MAX:
                self.memo[v] = got
        return got  # type: ignore[return-value]

    def consider(self, v: object) -> None:
        dt = self._parse(v)
        if dt is None:
            return
        st = self.stat
        if dt > self.limit:
            st.future += 1
            if st.future_max is None or dt > st.future_max:
                st.future_max, st.future_text = dt, str(v)
        elif st.newest is None or dt > st.newest:
            st.newest, st.newest_text = dt, str(v)

    def feed(self, values: Iterable[object]) -> None:
        if self.lex is None:
            for v in values:
                if v is not None and v != "":
                    self.consider(v)
            return
        key = self.key
        vals = values if isinstance(values, (list, tuple)) else list(values)
        # candidates beyond the limit day (or not date-like at all): few, check each
        for v in [v for v in vals if v >= key]:
            self.consider(v)
        cands = [v for v in vals if v and v < key]
        while cands:
            top = max(cands)  # usually a valid date: one pass at C speed
            if self.stat.newest_text and top <= self.stat.newest_text:
                return
            dt = self._parse(top)
            if dt is not None and dt <= self.limit:
                self.stat.newest, self.stat.newest_text = dt, top
                return
            if dt is not None:  # later on the limit day itself
                for _ in range(cands.count(top)):
                    self.consider(top)
            cands = [v for v in cands if v != top]


def _date_columns(labels: list[str], sample_rows: list[list[Any]], ref: datetime) -> dict[int, _DateTracker]:
    out: dict[int, _DateTracker] = {}
    for i, label in enumerate(labels):
        values = [r[i] for r in sample_rows if i < len(r) and r[i] not in (None, "")]
        values = [v.strip() if isinstance(v, str) else v for v in values]
        if not values:
            continue
        parsed = sum(1 for v in values if parse_cell_date(v) is not None)
        if parsed == 0 or parsed < DATE_SHARE * len(values):
            continue
        # bare 8-digit numbers are dates only under a date-like header
        if all(isinstance(v, str) and v.isdigit() for v in values) and not DATE_WORDS.search(str(label)):
            continue
        out[i] = _DateTracker(str(label) or f"field{i + 1}", [v for v in values if isinstance(v, str)], ref)
    return out


# -- fast type checks ---------------------------------------------------------------

_D = r"(?!0000)[0-9]{4}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
_FAST: dict[str, re.Pattern[str]] = {
    "integer": re.compile(r"(?:-?[0-9]{1,18})?"),
    "number": re.compile(r"(?:-?[0-9]{1,15}(?:\.[0-9]{1,15})?)?"),
    "date": re.compile(rf"(?:{_D})?"),
    "datetime": re.compile(rf"(?:{_D}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{{1,6}})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?)?"),
    "boolean": re.compile(r"(?:true|True|TRUE|false|False|FALSE|1|0)?"),
    "year": re.compile(r"(?:[0-9]{4})?"),
}
_PLAIN_KEYS = {"name", "type", "format", "schema", "custom", "title", "description", "example"}


class _CellCheck:
    """Decides type errors for one column exactly as frictionless's cell reader does."""

    def __init__(self, fld: Any) -> None:
        self.reader = fld.create_cell_reader()
        plain = set(fld.list_defined()) <= _PLAIN_KEYS and fld.format == "default" and not fld.custom
        pat = _FAST.get(fld.type) if plain else None
        self.fast: Callable[[str], Any] | None = pat.fullmatch if pat is not None else None
        self.memo: dict[Any, bool] = {}
        self.note = f"type is \"{fld.type}/{fld.format}\""

    def ok(self, v: Any) -> bool:
        got = self.memo.get(v)
        if got is None:
            _, notes = self.reader(v)
            got = not (notes and "type" in notes)
            if len(self.memo) < MEMO_MAX:
                self.memo[v] = got
        return got

    def bad_values(self, values: tuple[Any, ...]) -> set[Any]:
        fast = self.fast
        if fast is not None and all(map(fast, values)):
            return set()
        bad = set()
        for v in set(values):
            if fast is not None and fast(v):
                continue
            if not self.ok(v):
                bad.add(v)
        return bad


# -- CSV fast path --------------------------------------------------------------------

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


def _open_frictionless(path: Path, fmt: str, codec: str | None):
    import frictionless

    kwargs: dict[str, Any] = {"path": path.name, "basepath": str(path.parent), "format": fmt}
    if codec:
        kwargs["encoding"] = codec
    return frictionless.Resource(**kwargs)


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
    columns = list(zip(*normal))
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


# -- frictionless row loop ----------------------------------------------------------------

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


def _header_errors(res: Any, col: _Collector) -> None:
    if not (res.labels or res.fragment):
        col.add("source-error", 0, 0, "source-error: the source is empty")
    for err in res.header.errors:
        col.add_error(err)


def _finish(kind: str, fmt: str, engine: str, res_labels: list[str], rows: int, col: _Collector, *,
            complete: bool, notes: list[str], trackers: dict[int, _DateTracker], encoding: str) -> TableScan:
    dates = {t.stat.column: t.stat for t in trackers.values() if t.stat.newest or t.stat.future}
    return TableScan(
        kind=kind, format=fmt, engine=engine, rows=rows, labels=tuple(str(x) for x in res_labels),
        errors=dict(sorted(col.counts.items())), examples=col.final_examples(), first_errors=col.first_errors(),
        complete=complete,
        notes=tuple(notes), dates=dates, encoding=encoding,
    )


def scan_delimited(path: Path, fmt: str, codec: str, *, truncated: bool, row_limit: int | None,
                   ref: datetime, force_frictionless: bool = False) -> TableScan:
    """Validate a CSV/TSV body. A truncated body is cut after its last newline (into a temporary
    copy) so the torn last line is not reported as an error."""
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
            rows, stopped, trackers = _scan_csv_fast(path, res, codec, row_limit=row_limit, ref=ref, col=col)
        else:
            engine = "frictionless"
            rows, stopped, trackers = _scan_rows(res, row_limit=row_limit, ref=ref, col=col)
    finally:
        res.close()
    if row_limit is not None and stopped and rows >= row_limit:
        notes.append(f"row limit: only the first {row_limit} rows checked")
    return _finish("table", fmt, engine, labels, rows, col, complete=not stopped,
                   notes=notes, trackers=trackers, encoding=codec)


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
    from .sheets import bounded_sheet

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


# -- JSON -------------------------------------------------------------------------------

_SCALAR = (str, int, float, bool, type(None))


def _find_records(obj: Any, depth: int = 0, path: str = "") -> tuple[str, list[Any]] | None:
    """The list of records: the top-level array, or the largest array of objects/arrays within 3 levels."""
    if isinstance(obj, list):
        return path, obj
    if isinstance(obj, dict) and depth < 3:
        best: tuple[str, list[Any]] | None = None
        for k, v in obj.items():
            if isinstance(v, (list, dict)):
                got = _find_records(v, depth + 1, f"{path}.{k}" if path else str(k))
                if (got and got[1] and all(isinstance(x, (dict, list)) for x in got[1][:50])
                        and (best is None or len(got[1]) > len(best[1]))):
                    best = got
        return best
    return None


def json_table(obj: Any) -> tuple[list[list[Any]], str, str]:
    """(rows with header first, path, why-not) for a JSON document; rows == [] when not a flat table."""
    found = _find_records(obj)
    if found is None:
        return [], "", "no array of records"
    path, records = found
    if not records:
        return [], path, "empty array"
    if all(isinstance(r, dict) for r in records):
        keys: dict[str, None] = {}
        for r in records:
            for k, v in r.items():
                if not isinstance(v, _SCALAR):
                    return [], path, f"nested value under key {k!r} (not a flat table)"
                keys.setdefault(str(k), None)
        labels = list(keys)
        return [labels] + [[r.get(k) for k in labels] for r in records], path, ""
    if all(isinstance(r, list) for r in records):
        for r in records:
            for v in r:
                if not isinstance(v, _SCALAR):
                    return [], path, "nested arrays (not a flat table)"
        return [list(r) for r in records], path, ""
    return [], path, "array of scalars or mixed items (not a table of records)"


def scan_json(path: Path, *, truncated: bool, row_limit: int | None, ref: datetime) -> TableScan:
    size = path.stat().st_size
    if truncated:
        return TableScan(kind="document", format="JSON", complete=False, notes=("body truncated: JSON not parsed",))
    if size > JSON_PARSE_LIMIT:
        return TableScan(kind="document", format="JSON", complete=False,
                         notes=(f"larger than {JSON_PARSE_LIMIT // 2**20} MB: not parsed",))
    try:
        obj = load_json(path)
    except (ValueError, RecursionError) as exc:
        return TableScan(kind="invalid", format="JSON", errors={"format-error": 1},
                         examples=(f"format-error: JSON does not parse: {_short(exc, 120)}",))
    rows, where, why = json_table(obj)
    if not rows:
        return TableScan(kind="document", format="JSON", notes=(f"well-formed JSON; {why}",))
    notes = [f"records at {where!r}"] if where else []
    return scan_inline(rows, "JSON", "json+frictionless", row_limit=row_limit, ref=ref, notes=notes)


# -- XML --------------------------------------------------------------------------------------

def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def xml_table(root: ET.Element) -> tuple[list[list[Any]], str]:
    """Rows (header first) from the most repeated (≥ 2) record element whose children are all leaves."""
    best: tuple[int, int, ET.Element, str] | None = None
    frontier = [(root, 0)]
    while frontier:
        elem, depth = frontier.pop(0)
        groups: dict[str, list[ET.Element]] = {}
        for child in elem:
            groups.setdefault(_local(child.tag), []).append(child)
        for tag, items in groups.items():
            if len(items) < 2 or not all(len(c) > 0 and all(len(g) == 0 for g in c) for c in items[:50]):
                continue
            score = (len(items), -depth)
            if best is None or score > (best[0], best[1]):
                best = (len(items), -depth, elem, tag)
        if depth < 4:
            frontier.extend((c, depth + 1) for c in elem if len(c) > 0)
    if best is None:
        return [], ""
    _, _, parent, tag = best
    records = [c for c in parent if _local(c.tag) == tag]
    keys: dict[str, None] = {}
    for r in records:
        for g in r:
            keys.setdefault(_local(g.tag), None)
    labels = list(keys)
    rows: list[list[Any]] = [labels]
    for r in records:
        vals: dict[str, Any] = {}
        for g in r:
            vals.setdefault(_local(g.tag), (g.text or "").strip())
        rows.append([vals.get(k) for k in labels])
    return rows, tag


def scan_xml(path: Path, fmt: str, *, truncated: bool, row_limit: int | None, ref: datetime) -> TableScan:
    size = path.stat().st_size
    if truncated:
        return TableScan(kind="document", format=fmt, complete=False, notes=("body truncated: XML not parsed",))
    if size > XML_TABLE_LIMIT:
        try:
            for _event, elem in ET.iterparse(str(path), events=("end",)):
                elem.clear()
        except ET.ParseError as exc:
            return TableScan(kind="invalid", format=fmt, errors={"format-error": 1},
                             examples=(f"format-error: XML is not well-formed: {exc}",))
        return TableScan(kind="document", format=fmt, notes=(f"well-formed; larger than {XML_TABLE_LIMIT // 2**20} MB: not read as a table",))
    try:
        root = ET.parse(str(path)).getroot()
    except ET.ParseError as exc:
        return TableScan(kind="invalid", format=fmt, errors={"format-error": 1},
                         examples=(f"format-error: XML is not well-formed: {exc}",))
    if fmt != "XML":
        return TableScan(kind="document", format=fmt, notes=(f"well-formed {fmt}",))
    rows, tag = xml_table(root)
    if not rows or len(rows) < 2:
        return TableScan(kind="document", format=fmt, notes=("well-formed XML; no repeated record elements with leaf fields",))
    return scan_inline(rows, "XML", "xml+frictionless", row_limit=row_limit, ref=ref, notes=[f"records: <{tag}> elements"])


# -- ZIP members -------------------------------------------------------------------------------

def extract_member(path: Path, member: str, dest_dir: str) -> Path | None:
    with zipfile.ZipFile(path) as zf:
        info = next((i for i in zf.infolist() if i.filename == member), None)
        if info is None or info.file_size > ZIP_MEMBER_LIMIT:
            return None
        out = Path(dest_dir) / "member"
        with zf.open(info) as src, open(out, "wb") as dst:
            while True:
                block = src.read(1 << 20)
                if not block:
                    break
                dst.write(block)
    return out


def temp_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="odaudit-zip-", dir=os.environ.get("ODAUDIT_TMP") or None)
