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
import pyarrow as pa


def categorical(values: object) -> pd.Series:
    """`values` (any string-like column) as a categorical Series; missing values become ""."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.CategoricalDtype):  # the same codes, over categories of Python strings
        cats = pd.Index(s.cat.categories.astype(object), dtype=object)
        codes = s.cat.codes.to_numpy().astype("int32")
        if (codes < 0).any():
            if "" not in cats:
                cats = cats.append(pd.Index([""], dtype=object))
            codes = np.where(codes < 0, cats.get_loc(""), codes).astype("int32")
        return pd.Series(pd.Categorical.from_codes(codes, categories=cats), name=s.name)
    # Arrow encodes in C, one Python string per distinct value (pandas would make one per row)
    values = s.astype(object).where(s.notna(), "")
    try:
        encoded = pa.array(values.to_numpy(object), type=pa.string()).dictionary_encode()
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # not all strings: compared as their text
        encoded = pa.array(values.map(str).to_numpy(object), type=pa.string()).dictionary_encode()
    return pd.Series(pd.Categorical.from_codes(encoded.indices.to_numpy(zero_copy_only=False).astype("int32"),
                                               categories=pd.Index(encoded.dictionary.to_numpy(zero_copy_only=False).astype(object), dtype=object)),
                     name=s.name)


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
