"""The .xlsx form of a reviewer sheet (openpyxl): protected prefilled columns, data validation
on the answer cells (yes/no; 0-10), and reading it back with merged cells and formulas refused."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from ..errors import InputError
from .sheets import ABOUT, DATASETS, EDITABLE, HEADERS, JUDGED, SETTINGS, Cells, Table

#: Fixed document properties, so that the same rubric gives a byte-identical workbook.
_EPOCH = (2000, 1, 1)

ABOUT_TEXT = (
    "odaudit reviewer sheet / odaudit 審查表",
    "",
    "datasets: one row per dataset. Grey columns are prefilled (the automated answer and its evidence) and protected.",
    "  Answer in the white columns: Q.answer yes or no (empty = no manual answer), Q.reason (required with an answer),",
    "  Q.links (http links, one per line). note: anything about the dataset.",
    "judged: readiness and impact items; score 0-10 (empty = not judged yet), evidence, links.",
    "rubric: the rubric's settings; do not edit.",
    "Do not rename, move, insert or delete columns, merge cells or type formulas: `odaudit rubric import` refuses them.",
    "",
    "datasets：每列一個資料集。灰色欄位為自動量測的答案與證據，已鎖定。",
    "  請填白色欄位：Q.answer 填 yes 或 no（空白＝不作人工答覆），Q.reason 理由（有答案必填），Q.links 連結（每行一個）。",
    "judged：整備度與影響力項目，score 填 0-10（空白＝尚未評分）、evidence、links。",
    "rubric：評分設定，請勿修改。請勿更名、移動、插入或刪除欄位，勿合併儲存格或輸入公式。",
)


def _sheet(wb: Any, t: Table) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = wb.create_sheet(t.name)
    editable = EDITABLE[t.name]
    grey = PatternFill("solid", fgColor="EEEEEE")
    ws.append(list(t.header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in t.rows:
        ws.append([None if v == "" else v for v in row])
    for c, name in enumerate(t.header, start=1):
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = 12 if name.endswith((".auto", ".answer")) or name in ("score", "category") else 28
        for r in range(2, len(t.rows) + 2):
            cell = ws.cell(row=r, column=c)
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text beginning with = stays text, never a formula
            if name in editable:
                cell.protection = Protection(locked=False)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                cell.fill = grey
        if not t.rows:
            continue
        span = f"{letter}2:{letter}{len(t.rows) + 1}"
        if name.endswith(".answer"):
            dv = DataValidation(type="list", formula1='"yes,no"', allow_blank=True, showErrorMessage=True,
                                error="yes or no (or empty)", errorTitle="answer")
        elif name == "score" and t.name == JUDGED:
            dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="10", allow_blank=True,
                                showErrorMessage=True, error="a number from 0 to 10 (or empty)", errorTitle="score")
        else:
            continue
        ws.add_data_validation(dv)
        dv.add(span)
    ws.freeze_panes = "C2" if t.name == DATASETS else "A2"
    ws.protection.sheet = True  # no password: it guards against slips, not against the reviewer
    ws.protection.formatColumns = False  # widths may be changed


def workbook_bytes(tables: list[Table]) -> bytes:
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    about = wb.active
    about.title = ABOUT
    for line in ABOUT_TEXT:
        about.append([line])
    about.column_dimensions["A"].width = 120
    for t in tables:
        _sheet(wb, t)
    stamp = dt.datetime(*_EPOCH)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "odaudit"
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same workbook with fixed zip entry times (openpyxl stamps the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(*_EPOCH, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps `modified` with the time of saving
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", body)
            dst.writestr(fixed, body)
    return out.getvalue()


def read_workbook(path: Path) -> dict[str, Cells]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=False)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"{path}: not an .xlsx workbook ({exc})") from None
    names = [n for n in wb.sheetnames if n != ABOUT]
    for n in names:
        if n not in HEADERS:
            raise InputError(f"{path}: sheet {n}: not a sheet of a reviewer sheet (expected {DATASETS}, {JUDGED}, {SETTINGS})")
    for n in HEADERS:
        if n not in names:
            raise InputError(f"{path}: sheet {n} is missing (a reviewer sheet has {DATASETS}, {JUDGED} and {SETTINGS})")
    out: dict[str, Cells] = {}
    for n in HEADERS:
        ws = wb[n]
        for rng in ws.merged_cells.ranges:
            raise InputError(f"{path}: sheet {n}, row {rng.min_row}, column {rng.coord.split(':')[0].rstrip('0123456789')}: "
                             f"merged cells ({rng.coord}); unmerge them, one value per cell")
        rows: list[tuple[int, list[Any]]] = []
        header: list[Any] = []
        for r, cells in enumerate(ws.iter_rows(), start=1):
            values = []
            for cell in cells:
                if cell.data_type == "f":
                    raise InputError(f"{path}: sheet {n}, row {r}, column {cell.column_letter}: a formula "
                                     f"({str(cell.value)[:40]}); type the value instead")
                values.append(cell.value)
            if r == 1:
                header = values
            else:
                rows.append((r, values))
        out[n] = Cells(path, n, header, rows)
    return out
