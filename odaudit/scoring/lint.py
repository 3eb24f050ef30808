"""`rubric check`: everything scoring would reject, without scoring."""

from __future__ import annotations

from dataclasses import dataclass

from ..catalog import Catalog
from .engine import catalog_frame, resolve_manual
from .rubric import Rubric
from .tree import category_shares


@dataclass(frozen=True)
class RubricCheck:
    name: str
    catalog: str
    method: str
    #: None for the whole portal (`catalog: all`): its datasets are the snapshot's
    datasets_in_catalog: int | None
    datasets_answered: int
    manual_answers: int
    items_answered: int
    items_total: int


def check_rubric(rubric: Rubric, catalog: Catalog) -> RubricCheck:
    """Raise InputError (`file:line:col: message`) on the first problem; else a summary.

    For the whole portal (`catalog: all`) the dataset keys cannot be checked without the
    snapshot: `score` matches them. Its datasets form one category (id ""), as in scoring."""
    if rubric.whole_portal:
        category_shares(rubric, [("", "whole portal")], {"": 1})
        in_catalog, answered = None, len(rubric.datasets)
    else:
        frame = catalog_frame(catalog)
        answered = len(resolve_manual(rubric, frame))
        counts = frame.groupby("category").size().to_dict()
        category_shares(rubric, [(c.id, c.name) for c in catalog.categories], counts)
        in_catalog = frame["key"].nunique()
    items = [it for j in (rubric.readiness, rubric.impact) if j is not None for c in j.components for it in c.items]
    return RubricCheck(
        name=rubric.name, catalog=catalog.name, method=rubric.method,
        datasets_in_catalog=in_catalog, datasets_answered=answered,
        manual_answers=sum(1 for e in rubric.datasets.values() for a in e.answers.values() if a.answer is not None),
        items_answered=sum(1 for it in items if it.score is not None), items_total=len(items),
    )
