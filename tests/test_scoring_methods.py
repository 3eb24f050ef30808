"""Both dataset scoring methods against hand-computed examples, with the ODB chaining edge cases."""

from __future__ import annotations

import pandas as pd
import pytest

from odaudit.scoring.methods import dataset_points, is_open, score_one
from odaudit.scoring.questions import DEFAULT_POINTS, QUESTION_IDS

P = DEFAULT_POINTS
ALL = dict.fromkeys(QUESTION_IDS, True)


def with_(**changes: bool | None) -> dict[str, bool | None]:
    return {**ALL, **changes}


def odb(answers, **kw):
    return score_one(answers, P, "odb", **kw)


def flat(answers):
    return score_one(answers, P, "flat")


def test_default_points_are_odb_and_ocf():
    assert [P[q] for q in QUESTION_IDS] == [5, 10, 15, 15, 15, 15, 10, 5, 5, 5]
    assert sum(P.values()) == 100


def test_all_yes_and_all_no():
    assert flat(ALL) == odb(ALL) == 100
    none = dict.fromkeys(QUESTION_IDS, False)
    assert flat(none) == 0
    assert odb(none) == 0  # exists no: no penalty under the odb-r reading, and never below 0
    assert odb(none, penalty_when="any") == 0  # -5 clamped at 0


def test_flat_is_the_plain_weighted_sum():
    # OCF survey row 法規草案: 1,0,0,0,1,0,1,1,0,0 -> 5 + 15 + 10 + 5 = 35
    row = dict(zip(QUESTION_IDS, [1, 0, 0, 0, 1, 0, 1, 1, 0, 0], strict=True))
    assert flat({k: bool(v) for k, v in row.items()}) == 35
    # no chaining: online no does not cancel machine-readable in flat
    assert flat(with_(online=False)) == 90


def test_odb_exists_no_cancels_everything():
    assert flat(with_(exists=False)) == 95
    assert odb(with_(exists=False)) == 0


def test_odb_online_no_keeps_only_exists():
    assert odb(with_(online=False)) == 5
    # up_to_date no: under odb-r the -5 needs exists and online yes, so none here
    assert odb(with_(online=False, up_to_date=False)) == 5
    # under the questionnaire reading the -5 applies: 5 - 5 = 0
    assert odb(with_(online=False, up_to_date=False), penalty_when="any") == 0


def test_odb_machine_readable_no_with_up_to_date_yes_and_no():
    # exists 5 + online 10; every later question is chained to machine-readable
    assert odb(with_(machine_readable=False)) == 15
    # the up_to_date bonus needs machine-readable data, the -5 does not
    assert odb(with_(machine_readable=False, up_to_date=False)) == 10
    assert odb(with_(machine_readable=False, up_to_date=False), penalty_when="any") == 10


def test_odb_outdated_machine_readable_data():
    assert odb(with_(up_to_date=False)) == 100 - 10 - 5
    assert flat(with_(up_to_date=False)) == 90
    assert odb(with_(up_to_date=False), penalty=3) == 87


def test_odb_penalty_points_sum_to_score():
    frame = pd.DataFrame([with_(up_to_date=False), with_(exists=False, up_to_date=False)]).astype(bool)
    pts = dataset_points(frame, P, "odb", penalty_when="any")
    assert pts["up_to_date"].tolist() == [-5.0, 0.0]  # the second is clamped: 0 - 5 -> 0
    assert pts.sum(axis=1).tolist() == [85.0, 0.0]


def test_unanswered_counts_as_no():
    assert flat(with_(linked=None)) == 95
    assert odb(with_(machine_readable=None)) == 15


def test_is_open_needs_the_four():
    frame = pd.DataFrame([ALL, with_(free=False), with_(exists=False)]).astype(bool)
    assert is_open(frame).tolist() == [True, False, True]  # isOpen reads c, d, e, f only (ODB-4)


@pytest.mark.parametrize("method", ["flat", "odb"])
def test_custom_points(method):
    points = {**P, "linked": 0, "findable": 10}
    assert score_one(with_(linked=False), points, method) == 100
