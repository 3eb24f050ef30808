"""data.gov.tw (政府資料開放平臺) adapter: URLs, bulk export, v2 dataset API, legacy records.

Pure functions, no network: the crawler fetches the bytes and hands them over. Parsing is
tolerant: every raw field is kept by the caller, the known ones are normalised here, and
whatever is missing or inconsistent becomes a *parse issue*
(``{"field": ..., "issue": ..., "detail": ...}``) instead of an exception. Only an input
that is unusable as a whole (an export without a 資料集識別碼 column, an API answer that is
not JSON or says ``success: false``) raises :class:`PortalError`, whose message names the
source and, where known, the line.

Interfaces (see docs/snapshot-format.md and the data.gov.tw reference):

* bulk export ``/api/front/dataset/export?format=csv``: one row per dataset, 22 columns,
  UTF-8 with BOM; 檔案格式, 資料下載網址, 編碼格式, 資料量 (and 資料資源更新時間 where present)
  hold one value per resource joined by ``;`` and aligned by position.
* v2 API ``/api/v2/rest/dataset/{id}``: ``{"success": true, "result": {..., "distribution": [...]}}``;
  the resource list is also read as ``distributions``, ``resources`` or ``resource`` with
  CKAN-style keys (``format``, ``url``, …), shapes third-party scripts report (`api_shape`).
* 2017 dataset pages and 2018 scraper records (OpenData-TW/DataPackage-DGTW): converted to
  export rows by :func:`legacy_2017_to_export` and :func:`legacy_2018_to_export`.
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO
from urllib.parse import quote

from .. import nesting
from ..csvlimit import allow_big_fields
from ..errors import ExitCode, OdauditError

NAME = "datagovtw"
DEFAULT_PORTAL = "https://data.gov.tw"

#: The bulk export's columns, in the order the portal writes them. Note the doubled 資 in
#: 資資料集上架方式: that is the real column name.
EXPORT_COLUMNS: tuple[str, ...] = (
    "資料集識別碼",
    "資料集名稱",
    "資料提供屬性",
    "服務分類",
    "品質檢測",
    "檔案格式",
    "資料下載網址",
    "編碼格式",
    "資資料集上架方式",
    "資料集描述",
    "主要欄位說明",
    "提供機關",
    "更新頻率",
    "授權方式",
    "相關網址",
    "計費方式",
    "提供機關聯絡人姓名",
    "提供機關聯絡人電話",
    "上架日期",
    "詮釋資料更新時間",
    "備註",
    "資料量",
)
ID_COLUMN = "資料集識別碼"

#: Per-resource columns (`;`-joined, aligned by position) -> key of a declared resource.
#: 資料資源更新時間 appears in some exports; 資源描述 is carried by converted legacy records.
RESOURCE_COLUMNS: dict[str, str] = {
    "檔案格式": "format",
    "資料下載網址": "url",
    "編碼格式": "encoding",
    "資料量": "rows",
    "資料資源更新時間": "modified",
    "資源描述": "description",
}
#: Columns that may appear beyond the 22 without being "unknown".
OPTIONAL_COLUMNS: tuple[str, ...] = ("資料資源更新時間", "資源描述")

#: The keys of a dataset record's "meta" (docs/snapshot-format.md), in order.
META_KEYS: tuple[str, ...] = (
    "title", "description", "agency", "agency_oid", "contact_name", "contact_phone",
    "contact_email", "frequency", "licence", "cost", "published", "modified", "badge",
    "fields", "fields_text", "service_category", "provision", "upload_method",
    "related_url", "notes",
)
#: Keys of one declared resource.
RESOURCE_KEYS: tuple[str, ...] = ("format", "encoding", "rows", "url", "description", "modified", "fields")

# meta key -> (export columns, first present wins; v2 API keys, first non-empty wins)
_DATASET_FIELDS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("title", ("資料集名稱",), ("title",)),
    ("description", ("資料集描述",), ("description",)),
    ("agency", ("提供機關",), ()),  # API: publisherOID "OID|name"
    ("contact_name", ("提供機關聯絡人姓名",), ("publisherContactName",)),
    ("contact_phone", ("提供機關聯絡人電話",), ("publisherContactPhone",)),
    ("contact_email", (), ("publisherContactEmail",)),
    ("frequency", ("更新頻率",), ("updateFrequency",)),
    ("licence", ("授權方式",), ("license",)),
    ("cost", ("計費方式",), ("cost",)),
    ("published", ("上架日期",), ("publishedDate",)),
    ("modified", ("詮釋資料更新時間",), ("modifiedDate",)),
    ("badge", ("品質檢測",), ("dataQuality",)),
    ("fields_text", ("主要欄位說明",), ()),
    ("service_category", ("服務分類",), ("categoryService",)),
    ("provision", ("資料提供屬性",), ()),
    ("upload_method", ("資資料集上架方式", "資料集上架方式", "資料集類型"), ("type",)),
    ("related_url", ("相關網址",), ("relatedUrl",)),
    ("notes", ("備註",), ("notes",)),
)
# API values that are codes rather than the export's words: used only when the export has
# nothing, and then noted.
_CODED_API_KEYS = {"license", "cost", "categoryService", "type", "updateFrequency"}
# Fields whose export and API values are compared (after normalisation) when both exist.
_COMPARED = ("title", "published", "modified")
_DATE_KEYS = ("published", "modified")

# v2 distribution[] keys per declared-resource key, first non-empty wins. The CKAN-style
# keys (format, url, name, …) are what third-party scripts report for `result.resources` and
# `result.resource`; they come after the v2 names so a v2 item is read as before.
_API_RESOURCE_KEYS: dict[str, tuple[str, ...]] = {
    "format": ("resourceFormat", "format"),
    "url": ("resourceDownloadUrl", "resourceAccessUrl", "resourceUrl", "downloadURL", "downloadUrl", "url",
            "resource_url", "accessURL"),
    "encoding": ("resourceCharacterEncoding", "resourceEncoding", "encoding", "characterEncoding"),
    "description": ("resourceDescription", "description", "name", "title"),
    "modified": ("resourceModifiedDate", "resourceModified", "resourceUpdateDate", "resourceModifyDate",
                 "last_modified", "modified"),
    "rows": ("resourceAmount", "resourceCount", "resourceRecordCount"),
}
_API_FIELD_KEYS = ("resourceField",)

#: Where a v2 answer's resource list has been seen, in the order they are looked for: the
#: documented `distribution`, then the shapes third-party scripts report. The name of the one
#: found is the dataset record's `api_shape`.
API_RESOURCE_SHAPES: tuple[str, ...] = ("distribution", "distributions", "resources", "resource")

#: Deepest nesting of lists and objects accepted in a v2 API answer. Real answers nest at most
#: 6 levels (distribution[] -> resourceField[] -> field); a deeper one is refused as a whole.
MAX_API_DEPTH = 64

_SCHEME_RE = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*://")
_DATE_RE = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:(?:[ T]+|T)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?:Z|[+-]\d{2}:?\d{2})?$"
)
_CONTACT_RE = re.compile(r"^([^(（]*?)\s*[(（]\s*(.*?)\s*[)）]\s*$", re.S)


class PortalError(OdauditError, ValueError):
    """A portal answer that is unusable as a whole. The message names the source.

    `kind` says what went wrong: ``empty``, ``encoding``, ``not_export``, ``invalid_json``,
    ``too_deep``, ``not_object``, ``not_success``, ``no_result``.
    """

    exit_code = ExitCode.INCOMPLETE

    def __init__(self, message: str, *, source: str = "", line: int | None = None, kind: str = "") -> None:
        super().__init__(message)
        self.source = source
        self.line = line
        self.kind = kind


# --------------------------------------------------------------------------- URLs


def export_url(portal: str = DEFAULT_PORTAL) -> str:
    return f"{portal.rstrip('/')}/api/front/dataset/export?format=csv"


def dataset_api_url(portal: str, dataset_id: str) -> str:
    return f"{portal.rstrip('/')}/api/v2/rest/dataset/{quote(str(dataset_id).strip(), safe='')}"


def dataset_page_url(portal: str, dataset_id: str) -> str:
    return f"{portal.rstrip('/')}/dataset/{quote(str(dataset_id).strip(), safe='')}"


def row_title(row: Any) -> str:
    """The dataset's name as an export row gives it (資料集名稱)."""
    return str(row.raw.get("資料集名稱", ""))


# --------------------------------------------------------------------------- bulk export


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


# --------------------------------------------------------------------------- v2 API


def parse_api(data: bytes, source: str) -> dict:
    """The `result` object of a v2 dataset answer. PortalError when unusable."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PortalError(f"{source}: API answer is not UTF-8 (byte {exc.start})", source=source, kind="encoding") from None
    if not text.strip():
        raise PortalError(f"{source}: empty API answer", source=source, kind="empty")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        start = text.strip()[:60].replace("\n", " ")
        raise PortalError(f"{source}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg}); starts {start!r}",
                          source=source, line=exc.lineno, kind="invalid_json") from None
    except RecursionError:  # nesting deeper than the recursion limit
        raise _too_deep(source) from None
    except ValueError as exc:  # a number of 4,300+ digits
        raise PortalError(f"{source}: unreadable JSON ({type(exc).__name__}: {str(exc)[:120]})",
                          source=source, kind="invalid_json") from None
    if nesting.exceeds(doc, MAX_API_DEPTH):  # parsed, but deep enough to break the journal or a check worker
        raise _too_deep(source)
    if not isinstance(doc, dict):
        raise PortalError(f"{source}: API answer is a JSON {type(doc).__name__}, expected an object",
                          source=source, kind="not_object")
    success = doc.get("success")
    if success is False or (isinstance(success, str) and success.strip().lower() in ("false", "0")) or (
        type(success) is int and success == 0
    ):
        err = doc.get("error") or doc.get("message") or doc.get("msg") or ""
        if isinstance(err, dict):
            err = err.get("error_type") or err.get("message") or json.dumps(err, ensure_ascii=False)
        detail = f" ({_text(err)[:200]})" if err else ""
        raise PortalError(f"{source}: API answered success: false{detail}", source=source, kind="not_success")
    result = doc.get("result")
    if not isinstance(result, dict):
        what = "no result" if result is None else f"a {type(result).__name__} result"
        raise PortalError(f"{source}: API answer has {what}, expected an object", source=source, kind="no_result")
    return result


def _too_deep(source: str) -> PortalError:
    return PortalError(f"{source}: API answer is JSON nested too deep (more than {MAX_API_DEPTH} levels of arrays and objects)",
                       source=source, kind="too_deep")


# --------------------------------------------------------------------------- helpers


def _text(v: Any) -> str:
    """Any JSON-ish value as text ("" for None)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return str(v)
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


def _squash(s: str) -> str:
    return " ".join(s.split())


def iso_datetime(raw: Any) -> str | None:
    """`YYYY-MM-DD HH:MM:SS(.ffffff)`, `YYYY/MM/DD( HH:MM)` … -> `YYYY-MM-DDTHH:MM:SS`.

    "" for an empty value, None when the text is not a date.
    """
    s = _text(raw).strip()
    if not s:
        return ""
    m = _DATE_RE.match(s)
    if not m:
        return None
    y, mo, d, hh, mi, ss = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0))
    except ValueError:
        return None
    return dt.strftime("%Y-%m-%dT%H:%M:%S")


_OPEN = "(（[【「{"
_CLOSE = ")）]】」}"


def _split_top(s: str, seps: str) -> list[str]:
    """Split on any char in `seps` that is not inside brackets."""
    if not any(c in s for c in _OPEN):
        return re.split("[" + re.escape(seps) + "]", s)
    parts: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in s:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
        if depth == 0 and ch in seps:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    if depth:  # an unclosed bracket: brackets cannot be trusted
        return re.split("[" + re.escape(seps) + "]", s)
    return parts


_FIELD_SEPARATORS = (";；", "\n", "、", ",，", "。")


def parse_fields(text: Any) -> list[str]:
    """Field names from 主要欄位說明 (best effort).

    2025 ``Name(說明);Name2(…)``; 2017 ``A、B、C``; 2018 ``Cno:中文廠名\\r\\rDP_NO:…``;
    also comma lists, ``Name：說明`` pairs, a JSON object (keys), or a list.
    """
    if isinstance(text, list):
        names = [n.get("name") if isinstance(n, dict) else n for n in text]
        return _dedupe(_text(n).strip() for n in names)
    s = html.unescape(_text(text)).strip()
    if not s:
        return []
    if s[0] in "{[":
        try:
            doc = json.loads(s)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to read
            doc = None
        if isinstance(doc, dict):
            return _dedupe(str(k).strip() for k in doc)
        if isinstance(doc, list):
            return parse_fields(doc)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    parts = [s]
    sep = ""
    for seps in _FIELD_SEPARATORS:
        cand = [p for p in _split_top(s, seps) if p.strip()]
        if len(cand) > 1:
            parts, sep = cand, seps
            break
    cut = "(（:：" if sep == ";；" else ":："
    names = []
    for p in parts:
        name = p.strip()
        for i, ch in enumerate(name):
            if ch in cut:
                name = name[:i]
                break
        names.append(name.strip())
    return _dedupe(names)


def _dedupe(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        if n and n not in out:
            out.append(n)
    return out


def _split_list(value: str) -> list[str]:
    return [] if not value.strip() else value.split(";")


def _rejoin_urls(pieces: list[str], expected: int) -> tuple[list[str], int]:
    """Re-join `;`-split pieces that do not start with a scheme (``…;jsessionid=…``) to the
    previous URL, until there are no more pieces than `expected`."""
    out: list[str] = []
    excess = len(pieces) - expected
    joined = 0
    for p in pieces:
        if out and excess > 0 and p.strip() and not _SCHEME_RE.match(p):
            out[-1] = out[-1] + ";" + p
            excess -= 1
            joined += 1
        else:
            out.append(p)
    return out, joined


def _empty_resource() -> dict:
    return {k: ([] if k == "fields" else "") for k in RESOURCE_KEYS}


# --------------------------------------------------------------------------- normalise


def _export_resources(ex: dict, issues: list[dict]) -> list[dict]:
    lists: dict[str, list[str]] = {}
    for col in RESOURCE_COLUMNS:
        if col in ex:
            lists[col] = _split_list(_text(ex[col]))
    if "資料下載網址" in lists:
        others = [len(v) for c, v in lists.items() if c != "資料下載網址" and v]
        expected = len(lists["檔案格式"]) if lists.get("檔案格式") else (max(others) if others else 0)
        if expected and len(lists["資料下載網址"]) > expected:
            urls, joined = _rejoin_urls(lists["資料下載網址"], expected)
            if joined:
                issues.append(_issue("資料下載網址", "semicolon_in_url",
                                     f"{joined} `;` inside URLs re-joined ({len(lists['資料下載網址'])} pieces -> {len(urls)} URLs)"))
                lists["資料下載網址"] = urls
    n = max((len(v) for v in lists.values()), default=0)
    counts = ", ".join(f"{c} {len(v)}" for c, v in lists.items())
    for col, values in lists.items():
        if len(values) != n:
            issues.append(_issue(col, "list_length_mismatch", counts))
    resources = [_empty_resource() for _ in range(n)]
    for col, values in lists.items():
        key = RESOURCE_COLUMNS[col]
        for i, v in enumerate(values):
            v = v.strip()
            if key == "modified":
                iso = iso_datetime(v)
                if iso is None:
                    issues.append(_issue(f"{col}[{i}]", "bad_date", repr(v)))
                v = iso or ""
            resources[i][key] = v
    # A `;` at the very end makes an empty last "resource": nothing to drop but noise.
    while resources and not any(resources[-1][k] for k in ("format", "url", "encoding", "rows", "description")):
        resources.pop()
        issues.append(_issue("檔案格式", "empty_resource", f"empty item {len(resources)} (a trailing `;`) ignored"))
    return resources


def api_resource_list(api: Any) -> tuple[str, Any]:
    """(shape, raw list) of a v2 `result`: the first key of API_RESOURCE_SHAPES that holds
    something (an empty `distribution` beside a full `resources` is not the list), else the
    first present. shape is "" when the result has none of them (or is not an object)."""
    if not isinstance(api, dict):
        return "", None
    present = [s for s in API_RESOURCE_SHAPES if s in api]
    full = [s for s in present if api.get(s)]
    shape = (full or present or [""])[0]
    return shape, api.get(shape) if shape else None


def api_shape(api: Any) -> str | None:
    """The resource-list shape a v2 result uses (recorded per dataset as `api_shape`):
    one of API_RESOURCE_SHAPES, "none" when it has no resource list, None without a result."""
    if not isinstance(api, dict):
        return None
    return api_resource_list(api)[0] or "none"


def _api_resources(api: dict, issues: list[dict]) -> list[dict] | None:
    shape, dist = api_resource_list(api)
    if not shape:
        issues.append(_issue("distribution", "missing_field", "API result has no distribution"))
        return None
    if isinstance(dist, dict):
        dist = [dist]
    if dist is None:
        dist = []
    if not isinstance(dist, list):
        issues.append(_issue(shape, "bad_type", f"{shape} is a {type(dist).__name__}, expected a list"))
        return None
    out = []
    for i, d in enumerate(dist):
        if not isinstance(d, dict):
            issues.append(_issue(f"{shape}[{i}]", "bad_type", f"a {type(d).__name__}, expected an object; ignored"))
            continue
        r = _empty_resource()
        used: dict[str, str] = {}
        for key, names in _API_RESOURCE_KEYS.items():
            for name in names:
                v = _text(d.get(name)).strip()
                if v:
                    r[key], used[key] = v, name
                    break
        if r["modified"]:
            iso = iso_datetime(r["modified"])
            if iso is None:
                issues.append(_issue(f"{shape}[{i}].{used['modified']}", "bad_date", repr(r["modified"])))
            r["modified"] = iso or ""
        raw_fields = next((d.get(k) for k in _API_FIELD_KEYS if d.get(k)), None)
        r["fields"] = parse_fields(raw_fields) if raw_fields else []
        out.append(r)
    return out


def _same(key: str, a: str, b: str) -> bool:
    if key in ("format", "encoding"):
        return a.strip().upper().replace("-", "") == b.strip().upper().replace("-", "")
    return a.strip() == b.strip()


def _merge_resources(ex_res: list[dict], api_res: list[dict] | None, issues: list[dict],
                     shape: str = "distribution") -> list[dict]:
    if api_res is None:
        return ex_res
    if not ex_res:
        return api_res
    pairs: list[tuple[dict | None, dict | None]]
    if len(ex_res) == len(api_res):
        pairs = list(zip(ex_res, api_res, strict=True))
    else:
        issues.append(_issue(shape, "resource_count_mismatch",
                             f"export {len(ex_res)} resources, API {len(api_res)}; matched by URL"))
        unused = list(range(len(ex_res)))
        pairs = []
        for a in api_res:
            match = next((i for i in unused if ex_res[i]["url"] and ex_res[i]["url"] == a["url"]), None)
            if match is None:
                match = next((i for i in unused if ex_res[i]["url"] and ex_res[i]["url"].lower() == a["url"].lower()), None)
            if match is not None:
                unused.remove(match)
            pairs.append((ex_res[match] if match is not None else None, a))
        for i in unused:
            issues.append(_issue(f"資料下載網址[{i}]", "resource_not_in_api", f"export resource {i} ({ex_res[i]['url'] or 'no URL'}) not in the API {shape}; kept"))
            pairs.append((ex_res[i], None))
    merged = []
    for pos, (e, a) in enumerate(pairs):
        if e is None or a is None:
            merged.append(dict(e or a or _empty_resource()))
            continue
        r = _empty_resource()
        for key in RESOURCE_KEYS:
            av, ev = a[key], e[key]
            r[key] = av if av else ev
            if key in ("format", "url", "encoding") and av and ev and not _same(key, av, ev):
                issues.append(_issue(f"resource[{pos}].{key}", "export_api_differ", f"export {ev!r}, API {av!r}; API used"))
        merged.append(r)
    return merged


def _frequency_from_api(v: Any) -> str:
    if isinstance(v, dict):
        n = _text(v.get("Frequency") or v.get("frequency")).strip()
        unit = _text(v.get("unittime") or v.get("unitTime")).strip()
        if n and unit:
            return f"每{n}{unit}"
    return _text(v).strip()


def normalise(export_raw: dict | None, api_result: dict | None) -> tuple[dict, list[dict], list[dict]]:
    """(meta, declared_resources, parse_issues) from an export row and/or a v2 API result.

    Dataset-level facts come from the export and fall back to the API; per-resource facts
    come from the API's resource list where it answers (`distribution[]`, or another shape of
    API_RESOURCE_SHAPES; see `api_shape`), matched by position when the counts agree, else by
    URL, and from the `;`-joined export columns otherwise. Never raises.
    """
    issues: list[dict] = []
    meta: dict[str, Any] = dict.fromkeys(META_KEYS, "")
    meta["fields"] = []
    ex = export_raw if isinstance(export_raw, dict) else None
    api = api_result if isinstance(api_result, dict) else None
    if export_raw is not None and ex is None:
        issues.append(_issue("(export)", "bad_type", f"export record is a {type(export_raw).__name__}; ignored"))
    if api_result is not None and api is None:
        issues.append(_issue("(api)", "bad_type", f"API result is a {type(api_result).__name__}; ignored"))
    if ex is None and api is None:
        issues.append(_issue("(dataset)", "no_metadata", "neither an export row nor an API result"))
        return meta, [], issues

    for key, cols, api_keys in _DATASET_FIELDS:
        ev = ""
        ecol = cols[0] if cols else ""
        if ex is not None and cols:
            present = [c for c in cols if c in ex]
            if present:
                ecol = present[0]
                ev = _text(ex[ecol]).strip()
            else:
                issues.append(_issue(cols[0], "missing_field", "the export row has no such column"))
        av, akey = "", ""
        if api is not None:
            for k in api_keys:
                v = _frequency_from_api(api.get(k)) if k == "updateFrequency" else _text(api.get(k)).strip()
                if v:
                    av, akey = v, k
                    break
        value, used_api = (ev, False) if ev else (av, bool(av))
        if key in _DATE_KEYS:
            iso = iso_datetime(value)
            if iso is None:
                src = akey if used_api else ecol
                issues.append(_issue(src, "bad_date", repr(value)))
            if ev and av and key in _COMPARED:
                aiso = iso_datetime(av)
                if aiso is not None and iso and aiso != iso:
                    issues.append(_issue(ecol, "export_api_differ", f"export {ev!r}, API {akey} {av!r}; export used"))
            value = iso or ""
        elif ev and av and key in _COMPARED and _squash(ev) != _squash(av):
            issues.append(_issue(ecol, "export_api_differ", f"export {ev!r}, API {akey} {av!r}; export used"))
        if used_api and akey in _CODED_API_KEYS and key not in _DATE_KEYS:
            issues.append(_issue(akey, "coded_value", f"only the API gives {key}: {value!r}, kept as given"))
        meta[key] = value

    if api is not None:
        oid_text = _text(api.get("publisherOID")).strip()
        oid, _, name = oid_text.partition("|")
        if not name and oid and not re.fullmatch(r"[0-9.]+", oid):
            oid, name = "", oid  # a bare name
        meta["agency_oid"] = oid.strip()
        name = name.strip()
        if name:
            if not meta["agency"]:
                meta["agency"] = name
            elif _squash(name) != _squash(meta["agency"]):
                issues.append(_issue("提供機關", "export_api_differ", f"export {meta['agency']!r}, API publisherOID {oid_text!r}; export used"))

    ex_res = _export_resources(ex, issues) if ex is not None else []
    api_res = _api_resources(api, issues) if api is not None else None
    shape = api_resource_list(api)[0] or "distribution"
    if ex is not None and not ex_res and api_res:
        # The export row lists no resource but the API does: the two disagree (see consistency).
        issues.append(_issue("資料下載網址", "resources_only_in_api",
                             f"the export lists no resource, the API {shape} lists {len(api_res)}; API used"))
    resources = _merge_resources(ex_res, api_res, issues, shape)

    meta["fields"] = parse_fields(meta["fields_text"])
    if not meta["fields"]:
        meta["fields"] = _dedupe(f for r in resources for f in r["fields"])
    return meta, resources, issues


# --------------------------------------------------------------------------- legacy records


def _split_contact(value: Any) -> tuple[str, str]:
    """"陳先生 (24201122)" -> ("陳先生", "24201122")."""
    s = _text(value).strip()
    m = _CONTACT_RE.match(s)
    if m:
        return m.group(1).strip(), m.group(2).strip()
    return s, ""


def _export_row(values: dict[str, Any], resources: list[dict[str, str]]) -> dict[str, str]:
    """A 22-column export row (plus 資料資源更新時間 / 資源描述 when the source has them)."""
    row = {c: _text(values.get(c)).strip() if c != "備註" else _text(values.get(c)) for c in EXPORT_COLUMNS}
    per = {"檔案格式": "format", "資料下載網址": "url", "編碼格式": "encoding", "資料量": "rows"}
    for col, key in per.items():
        row[col] = ";".join(r.get(key, "").strip() for r in resources)
    dates = [r.get("modified", "").strip() for r in resources]
    if any(dates):
        row["資料資源更新時間"] = ";".join(dates)
    descs = [r.get("description", "").strip() for r in resources]
    if any(descs) and not any(";" in d for d in descs):
        row["資源描述"] = ";".join(descs)
    return row


_LEGACY_2017_RES = {"檔案格式": "format", "編碼": "encoding", "資料量": "rows", "資源網址": "url",
                    "資源描述": "description", "資料資源更新時間": "modified"}
_LEGACY_2017_FLAT = re.compile(r"^(檔案格式|編碼|資料量|資源網址|資源描述|資料資源更新時間)(?:_(\d+))?$")


def legacy_2017_to_export(record: dict) -> dict[str, str]:
    """A 2017 data.gov.tw page as JSON (OpenData-TW/DataPackage-DGTW) -> an export row.

    Handles both scraper shapes: a 資料資源 block of ``resource_N`` objects, and the flat
    form with ``檔案格式``, ``檔案格式_1`` … keys.
    """
    r = record if isinstance(record, dict) else {}
    resources: list[dict[str, str]] = []
    block = r.get("資料資源")
    if isinstance(block, dict) and block:
        def order(k: str) -> tuple[int, str]:
            m = re.search(r"(\d+)$", k)
            return (int(m.group(1)) if m else 0, k)
        for k in sorted(block, key=order):
            res = block[k] if isinstance(block[k], dict) else {}
            resources.append({key: _text(res.get(col)) for col, key in _LEGACY_2017_RES.items()})
    else:
        by_index: dict[int, dict[str, str]] = {}
        for k, v in r.items():
            m = _LEGACY_2017_FLAT.match(str(k))
            if m:
                by_index.setdefault(int(m.group(2) or 0), {})[_LEGACY_2017_RES[m.group(1)]] = _text(v)
        resources = [by_index[i] for i in sorted(by_index)]
    name, phone = _split_contact(r.get("提供機關聯絡人"))
    values = {
        "資料集識別碼": r.get("node"),
        "資料集名稱": r.get("title"),
        "服務分類": r.get("服務分類"),
        "資資料集上架方式": r.get("資料集類型"),
        "資料集描述": r.get("資料集描述"),
        "主要欄位說明": r.get("主要欄位說明"),
        "提供機關": r.get("提供機關"),
        "更新頻率": r.get("更新頻率"),
        "授權方式": r.get("授權方式"),
        "相關網址": r.get("相關網址"),
        "計費方式": r.get("計費方式"),
        "提供機關聯絡人姓名": name,
        "提供機關聯絡人電話": phone,
        "上架日期": r.get("上架日期"),
        "詮釋資料更新時間": r.get("詮釋資料更新時間"),
        "備註": r.get("備註"),
    }
    return _export_row(values, resources)


def legacy_2018_to_export(record: dict) -> dict[str, str]:
    """A 2018 scraper record (TITLE, NODE, RESOURCE[...], OpenData-TW/DataPackage-DGTW) -> an export row.

    主要欄位說明 is taken from the resources' SCHEMA when they all carry the same text (it
    keeps the line breaks the dataset-level SCHEMA lost), else from SCHEMA (a list is
    joined with 、, as the page showed it).
    """
    r = record if isinstance(record, dict) else {}
    res_in = r.get("RESOURCE") if isinstance(r.get("RESOURCE"), list) else []
    resources = [
        {
            "format": _text(x.get("RES_FILETYPE")),
            "encoding": _text(x.get("RES_ENCODE")),
            "rows": _text(x.get("REC_COUNT")),
            "url": _text(x.get("RES_URL")),
            "description": _text(x.get("RES_DESC")),
            "modified": _text(x.get("RES_DATE_UPDATE_META")),
        }
        for x in res_in if isinstance(x, dict)
    ]
    schema = r.get("SCHEMA")
    res_schemas = {_text(x.get("SCHEMA")) for x in res_in if isinstance(x, dict)}
    if len(res_schemas) == 1 and next(iter(res_schemas)).strip():
        fields_text = next(iter(res_schemas))
    elif isinstance(schema, list):
        fields_text = "、".join(_text(s) for s in schema)
    else:
        fields_text = _text(schema)
    name, phone = _split_contact(r.get("AGENCY_CONTACT"))
    values = {
        "資料集識別碼": r.get("NODE"),
        "資料集名稱": r.get("TITLE"),
        "服務分類": r.get("SERVICE_TYPE"),
        "資資料集上架方式": r.get("DATA_TYPE"),
        "資料集描述": r.get("DESC"),
        "主要欄位說明": fields_text,
        "提供機關": r.get("AGENCY"),
        "更新頻率": r.get("UPDATE_FREQ"),
        "授權方式": r.get("LICENCE"),
        "相關網址": r.get("相關網址"),
        "計費方式": r.get("CHARGE"),
        "提供機關聯絡人姓名": name,
        "提供機關聯絡人電話": phone,
        "上架日期": r.get("DATE_PUBLISH"),
        "詮釋資料更新時間": r.get("DATE_UPDATE_META"),
        "備註": r.get("NOTES"),
    }
    return _export_row(values, resources)
