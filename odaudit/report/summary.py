"""summary.json: the headline figures of a score run, for those who reuse them (keys in the README)."""

from __future__ import annotations

import math
from typing import Any

from ..scoring.model import ScoreResult

SUMMARY_FORMAT = "odaudit-summary"


def _num(x: float | None, digits: int = 4) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), digits)


def summary_json(r: ScoreResult) -> dict[str, Any]:
    c = r.coverage
    qa = r.quality_adjusted
    res = r.resources
    node = {n.id: n for n in r.nodes}
    doc: dict[str, Any] = {
        "format": SUMMARY_FORMAT, "format_version": 1,
        "rubric": r.rubric_name, "method": r.method,
        "snapshot": {k: r.snapshot.get(k) for k in ("catalog", "started_at", "status", "rules_version")} if r.has_snapshot else None,
        "datasets": c.get("datasets", len(r.datasets.drop_duplicates("key"))),
        "datasets_measured": c.get("datasets_measured", 0),
        "datasets_partially_measured": c.get("datasets_partial", 0),
        "datasets_not_measured": c.get("datasets_not_measured", 0),
        "resources": c.get("resources", 0),
        "resources_measured": c.get("resources_measured", 0),
        "resources_not_measured": dict(c.get("resources_not_measured", [])),
        "blocked": int((res["error"] == "blocked").sum()) if len(res) else 0,
        "blocked_as_broken": r.blocked_as_broken,
        "quality_adjusted": qa.get("quality") if r.has_snapshot else None,
        "quality_measured": qa.get("measured") if r.has_snapshot else None,
        "quality_share": _num(qa["quality"] / qa["measured"]) if r.has_snapshot and qa.get("measured") else None,
        "open_datasets": int(r.datasets.drop_duplicates("key")["open"].sum()),
        "barometer": _num(node["barometer"].score, 2),
        "readiness": _num(node["readiness"].score, 2),
        "implementation": _num(node["implementation"].score, 2),
        "impact": _num(node["impact"].score, 2),
        "answers_unanswered_share": _num(float((r.answers["source"] == "unanswered").mean())) if len(r.answers) else None,
    }
    if r.platform is not None:
        doc["platform"] = platform_summary(r)
    if r.estimate is not None:
        doc["estimate"] = {k: (_num(v) if isinstance(v, float) else v) for k, v in r.estimate.as_dict().items()}
    return doc


def platform_summary(r: ScoreResult) -> dict[str, Any]:
    """The platform section's figures: its score (null until every question is answered or measured),
    the field shares measured (share, n, N, not measured) and the researchers' answers."""
    p = r.platform
    doc: dict[str, Any] = {"score": _num(p.score, 2), "score_answered": _num(p.score_answered, 2), "scored": p.scored,
                           "scorable": p.scorable, "adapter": p.adapter, "questions": {}}
    for row in p.rows:
        doc["questions"][row.question] = {"basis": row.basis, "answer": row.answer or None,
                             "value": (_num(float(row.value)) if row.basis == "measured" and row.kind == "field" else
                                       row.n if row.basis == "measured" else (row.value or None)),
                             "n": row.n, "measured": row.measured, "not_measured": row.not_measured}
    return doc
