"""`rubric merge`: several reviewers' rubrics of one catalog → one rubric, the agreement between
them, and every disagreement with each reviewer's answer and reason.

Reviewers are named by their rubric files (`A.yaml` → A). The rubrics must agree on everything but
the answers: catalog, method, points, weights and the readiness and impact items; a difference is
refused, named. A unit (a dataset's answer to one question, or one judged item) answered alike by
all who answered it is taken; a disagreement is settled by the adjudicator's rubric where it
answers that unit, else by the rule: `majority` (a value given by more reviewers than any other),
`first` (the first rubric on the command line that answers it) or `unresolved`. What is not settled
stays unanswered and is listed. The merged rubric's reasons and comments say who said what.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from .agreement import alpha, pairable, percent_agreement
from .questions import QUESTION_IDS
from .rubric import AgreementRow, Judged, Rubric
from .writer import plain

RESOLVE = ("majority", "first", "unresolved")
JUDGED = "judged"
ALL = "all"
DISAGREEMENT_COLUMNS = ("unit", "name", "question", "reviewer", "answer", "reason", "resolution", "merged")
AGREEMENT_COLUMNS = ("question", "items", "reviewers", "percent_agreement", "alpha")


@dataclass
class Said:
    reviewer: str
    value: Any  # bool for answers, float for judged items
    reason: str
    links: list[str] = field(default_factory=list)


@dataclass
class MergeResult:
    rubric: Rubric
    agreement: list[AgreementRow]
    disagreements: pd.DataFrame
    unresolved: list[str]
    answer_notes: dict[tuple[str, str], list[str]]


def reviewer_names(paths: list[Path]) -> list[str]:
    names: list[str] = []
    for p in paths:
        base = p.stem or "reviewer"
        name, i = base, 2
        while name in names:
            name, i = f"{base}-{i}", i + 1
        names.append(name)
    return names


def _structure(j: Judged | None) -> Any:
    if j is None:
        return None
    return [(c.id, c.name, c.weight, [(it.id, it.name) for it in c.items]) for c in j.components]


def check_same_frame(named: list[tuple[str, Rubric]]) -> None:
    """Refuse rubrics that do not share a catalog and a question set, naming the difference."""
    first_name, first = named[0]
    base_catalog = first.resolve_catalog()
    for name, r in named:
        if r.merged is not None:
            raise InputError(f"{r.path or name}: is itself a merge of {', '.join(r.merged.reviewers)}; merge the reviewers' own rubrics")
    for name, r in named[1:]:
        where = r.path or name
        if r.resolve_catalog() != base_catalog:
            raise InputError(f"{where}: catalog {r.catalog!r} is not the catalog of {first.path or first_name} ({first.catalog!r}); "
                             "only rubrics of the same catalog can be merged")
        checks = [("method", r.method, first.method), ("points", r.question_points, first.question_points),
                  ("odb options", plain(r)["odb"], plain(first)["odb"]), ("weights", plain(r)["weights"], plain(first)["weights"]),
                  ("category weights", r.implementation.category_weights, first.implementation.category_weights),
                  ("readiness items", _structure(r.readiness), _structure(first.readiness)),
                  ("impact items", _structure(r.impact), _structure(first.impact))]
        for what, mine, theirs in checks:
            if mine != theirs:
                raise InputError(f"{where}: {what} differ from {first.path or first_name}'s ({_short(mine)} vs {_short(theirs)}); "
                                 "only rubrics of the same question set can be merged")


def _short(x: Any) -> str:
    text = str(x)
    return text if len(text) <= 120 else text[:119] + "…"


def _keys(rubric: Rubric) -> tuple[dict[str, str], dict[str, str]]:
    """Rubric refs → one spelling per dataset (the catalog key without `tw:`); and the catalog's names."""
    from .engine import catalog_frame, resolve_manual

    def short(k: str) -> str:
        return k[3:] if k.startswith("tw:") else k

    if rubric.whole_portal:
        return {ref: short(ref) for ref in rubric.datasets}, {}
    frame = catalog_frame(rubric.resolve_catalog())
    keys = resolve_manual(rubric, frame)
    return {ref: short(k) for ref, k in keys.items()}, {short(k): n for k, n in zip(frame["key"], frame["name"], strict=True)}


def _units(named: list[tuple[str, Rubric]]) -> tuple[dict[tuple[str, str], list[Said]], dict[str, str]]:
    """(dataset key, question) or (item id, "judged") → what each reviewer said; and dataset names."""
    units: dict[tuple[str, str], list[Said]] = {}
    names: dict[str, str] = {}
    for reviewer, r in named:
        keys, catalog_names = _keys(r)
        for ref, key in keys.items():
            entry = r.datasets[ref]
            names.setdefault(key, catalog_names.get(key) or entry.name)
            for q, ans in entry.answers.items():
                if ans.answer is not None:
                    units.setdefault((key, q), []).append(Said(reviewer, ans.answer, ans.reason, list(ans.evidence)))
        for j in (r.readiness, r.impact):
            for c in j.components if j else ():
                for it in c.items:
                    if it.score is not None:
                        units.setdefault((it.id, JUDGED), []).append(Said(reviewer, it.score, it.evidence, list(it.links)))
    return units, names


def agreement_table(units: dict[tuple[str, str], list[Said]]) -> list[AgreementRow]:
    def row(question: str, values: list[list[float]], level: str) -> AgreementRow:
        us = pairable(values)
        who = {s.reviewer for (_k, q), said in units.items() if (q == question or question == ALL and q != JUDGED) and len(said) >= 2 for s in said}
        pa = percent_agreement(us)
        a = alpha(us, level)
        return AgreementRow(question=question, items=len(us), reviewers=len(who),
                            percent_agreement=None if pa is None else round(pa, 6), alpha=None if a is None else round(a, 6))

    def values(pred: Any) -> list[list[float]]:
        return [[float(s.value) for s in said] for (_k, q), said in units.items() if pred(q)]

    rows = [row(q, values(lambda x, q=q: x == q), "nominal") for q in QUESTION_IDS]
    rows.append(row(JUDGED, values(lambda x: x == JUDGED), "interval"))
    rows.append(row(ALL, values(lambda x: x != JUDGED), "nominal"))
    return rows


def _settle(said: list[Said], rule: str, adjudicator: Said | None) -> tuple[Any, str]:
    """(value or None, how it was settled)."""
    values = [s.value for s in said]
    if len(set(values)) == 1:
        return values[0], "agreed" if len(said) > 1 else "one reviewer"
    if adjudicator is not None:
        return adjudicator.value, f"adjudicator {adjudicator.reviewer}"
    if rule == "first":
        return said[0].value, f"first ({said[0].reviewer})"
    if rule == "majority":
        (top, n), *rest = Counter(values).most_common()
        if not rest or rest[0][1] < n:
            return top, "majority"
    return None, "unresolved"


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    return "" if v is None else f"{v:g}"


def merge_rubrics(named: list[tuple[str, Rubric]], *, rule: str, adjudicator: tuple[str, Rubric] | None = None,
                  name: str | None = None, catalog_ref: str | None = None) -> MergeResult:
    if rule not in RESOLVE:
        raise InputError(f"--resolve {rule}: use one of {', '.join(RESOLVE)}")
    if len(named) < 2:
        raise InputError("rubric merge needs at least two reviewers' rubrics")
    check_same_frame(named + ([adjudicator] if adjudicator else []))
    units, names = _units(named)
    adj_units = _units([adjudicator])[0] if adjudicator else {}
    agreement = agreement_table(units)
    first = named[0][1]
    datasets: dict[str, dict[str, Any]] = {}
    scores: dict[str, tuple[Any, str, list[str]]] = {}
    notes: dict[tuple[str, str], list[str]] = {}
    rows, unresolved = [], []
    for (key, q), said in units.items():
        adj = (adj_units.get((key, q)) or [None])[0]
        value, how = _settle(said, rule, adj)
        who = "; ".join(f"{s.reviewer}: {_fmt(s.value)}" + (f" ({s.reason})" if s.reason else "") for s in said)
        text = f"{how}. {who}" + (f"; adjudicator {adj.reviewer}: {_fmt(adj.value)} ({adj.reason})" if adj and how.startswith("adjudicator") else "")
        links = list(dict.fromkeys(u for s in said for u in s.links))
        label = f"{key} {q}" if q != JUDGED else f"judged item {key}"
        if len({s.value for s in said}) > 1:
            rows += [(key, names.get(key, ""), q, s.reviewer, _fmt(s.value), s.reason, how, _fmt(value)) for s in said]
            notes[(key, q)] = [f"{label}: {how}: " + ", ".join(f"{s.reviewer} {_fmt(s.value)}" for s in said)]
        if value is None:
            unresolved.append(f"{label}: " + ", ".join(f"{s.reviewer} {_fmt(s.value)}" for s in said))
        if q == JUDGED:
            scores[key] = (value, text, links)
        else:
            entry = datasets.setdefault(key, {"name": names.get(key, ""), "answers": {}})
            entry["answers"][q] = {"answer": value, "reason": text, "evidence": links}
    doc = json_doc(first)
    for sub in ("readiness", "impact"):
        for c in (doc.get(sub) or {}).get("components", []):
            for it in c["items"]:
                value, text, links = scores.get(it["id"], (None, "", []))
                it.update(score=value, evidence=text, links=links)
    order = {k: i for i, k in enumerate(_catalog_order(first))}
    doc["datasets"] = {k: datasets[k] for k in sorted(datasets, key=lambda k: (order.get(k, len(order)), k))}
    doc["name"] = name or f"{first.name}-merged"
    if catalog_ref is not None:
        doc["catalog"] = catalog_ref
    resolved_by = rule if adjudicator is None else f"adjudicator {adjudicator[0]}, else {rule}"
    doc["merged"] = {"reviewers": [n for n, _ in named], "resolve": resolved_by,
                     "agreement": [a.model_dump() for a in agreement], "unresolved": len(unresolved)}
    merged = Rubric.model_validate(doc)
    frame = pd.DataFrame.from_records(rows, columns=list(DISAGREEMENT_COLUMNS))
    return MergeResult(merged, agreement, frame, unresolved, notes)


def json_doc(r: Rubric) -> dict[str, Any]:
    doc = plain(r)
    doc.pop("merged", None)
    return doc


def _catalog_order(r: Rubric) -> list[str]:
    if r.whole_portal:
        return []
    from .engine import catalog_frame

    return [k[3:] if k.startswith("tw:") else k for k in catalog_frame(r.resolve_catalog())["key"]]


def agreement_frame(rows: list[AgreementRow]) -> pd.DataFrame:
    return pd.DataFrame.from_records([(a.question, a.items, a.reviewers, a.percent_agreement, a.alpha) for a in rows],
                                     columns=list(AGREEMENT_COLUMNS))
