"""The bulk export (全部資料集清單): one CSV row per dataset, streamed; only the wanted rows are kept."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from ...csvlimit import allow_big_fields
from .schema import EXPORT_COLUMNS, ID_COLUMN, OPTIONAL_COLUMNS, PortalError


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One dataset's row of the export. It keeps the row's text, UTF-8 encoded, not a dict of
    its cells: a million rows as dicts took 4.3 GB (one str object per cell), as text 0.6 GB;
    `raw` parses the text again."""

    id: str
    #: physical line (1-based) where the row starts in the decoded file
    line: int
    #: the row as it stands in the decoded file (its physical lines: a quoted cell may span several)
    text: bytes = field(repr=False)
    #: (name, index) of the header's distinct columns, one tuple shared by every row
    columns: tuple[tuple[str, int], ...] = field(repr=False)

    @property
    def raw(self) -> dict[str, str]:
        """Every column as received (header name -> cell text), unknown columns included."""
        row = next(csv.reader(io.StringIO(self.text.decode("utf-8", "surrogatepass"), newline="")))
        return {name: row[i] for name, i in self.columns}


@dataclass
class ExportParse:
    rows: dict[str, ExportRow]
    #: file-level issues: missing/unknown columns, broken rows, duplicate ids, decoding
    issues: list[dict]
    #: the header as found (stripped)
    columns: list[str] = field(default_factory=list)
    #: "utf-8-sig", "utf-8", "utf-16", "cp950" or "utf-8 (replaced)"
    encoding: str = "utf-8"
    #: id -> line of rows that could not be parsed but whose id could be read
    broken: dict[str, int] = field(default_factory=dict)
    #: data rows seen (parsed or not), blank lines excluded
    row_count: int = 0


#: Issues listed per export; more are counted in one last issue (a million broken rows
#: must not make a million issues).
MAX_EXPORT_ISSUES = 1000


_READ_SIZE = 1 << 20


def _issue(fld: str, issue: str, detail: str) -> dict:
    return {"field": fld, "issue": issue, "detail": detail}


class _Issues:
    def __init__(self) -> None:
        self.items: list[dict] = []
        self.more = 0

    def add(self, fld: str, issue: str, detail: str) -> None:
        if len(self.items) < MAX_EXPORT_ISSUES:
            self.items.append(_issue(fld, issue, detail))
        else:
            self.more += 1

    def listed(self) -> list[dict]:
        if not self.more:
            return self.items
        return [*self.items, _issue("(file)", "more_issues", f"{self.more} more issues not listed")]


class _RowText:
    """The lines of a text stream, remembering those read since the last `take()`: the text
    of the CSV row just parsed (kept instead of its cells, see ExportRow)."""

    def __init__(self, stream: Iterable[str]) -> None:
        self._it = iter(stream)
        self._lines: list[str] = []

    def __iter__(self) -> _RowText:
        return self

    def __next__(self) -> str:
        line = next(self._it)
        self._lines.append(line)
        return line

    def take(self) -> str:
        text = "".join(self._lines)
        self._lines.clear()
        return text


def parse_export(data: bytes | str | BinaryIO, source: str, *, ids: Collection[str] | None = None) -> ExportParse:
    """Parse the bulk export CSV. Columns are matched by name, so their order does not matter.

    `data` is the export's bytes or a seekable binary file: the file is streamed (read again
    from the start only when its encoding turns out not to be UTF-8), so memory holds the
    kept rows, never the whole export. A row with the wrong number of fields or without an
    id becomes an issue and is skipped; the rest parse. With `ids`, only those datasets' rows
    are kept and checked for duplicate ids (a catalog of 2 datasets costs the same memory
    whatever the export's size); broken rows are reported for the whole file either way.
    Raises PortalError only when the input has no usable header (empty, HTML, another file).
    """
    if isinstance(data, str):  # tolerate text
        data = data.encode("utf-8")
    fh: BinaryIO = io.BytesIO(data) if isinstance(data, bytes | bytearray | memoryview) else data
    if _blank(fh):
        raise PortalError(f"{source}: the export is empty", source=source, kind="empty")
    wanted = set(ids) if ids is not None else None
    fh.seek(0)
    bom = fh.read(3)
    if bom.startswith((b"\xff\xfe", b"\xfe\xff")):
        note = _issue("(file)", "not_utf8", "UTF-16 byte order mark; decoded as UTF-16")
        return _parse_decoded(fh, 0, "utf-16", "replace", source, wanted, "utf-16", note)
    start = 3 if bom == b"\xef\xbb\xbf" else 0
    try:
        return _parse_decoded(fh, start, "utf-8", "strict", source, wanted, "utf-8-sig" if start else "utf-8", None)
    except UnicodeDecodeError:
        where = f"invalid UTF-8 at byte {_utf8_error_at(fh, start)}"
    try:
        note = _issue("(file)", "not_utf8", f"{where}; decoded as cp950 (Big5)")
        return _parse_decoded(fh, start, "cp950", "strict", source, wanted, "cp950", note)
    except UnicodeDecodeError:
        note = _issue("(file)", "not_utf8", f"{where}; not cp950 either; undecodable bytes replaced")
        return _parse_decoded(fh, start, "utf-8", "replace", source, wanted, "utf-8 (replaced)", note)


def _blank(fh: BinaryIO) -> bool:
    fh.seek(0)
    while chunk := fh.read(_READ_SIZE):
        if chunk.strip():
            return False
    return True


def _utf8_error_at(fh: BinaryIO, start: int) -> int:
    """Offset in the file of its first byte that is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    fh.seek(start)
    pos = start
    while True:
        chunk = fh.read(_READ_SIZE)
        pending = len(decoder.getstate()[0])  # bytes of a character cut at the last chunk's end
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            return pos - pending + exc.start
        if not chunk:
            return pos
        pos += len(chunk)


def _parse_decoded(fh: BinaryIO, start: int, encoding: str, errors: str, source: str, wanted: set[str] | None,
                   label: str, note: dict | None) -> ExportParse:
    """Parse the file from byte `start` decoded as `encoding` (UnicodeDecodeError when it is not)."""
    fh.seek(start)
    text = io.TextIOWrapper(fh, encoding=encoding, errors=errors, newline="")  # type: ignore[type-var]
    try:
        parsed = _parse_rows(_RowText(text), source, wanted)
    finally:
        text.detach()  # the caller's file stays open
    parsed.encoding = label
    if note:
        parsed.issues.insert(0, note)
    return parsed


def _read_header(reader: Any, lines: _RowText, source: str) -> tuple[list[str], int, int]:
    """(stripped header, its line, the last line it took): the first row that is not blank."""
    prev_end = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            raise PortalError(f"{source}: the export has no header row", source=source, kind="empty") from None
        except csv.Error as exc:
            raise PortalError(f"{source}:{reader.line_num}: unreadable CSV header ({exc})", source=source,
                              line=reader.line_num, kind="not_export") from None
        header_line, prev_end = prev_end + 1, reader.line_num
        if any(c.strip() for c in row):
            header = [c.strip().lstrip("\ufeff").strip() for c in row]
            break
    if ID_COLUMN not in header:
        start = lines.take()
        for line in lines:  # enough of the text to recognise it in the message
            if len(start) >= 60:
                break
            start += line
        start = start.lstrip("\ufeff")[:60].replace("\n", " ")
        raise PortalError(
            f"{source}:{header_line}: not a data.gov.tw export: no {ID_COLUMN} column (starts {start!r})",
            source=source, line=header_line, kind="not_export",
        )
    lines.take()
    return header, header_line, prev_end


def _header_columns(header: list[str], header_line: int, issues: _Issues) -> tuple[tuple[str, int], ...]:
    """Unique column names -> index (first occurrence wins); missing and unknown columns are issues."""
    cols: list[tuple[str, int]] = []
    seen_cols: set[str] = set()
    for i, name in enumerate(header):
        if name in seen_cols:
            issues.add(name, "duplicate_column", f"line {header_line}: column {name!r} appears twice; the first is used")
            continue
        seen_cols.add(name)
        cols.append((name, i))
    missing = [c for c in EXPORT_COLUMNS if c not in seen_cols
               and not (c == "資資料集上架方式" and {"資料集上架方式", "資料集類型"} & seen_cols)]
    if missing:
        issues.add("(header)", "missing_columns", f"line {header_line}: no column {', '.join(missing)}")
    unknown = [c for c in header if c and c not in EXPORT_COLUMNS and c not in OPTIONAL_COLUMNS]
    if unknown:
        issues.add("(header)", "unknown_columns", f"line {header_line}: extra column {', '.join(unknown)} (kept)")
    return tuple(cols)


def _parse_rows(lines: _RowText, source: str, wanted: set[str] | None) -> ExportParse:
    allow_big_fields()  # 資料集描述 and 備註 can be long
    reader = csv.reader(lines)
    header, header_line, prev_end = _read_header(reader, lines, source)
    issues = _Issues()
    columns = _header_columns(header, header_line, issues)
    ncols = len(header)
    id_index = header.index(ID_COLUMN)
    rows: dict[str, ExportRow] = {}
    broken: dict[str, int] = {}
    count = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            lines.take()
            line = prev_end + 1
            prev_end = max(reader.line_num, prev_end + 1)
            count += 1
            issues.add("(row)", "broken_row", f"line {line}: unreadable CSV ({exc})")
            continue
        row_text = lines.take()
        start, prev_end = prev_end + 1, reader.line_num
        if not row or not any(c.strip() for c in row):
            continue
        count += 1
        if len(row) > ncols and not any(c.strip() for c in row[ncols:]):
            row = row[:ncols]  # trailing empty cells (a trailing comma): harmless
        if len(row) != ncols:
            maybe = row[id_index].strip() if id_index < len(row) else ""
            hint = f" (資料集識別碼 {maybe!r}?)" if maybe else ""
            issues.add("(row)", "broken_row", f"line {start}: {len(row)} fields, expected {ncols}{hint}")
            if maybe and maybe.isdigit() and (wanted is None or maybe in wanted):
                broken.setdefault(maybe, start)
            continue
        ds_id = row[id_index].strip()
        if not ds_id:
            issues.add(ID_COLUMN, "no_id", f"line {start}: row without a 資料集識別碼")
            continue
        kept = wanted is None or ds_id in wanted
        if kept and ds_id in rows:
            issues.add(ID_COLUMN, "duplicate_id",
                       f"line {start}: id {ds_id} already at line {rows[ds_id].line}; the first row is kept")
            continue
        if not ds_id.isdigit():
            issues.add(ID_COLUMN, "bad_id", f"line {start}: id {ds_id!r} is not digits")
        if kept:
            rows[ds_id] = ExportRow(ds_id, start, row_text.encode("utf-8", "surrogatepass"), columns)
    return ExportParse(rows=rows, issues=issues.listed(), columns=header, broken=broken, row_count=count)
