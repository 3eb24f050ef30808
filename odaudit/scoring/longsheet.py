"""Long survey sheets → rubric YAML: one row per answer (place, question id, response, justification).

The Open Data Barometer publishes its expert survey this way (`Country,Question ID,Response,
Justification,Supporting0,…`). A dataset question id `ODB.2013.D4.c` names the ODB dataset D4 and
the checklist question c (a-j = exists … linked, questions.py); other ids (the readiness and impact
questions, `ODB.2013.C1`) are not dataset answers and are listed, not imported. `--place` selects
one place: a rubric is one place's answers. Rows are matched to the catalog by the code that begins
each dataset's name (`D4 National statistics` in the bundled odb-2014 catalog).

With method `odb` the imported answers score as `dataScore()` in the Web Foundation's odb2014.r: an
unanswered question counts as no, as a 0 does there. Where dataScore() would read a question the
sheet does not answer (it stops at the first no of a and b, and at c), the import warns.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ..catalog import Catalog
from ..errors import InputError
from . import template
from .importer import Column, SurveyImport, norm
from .questions import QUESTIONS
from .rubric import parse_answer

DEFAULT_CATALOG = "odb-2014"
_ROLES = {
    "place": ("place", "country", "國家", "地區"),
    "question": ("question id", "question_id", "question.id", "questionid", "question", "題號"),
    "response": ("response", "answer", "回答", "答案"),
    "justification": ("justification", "reason", "理由"),
}
_SUPPORTING = re.compile(r"^supporting\s*\d*$")
_DATASET_Q = re.compile(r"^ODB\.(\d{4})\.(D\d+)\.([A-Za-z])$")
_CODE = re.compile(r"^(D\d+)\s")
BY_LETTER = {q.letter: q for q in QUESTIONS}


def _roles(header: list[str]) -> dict[str, str]:
    out = {}
    for h in header:
        low = norm(h).lower()
        for role, names in _ROLES.items():
            if low in names:
                out[h] = role
        if _SUPPORTING.match(low):
            out[h] = "supporting"
    return out


def is_long_sheet(path: Path) -> bool:
    """A CSV whose header names a place column and a question-id column."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    roles = set(_roles(header).values())
    return {"place", "question"} <= roles


def map_long_columns(header: list[str], path: Path) -> list[Column]:
    cols: list[Column] = []
    seen: dict[str, int] = {}
    roles = _roles(header)
    for i, h in enumerate(header):
        role = roles.get(h)
        if role is None:
            raise InputError(f"{path}: row 1, column {i + 1}: column {norm(h)!r} is not a column of a long sheet "
                             "(place, question id, response, justification, supporting…)")
        if role != "supporting" and role in seen:
            raise InputError(f"{path}: row 1, column {i + 1}: column {norm(h)!r} maps to {role}, already given by column {seen[role] + 1}")
        seen[role] = i
        cols.append(Column(i, norm(h), role))
    for role in ("place", "question", "response"):
        if role not in seen:
            raise InputError(f"{path}: row 1: no {role} column (a long sheet has place, question id, response, justification)")
    return cols


def _codes(catalog: Catalog) -> dict[str, str]:
    """Dataset code (D4) → catalog dataset name."""
    out = {}
    for _c, d in catalog.entries():
        m = _CODE.match(d.name)
        if m:
            out[m.group(1)] = d.name
    if not out:
        raise InputError(f"catalog {catalog.name}: no dataset name begins with an ODB code (D1 …); use --catalog odb-2014")
    return out


def _read(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save the sheet as UTF-8 CSV") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{path}: row 1: the sheet is empty") from None
    rows = []
    start = reader.line_num + 1
    for row in reader:
        rows.append((start, row))
        start = reader.line_num + 1
    return header, rows


def import_long(path: str | Path, catalog: Catalog, *, catalog_ref: str, place: str | None, name: str | None = None) -> SurveyImport:
    path = Path(path)
    header, rows = _read(path)
    cols = map_long_columns(header, path)
    idx = {c.role: c.index for c in cols if c.role != "supporting"}
    support = [c.index for c in cols if c.role == "supporting"]
    codes = _codes(catalog)

    def cell(row: list[str], i: int) -> str:
        return row[i].strip() if i < len(row) else ""

    places: dict[str, int] = {}
    for line, row in rows:
        p = cell(row, idx["place"])
        if p:
            places.setdefault(p, line)
    if place is None:
        if len(places) != 1:
            raise InputError(f"{path}: the sheet holds {len(places)} places ({', '.join(list(places)[:10])}{' …' if len(places) > 10 else ''}); "
                             "choose one with --place")
        place = next(iter(places))
    elif place not in places:
        raise InputError(f"{path}: --place {place}: no row of that place (places: {', '.join(list(places)[:10])}{' …' if len(places) > 10 else ''})")

    answers: dict[str, dict[str, tuple[bool | None, str, list[str]]]] = {}
    seen: dict[tuple[str, str], int] = {}
    skipped: list[str] = []
    n_rows = 0
    for line, row in rows:
        if not any(c.strip() for c in row) or cell(row, idx["place"]) != place:
            continue
        n_rows += 1
        qid = cell(row, idx["question"])
        m = _DATASET_Q.match(qid)
        if m is None:
            skipped.append(qid or f"(empty, line {line})")
            continue
        code, letter = m.group(2), m.group(3).lower()
        if letter not in BY_LETTER:
            raise InputError(f"{path}: row {line}, column {idx['question'] + 1}: question {qid!r}: the checklist letters are a-j")
        if code not in codes:
            raise InputError(f"{path}: row {line}, column {idx['question'] + 1}: dataset {code} is not in catalog {catalog.name}")
        q = BY_LETTER[letter].id
        if (code, q) in seen:
            raise InputError(f"{path}: row {line}, column {idx['question'] + 1}: {qid} for {place} is also on row {seen[code, q]}")
        seen[code, q] = line
        raw = cell(row, idx["response"])
        try:
            value = parse_answer(raw)
        except ValueError as exc:
            raise InputError(f"{path}: row {line}, column {idx['response'] + 1}: {qid}: {exc}") from None
        texts = [cell(row, i) for i in ([idx["justification"]] if "justification" in idx else []) + support]
        said = " · ".join(t for t in texts if t)
        reason = f"{path.name} row {line} ({place}, {qid})" + (f": {said}" if said else "")
        answers.setdefault(codes[code], {})[q] = (value, reason, [])
    if not answers:
        raise InputError(f"{path}: no dataset answer (ODB.YYYY.Dn.x) for {place}")
    warnings = _unread(answers, place)
    if skipped:
        shown = ", ".join(sorted(set(skipped))[:8])
        warnings.append(f"{path}: {len(skipped)} rows of {place} are not dataset checklist answers and were not imported ({shown}{' …' if len(set(skipped)) > 8 else ''})")
    blocks: list[str] = []
    for ds_name in codes.values():  # catalog order
        if ds_name in answers:
            blocks += template.manual_block(ds_name, ds_name, answers[ds_name], [f"{place}: {ds_name}"])
    rubric_name = name or f"{catalog.name}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', place).strip('-').lower() or 'place'}"
    text = template.render(
        name=rubric_name, title=f"{catalog.title}: {place}", catalog=catalog_ref, method="odb",
        notes=[f"Imported from {path.name} (place {place}) by `odaudit rubric import`: every answer is manual, with the sheet row as its reason.",
               "Score it without a snapshot: odaudit score --rubric THIS_FILE --out DIR"],
        datasets=blocks,
    )
    return SurveyImport(text, cols, n_rows - len(skipped), n_rows, [], warnings)


def _unread(answers: dict[str, dict[str, tuple[bool | None, str, list[str]]]], place: str) -> list[str]:
    """Questions dataScore() reads that the sheet leaves unanswered (counted as no)."""
    out = []
    for ds, a in answers.items():
        def yes(q: str, a: dict = a) -> bool:
            return bool(a.get(q, (None,))[0])

        needed = ["exists"]
        if yes("exists"):
            needed.append("online")
            if yes("online"):
                needed += ["up_to_date", "machine_readable"]
                if yes("machine_readable"):
                    needed += ["bulk", "free", "open_licence", "sustained", "findable", "linked"]
        missing = [q for q in needed if a.get(q, (None,))[0] is None]
        if missing:
            out.append(f"{place}, {ds}: {', '.join(missing)} unanswered where dataScore() reads them; counted as no")
    return out
