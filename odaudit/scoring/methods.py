"""Dataset scores from the ten answers: `flat` (Taiwan OCF 2014–2016) and `odb` (ODB chaining).

Both work on whole tables at once: `answers` is a boolean DataFrame, one row per dataset and one
column per question id (unanswered counts as no). They return the points awarded per question
(a DataFrame of the same shape) whose row sums are the dataset scores.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .questions import CHAIN_PARENT, OPEN_QUESTIONS, QUESTION_IDS

METHODS = ("flat", "odb")


def flat_points(answers: pd.DataFrame, points: dict[str, float]) -> pd.DataFrame:
    """OCF: the plain weighted sum of yes answers, no chaining, no penalty (methodology §2.4)."""
    return pd.DataFrame({q: np.where(answers[q].to_numpy(bool), points[q], 0.0) for q in QUESTION_IDS}, index=answers.index)


def odb_points(answers: pd.DataFrame, points: dict[str, float], *, penalty: float = 5.0, penalty_when: str = "odb-r") -> pd.DataFrame:
    """ODB checklist a–j with chaining (methodology §1.4).

    * online counts only if exists; machine_readable only if online counts; every other
      question only if machine_readable counts.
    * up_to_date: +points when yes and machine_readable counts; −penalty when no. With
      ``penalty_when="odb-r"`` (default) the penalty applies only when exists and online are both
      yes, as `dataScore()` in the Web Foundation's odb2014.r; with ``"any"`` whenever up_to_date is no.
    * A dataset score is never below 0.
    """
    raw = {q: answers[q].to_numpy(bool) for q in QUESTION_IDS}
    counts: dict[str, np.ndarray] = {}
    for q in QUESTION_IDS:  # parents come before children in checklist order
        parent = CHAIN_PARENT[q]
        counts[q] = raw[q] if parent is None else raw[q] & counts[parent]
    out = {q: np.where(counts[q], points[q], 0.0) for q in QUESTION_IDS}
    outdated = ~raw["up_to_date"]
    if penalty_when == "odb-r":
        outdated = outdated & raw["exists"] & raw["online"]
    out["up_to_date"] = np.where(outdated, -penalty, out["up_to_date"])
    frame = pd.DataFrame(out, index=answers.index)
    total = frame.sum(axis=1).to_numpy()
    # Clamp at 0 by reducing the penalty, so the points still add up to the score.
    shortfall = np.where(total < 0, -total, 0.0)
    frame["up_to_date"] = frame["up_to_date"].to_numpy() + shortfall
    return frame


def dataset_points(answers: pd.DataFrame, points: dict[str, float], method: str, *, penalty: float = 5.0, penalty_when: str = "odb-r") -> pd.DataFrame:
    if method == "flat":
        return flat_points(answers, points)
    if method == "odb":
        return odb_points(answers, points, penalty=penalty, penalty_when=penalty_when)
    raise ValueError(f"unknown method {method!r}")


def is_open(answers: pd.DataFrame) -> pd.Series:
    """ODB-4 isOpen: machine_readable, bulk, free and open_licence all yes."""
    return answers[list(OPEN_QUESTIONS)].all(axis=1)


def score_one(answers: dict[str, bool | None], points: dict[str, float], method: str, **kw: object) -> float:
    """Convenience for one dataset: {question: yes/no/None} → score."""
    frame = pd.DataFrame([{q: bool(answers.get(q)) for q in QUESTION_IDS}])
    return float(dataset_points(frame, points, method, **kw).sum(axis=1).iloc[0])  # type: ignore[arg-type]
