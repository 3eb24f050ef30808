"""The CSV tables of a score run (columns documented in docs/scoring.md). UTF-8, `\\n` line
ends, a fixed column order, sorted rows, text neutralised against formula injection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import CSV_ENCODING
from ..scoring.model import FindingsView, ScoreResult
from ..scoring.questions import QUESTION_IDS
from .csvwrite import write_csv
from .i18n import t

DATASET_CSV = (
    "key", "id", "name", "category", "category_name", "kind", "in_snapshot", "fetch_status", "page", "title", "agency",
    "coverage", "coverage_reason", "n_resources", "resources_measured", "score", "method", "open", "quality",
    "quality_measured", "yes", "manual", "unanswered", "licence", "cost", "frequency", "published", "modified", "badge",
)
RESOURCE_CSV = ("key", "dataset", "index", "format", "url", "status", "error", "bytes", "coverage", "coverage_reason", "provenance")
RESOURCE_CHECKS = ("link", "downloadable", "format", "encoding", "structure", "fields", "machine_readable", "stars")
FINDING_CSV = ("dataset", "name", "resource", "url", "check", "outcome", "measured", "expected", "evidence", "provenance")
SCORE_CSV = ("level", "id", "name", "parent", "method", "weight", "total_weight", "score", "answered", "leaves", "note")
AGENCY_CSV = ("agency", "datasets", "datasets_measured", "resources", "quality_datasets", "quality_share", "open_datasets",
              "mean_score", "unanswered_share", "stars")
ANSWER_CSV = ("key", "name", "question", "answer", "source", "measured", "points", "reason", "links", "cites")


def _write(path: Path, frame: pd.DataFrame, columns: tuple[str, ...]) -> Path:
    return write_csv(path, frame.loc[:, list(columns)], CSV_ENCODING)


def _round(s: pd.Series, digits: int) -> pd.Series:
    return s.astype(float).round(digits)


def datasets_frame(r: ScoreResult) -> pd.DataFrame:
    d = r.datasets.copy()
    d["method"] = r.method
    d["score"] = _round(d["score"], 2)
    for c in ("in_snapshot", "open", "quality", "quality_measured"):
        d[c] = np.where(d[c].astype(bool), "yes", "no")
    d["resources_measured"] = d["resources_measured"].fillna(0).astype(int)
    return d


def resources_frame(r: ScoreResult) -> pd.DataFrame:
    """Resource records with one `check_<id>` column per resource-level check (its outcome)."""
    res = r.resources.sort_values("key", kind="stable")
    if r.resource_coverage is not None and len(res):
        res = res.join(r.resource_coverage.set_index("key")[["coverage", "coverage_reason"]], on="key")
    f = r.findings
    if not f.empty:
        rf = f.loc[(f["resource"] != "") & f["check"].astype(object).isin(RESOURCE_CHECKS), ["resource", "check", "outcome"]]
        wide = rf.drop_duplicates(["resource", "check"]).pivot(index="resource", columns="check", values="outcome")
        wide.columns = [f"check_{c}" for c in wide.columns]
        res = res.join(wide.astype(object), on="key")
    for c in resource_columns():
        if c not in res:
            res[c] = ""
        res[c] = res[c].fillna("") if c.startswith("check_") else res[c]
    return res


def resource_columns() -> tuple[str, ...]:
    return RESOURCE_CSV + tuple(f"check_{c}" for c in RESOURCE_CHECKS)


def _map(keys: pd.Series, mapper: pd.Series) -> pd.Series:
    """`keys.map(mapper)`, each distinct key looked up once (a million findings name 120,000 resources)."""
    codes, uniques = pd.factorize(keys, use_na_sentinel=False)
    mapped = pd.Series(uniques).map(mapper)
    return pd.Series(mapped.array.take(codes), index=keys.index, name=keys.name)


def findings_frame(r: FindingsView) -> pd.DataFrame:
    """The rows of findings.csv (and findings.jsonld): each finding with its dataset's name and its resource's provenance."""
    f = r.findings
    names = r.datasets.drop_duplicates("key").set_index("key")["name"]
    out = f.copy(deep=False)  # copy-on-write: setting a column leaves r.findings as it is
    out["check"] = out["check"].astype(object)
    out["outcome"] = out["outcome"].astype(object)
    out["name"] = _map(out["dataset"], names).fillna("")
    # A finding made from a replay's stand-in or converted body says so (not a measurement of the agency's file).
    prov = r.resources.set_index("key")["provenance"] if "provenance" in r.resources and len(r.resources) else pd.Series(dtype=object)
    out["provenance"] = _map(out["resource"], prov[prov.isin(("stand_in", "converted"))].astype(object)).astype(object).fillna("")
    return out


def scores_frame(r: ScoreResult) -> pd.DataFrame:
    rows = [(n.level, n.id, n.name, n.parent, r.method, n.weight, n.total_weight, n.score, n.answered, n.leaves, n.note) for n in r.nodes]
    nodes = pd.DataFrame.from_records(rows, columns=list(SCORE_CSV))
    d = r.datasets
    weights = {n.id: n.total_weight for n in r.nodes if n.level == "category"}
    size = d.groupby("category")["key"].transform("size")
    parent = "implementation/" + d["category"].astype(str)
    ds = pd.DataFrame({
        "level": "dataset", "id": d["key"], "name": d["name"], "parent": parent, "method": r.method,
        "weight": 1 / size, "total_weight": parent.map(weights).fillna(0) / size, "score": d["score"],
        "answered": 10 - d["unanswered"], "leaves": 10, "note": "",
    })
    out = pd.concat([nodes, ds], ignore_index=True)
    out["weight"] = _round(out["weight"], 6)
    out["total_weight"] = _round(out["total_weight"], 6)
    out["score"] = _round(out["score"], 2)
    return out


def agencies_frame(r: ScoreResult) -> pd.DataFrame:
    a = r.agencies.copy()
    a["quality_share"] = _round(a["quality_share"], 4)
    a["mean_score"] = _round(a["mean_score"], 2)
    a["unanswered_share"] = _round(a["unanswered_share"], 4)
    return a


def answers_frame(r: ScoreResult) -> pd.DataFrame:
    a = r.answers.copy()
    a["name"] = a["key"].map(r.datasets.drop_duplicates("key").set_index("key")["name"])
    a["points"] = _round(a["points"], 2)
    return a


PLATFORM_CSV = ("question", "label", "survey", "kind", "basis", "answer", "value", "n", "measured", "not_measured", "score",
                "evidence", "source")


def platform_frame(r: ScoreResult) -> pd.DataFrame:
    """platform.csv: one row per platform question (scoring/platform.py); labels in English, like every CSV."""
    p = r.platform.frame()
    p["label"] = [t(f"pq_{q}", "en") for q in p["question"]]
    for c in ("n", "measured", "not_measured"):
        p[c] = p[c].astype("Int64")
    p["score"] = _round(p["score"], 2)
    return p


AGREEMENT_CSV = ("question", "items", "reviewers", "percent_agreement", "alpha")
RATINGS_CSV = ("item", "name", "researchers", "public_mean", "n", "sd", "min", "max", "groups")
DISPUTES_CSV = ("id", "dataset", "name", "resource", "check", "question", "claim", "evidence", "links", "by", "decision", "reason", "effect")


def review_tables(r: ScoreResult, out: Path) -> list[Path]:
    """agreement.csv (a merged rubric), ratings.csv (--ratings), disputes.csv (--disputes), when given."""
    paths = []
    if r.merged is not None:
        rows = [(a.question, a.items, a.reviewers, a.percent_agreement, a.alpha) for a in r.merged.agreement]
        paths.append(_write(out / "agreement.csv", pd.DataFrame.from_records(rows, columns=list(AGREEMENT_CSV)), AGREEMENT_CSV))
    if r.ratings is not None:
        paths.append(_write(out / "ratings.csv", r.ratings, RATINGS_CSV))
    if r.disputes is not None:
        paths.append(_write(out / "disputes.csv", r.disputes, DISPUTES_CSV))
    return paths


def write_findings_csv(out: Path, findings: pd.DataFrame) -> Path:
    """findings.csv from `findings_frame(view)`."""
    return _write(out / "findings.csv", findings, FINDING_CSV)


def write_tables(r: ScoreResult, out: Path) -> list[Path]:
    """The CSV tables into `out`, but findings.csv (report/findings_files.py)."""
    assert tuple(QUESTION_IDS)  # answers are written in checklist order
    return [*review_tables(r, out),
        _write(out / "datasets.csv", datasets_frame(r), DATASET_CSV),
        _write(out / "resources.csv", resources_frame(r), resource_columns()),
        _write(out / "scores.csv", scores_frame(r), SCORE_CSV),
        _write(out / "agencies.csv", agencies_frame(r), AGENCY_CSV),
        _write(out / "answers.csv", answers_frame(r), ANSWER_CSV),
        _write(out / "platform.csv", platform_frame(r), PLATFORM_CSV),
    ]
