"""Neutralising portal text for spreadsheets and markdown.

* Both: control and bidi characters (ESC, NUL, U+202E, …) are written as visible escapes
  (`\\x1b`, `\\u202e`; see odaudit/text.py); CSV keeps line breaks and tabs, which it quotes.
* CSV: the full value. A cell beginning with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'`,
  so spreadsheet programs show it as text instead of running it as a formula (OWASP "CSV
  injection"). Numeric columns are written as numbers and left alone.
* Markdown: portal text goes into tables and lists as one line of at most FIELD_LIMIT
  characters (longer text ends with `…`; the CSV tables have it whole), with markdown punctuation
  (`\\ ` * _ [ ] | ~`) backslash-escaped and `&`, `<`, `>` as entities, so it can neither break a table, start a
  link or image, nor inject HTML. Links are only made to http(s) URLs of at most URL_LIMIT characters.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import numpy as np
import pandas as pd

from ..text import UNSAFE, clip, visible

_TRIGGERS = frozenset("=+-@\t\r")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_SPACE = re.compile(r"[\r\n\t\v\f\u2028\u2029]+")
#: CSV quotes these, and multi-line descriptions keep their lines
_CSV_KEEP = "\n\r\t"
#: Characters of portal text per markdown field. The longest real ones are far shorter (titles
#: up to 130, an evidence line up to about 350); a hostile 1,000,000-character agency name is not.
FIELD_LIMIT = 500
#: For paragraphs the researchers wrote (a catalog's method and source).
PROSE_LIMIT = 4000
#: Longer URLs are shown as text, not linked (browsers and servers give up around 2,000).
URL_LIMIT = 2048


def csv_cell(value: object) -> str:
    text = visible("" if value is None else str(value), keep=_CSV_KEEP)
    return "'" + text if text[:1] in _TRIGGERS else text


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text column neutralised."""
    out = frame.copy()
    for col in out.columns:
        coded = neutral_codes(out[col])
        if coded is not None:
            codes, table = coded
            out[col] = table[codes]
    return out


def neutral_codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """A text column (object or string dtype) neutralised as `codes` into a `table` of its distinct
    values, so that `table[codes]` is the column: each distinct value is neutralised once (a column
    of checks, outcomes or agencies repeats a few values over a million rows), and missing values
    (code -1) pick the table's last entry, "". None for a column that is not text."""
    if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
        return None
    # A string column is factorised as it is (Arrow encodes it without a Python object per row).
    values = s if isinstance(s.dtype, pd.StringDtype) else s.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    if pd.api.types.infer_dtype(uniques, skipna=False) == "string":
        return codes, np.array([*_neutral_texts(uniques.tolist()), ""], dtype=object)
    return codes, np.array([*(_neutral(u) for u in uniques), ""], dtype=object)


def _neutral_texts(texts: list[str]) -> list[str]:
    """`_neutral` of many strings, checked in bulk: text that `isprintable()` holds no character
    UNSAFE matches (controls, bidi, separators, surrogates and noncharacters are all unprintable)."""
    if not "".join(texts).isprintable():
        texts = [x if x.isprintable() else visible(x, keep=_CSV_KEEP) for x in texts]
    for i in [i for i, x in enumerate(texts) if x[:1] in _TRIGGERS]:
        texts[i] = "'" + texts[i]
    return texts


def _neutral(x: object) -> object:
    if isinstance(x, str):
        x = visible(x, keep=_CSV_KEEP)
        return "'" + x if x and x[0] in _TRIGGERS else x
    return "" if x is None or x != x else x  # None / NaN → ""


def md(value: object, limit: int | None = FIELD_LIMIT) -> str:
    """Escape text for inline markdown (table cells, list items): one line of at most `limit`
    characters, control characters visible, no HTML, no links."""
    text = "" if value is None else str(value)
    # Clipped before anything is escaped, so no escape (`\x1b`, `&amp;`) is cut in half.
    text = visible(clip(_SPACE.sub(" ", text).strip(), limit))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def code(value: object, limit: int | None = FIELD_LIMIT) -> str:
    """Text for inside a markdown code span (the caller writes the backticks): one line of at most
    `limit` characters, control characters visible. Not backslash-escaped, because a code span shows
    a backslash as it is (`machine\\_readable`); a backtick, which would end the span, is written `'`,
    and `|` as `\\|` (a GitHub table splits cells on `|` even inside a code span, and shows `\\|` there as `|`)."""
    text = "" if value is None else str(value)
    text = visible(clip(_SPACE.sub(" ", text).strip(), limit))
    return text.replace("`", "'").replace("|", "\\|")


def safe_url(url: str) -> str | None:
    """The URL if it is http(s), at most URL_LIMIT long and has no characters that could end a
    markdown link (control and bidi characters percent-encoded); else None."""
    url = (url or "").strip()
    if len(url) > URL_LIMIT or not re.match(r"^https?://[^\s]+$", url, re.IGNORECASE):
        return None
    url = UNSAFE.sub(lambda m: quote(m.group(), safe="", errors="surrogatepass"), url)
    return url.replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E").replace('"', "%22").replace("|", "%7C").replace("[", "%5B").replace("]", "%5D")


def md_link(text: object, url: str) -> str:
    """`[text](url)` for an http(s) URL; the escaped text alone otherwise."""
    target = safe_url(url)
    label = md(text) or md(url)
    return f"[{label}]({target})" if target else label
