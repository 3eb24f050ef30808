"""Neutralising portal text for spreadsheets and markdown.

* CSV: a cell beginning with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'`, so spreadsheet
  programs show it as text instead of running it as a formula (OWASP "CSV injection").
  Numeric columns are written as numbers and left alone.
* Markdown: portal text goes into tables and lists as one line, with markdown punctuation
  (`\\ ` * _ [ ] | ~`) backslash-escaped and `&`, `<`, `>` as entities, so it can neither break a table, start a
  link or image, nor inject HTML. Links are only made to http(s) URLs.
"""

from __future__ import annotations

import re

import pandas as pd

_TRIGGERS = frozenset("=+-@\t\r")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_SPACE = re.compile(r"[\r\n\t\v\f\u2028\u2029]+")


def csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in _TRIGGERS else text


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text column neutralised."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = [_neutral(x) for x in s.to_numpy()]
    return out


def _neutral(x: object) -> object:
    if isinstance(x, str):
        return "'" + x if x and x[0] in _TRIGGERS else x
    return "" if x is None or x != x else x  # None / NaN → ""


def md(value: object) -> str:
    """Escape text for inline markdown (table cells, list items): one line, no HTML, no links."""
    text = "" if value is None else str(value)
    text = _SPACE.sub(" ", text).strip()
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def safe_url(url: str) -> str | None:
    """The URL if it is http(s) and has no characters that could end a markdown link; else None."""
    url = (url or "").strip()
    if not re.match(r"^https?://[^\s]+$", url, re.IGNORECASE):
        return None
    return url.replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E").replace('"', "%22").replace("|", "%7C").replace("[", "%5B").replace("]", "%5D")


def md_link(text: object, url: str) -> str:
    """`[text](url)` for an http(s) URL; the escaped text alone otherwise."""
    target = safe_url(url)
    label = md(text) or md(url)
    return f"[{label}]({target})" if target else label
