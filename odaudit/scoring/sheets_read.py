"""Reading a reviewer sheet's cells back into a rubric (see sheets.py for the layout)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..catalog import Catalog, load_catalog
from ..errors import InputError
from .questions import QUESTION_IDS
from .rubric import Rubric, parse_answer
from .sheets import (
    DATASETS,
    FORMAT,
    FORMAT_VERSION,
    JUDGED,
    SETTINGS,
    Cells,
    _number,
    _text,
    relative_catalog,
)

_NUMERIC = {"format_version", "odb.outdated_penalty", *(f"points.{q}" for q in QUESTION_IDS),
            "weights.readiness", "weights.implementation", "weights.impact"}
_REQUIRED = ("format", "format_version", "name", "title", "catalog", "catalog_path", "method", "odb.outdated_penalty",
             "odb.penalty_when", *(f"points.{q}" for q in QUESTION_IDS), "weights.readiness", "weights.implementation",
             "weights.impact", "category_weights", "merged")


def _rows(cells: Cells, csv_form: bool) -> list[tuple[int, list[str | Any]]]:
    """Non-empty rows, each padded to the header's width."""
    out = []
    width = len([h for h in cells.header if h not in (None, "")])
    for r, values in cells.rows:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if len(values) > width and any(v not in (None, "") for v in values[width:]):
            col = next(i for i in range(width, len(values)) if values[i] not in (None, ""))
            raise cells.fail(r, col, "a value outside the sheet's columns")
        out.append((r, (list(values) + [None] * width)[:width]))
    return out


def _settings(cells: Cells, csv_form: bool) -> dict[str, Any]:
    got: dict[str, Any] = {}
    for r, (key_cell, value) in _rows(cells, csv_form):
        key = _text(cells, r, 0, key_cell, csv_form=csv_form).strip()
        if key not in _REQUIRED:
            raise cells.fail(r, 0, f"unknown setting {key!r}")
        if key in got:
            raise cells.fail(r, 0, f"setting {key!r} given twice")
        if key in _NUMERIC:
            got[key] = _number(cells, r, 1, value, lo=-1e12, hi=1e12, csv_form=csv_form, what=key)
        else:
            got[key] = _text(cells, r, 1, value, csv_form=csv_form)
    missing = [k for k in _REQUIRED if k not in got]
    if missing:
        raise InputError(f"{cells.path}: sheet {cells.sheet}: missing settings {', '.join(missing)} (not a sheet of `odaudit rubric export`?)")
    if got["format"] != FORMAT or got["format_version"] != FORMAT_VERSION:
        raise InputError(f"{cells.path}: sheet {cells.sheet}: format {got['format']!r} version {got['format_version']}: "
                         f"expected {FORMAT} version {FORMAT_VERSION}")
    return got


def _links(cells: Cells, r: int, c: int, value: Any, csv_form: bool) -> list[str]:
    links = [x.strip() for x in _text(cells, r, c, value, csv_form=csv_form).splitlines() if x.strip()]
    for u in links:
        if not u.lower().startswith(("http://", "https://")):
            raise cells.fail(r, c, f"link {u[:60]!r} must start with http:// or https:// (one link per line)")
    return links


def _datasets(cells: Cells, csv_form: bool) -> dict[str, dict[str, Any]]:
    col = {h: i for i, h in enumerate(cells.header)}
    out: dict[str, dict[str, Any]] = {}
    rows_of: dict[str, int] = {}
    for r, v in _rows(cells, csv_form):
        key = _text(cells, r, col["key"], v[col["key"]], csv_form=csv_form).strip()
        if not key:
            raise cells.fail(r, col["key"], "no dataset key")
        if key in rows_of:
            raise cells.fail(r, col["key"], f"dataset {key} is also on row {rows_of[key]}")
        rows_of[key] = r
        answers: dict[str, Any] = {}
        for q in QUESTION_IDS:
            ca, cr, cl = col[f"{q}.answer"], col[f"{q}.reason"], col[f"{q}.links"]
            raw = _text(cells, r, ca, v[ca], csv_form=csv_form)
            try:
                answer = parse_answer(raw)
            except ValueError as exc:
                raise cells.fail(r, ca, str(exc)) from None
            reason = _text(cells, r, cr, v[cr], csv_form=csv_form)
            links = _links(cells, r, cl, v[cl], csv_form)
            if answer is not None and not reason.strip():
                raise cells.fail(r, cr, f"{q}: an answer needs a reason (why the reviewer answers so)")
            if answer is not None or reason or links:
                answers[q] = {"answer": answer, "reason": reason, "evidence": links}
        note = _text(cells, r, col["note"], v[col["note"]], csv_form=csv_form)
        if answers or note:
            name = _text(cells, r, col["name"], v[col["name"]], csv_form=csv_form)
            out[key] = {"name": name, "answers": answers, **({"note": note} if note else {}), "_row": r}
    return out


def _judged(cells: Cells, csv_form: bool) -> dict[str, Any]:
    col = {h: i for i, h in enumerate(cells.header)}
    subs: dict[str, dict[str, dict[str, Any]]] = {}
    for r, v in _rows(cells, csv_form):
        def text(name: str, r: int = r, v: list[Any] = v) -> str:
            return _text(cells, r, col[name], v[col[name]], csv_form=csv_form)

        sub = text("subindex").strip()
        if sub not in ("readiness", "impact"):
            raise cells.fail(r, col["subindex"], f"subindex {sub!r}: readiness or impact")
        comps = subs.setdefault(sub, {})
        cid = text("component")
        weight = _number(cells, r, col["component_weight"], v[col["component_weight"]], lo=0, hi=1, csv_form=csv_form, what="weight")
        comp = comps.setdefault(cid, {"id": cid, "name": text("component_name"), "weight": weight, "items": []})
        score = _number(cells, r, col["score"], v[col["score"]], lo=0, hi=10, csv_form=csv_form, what="score")
        comp["items"].append({"id": text("item"), "name": text("item_name"), "score": score, "evidence": text("evidence"),
                              "links": _links(cells, r, col["links"], v[col["links"]], csv_form)})
    return {sub: {"components": list(comps.values())} for sub, comps in subs.items()}


def build_rubric(tables: dict[str, Cells], *, csv_form: bool, out: Path | None) -> tuple[Rubric, dict[str, Any]]:
    s = _settings(tables[SETTINGS], csv_form)
    datasets = _datasets(tables[DATASETS], csv_form)
    judged = _judged(tables[JUDGED], csv_form)
    rows = {k: d.pop("_row") for k, d in datasets.items()}
    doc: dict[str, Any] = {
        "version": 1, "name": s["name"], "title": s["title"], "catalog": relative_catalog(s["catalog"], s["catalog_path"], out),
        "method": s["method"], "odb": {"outdated_penalty": s["odb.outdated_penalty"], "penalty_when": s["odb.penalty_when"]},
        "points": {q: s[f"points.{q}"] for q in QUESTION_IDS},
        "weights": {w: s[f"weights.{w}"] for w in ("readiness", "implementation", "impact")},
        "readiness": judged.get("readiness"), "impact": judged.get("impact"),
        "implementation": {"category_weights": json.loads(s["category_weights"]) if s["category_weights"] else None},
        "datasets": datasets,
    }
    if s["merged"]:
        doc["merged"] = json.loads(s["merged"])
    try:
        rubric = Rubric.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"] if isinstance(p, int | str)]
        where = f"{tables[SETTINGS].path}: sheet {SETTINGS}"
        if loc and loc[0] == "datasets" and len(loc) > 1 and str(loc[1]) in rows:
            where = f"{tables[DATASETS].path}: sheet {DATASETS}, row {rows[str(loc[1])]}"
        elif loc and loc[0] in ("readiness", "impact"):
            where = f"{tables[JUDGED].path}: sheet {JUDGED}"
        raise InputError(f"{where}: {'.'.join(str(p) for p in loc)}: {err['msg']}") from None
    rubric._path = out if out is not None else Path.cwd() / "rubric.yaml"
    # The catalog is found where the sheet was exported (the new rubric's folder may not exist yet).
    catalog = None if rubric.whole_portal else (load_catalog(Path(s["catalog_path"])) if s["catalog_path"] else rubric.resolve_catalog())
    if catalog is not None:
        _check_keys(catalog, rubric, tables[DATASETS], rows)
    return rubric, {"catalog": catalog, "datasets": len(datasets), "answers": sum(len(d["answers"]) for d in datasets.values()),
                    "items": sum(1 for sub in judged.values() for c in sub["components"] for it in c["items"] if it["score"] is not None)}


def _check_keys(catalog: Catalog, rubric: Rubric, cells: Cells, rows: dict[str, int]) -> None:
    """Every answered row names a dataset of the catalog (a whole-portal rubric's are the snapshot's)."""
    from .engine import catalog_frame

    frame = catalog_frame(catalog)
    known = set(frame["key"]) | {i for i in frame["id"] if i} | {k[3:] for k in frame["key"] if k.startswith("tw:")}
    for key, r in rows.items():
        if key not in known:
            raise cells.fail(r, 0, f"dataset {key!r} is not in catalog {rubric.catalog}")
