"""Scoring: rubric YAML + snapshot findings → Open Data Barometer-style scores with evidence.

    from odaudit.scoring import load_rubric, score_snapshot, load_rubric_catalog
    rubric = load_rubric("rubrics/ocf-2017.yaml")
    result = score_snapshot(Snapshot.open(path), rubric, load_catalog(snap.catalog_path()))
"""

from __future__ import annotations

from ..catalog import Catalog, load_catalog
from ..store import Snapshot
from .engine import score_snapshot, score_tables
from .methods import dataset_points, flat_points, is_open, odb_points, score_one
from .model import Node, ScoreResult
from .questions import QUESTION_IDS, QUESTIONS
from .rubric import Rubric, load_rubric, parse_answer
from .tables import SnapshotTables

__all__ = [
    "QUESTIONS", "QUESTION_IDS", "Node", "Rubric", "ScoreResult", "SnapshotTables", "dataset_points", "flat_points", "is_open",
    "load_inputs", "load_rubric", "odb_points", "parse_answer", "score_one", "score_snapshot", "score_tables",
]


def load_inputs(snapshot: str | None, rubric_path: str, *, verify: bool = True) -> tuple[Snapshot | None, Rubric, Catalog]:
    """Open the snapshot (if any), load the rubric, and load the catalog: the snapshot's own
    copy when there is a snapshot, else the one the rubric names."""
    rubric = load_rubric(rubric_path)
    if snapshot is not None:
        snap = Snapshot.open(snapshot, allow_partial=True, verify=verify)
        return snap, rubric, load_catalog(snap.catalog_path())
    return None, rubric, rubric.resolve_catalog()
