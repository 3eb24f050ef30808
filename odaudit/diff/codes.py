"""Findings as categorical columns, compared by integer codes.

A side's findings are a million rows or more at whole-portal scale, but their columns repeat few
values (50,000 dataset keys, 14 checks, 4 outcomes, a few thousand evidence texts). Kept as
pandas categoricals, a side costs a few bytes per row instead of a Python string per cell, and two
sides are matched by the integer codes of a shared vocabulary: hashing happens once per distinct
value, not once per row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def categorical(values: object) -> pd.Series:
    """`values` (any string-like column) as a categorical Series; missing values become ""."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.CategoricalDtype):
        if s.isna().any():
            s = s.cat.add_categories([""]) if "" not in s.cat.categories else s
            s = s.fillna("")
        return s.reset_index(drop=True)
    s = s.astype(object).where(s.notna(), "")
    return pd.Series(pd.Categorical(s.to_numpy(object)), name=s.name)


def joint_codes(columns: Sequence[pd.Series]) -> tuple[list[np.ndarray], pd.Index]:
    """The codes of each categorical column in one shared vocabulary (the union of their
    categories), and that vocabulary. Equal values get equal codes across the columns."""
    cats = [categorical(c) for c in columns]
    vocabulary = pd.Index([], dtype=object)
    for c in cats:
        vocabulary = vocabulary.append(pd.Index(c.cat.categories.astype(object)))
    vocabulary = vocabulary.unique()
    out = []
    for c in cats:
        where = vocabulary.get_indexer(pd.Index(c.cat.categories.astype(object)))
        out.append(where[c.cat.codes.to_numpy()].astype("int64") if len(c) else np.zeros(0, "int64"))
    return out, vocabulary


def recode(values: pd.Series, mapping: Mapping[str, str]) -> pd.Series:
    """A categorical column with each value found in `mapping` replaced by its image (per
    category, not per row)."""
    c = categorical(values)
    renamed = pd.Index([mapping.get(k, k) for k in c.cat.categories.astype(object).tolist()], dtype=object)
    codes, uniques = pd.factorize(renamed)
    return pd.Series(pd.Categorical.from_codes(codes[c.cat.codes.to_numpy()], categories=pd.Index(uniques, dtype=object)),
                     name=c.name)
