"""Rows written from coded columns: each column as integer codes into a table of its distinct
values, already rendered as bytes (a CSV field, a piece of a JSON-LD line), so that a million rows
are joined from a few thousand rendered values instead of being formatted one cell at a time.
Used by csvwrite.py (the CSV tables) and jsonld.py (findings.jsonld)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd

#: (codes, table): table[codes] is the column; code -1 picks the table's last entry.
Coded = tuple[np.ndarray, np.ndarray]
#: Rows joined at a time: a chunk of findings.jsonld is some 8 MB.
ROWS = 20_000


def merged(columns: list[Coded], n: int, sep: bytes) -> list[Coded]:
    """Adjacent columns whose pairs of values repeat (a dataset and its name; a check, its outcome
    and evidence) coded as one column of `a + sep + b`: fewer pieces to join per row. Pairs are
    merged while the merged column has at most an eighth as many distinct values as there are rows,
    so that its table stays small beside the rows it is joined into."""
    out = columns[:1]
    for codes, table in columns[1:]:
        left, fields = out[-1]
        pairs, keys = pd.factorize((left % len(fields)).astype(np.int64) * len(table) + codes % len(table))
        if len(keys) > n // 8:
            out.append((codes, table))
            continue
        a, b = np.divmod(keys, len(table))
        out[-1] = (pairs, np.array([x + sep + y for x, y in zip(fields[a].tolist(), table[b].tolist(), strict=True)], dtype=object))
    return out


def rows(columns: list[Coded], n: int, sep: bytes = b"") -> Iterator[list[bytes]]:
    """The n rows, each its columns' pieces joined by `sep`, a list of ROWS rows at a time."""
    columns = merged(columns, n, sep)
    for start in range(0, n, ROWS):
        pieces = [table[codes[start:start + ROWS]].tolist() for codes, table in columns]
        yield list(map(sep.join, zip(*pieces, strict=True)))
