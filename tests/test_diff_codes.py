"""odaudit.diff.codes: the categorical vocabulary two sides' findings are compared by."""

from __future__ import annotations

import numpy as np
import pandas as pd

from odaudit.diff.codes import categorical, joint_codes, recode


def test_equal_values_get_equal_codes_across_different_vocabularies() -> None:
    a = pd.Series(pd.Categorical(["tw:2", "tw:1", "tw:2"]))
    b = pd.Series(["tw:3", "tw:2", "tw:1"], dtype="str")  # not categorical: made so
    c = pd.Series(np.array(["tw:1"], dtype=object))
    (ca, cb, cc), vocabulary = joint_codes([a, b, c])
    assert list(vocabulary[ca]) == ["tw:2", "tw:1", "tw:2"]
    assert list(vocabulary[cb]) == ["tw:3", "tw:2", "tw:1"]
    assert ca[1] == cb[2] == cc[0] and ca[0] == cb[1] and cb[0] not in ca
    (empty, ), _ = joint_codes([pd.Series([], dtype=object)])
    assert empty.dtype == np.int64 and len(empty) == 0


def test_missing_values_become_empty_strings() -> None:
    s = categorical(pd.Series(["x", None, np.nan], dtype=object))
    assert list(s.astype(object)) == ["x", "", ""]
    s = categorical(pd.Series(pd.Categorical(["x", None])))
    assert list(s.astype(object)) == ["x", ""]


def test_recode_maps_values_and_merges_collisions() -> None:
    """A resource moved to a position another one held before: both become one category."""
    s = pd.Series(pd.Categorical(["tw:1#0", "tw:1#1", "tw:1#2", "tw:1#1"]))
    out = recode(s, {"tw:1#0": "tw:1#1", "tw:1#2": "tw:1#3"})
    assert list(out.astype(object)) == ["tw:1#1", "tw:1#1", "tw:1#3", "tw:1#1"]
    assert sorted(out.cat.categories) == ["tw:1#1", "tw:1#3"]
