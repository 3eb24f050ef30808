"""A neutralised frame written as CSV with the bytes of `neutralise(frame).to_csv(...)`, in a
fraction of its time on a whole portal (1.3 million findings were 20 s: pandas turns every cell
of a text column into a Python string, csv.writer quotes each, and the text is encoded as it goes).

Each column is coded as its distinct values (report/safe.py's `neutral_codes` for text; a number's
bit pattern for floats, so -0.0 stays apart from 0.0), and only those distinct values are given to
pandas' own `to_csv`, so each is formatted and quoted by the same code as before, once. The rows
are then joined from the encoded fields (csv.writer decides quoting on a field's text alone). What
this does not cover is written by pandas as before: a frame of one column (csv.writer writes a
lone empty field as `""`), a column of another dtype (dates are formatted by their whole column),
an encoding other than UTF-8.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import CSV_ENCODING, atomic_open
from .coded import Coded, rows
from .safe import neutral_codes, neutralise

#: Written after each distinct value, so that pandas' CSV of them splits back into one field each;
#: no field can hold it (neutralised text shows \x01 as an escape, and a number has no \x01).
_END = ",\x01\n"
#: The characters for which csv.writer may quote a field (with `\n` line ends it quotes for the first three).
_QUOTED = (",", '"', "\n", "\r")


def write_csv(path: Path, frame: pd.DataFrame, encoding: str = CSV_ENCODING) -> Path:
    """`frame`'s text columns neutralised, written to `path` as CSV: a header, `\\n` line ends, no index."""
    coded = _coded(frame) if encoding in ("utf-8", "utf-8-sig") else None
    if coded is None:
        with atomic_open(path, "w", encoding=encoding) as fh:
            neutralise(frame).to_csv(fh, index=False, lineterminator="\n")
        return path
    with atomic_open(path, "wb") as fh:
        fh.write("".encode(encoding))  # the byte-order mark of utf-8-sig
        for chunk in _lines(frame.iloc[:0].to_csv(index=False, lineterminator="\n").encode(), coded, len(frame)):
            fh.write(chunk)
    return path


def _lines(header: bytes, columns: list[Coded], n: int) -> Iterator[bytes]:
    yield header
    for chunk in rows(columns, n, b","):
        yield b"\n".join(chunk) + b"\n"


def _coded(frame: pd.DataFrame) -> list[Coded] | None:
    """Per column, codes into a table of its CSV fields as bytes (code -1, a missing value, is the
    last entry, an empty field); None if some column must be written by pandas."""
    if frame.shape[1] < 2 or not frame.columns.is_unique:
        return None
    columns = []
    for i in range(frame.shape[1]):
        coded = _column(frame.iloc[:, i])
        if coded is None:
            return None
        columns.append(coded)
    return columns


def _column(s: pd.Series) -> Coded | None:
    text = neutral_codes(s)
    if text is not None:
        codes, table = text
        return codes, _text_fields(table[:-1])
    dtype = s.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":
        codes, uniques = pd.factorize(s.to_numpy())
        return codes, _fields(uniques)
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        values = s.to_numpy()
        codes, bits = pd.factorize(values.view(f"i{values.itemsize}"))
        return codes, _fields(bits.view(dtype))
    if isinstance(dtype, pd.api.extensions.ExtensionDtype) and dtype.kind in "biu":  # Int64 and the like
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        return codes, _fields(uniques.array)
    return None


def _text_fields(values: np.ndarray) -> np.ndarray:
    """`_fields` of neutralised text: csv.writer quotes a field only for a delimiter, a quote or a
    line end in it (tests/test_csv_write.py asks it of every character), so text without them is its
    own field; the few with them are given to pandas. Encoded in one piece: neutralised text holds no NUL."""
    if not len(values) or pd.api.types.infer_dtype(values, skipna=False) != "string":
        return _fields(values)
    texts = values.tolist()
    joined = "\x00".join(texts)
    if any(c in joined for c in _QUOTED):
        special = [i for i, x in enumerate(texts) if any(c in x for c in _QUOTED)]
        for i, field in zip(special, _fields(values[special])[:-1].tolist(), strict=True):
            texts[i] = field.decode("utf-8")
        joined = "\x00".join(texts)
    return np.array([*joined.encode("utf-8").split(b"\x00"), b""], dtype=object)


def _fields(values: object) -> np.ndarray:
    """The CSV field of each value as pandas writes it, and an empty one last."""
    text = pd.DataFrame({"v": values, "end": "\x01"}).to_csv(index=False, header=False, lineterminator="\n")
    fields = text.split(_END)
    if len(fields) != len(values) + 1 or fields[-1]:  # type: ignore[arg-type]
        raise AssertionError("a field held the end marker")
    return np.array([*(f.encode("utf-8") for f in fields[:-1]), b""], dtype=object)
