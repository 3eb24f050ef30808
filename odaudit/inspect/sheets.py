"""Spreadsheets (XLSX, ODS) read within bounds: the sheet's real extent, at most MAX_COLUMNS columns and
MAX_CELLS cells.

Why: frictionless reads a sheet as the rectangle its library reports, and that rectangle comes from
the file. openpyxl (XLSX) pads every row to the sheet's `<dimension>` and fills missing rows up to the
last row element, so a 1.5 KB file with one cell at XFD1048576, or a `<dimension ref="A1:XFD1048576"/>`
over ten real rows, becomes 16,384 columns by up to a million rows: minutes of schema detection and
gigabytes. ezodf (ODS) expands repeated rows and cells (fewer than 32 repeats each) and then pads every
row to the widest one, so a few kilobytes of repeats become a hundred million cells.

How: frictionless's own XLSX and ODS parsers, subclassed (registered as a frictionless plugin, active
only inside `bounded_sheet()`), with one difference each:

* XLSX: a sheet whose `<dimension>` is present and within the caps is read exactly as frictionless
  reads it. Otherwise the sheet XML is measured in one streaming pass (the rows and cells openpyxl
  would yield, and the last row and column holding a value), and when the rectangle openpyxl would
  yield is over the caps, `iter_rows(max_row, max_col)` reads only the cells up to the last value, cut
  to the caps.
* ODS: the first table's XML (already parsed by ezodf) is measured as ezodf would expand it; when that
  is over the caps, rows and cells past the last value, cut to the caps, are removed before ezodf
  expands anything.

A sheet within the caps is read exactly as before (same rows, same findings). The scan says when a
sheet was read in a different extent than declared, or cut, and where (`SheetBounds.note`).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: widest sheet read; the columns after it are cut (LibreOffice's limit until 2022; Excel 2003's was 256)
MAX_COLUMNS = 1024
#: most cells (rows × columns) read from one sheet; the rows after it are cut
MAX_CELLS = 2_000_000
#: ezodf expands a repeated row or cell only below this count (DEFAULT_MAXCOUNT), otherwise keeps one
ODS_EXPAND_BELOW = 32


@dataclass
class SheetBounds:
    """What the bounded reader did with the sheet it read (filled in while frictionless opens it)."""

    #: "" when the sheet was read as declared; otherwise a sentence for the scan's notes
    note: str = ""
    #: cells with values were left out (columns or rows past the caps)
    cut: bool = False


_CURRENT: ContextVar[SheetBounds | None] = ContextVar("odaudit_sheet_bounds", default=None)
_registered = False


def within_caps(rows: int, cols: int) -> bool:
    return cols <= MAX_COLUMNS and rows * cols <= MAX_CELLS


@contextmanager
def bounded_sheet() -> Iterator[SheetBounds]:
    """Within this block frictionless reads XLSX and ODS through the bounded parsers."""
    global _registered
    if not _registered:
        from frictionless import system

        system.register("odaudit-bounded-sheets", _plugin())
        _registered = True
    bounds = SheetBounds()
    token = _CURRENT.set(bounds)
    try:
        yield bounds
    finally:
        _CURRENT.reset(token)


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(max(1, min(col, 18278)))


def _ref(rows: int, cols: int) -> str:
    return f"A1:{_letter(cols)}{max(rows, 1)}"


@dataclass
class Extent:
    """A sheet measured as its library would read it."""

    #: rows and widest row the library would yield (missing rows and empty cells included)
    rows: int = 0
    cols: int = 0
    #: last row and column holding a value, anywhere
    value_rows: int = 0
    value_cols: int = 0
    #: last row and column holding a value within the first MAX_COLUMNS columns
    kept_rows: int = 0
    kept_cols: int = 0

    def add_value(self, row: int, last_col: int, kept_col: int) -> None:
        """Values in `row` up to `last_col`, the last of them within MAX_COLUMNS at `kept_col` (0: none)."""
        self.value_rows = max(self.value_rows, row)
        self.value_cols = max(self.value_cols, last_col)
        if kept_col:
            self.kept_rows = max(self.kept_rows, row)
            self.kept_cols = max(self.kept_cols, kept_col)

    def cut_to(self) -> tuple[int, int]:
        """(rows, columns) to read: up to the last value, within the caps."""
        cols = max(1, self.kept_cols)
        return max(1, min(self.kept_rows, MAX_CELLS // cols)), cols

    def note(self, declared: str) -> tuple[str, bool]:
        """(note for the scan, whether values were cut off); `declared` says what the file claims."""
        rows, cols = self.cut_to()
        if self.value_cols > cols or self.value_rows > rows:
            return (f"sheet cut to {_ref(rows, cols)}: its values reach row {self.value_rows:,}, column "
                    f"{self.value_cols:,} ({declared}); at most {MAX_COLUMNS:,} columns and {MAX_CELLS:,} cells "
                    "of a sheet are read"), True
        return f"sheet read as {_ref(rows, cols)}, where its values end ({declared})", False


# -- XLSX -----------------------------------------------------------------------------------------


def measure_xlsx(source: Any) -> Extent:
    """One streaming pass over a worksheet's XML (a binary file object), counting rows and cells as
    openpyxl's parser does: a row is evaluated at its end (its `r`, else the previous row's number
    + 1; rows may nest), and every child element of a row is a cell (its `r`, else the next column).
    A value is a non-empty `<v>`, or an `<is>` in an inline-string cell. expat handlers rather than
    a tree: memory stays flat, and no element objects are built."""
    import pyexpat

    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.xml.constants import SHEET_MAIN_NS

    row_tag, v_tag, is_tag = (f"{SHEET_MAIN_NS}}}{t}" for t in ("row", "v", "is"))
    ext = Extent()
    depth = 0
    row_no = 0
    #: open rows, innermost last: [depth, r attribute, last column, current cell's column, current cell is
    #: an inline string, last column with a value, last column with a value within MAX_COLUMNS]
    rows: list[list[Any]] = []
    in_v = False

    def value(top: list[Any]) -> None:
        col = top[3]
        top[5] = max(top[5], col)
        if col <= MAX_COLUMNS:
            top[6] = max(top[6], col)

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth, in_v
        depth += 1
        if rows:
            top = rows[-1]
            if depth == top[0] + 1:  # a cell of the innermost open row
                ref = attrs.get("r")
                top[2] = top[3] = coordinate_to_tuple(ref)[1] if ref else top[2] + 1
                top[4] = attrs.get("t") == "inlineStr"
            elif depth == top[0] + 2 and top[3]:
                if name == v_tag:
                    in_v = not top[4]
                elif name == is_tag and top[4]:
                    value(top)
        if name == row_tag:
            rows.append([depth, attrs.get("r"), 0, 0, False, 0, 0])

    def chars(data: str) -> None:
        nonlocal in_v
        if in_v and data:
            value(rows[-1])
            in_v = False

    def end(name: str) -> None:
        nonlocal depth, in_v, row_no
        in_v = False
        if rows and rows[-1][0] == depth:
            _, r, last, _, _, value_col, kept_col = rows.pop()
            row_no = int(float(r)) if r else row_no + 1
            if value_col:
                ext.add_value(row_no, value_col, kept_col)
            ext.cols = max(ext.cols, last)
            ext.rows = max(ext.rows, row_no)
        depth -= 1

    parser = pyexpat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    parser.ParseFile(source)
    return ext


def xlsx_bounds(sheet: Any, bounds: SheetBounds) -> tuple[int | None, int | None]:
    """(max_row, max_col) for `iter_rows`: (None, None) reads the sheet as frictionless does."""
    declared_rows, declared_cols = sheet.max_row, sheet.max_column
    if declared_rows and declared_cols and within_caps(declared_rows, declared_cols):
        return None, None
    declared = f"declared {_ref(declared_rows, declared_cols)}" if declared_rows and declared_cols else "no declared extent"
    try:
        with sheet._get_source() as src:  # the part openpyxl itself reads for this sheet
            ext = measure_xlsx(src)
    except Exception as exc:  # noqa: BLE001 - unreadable XML: read a capped rectangle; the read reports the error
        cols = min(declared_cols or MAX_COLUMNS, MAX_COLUMNS)
        rows = min(declared_rows or MAX_CELLS, MAX_CELLS // cols)
        bounds.note = f"sheet not measured ({type(exc).__name__}): read within {_ref(rows, cols)}"
        return rows, cols
    if not (declared_rows and declared_cols) and within_caps(ext.rows, ext.cols):
        return None, None  # no <dimension>: openpyxl reads the rows as they are, and they are few
    bounds.note, bounds.cut = ext.note(declared)
    return ext.cut_to()


def _xlsx_parser() -> type:
    from frictionless import FrictionlessException, errors
    from frictionless.formats.excel import ExcelControl
    from frictionless.formats.excel.parsers.xlsx import XlsxParser, extract_row_values

    class BoundedXlsxParser(XlsxParser):
        """frictionless's XlsxParser reading the first sheet within `xlsx_bounds` (local files,
        no merged-cell filling: how odaudit opens bodies; anything else is left to the original)."""

        def read_cell_stream_create(self):  # type: ignore[no-untyped-def]
            import openpyxl

            control = ExcelControl.from_dialect(self.resource.dialect)
            bounds = _CURRENT.get()
            if bounds is None or control.fill_merged_cells or not isinstance(control.sheet, int):
                yield from super().read_cell_stream_create()
                return
            try:  # as XlsxParser opens the book
                warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
                book = openpyxl.load_workbook(self.loader.byte_stream, read_only=True, data_only=True)
            except Exception as exc:
                raise FrictionlessException(errors.FormatError(note=f'invalid excel file "{self.resource.path}"')) from exc
            try:
                sheet = book.worksheets[control.sheet - 1]
            except IndexError:
                note = f'Excel document "{self.resource.place}" does not have a sheet "{control.sheet}"'
                raise FrictionlessException(errors.FormatError(note=note)) from None
            max_row, max_col = xlsx_bounds(sheet, bounds)
            for cells in sheet.iter_rows(max_row=max_row, max_col=max_col):
                yield extract_row_values(cells, control.preserve_formatting, control.adjust_floating_point_error,
                                         stringified=control.stringified)

    return BoundedXlsxParser


# -- ODS ------------------------------------------------------------------------------------------


def _expanded(count: str | None) -> int:
    """How many times ezodf's default strategy ('all_less_maxcount') repeats a row or cell."""
    try:
        n = int(count) if count is not None else 1
    except ValueError:
        return 1
    return n if 1 < n < ODS_EXPAND_BELOW else 1


def _ods_names() -> tuple[str, str, str, str]:
    from ezodf.xmlns import CN

    return (CN("table:table-row"), CN("table:number-rows-repeated"), CN("table:number-columns-repeated"),
            CN("office:value-type"))


def measure_ods(table: Any) -> Extent:
    """A table's XML measured as ezodf expands it: every `table:table-row` below the table, every child
    of a row a cell, repeats below 32 expanded, and every row padded to the widest."""
    row_tag, rows_rep, cols_rep, value_type = _ods_names()
    ext = Extent()
    for row in table.iter(row_tag):
        rows = _expanded(row.get(rows_rep))
        col = 0
        for cell in row:
            n = _expanded(cell.get(cols_rep))
            if cell.get(value_type) is not None or len(cell):
                ext.add_value(ext.rows + rows, col + n, min(col + n, MAX_COLUMNS) if col < MAX_COLUMNS else 0)
            col += n
        ext.cols = max(ext.cols, col)
        ext.rows += rows
    return ext


def trim_ods(table: Any, max_rows: int, max_cols: int) -> None:
    """Remove the rows and cells of `table` past `max_rows` × `max_cols` (expanded as ezodf counts)."""
    row_tag, rows_rep, cols_rep, _ = _ods_names()
    seen = 0
    drop = []
    for row in table.iter(row_tag):
        if seen >= max_rows:
            drop.append(row)
            continue
        rows = _expanded(row.get(rows_rep))
        if seen + rows > max_rows:
            row.set(rows_rep, str(max_rows - seen))
        seen += min(rows, max_rows - seen)
        col = 0
        for cell in list(row):
            n = _expanded(cell.get(cols_rep))
            if col >= max_cols:
                row.remove(cell)
                continue
            if col + n > max_cols:
                cell.set(cols_rep, str(max_cols - col))
            col += n
    for row in drop:
        parent = row.getparent()
        if parent is not None:
            parent.remove(row)


def _ods_parser() -> type:
    from frictionless import FrictionlessException, errors
    from frictionless.formats.ods import OdsControl, OdsParser

    class BoundedOdsParser(OdsParser):
        """frictionless's OdsParser with the first sheet measured, and trimmed when over the caps,
        before ezodf expands it (a sheet chosen by name is left to the original)."""

        def read_cell_stream_create(self):  # type: ignore[no-untyped-def]
            import ezodf
            from ezodf.xmlns import CN

            control = OdsControl.from_dialect(self.resource.dialect)
            bounds = _CURRENT.get()
            if bounds is None or not isinstance(control.sheet, int):
                yield from super().read_cell_stream_create()
                return
            book = ezodf.opendoc(io.BytesIO(self.loader.byte_stream.read()))
            tables = book.sheets.xmlnode.findall(CN("table:table"))
            if not 1 <= control.sheet <= len(tables):
                note = f'OpenOffice document "{self.resource.normpath}" does not have a sheet "{control.sheet}"'
                raise FrictionlessException(errors.FormatError(note=note))
            ext = measure_ods(tables[control.sheet - 1])
            if not within_caps(ext.rows, ext.cols):
                rows, cols = ext.cut_to()
                trim_ods(tables[control.sheet - 1], rows, cols)
                bounds.note, bounds.cut = ext.note(f"{ext.rows:,} rows × {ext.cols:,} columns as expanded")
            for cells in book.sheets[control.sheet - 1].rows():
                yield [_ods_value(cell) for cell in cells]

    return BoundedOdsParser


def _ods_value(cell: Any) -> Any:
    """OdsParser's type_value: whole floats as int, dates and datetimes parsed."""
    ctype, value = cell.value_type, cell.value
    if isinstance(value, float) and value == value // 1:
        return int(value)
    if ctype == "date":
        if len(value) == 10:
            return datetime.strptime(value, "%Y-%m-%d").date()
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S")
    return value


# -- the plugin ------------------------------------------------------------------------------------


def _plugin() -> Any:
    """A frictionless plugin handing XLSX and ODS to the bounded parsers while `bounded_sheet()` is
    active (dynamic plugins come before frictionless's own). Built on first use: importing
    frictionless takes a second, and odaudit imports it only when a table is read."""
    from frictionless import Plugin

    parsers: dict[str, type] = {}

    class BoundedSheetsPlugin(Plugin):
        def create_parser(self, resource: Any) -> Any:
            if _CURRENT.get() is None or resource.format not in ("xlsx", "ods"):
                return None
            cls = parsers.get(resource.format)
            if cls is None:
                cls = parsers[resource.format] = _xlsx_parser() if resource.format == "xlsx" else _ods_parser()
            return cls(resource)

    return BoundedSheetsPlugin()
