"""Reviewer sheets: a rubric as the spreadsheet a reviewer works in, and back.

`rubric export` writes three tables, as sheets of one .xlsx or as three CSV files
(`X.csv`, `X.judged.csv`, `X.rubric.csv`):

* `datasets`: one row per dataset. `key`, `name`, `category`, `page` and, per question, `Q.auto`
  (the automated answer, from the snapshot) and `Q.evidence` (a short form of the findings behind
  it) are prefilled and protected; `note` and, per question, `Q.answer` (yes/no), `Q.reason` and
  `Q.links` (http links, one per line) are the reviewer's, prefilled with the rubric's manual answers.
* `judged`: the readiness and impact items, one per row; `score` (0-10), `evidence` and `links`
  are the reviewer's.
* `rubric`: the rubric's settings (name, catalog, method, points, weights), so that the sheet alone
  gives back the whole rubric: export then import scores the same.

Reading a sheet back is strict: the headers must be exactly as written, and a merged cell, a
formula, a date, a value outside the allowed answers or a missing reason is an error naming the
sheet, row and column. In the CSV form, text beginning with `'` or a formula character
(`= + - @`) is written with one extra leading `'`, which reading removes.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalog import Catalog
from ..errors import InputError
from .model import ScoreResult
from .questions import QUESTION_IDS
from .rubric import Rubric

FORMAT = "odaudit-reviewer-sheet"
FORMAT_VERSION = 1
DATASETS, JUDGED, SETTINGS, ABOUT = "datasets", "judged", "rubric", "about"
BASE = ("key", "name", "category", "page", "note")
PER_QUESTION = ("auto", "evidence", "answer", "reason", "links")
DATASET_HEADER = BASE + tuple(f"{q}.{p}" for q in QUESTION_IDS for p in PER_QUESTION)
JUDGED_HEADER = ("subindex", "component", "component_name", "component_weight", "item", "item_name", "score", "evidence", "links")
SETTINGS_HEADER = ("setting", "value")
#: the reviewer's columns (everything else is prefilled and protected)
EDITABLE = {DATASETS: {"note", *(f"{q}.{p}" for q in QUESTION_IDS for p in ("answer", "reason", "links"))},
            JUDGED: {"score", "evidence", "links"}, SETTINGS: set()}
HEADERS = {DATASETS: DATASET_HEADER, JUDGED: JUDGED_HEADER, SETTINGS: SETTINGS_HEADER}
EVIDENCE_LIMIT = 300
_FORMULA = "=+-@"


@dataclass
class Table:
    name: str
    header: tuple[str, ...]
    rows: list[list[Any]] = field(default_factory=list)


def csv_paths(path: Path) -> dict[str, Path]:
    """The three files of a CSV reviewer sheet `X.csv`: X.csv, X.judged.csv, X.rubric.csv."""
    stem = path.with_suffix("")
    return {DATASETS: path, JUDGED: Path(f"{stem}.{JUDGED}.csv"), SETTINGS: Path(f"{stem}.{SETTINGS}.csv")}


def _num(x: float | None) -> float | int | None:
    if x is None:
        return None
    return int(x) if float(x).is_integer() and abs(x) < 1e15 else float(x)


# ---------------------------------------------------------------------------- export


def _settings(rubric: Rubric) -> Table:
    r = rubric
    catalog_path = ""
    if r.path is not None and not r.whole_portal and (r.catalog.endswith((".yaml", ".yml")) or "/" in r.catalog):
        catalog_path = str(r.catalog_path().resolve())
    rows: list[list[Any]] = [["format", FORMAT], ["format_version", FORMAT_VERSION], ["name", r.name], ["title", r.title],
                             ["catalog", r.catalog], ["catalog_path", catalog_path], ["method", r.method],
                             ["odb.outdated_penalty", _num(r.odb.outdated_penalty)], ["odb.penalty_when", r.odb.penalty_when]]
    rows += [[f"points.{q}", _num(r.question_points[q])] for q in QUESTION_IDS]
    rows += [[f"weights.{w}", _num(getattr(r.weights, w))] for w in ("readiness", "implementation", "impact")]
    cw = r.implementation.category_weights
    rows.append(["category_weights", "" if cw is None else json.dumps(cw, ensure_ascii=False)])
    rows.append(["merged", "" if r.merged is None else r.merged.model_dump_json()])
    return Table(SETTINGS, SETTINGS_HEADER, rows)


def _judged(rubric: Rubric) -> Table:
    t = Table(JUDGED, JUDGED_HEADER)
    for sub in ("readiness", "impact"):
        judged = getattr(rubric, sub)
        for c in judged.components if judged else ():
            for it in c.items:
                t.rows.append([sub, c.id, c.name, _num(c.weight), it.id, it.name, _num(it.score), it.evidence, "\n".join(it.links)])
    return t


def _dataset_rows(rubric: Rubric, catalog: Catalog, result: ScoreResult | None) -> list[dict[str, Any]]:
    """key, name, category, page, measured answers and evidence of each dataset to review."""
    from .engine import catalog_frame

    if result is not None:
        d = result.datasets.drop_duplicates("key")
        rows = [{"key": k, "name": n, "category": c, "page": p} for k, n, c, p in zip(d["key"], d["name"], d["category"], d["page"], strict=True)]
        a = result.answers
        auto_keys = set(d.loc[d["automated"].astype(bool), "key"])
        measured = {(k, q): (m if k in auto_keys else "", cites) for k, q, m, cites in zip(a["key"], a["question"], a["measured"], a["cites"], strict=True)}
    else:
        f = catalog_frame(catalog).drop_duplicates("key")
        rows = [{"key": k, "name": n, "category": c, "page": u} for k, n, c, u in zip(f["key"], f["name"], f["category"], f["url"], strict=True)]
        measured = {}
    for row in rows:
        for q in QUESTION_IDS:
            auto, cites = measured.get((row["key"], q), ("", ""))
            row[f"{q}.auto"] = auto
            row[f"{q}.evidence"] = cites if len(cites) <= EVIDENCE_LIMIT else cites[: EVIDENCE_LIMIT - 1] + "…"
    return rows


def _manual_by_key(rubric: Rubric, rows: list[dict[str, Any]], result: ScoreResult | None) -> dict[str, str]:
    """Rubric dataset refs → the sheet's keys (a rubric may name a dataset by id, key or name)."""
    import pandas as pd

    from .engine import resolve_manual

    if not rubric.datasets:
        return {}
    if rubric.whole_portal and result is None:  # only the snapshot knows the datasets: keep the rubric's refs
        return {ref: ref for ref in rubric.datasets}
    ids = {}
    if result is not None:
        ids = dict(zip(result.datasets["key"], result.datasets["id"], strict=True))
    frame = pd.DataFrame({"key": [r["key"] for r in rows], "name": [r["name"] for r in rows],
                          "id": [ids.get(r["key"], r["key"][3:] if r["key"].startswith("tw:") else "") for r in rows]})
    return resolve_manual(rubric, frame)


def reviewer_sheet(rubric: Rubric, catalog: Catalog, result: ScoreResult | None = None) -> list[Table]:
    """The tables of a reviewer sheet for `rubric` (prefilled from `result`, a scored snapshot, if given)."""
    rows = _dataset_rows(rubric, catalog, result)
    by_key = {r["key"]: r for r in rows}
    for ref, key in _manual_by_key(rubric, rows, result).items():
        row = by_key.get(key)
        if row is None:  # whole portal without a snapshot
            row = by_key[key] = {"key": key, "name": rubric.datasets[ref].name, "category": "", "page": "",
                                 **{f"{q}.{p}": "" for q in QUESTION_IDS for p in ("auto", "evidence")}}
            rows.append(row)
        entry = rubric.datasets[ref]
        row["name"] = row["name"] or entry.name
        row["note"] = entry.note
        for q, ans in entry.answers.items():
            row[f"{q}.answer"] = "" if ans.answer is None else ("yes" if ans.answer else "no")
            row[f"{q}.reason"] = ans.reason
            row[f"{q}.links"] = "\n".join(ans.evidence)
    table = Table(DATASETS, DATASET_HEADER)
    for row in rows:
        key = row["key"]
        row["key"] = key[3:] if key.startswith("tw:") else key
        table.rows.append([row.get(col, "") for col in DATASET_HEADER])
    return [table, _judged(rubric), _settings(rubric)]


def write_csv(tables: list[Table], path: Path) -> list[Path]:
    import csv

    from ..atomic import CSV_ENCODING, atomic_open

    paths = csv_paths(path)
    for t in tables:
        with atomic_open(paths[t.name], "w", encoding=CSV_ENCODING) as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(t.header)
            for row in t.rows:
                w.writerow([_csv_escape(v) for v in row])
    return [paths[t.name] for t in tables]


def _csv_escape(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    text = str(v)
    return "'" + text if text and (text[0] in _FORMULA or text[0] == "'") else text


def write_xlsx(tables: list[Table], path: Path) -> list[Path]:
    from ..atomic import atomic_write_bytes
    from .sheets_xlsx import workbook_bytes

    atomic_write_bytes(path, workbook_bytes(tables))
    return [path]


# ---------------------------------------------------------------------------- import


class Cells:
    """One table read back: rows of raw cell values, and where each came from (for errors)."""

    def __init__(self, path: Path, sheet: str, header: list[Any], rows: list[tuple[int, list[Any]]]) -> None:
        self.path, self.sheet, self.header, self.rows = path, sheet, header, rows

    def where(self, row: int, col: int) -> str:
        from openpyxl.utils import get_column_letter

        name = self.header[col] if col < len(self.header) else ""
        return f"{self.path}: sheet {self.sheet}, row {row}, column {get_column_letter(col + 1)}" + (f" ({name})" if name else "")

    def fail(self, row: int, col: int, message: str) -> InputError:
        return InputError(f"{self.where(row, col)}: {message}")


def _text(cells: Cells, row: int, col: int, value: Any, *, csv_form: bool) -> str:
    """A cell as text. Formulas and dates are refused: a reviewer's answer is typed, not computed."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        raise cells.fail(row, col, f"a date or time ({value}) where text is expected; type it as text")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise cells.fail(row, col, f"{value} is not a value")
        return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))
    text = str(value)
    if csv_form:
        if text[:1] == "'":
            return text[1:]
        if text[:1] in _FORMULA and len(text) > 1 and not _is_number(text):
            raise cells.fail(row, col, f"{text[:40]!r} looks like a formula; type text (or begin it with ')")
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _number(cells: Cells, row: int, col: int, value: Any, *, lo: float, hi: float, csv_form: bool, what: str) -> float | None:
    text = _text(cells, row, col, value, csv_form=csv_form).strip()
    if not text:
        return None
    try:
        x = float(text)
    except ValueError:
        raise cells.fail(row, col, f"{what} {text[:40]!r} is not a number from {lo:g} to {hi:g}") from None
    if not math.isfinite(x) or not lo <= x <= hi:
        raise cells.fail(row, col, f"{what} {text[:40]!r} is outside {lo:g}-{hi:g}")
    return x


def _check_header(cells: Cells, expected: tuple[str, ...]) -> None:
    got = [("" if h is None else str(h)).strip() for h in cells.header]
    while got and not got[-1]:
        got.pop()
    for i, want in enumerate(expected):
        if i >= len(got):
            raise cells.fail(1, i, f"missing column {want!r} (the sheet must keep the columns `odaudit rubric export` wrote)")
        if got[i] != want:
            raise InputError(f"{cells.path}: sheet {cells.sheet}, row 1, column {_letter(i)}: column {got[i]!r} "
                             f"where {want!r} was written (renamed, moved or inserted columns are refused)")
    if len(got) > len(expected):
        raise InputError(f"{cells.path}: sheet {cells.sheet}, row 1, column {_letter(len(expected))}: extra column "
                         f"{got[len(expected)]!r} (the sheet must keep the columns `odaudit rubric export` wrote)")


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def read_tables(path: Path) -> tuple[dict[str, Cells], bool]:
    """The tables of a reviewer sheet (.xlsx, or X.csv with its two companions); True when CSV."""
    if path.suffix.lower() == ".xlsx":
        from .sheets_xlsx import read_workbook

        return read_workbook(path), False
    import csv

    out: dict[str, Cells] = {}
    for name, p in csv_paths(path).items():
        try:
            text = p.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise InputError(f"{p}: no such file (a CSV reviewer sheet is three files: {', '.join(str(x) for x in csv_paths(path).values())})") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start}); save the sheet as UTF-8 CSV") from None
        import io

        reader = csv.reader(io.StringIO(text, newline=""))
        rows = [(reader.line_num, list(r)) for r in reader]
        if not rows:
            raise InputError(f"{p}: sheet {name}, row 1: the sheet is empty")
        out[name] = Cells(p, p.name, rows[0][1], [(i + 2, r) for i, (_, r) in enumerate(rows[1:])])
    return out, True


def is_reviewer_sheet(path: Path) -> bool:
    """Whether `path` is a sheet `rubric export` wrote (by its first header cells)."""
    if path.suffix.lower() == ".xlsx":
        return True
    try:
        with open(path, encoding="utf-8-sig") as fh:
            first = fh.readline()
    except (OSError, UnicodeDecodeError):
        return False
    return first.strip().startswith(",".join(BASE) + ",")  # key,name,category,page,note,…: what export writes


def import_reviewer_sheet(path: Path, *, out: Path | None = None) -> tuple[Rubric, dict[str, Any]]:
    """A reviewer sheet → the rubric it says (validated), and facts for the message."""
    from .sheets_read import build_rubric

    tables, csv_form = read_tables(path)
    for name, cells in tables.items():
        _check_header(cells, HEADERS[name])
    return build_rubric(tables, csv_form=csv_form, out=out)


def relative_catalog(catalog: str, catalog_path: str, out: Path | None) -> str:
    """The `catalog:` to write: a catalog file given by path is re-pointed from the new rubric's folder."""
    if not catalog_path:
        return catalog
    base = (out.parent if out is not None else Path.cwd()).resolve()
    try:
        return Path(os.path.relpath(catalog_path, base)).as_posix()
    except ValueError:
        return Path(catalog_path).as_posix()
