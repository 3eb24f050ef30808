"""`score --ratings FILE`: the public's 1-10 ratings of the readiness and impact items, next to the
researchers' 0-10 scores (as the 2017 report's website showed them).

The file is a CSV from any form tool: a column `item` (the rubric's item id: C2, I1, …), a column
`rating` (1-10) and optionally `group` (the respondent's own group: citizen, civil servant, …).
Other columns (a form tool's timestamp) are left aside and named in a warning. A blank rating is a
respondent who skipped the item: not counted, and said. Anything else that is not a number from 1
to 10, or an item the rubric does not have, is an error naming the line and column.
"""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections import Counter
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .importer import norm
from .rubric import Rubric

_ROLES = {"item": ("item", "item_id", "item id", "id", "項目", "題號"), "rating": ("rating", "score", "評分", "分數"),
          "group": ("group", "respondent_group", "respondent group", "群組", "身分")}
COLUMNS = ("item", "name", "researchers", "public_mean", "n", "sd", "min", "max", "groups")
LOW, HIGH = 1.0, 10.0


def judged_items(rubric: Rubric) -> list[tuple[str, str, float | None]]:
    """(id, name, researchers' score) of every readiness and impact item, in rubric order."""
    out = []
    for j in (rubric.readiness, rubric.impact):
        for c in j.components if j else ():
            out += [(it.id, it.name, it.score) for it in c.items]
    return out


def read_ratings(path: Path, rubric: Rubric) -> tuple[pd.DataFrame, list[str]]:
    """The ratings (item, rating, group) and warnings."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save the ratings as UTF-8 CSV") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise InputError(f"{path}:1: the file is empty")
    col: dict[str, int] = {}
    ignored = []
    for i, h in enumerate(header):
        role = next((r for r, names in _ROLES.items() if norm(h).lower() in names), None)
        if role is None:
            ignored.append(norm(h) or f"column {i + 1}")
        elif role in col:
            raise InputError(f"{path}:1:{i + 1}: column {norm(h)!r} is a second {role} column")
        else:
            col[role] = i
    for role in ("item", "rating"):
        if role not in col:
            raise InputError(f"{path}:1: no {role} column (the ratings need columns item and rating, and may have group)")
    known = {i for i, _n, _s in judged_items(rubric)}
    rows, blank = [], 0
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue

        def cell(role: str, row: list[str] = row) -> str:
            i = col.get(role)
            return row[i].strip() if i is not None and i < len(row) else ""

        item, raw = cell("item"), cell("rating")
        if item not in known:
            raise InputError(f"{path}:{line}:{col['item'] + 1}: item {item!r} is not a readiness or impact item of the rubric "
                             f"({', '.join(sorted(known)) or 'it has none'})")
        if not raw:
            blank += 1
            continue
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not LOW <= value <= HIGH:
            raise InputError(f"{path}:{line}:{col['rating'] + 1}: rating {raw[:40]!r}: a number from 1 to 10")
        rows.append((item, value, cell("group")))
    warnings = []
    if ignored:
        warnings.append(f"{path}: columns not used: {', '.join(ignored)}")
    if blank:
        warnings.append(f"{path}: {blank} rows without a rating (skipped items) are not counted")
    frame = pd.DataFrame.from_records(rows, columns=["item", "rating", "group"])
    frame.attrs["grouped"] = "group" in col
    return frame, warnings


def ratings_table(ratings: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """Per judged item: researchers' score, the public's mean, n, sample standard deviation (the
    spread; empty below two ratings), min, max, and respondents per group (`group n; …`)."""
    grouped = bool(ratings.attrs.get("grouped", True))
    out = []
    by_item = {k: g for k, g in ratings.groupby("item", sort=False)}
    for item, name, score in judged_items(rubric):
        g = by_item.get(item)
        values = [] if g is None else [float(v) for v in g["rating"]]
        groups = Counter("unspecified" if not x else x for x in ([] if g is None else g["group"]))
        out.append((item, name, score, statistics.fmean(values) if values else None, len(values),
                    statistics.stdev(values) if len(values) > 1 else None, min(values) if values else None,
                    max(values) if values else None, "; ".join(f"{k} {n}" for k, n in sorted(groups.items())) if grouped else ""))
    frame = pd.DataFrame.from_records(out, columns=list(COLUMNS))
    for c in ("public_mean", "sd"):
        frame[c] = frame[c].astype(float).round(4)
    return frame
