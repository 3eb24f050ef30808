"""The weight tree: barometer = Σ weight × sub-index; sub-index = weighted mean of components;
component = mean of its items (readiness, impact: researchers' 0–10 × 10) or, for
implementation, one component per catalog category = mean of its datasets' scores.

A judged item left unanswered (null) is never invented: its component, sub-index and the
barometer become None ("incomplete") and the report says which items are missing.
"""

from __future__ import annotations

import math

import pandas as pd

from ..errors import InputError
from .model import Node
from .rubric import TOLERANCE, Judged, Rubric

SUBINDEXES = ("readiness", "implementation", "impact")


def _mean(values: list[float | None]) -> float | None:
    if not values or any(v is None for v in values):
        return None
    return math.fsum(values) / len(values)  # type: ignore[arg-type]


def _weighted(pairs: list[tuple[float, float | None]]) -> float | None:
    used = [(w, s) for w, s in pairs if w > 0]
    if any(s is None for _, s in used):
        return None
    return math.fsum(w * s for w, s in used)  # type: ignore[operator]


def _judged(name: str, judged: Judged, weight: float) -> list[Node]:
    n = len(judged.components)
    shares = [c.weight if c.weight is not None else 1 / n for c in judged.components]
    comps: list[Node] = []
    items: list[Node] = []
    for comp, share in zip(judged.components, shares, strict=True):
        cid = f"{name}/{comp.id}"
        k = len(comp.items)
        leaf_scores: list[float | None] = []
        for it in comp.items:
            score = None if it.score is None else it.score * 10
            leaf_scores.append(score)
            items.append(Node("item", f"{cid}/{it.id}", it.name, cid, 1 / k, weight * share / k, score,
                              int(score is not None), 1, "" if score is not None else "unanswered", it.evidence, tuple(it.links)))
        answered = sum(s is not None for s in leaf_scores)
        comps.append(Node("component", cid, comp.name, name, share, weight * share, _mean(leaf_scores), answered, k,
                          "" if answered == k else f"{k - answered} of {k} items unanswered"))
    score = _weighted([(c.weight, c.score) for c in comps])
    answered = sum(c.answered for c in comps)
    leaves = sum(c.leaves for c in comps)
    sub = Node("subindex", name, name, "barometer", weight, weight, score, answered, leaves,
               "" if answered == leaves else f"{leaves - answered} of {leaves} items unanswered")
    out = [sub]
    for c in comps:
        out.append(c)
        out.extend(i for i in items if i.parent == c.id)
    return out


def category_shares(rubric: Rubric, categories: list[tuple[str, str]], counts: dict[str, int]) -> dict[str, float]:
    given = rubric.implementation.category_weights
    ids = [cid for cid, _ in categories]
    if given is None:
        scored = [cid for cid in ids if counts.get(cid, 0) > 0]
        return {cid: (1 / len(scored) if cid in scored else 0.0) for cid in ids}
    unknown = sorted(set(given) - set(ids))
    if unknown:
        raise InputError(f"{rubric.where('implementation', 'category_weights', unknown[0])}: category {unknown[0]!r} is not in the catalog")
    missing = [cid for cid in ids if cid not in given]
    if missing:
        raise InputError(f"{rubric.where('implementation', 'category_weights')}: no weight for catalog categor{'y' if len(missing) == 1 else 'ies'} {', '.join(missing)}")
    empty = [cid for cid in ids if given[cid] > 0 and counts.get(cid, 0) == 0]
    if empty:
        raise InputError(f"{rubric.where('implementation', 'category_weights', empty[0])}: category {empty[0]} has a weight but no datasets to score")
    return {cid: given[cid] for cid in ids}


def build_tree(rubric: Rubric, categories: list[tuple[str, str]], datasets: pd.DataFrame) -> list[Node]:
    """Nodes top down: barometer, then each sub-index followed by its components and items.

    `categories` is [(id, name)] in catalog order; `datasets` has columns `category`, `score`.
    """
    w = rubric.weights
    weights = {"readiness": w.readiness, "implementation": w.implementation, "impact": w.impact}
    body: list[Node] = []
    for name in SUBINDEXES:
        if name == "implementation":
            body.extend(_implementation(rubric, categories, datasets, weights[name]))
        else:
            judged = getattr(rubric, name)
            if judged is None:
                body.append(Node("subindex", name, name, "barometer", 0.0, 0.0, None, 0, 0, "not assessed (weight 0)"))
            else:
                body.extend(_judged(name, judged, weights[name]))
    subs = [n for n in body if n.level == "subindex"]
    score = _weighted([(n.weight, n.score) for n in subs])
    missing = [n.id for n in subs if n.weight > 0 and n.score is None]
    note = "" if not missing else "incomplete: unanswered items in " + ", ".join(missing)
    answered = sum(n.answered for n in subs)
    leaves = sum(n.leaves for n in subs)
    assert abs(sum(weights.values()) - 1) <= TOLERANCE
    return [Node("barometer", "barometer", "barometer", "", 1.0, 1.0, score, answered, leaves, note), *body]


def _implementation(rubric: Rubric, categories: list[tuple[str, str]], datasets: pd.DataFrame, weight: float) -> list[Node]:
    grouped = datasets.groupby("category", sort=False)["score"]
    means = grouped.mean().to_dict()
    counts = grouped.size().to_dict()
    shares = category_shares(rubric, categories, counts)
    cats: list[Node] = []
    for cid, cname in categories:
        n = int(counts.get(cid, 0))
        score = float(means[cid]) if n else None
        cats.append(Node("category", f"implementation/{cid}", cname, "implementation", shares[cid], weight * shares[cid],
                         score, n, n, "" if n else "no datasets (not counted)"))
    score = _weighted([(c.weight, c.score) for c in cats]) if any(c.weight > 0 for c in cats) else None
    n = sum(c.leaves for c in cats)
    sub = Node("subindex", "implementation", "implementation", "barometer", weight, weight, score, n, n,
               "" if score is not None else "no datasets")
    return [sub, *cats]
