"""The columnar CSV path: pyarrow parses the body in 1 MiB blocks, the checks run on whole columns.

Frictionless has already done the detection (dialect, header row, the schema inferred from the first
rows). pyarrow's streaming reader (`open_csv`, one block at a time, one thread) reads every cell as
a string; a row whose width is not the header's goes to `invalid_row_handler` with its record number
(header = row 1, a quoted newline does not start a new row, so the numbers are frictionless's) and is
re-read by the stdlib csv module and checked cell by cell (csvfast._odd_row). On the rows of the
right width, blank rows and type errors are found per column: a vectorised regular expression proves
the common values valid, and frictionless's own cell reader decides every distinct value it does not.

Where pyarrow's reading is not provably the stdlib csv module's, the path gives up (`Unsure`) and the
caller re-reads the body with csvfast.py: a dialect pyarrow has no option for, a row limit, any parse
or decoding error (csvfast.py reports it at its row), an unterminated quote at the end of the body,
and any cell with a CR not followed by LF (pyarrow drops the LF of a quoted CRLF that straddles two
blocks, leaving a lone CR; a genuine lone CR in a cell is rare and re-read too).
"""

from __future__ import annotations

import bisect
import codecs
import csv
import io
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from .cells import _FAST, _CellCheck
from .common import SAMPLE_ROWS, _Collector, _short
from .csvfast import _odd_row
from .datecols import _date_columns, _DateTracker

#: 1 MiB blocks: pyarrow's streaming reader reads up to 32 blocks ahead in the background, so memory
#: is about 32 blocks whatever the file's size; a record must fit in one block (else: csvfast.py)
BLOCK_SIZE = 1 << 20


#: "stdlib" forces csvfast.py (the path before the columnar one), for benchmarks and comparisons
READER_ENV = "ODAUDIT_CSV_READER"


# RE2 (pyarrow's engine) has no look-ahead: a year other than 0000, spelled out
_YEAR = "(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"


def _re2(pattern: str) -> str:
    out = pattern.replace("(?!0000)[0-9]{4}", _YEAR)
    if "(?!" in out or "(?=" in out or "(?<" in out:
        raise ValueError(f"not an RE2 pattern: {pattern}")
    return f"^(?:{out})$"


_LONE_CR = re.compile("\r(?:[^\n]|$)")


_ARROW_FAST = {name: _re2(p.pattern) for name, p in _FAST.items()}


class Unsure(Exception):
    """The columnar reading might differ from the stdlib csv module's: read the body the old way."""


def columnar_ok(res: Any, codec: str, row_limit: int | None) -> bool:
    if os.environ.get(READER_ENV, "") == "stdlib" or row_limit is not None:
        return False
    try:
        codecs.lookup(codec)
    except LookupError:
        return False
    from frictionless.formats.csv import CsvControl

    d = CsvControl.from_dialect(res.dialect).to_python()
    return (d.quotechar == '"' and d.doublequote and d.escapechar is None and not d.skipinitialspace
            and d.quoting == csv.QUOTE_MINIMAL and len(d.delimiter) == 1 and d.delimiter not in '"\r\n')


class _Rows:
    """Record numbers of the rows pyarrow set aside (wrong width), in reading order."""

    def __init__(self, dialect: Any, limit: int) -> None:
        self.dialect = dialect
        self.limit = limit
        self.numbers: list[int] = []
        self.before: list[int] = []  # rows of the right width before each of those records
        self.cells: list[list[str]] = []
        self.last_text = ""
        self.unsure = ""  # why the read was stopped, when the handler was not sure of a row

    def handler(self, row: Any) -> str:
        # pyarrow calls this from C and cannot pass an exception on (it prints "Exception ignored"):
        # a row odaudit is not sure of is remembered and answered "error", which stops the read
        # with ArrowInvalid; the caller then raises Unsure with the reason.
        why = self._unsure_of(row)
        if why:
            self.unsure = self.unsure or why
            return "error"
        return "skip"

    def _unsure_of(self, row: Any) -> str:
        text = row.text
        if row.number is None or row.number < 1 or _LONE_CR.search(text) or len(text) >= self.limit:
            return "row without a number, with a lone CR, or over the field size limit"
        if self.numbers and row.number <= self.numbers[-1]:
            return "rows out of order"
        recs = list(csv.reader(io.StringIO(text, newline=""), self.dialect))
        if len(recs) != 1:
            return "an odd row the csv module reads differently"
        self.before.append(row.number - len(self.numbers) - 1)
        self.numbers.append(row.number)
        self.cells.append(recs[0])
        self.last_text = text
        return ""

    def record_of(self, g: int) -> int:
        """Record number of the g-th (0-based) row of the right width: g + 1 + the odd records before it."""
        return g + 1 + bisect.bisect_right(self.before, g)


def _reader(path: Path, n: int, codec: str, dialect: Any, rows: _Rows) -> Any:
    import pyarrow as pa
    from pyarrow import csv as pacsv

    names = [f"c{i}" for i in range(n)]
    ro = pacsv.ReadOptions(column_names=names, use_threads=False, block_size=BLOCK_SIZE,
                            encoding=codec)  # other codecs: decoded strictly by Python's codec, block by block
    po = pacsv.ParseOptions(delimiter=dialect.delimiter, quote_char='"', double_quote=True, escape_char=False,
                            newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=rows.handler)
    co = pacsv.ConvertOptions(column_types={c: pa.string() for c in names}, strings_can_be_null=False,
                              quoted_strings_can_be_null=False, check_utf8=True)
    return pacsv.open_csv(str(path), read_options=ro, parse_options=po, convert_options=co)


def scan_csv_columnar(path: Path, res: Any, codec: str, *, ref: datetime) -> tuple[int, _Collector, dict[int, _DateTracker]]:
    """(data rows, errors found, date trackers) of the rows after the header; raises Unsure."""
    import pyarrow as pa
    from frictionless.formats.csv import CsvControl

    fields = list(res.schema.fields)
    n = len(fields)
    header_row = res.dialect.header_rows[0]
    dialect = CsvControl.from_dialect(res.dialect).to_python()
    checks = [(i, _CellCheck(f)) for i, f in enumerate(fields) if f.type != "string"]
    sample = [list(r) for r in res.sample[header_row:header_row + SAMPLE_ROWS]]
    trackers = _date_columns(list(res.labels), sample, ref)
    col = _Collector()
    limit = csv.field_size_limit()
    rows = _Rows(dialect, limit)
    seen = 0  # rows of the right width read so far (header included)
    try:
        reader = _reader(path, n, codec, dialect, rows)
        for batch in reader:
            first = max(0, _valid_before(rows, header_row) - seen)  # rows up to the header are not data
            if first < batch.num_rows:
                part = batch.slice(first) if first else batch
                _check_batch(part, seen + first, n, checks, trackers, rows, col, limit)
            seen += batch.num_rows
    except (pa.ArrowException, UnicodeError) as exc:
        raise Unsure(rows.unsure or str(exc)) from exc
    if rows.unsure:  # never reached if pyarrow stops on "error", as it does; kept so a change there cannot hide it
        raise Unsure(rows.unsure)
    if rows.numbers and rows.numbers[-1] == seen + len(rows.numbers) and _ends_in_quotes(rows.last_text, dialect.delimiter):
        # the body ends inside quotes in an odd row: pyarrow drops the final line end the csv module keeps
        raise Unsure("an unterminated quote at the end")
    for number, cells in zip(rows.numbers, rows.cells, strict=True):
        if number > header_row:
            _odd_row(cells, number, n, checks, col)
    total = seen + len(rows.numbers)
    return max(0, total - header_row), col, trackers


def _ends_in_quotes(text: str, delimiter: str) -> bool:
    """Whether a record ends inside a quoted field, by the csv module's rules (doublequote, not strict)."""
    state = 0  # 0 start of field, 1 in an unquoted field, 2 in quotes, 3 a quote in quotes
    for c in text:
        if state == 2:
            state = 3 if c == '"' else 2
        elif c == delimiter:
            state = 0
        elif state == 0:
            state = 2 if c == '"' else 1
        elif state == 3:
            state = 2 if c == '"' else 1
    return state == 2


def _valid_before(rows: _Rows, header_row: int) -> int:
    """Rows of the right width among the records up to the header (known once they are read)."""
    return header_row - bisect.bisect_right(rows.numbers, header_row)


def _check_batch(batch: Any, g0: int, n: int, checks: list[tuple[int, _CellCheck]], trackers: dict[int, _DateTracker],
                 rows: _Rows, col: _Collector, limit: int) -> None:
    """Blank rows and type errors of rows of the header's width; g0 = index of the batch's first such row."""
    import pyarrow.compute as pc

    columns = [batch.column(i) for i in range(n)]
    for arr in columns:
        if limit < BLOCK_SIZE and (pc.max(pc.binary_length(arr)).as_py() or 0) >= limit - 1:
            raise Unsure("a cell near the csv module's field size limit")
        if _lone_cr(arr):
            raise Unsure("a cell with a CR not followed by LF")
    # a blank row has every cell empty: look at the other columns only where the first one is
    candidates = pc.indices_nonzero(pc.equal(pc.binary_length(columns[0]), 0))
    for arr in columns[1:]:
        if not len(candidates):
            break
        candidates = candidates.filter(pc.equal(pc.binary_length(arr.take(candidates)), 0))
    if len(candidates):
        col.counts["blank-row"] += len(candidates)
        for k in candidates.to_pylist():
            row = rows.record_of(g0 + k)
            if not col.wants(row, 0):
                break
            col.example(row, 0, f"blank-row at row {row}", "blank-row")
    for i, chk in checks:
        _type_errors(columns[i], i, chk, g0, rows, col)
    for i, tracker in trackers.items():
        tracker.feed_arrow(columns[i])


def _lone_cr(arr: Any) -> bool:
    """A cell with a CR not followed by LF; the data buffer (a superset of a sliced array's cells) is
    searched first, at memchr speed, since most columns hold no CR at all."""
    import pyarrow.compute as pc

    data = arr.buffers()[2]
    if data is None or b"\r" not in data.to_pybytes():
        return False
    return bool(pc.any(pc.match_substring_regex(arr, _LONE_CR.pattern)).as_py())


def _type_errors(arr: Any, i: int, chk: _CellCheck, g0: int, rows: _Rows, col: _Collector) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    pattern = _ARROW_FAST.get(chk.type) if chk.fast is not None else None
    suspects = arr
    if pattern is not None and chk.type == "integer":
        # 1 to 18 ASCII digits are an integer (the pattern's common case), cheaper than the pattern
        good = pc.and_(pc.ascii_is_decimal(suspects), pc.less_equal(pc.binary_length(suspects), 18))
        if pc.all(good).as_py():
            return
        suspects = suspects.filter(pc.invert(good))
    if pattern is not None:
        good = pc.match_substring_regex(suspects, pattern)
        if pc.all(good).as_py():
            return
        suspects = suspects.filter(pc.invert(good))
    bad = [v for v in pc.unique(suspects).to_pylist() if not chk.ok(v)]
    if not bad:
        return
    hit = pc.is_in(arr, value_set=pa.array(bad, pa.string()))
    col.counts["type-error"] += pc.sum(hit).as_py() or 0
    for k in pc.indices_nonzero(hit).to_pylist():
        row = rows.record_of(g0 + k)
        if not col.wants(row, i + 1):
            break
        v = arr[k].as_py()
        col.example(row, i + 1, f"type-error at row {row} field {i + 1} ({_short(v)!r} is not {chk.note[9:-1]})", "type-error")

