"""Survey spreadsheet (CSV) → rubric YAML with manual answers.

Sheets look like the OCF 2014–2016 survey: `層級,資料集類別,資料集名稱,reviewer,資料集連結,
"1.資料是否存在\\nYES=1; NO=0",2. 線上取得,…,10.是否是關聯性資料(linked data),分數,其它評論`.
Question columns are recognised by their leading number 1–10 (checklist order) or by question
id; answers may be 1/0, yes/no, 是/否 or blank (unanswered). Rows are matched to catalog
datasets by URL (`data.gov.tw/node/N` or `/dataset/N` → id N; otherwise the catalog's external
URL) and otherwise by name, preferring the row's category.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..catalog import Catalog, CatalogDataset
from ..errors import InputError
from . import template
from .questions import BY_ID, BY_NUMBER, DEFAULT_POINTS
from .rubric import parse_answer

_ROLES = {
    "name": ("資料集名稱", "name", "dataset", "dataset_name", "資料集"),
    "url": ("資料集連結", "url", "link", "資料集網址", "連結"),
    "category": ("資料集類別", "category", "類別"),
    "tier": ("層級", "tier"),
    "reviewer": ("reviewer", "評閱者", "審查者", "填答者"),
    "score": ("分數", "score", "總分"),
    "comment": ("其它評論", "其他評論", "comment", "comments", "備註", "評論"),
    "key": ("key", "id", "資料集識別碼"),
}
_NUMBERED = re.compile(r"^\s*(\d{1,2})\s*[.、．:：)）]")
_PORTAL_ID = re.compile(r"^https?://(?:www\.)?data\.gov\.tw/(?:node|dataset)/(\d+)/?(?:[?#].*)?$", re.IGNORECASE)


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()


def _url_norm(url: str) -> str:
    u = norm(url).lower()
    u = re.sub(r"^https?://", "", u)
    return u.rstrip("/")


@dataclass
class Column:
    index: int
    header: str
    role: str  # a question id, or name/url/…


@dataclass
class SurveyImport:
    text: str
    columns: list[Column]
    matched: int
    rows: int
    unmatched: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def map_columns(header: list[str], path: Path) -> list[Column]:
    cols: list[Column] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(header):
        h = norm(raw)
        role = ""
        m = _NUMBERED.match(h)
        low = h.lower()
        if m and 1 <= int(m.group(1)) <= 10:
            role = BY_NUMBER[int(m.group(1))].id
        elif low in BY_ID:
            role = low
        else:
            for r, names in _ROLES.items():
                if low in names:
                    role = r
                    break
        if not role:
            continue
        if role in seen:
            raise InputError(f"{path}:1:{i + 1}: column {h!r} maps to {role}, already given by column {seen[role] + 1}")
        seen[role] = i
        cols.append(Column(i, h, role))
    if "name" not in seen and "url" not in seen and "key" not in seen:
        raise InputError(f"{path}:1:1: no dataset column: expected 資料集名稱 (name), 資料集連結 (url) or key")
    if not any(c.role in BY_ID for c in cols):
        raise InputError(f"{path}:1:1: no question column: expected headers numbered 1-10 (e.g. '3. 是否為機器可讀') or question ids")
    return cols


class _Matcher:
    def __init__(self, catalog: Catalog) -> None:
        self.entries: list[tuple[str, str, CatalogDataset]] = []  # (key, category id, dataset)
        for c, d, _pos, key in catalog.keyed_entries():
            self.entries.append((key, c.id, d))

    def match(self, *, key: str, url: str, name: str, category: str) -> tuple[str, CatalogDataset] | None:
        cands: list[tuple[str, str, CatalogDataset]] = []
        if key:
            cands = [e for e in self.entries if e[0] == key or (e[2].id and e[2].id == key)]
        if not cands and url:
            m = _PORTAL_ID.match(url.strip())
            if m:
                cands = [e for e in self.entries if e[2].id == m.group(1)]
            else:
                u = _url_norm(url)
                cands = [e for e in self.entries if e[2].url and _url_norm(e[2].url) == u]
        n = norm(name)
        if len(cands) > 1 and n:
            by_name = [e for e in cands if norm(e[2].name) == n]
            cands = by_name or cands
        if not cands and n:
            cands = [e for e in self.entries if norm(e[2].name) == n]
        if len(cands) > 1 and category:
            in_cat = [e for e in cands if e[1] == category]
            cands = in_cat or cands
        if len({e[0] for e in cands}) != 1:
            return None
        return cands[0][0], cands[0][2]


def import_survey(path: str | Path, catalog: Catalog, *, catalog_ref: str, name: str | None = None) -> SurveyImport:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save the sheet as UTF-8 CSV") from None
    # Not str.splitlines(): it also breaks at U+2028, form feeds and the like inside a cell.
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{path}:1:1: the sheet is empty") from None
    cols = map_columns(header, path)
    role = {c.role: c.index for c in cols}
    qcols = [c for c in cols if c.role in BY_ID]
    matcher = _Matcher(catalog)
    entries: dict[str, tuple[str, dict[str, tuple[bool | None, str, list[str]]], list[str]]] = {}
    unmatched: list[str] = []
    warnings: list[str] = []
    rows = 0
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        rows += 1

        def cell(r: str, row: list[str] = row) -> str:
            i = role.get(r)
            return row[i].strip() if i is not None and i < len(row) else ""

        category = (re.match(r"^\s*(\d+(?:\.\d+)?)", cell("category")) or [None, ""])[1] or ""
        ds_name, url = cell("name"), cell("url")
        hit = matcher.match(key=cell("key"), url=url, name=ds_name, category=category)
        if hit is None:
            unmatched.append(f"{path}:{line}: {ds_name or url!r} matches no single catalog dataset")
            continue
        key, entry = hit
        reason = f"survey {path.name}, line {line}"
        if cell("reviewer"):
            reason += f", reviewer {cell('reviewer')}"
        if cell("comment"):
            reason += f": {cell('comment')}"
        links = [url] if url.lower().startswith(("http://", "https://")) else []
        answers: dict[str, tuple[bool | None, str, list[str]]] = {}
        blanks = []
        for c in qcols:
            raw = row[c.index] if c.index < len(row) else ""
            try:
                value = parse_answer(raw)
            except ValueError as exc:
                raise InputError(f"{path}:{line}:{c.index + 1}: {c.role}: {exc}") from None
            if value is None:
                blanks.append(c.role)
            else:
                answers[c.role] = (value, reason, links)
        sheet_score = cell("score")
        if sheet_score:
            try:
                given = float(sheet_score)
            except ValueError:
                given = math.nan
            flat = sum(DEFAULT_POINTS[q] for q, (v, _, _) in answers.items() if v)
            if not math.isnan(given) and abs(given - flat) > 0.01:
                warnings.append(f"{path}:{line}: the sheet's 分數 {given:g} differs from the flat score of its answers ({flat:g})")
        notes = [f"line {line}: {ds_name}" + (f" · unanswered: {', '.join(blanks)}" if blanks else "")]
        if key in entries:
            prev_name, prev_answers, prev_notes = entries[key]
            same = {q: v for q, (v, _, _) in prev_answers.items()} == {q: v for q, (v, _, _) in answers.items()}
            if not same:
                warnings.append(f"{path}:{line}: {ds_name!r} is the same snapshot dataset ({key}) as an earlier row with other answers; the earlier row is kept")
            entries[key] = (prev_name if ds_name in prev_name else f"{prev_name} / {ds_name}", prev_answers, prev_notes + notes)
            continue
        entries[key] = (entry.name, answers, notes)

    if not entries:
        raise InputError(f"{path}: no row matches a dataset of catalog {catalog.name}")
    blocks: list[str] = []
    for key, (ds_name, answers, notes) in entries.items():
        entry_key = key[3:] if key.startswith("tw:") else key
        blocks += template.manual_block(entry_key, ds_name, answers, notes)
    mapping = [f"column {c.index + 1} {c.header!r} -> {c.role}" for c in cols]
    rubric_name = name or f"{catalog.name}-{path.stem}"
    yaml_text = template.render(
        name=rubric_name, title=f"{catalog.title}: survey {path.name}", catalog=catalog_ref, method="flat",
        notes=[f"Imported from {path.name} by `odaudit rubric import`: every answer is manual, with the sheet line as its reason.",
               "Score it without a snapshot: odaudit score --rubric THIS_FILE --out DIR", "Columns:", *mapping,
               *(f"unmatched: {u}" for u in unmatched)],
        datasets=blocks,
    )
    return SurveyImport(yaml_text, cols, sum(len(n) for _, _, n in entries.values()), rows, unmatched, warnings)
