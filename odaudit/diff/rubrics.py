"""One rubric for both sides of a diff: which one is applied, how the given ones differ, and
manual answers that only one side's catalog knows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..catalog import Catalog
from ..scoring.questions import DEFAULT_POINTS, QUESTION_IDS
from ..scoring.rubric import Rubric, load_rubric, rubric_from_dict
from ..scoring.template import OCF_IMPACT, OCF_READINESS

DEFAULT_RUBRIC_NAME = "default-flat"
#: `RubricChoice.source` when no rubric was given
DEFAULT_SOURCE = "defaults (method flat; no rubric given)"


@dataclass
class RubricChoice:
    rubric: Rubric
    #: how the applied rubric was chosen, e.g. "--new-rubric rubrics/2026.yaml" or "defaults (method flat)"
    source: str
    #: human-readable differences between --old-rubric and --new-rubric (empty when only one was given)
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def default_rubric(catalog_name: str) -> Rubric:
    """The defaults: method flat, ODB points, weights 35/35/30, the OCF readiness and impact items
    left unanswered (so the barometer is "not computed" and the implementation sub-index carries
    the comparison), no manual answers."""

    def judged(tree: tuple) -> dict:
        return {"components": [{"id": cid, "name": cname, "items": [{"id": iid, "name": iname, "score": None} for iid, iname, _ in items]}
                               for cid, cname, items in tree]}

    return rubric_from_dict({
        "name": DEFAULT_RUBRIC_NAME, "title": "odaudit defaults (flat method)", "catalog": catalog_name or "all",
        "method": "flat", "readiness": judged(OCF_READINESS), "impact": judged(OCF_IMPACT),
    })


def choose_rubric(rubric: Path | None, old_rubric: Path | None, new_rubric: Path | None, catalog_name: str) -> RubricChoice:
    """Load the given rubrics (errors are `file:line:col`), pick the one applied to both sides."""
    old = load_rubric(old_rubric) if old_rubric is not None else None
    new = load_rubric(new_rubric) if new_rubric is not None else None
    given = load_rubric(rubric) if rubric is not None else None
    differences = compare_rubrics(old, new) if old is not None and new is not None else []
    notes: list[str] = []
    if given is not None:
        choice, source = given, f"--rubric {rubric}"
        if old is not None or new is not None:
            notes.append(f"--rubric {rubric} is applied to both sides; --old-rubric/--new-rubric are only compared")
    elif new is not None:
        choice, source = new, f"--new-rubric {new_rubric}"
    elif old is not None:
        choice, source = old, f"--old-rubric {old_rubric}"
        notes.append("only --old-rubric was given: it is applied to both sides")
    else:
        choice, source = default_rubric(catalog_name), DEFAULT_SOURCE
    return RubricChoice(choice, source, differences, notes)


def _fmt(v: object) -> str:
    if v is None:
        return "unanswered"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def compare_rubrics(old: Rubric, new: Rubric, *, limit: int = 20) -> list[str]:
    """Where two rubrics would score differently: method, ODB options, points, weights, category
    weights, judged items, manual answers."""
    out: list[str] = []
    if old.method != new.method:
        out.append(f"method: old {old.method}, new {new.method}")
    if old.method == "odb" or new.method == "odb":
        for k in ("outdated_penalty", "penalty_when"):
            a, b = getattr(old.odb, k), getattr(new.odb, k)
            if a != b:
                out.append(f"odb.{k}: old {_fmt(a)}, new {_fmt(b)}")
    op, np_ = {**DEFAULT_POINTS, **old.points}, {**DEFAULT_POINTS, **new.points}
    for q in QUESTION_IDS:
        if op[q] != np_[q]:
            out.append(f"points.{q}: old {_fmt(op[q])}, new {_fmt(np_[q])}")
    for k in ("readiness", "implementation", "impact"):
        a, b = getattr(old.weights, k), getattr(new.weights, k)
        if a != b:
            out.append(f"weights.{k}: old {_fmt(a)}, new {_fmt(b)}")
    if old.implementation.category_weights != new.implementation.category_weights:
        out.append("implementation.category_weights differ")
    for name in ("readiness", "impact"):
        a, b = _items(getattr(old, name)), _items(getattr(new, name))
        diff = sorted(k for k in set(a) | set(b) if a.get(k, "absent") != b.get(k, "absent"))
        for k in diff[:limit]:
            out.append(f"{name} item {k}: old {_fmt(a.get(k, 'absent'))}, new {_fmt(b.get(k, 'absent'))}")
        if len(diff) > limit:
            out.append(f"{name}: {len(diff) - limit} more judged items differ")
    a, b = _manual(old), _manual(new)
    diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    if diff:
        shown = "; ".join(f"{ds} {q}: old {_fmt(a.get((ds, q)))}, new {_fmt(b.get((ds, q)))}" for ds, q in diff[:limit])
        more = f" (+{len(diff) - limit} more)" if len(diff) > limit else ""
        out.append(f"manual answers: {len(diff)} differ: {shown}{more}")
    return out


def _items(judged: object) -> dict[str, float | None]:
    if judged is None:
        return {}
    return {f"{c.id}/{it.id}": it.score for c in judged.components for it in c.items}  # type: ignore[attr-defined]


def _manual(r: Rubric) -> dict[tuple[str, str], bool | None]:
    return {(ref, q): a.answer for ref, entry in r.datasets.items() for q, a in entry.answers.items()}


def for_side(rubric: Rubric, catalog: Catalog, facts: list[tuple[str, str, str, str, str]], side: str) -> tuple[Rubric, list[str]]:
    """The applied rubric restricted to the manual answers this side can place.

    A manual answer names a dataset by key, portal id or unique name (as `score` resolves them); one
    for a dataset that only the other side has is dropped here (and said so) instead of failing.
    An ambiguous name is left in, so scoring reports it as the error it is.
    """
    if not rubric.datasets:
        return rubric, []
    keys: set[str] = set()
    ids: set[str] = set()
    names: dict[str, set[str]] = {}
    for _c, d, _pos, k in catalog.keyed_entries():
        keys.add(k)
        if d.id:
            ids.add(d.id)
        names.setdefault(d.name, set()).add(k)
    for key, ds_id, name, _kind, _sc in facts:
        keys.add(key)
        if ds_id:
            ids.add(ds_id)
        names.setdefault(name, set()).add(key)
    keep = {ref: e for ref, e in rubric.datasets.items() if ref in keys or ref in ids or ref in names}
    dropped = sorted(set(rubric.datasets) - set(keep))
    if not dropped:
        return rubric, []
    shown = ", ".join(dropped[:10]) + (f" (+{len(dropped) - 10} more)" if len(dropped) > 10 else "")
    note = f"manual answers for {len(dropped)} dataset(s) not in the {side} snapshot or its catalog are not applied there: {shown}"
    return rubric.model_copy(update={"datasets": keep}), [note]
