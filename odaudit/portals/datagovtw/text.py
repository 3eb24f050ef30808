"""Portal text as odaudit reads it: trimmed values, dates, field lists, `;` lists and URLs cut at the wrong place."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .schema import _DATE_RE, _SCHEME_RE, RESOURCE_KEYS


def _text(v: Any) -> str:
    """Any JSON-ish value as text ("" for None)."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return str(v)
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


def _squash(s: str) -> str:
    return " ".join(s.split())


def iso_datetime(raw: Any) -> str | None:
    """`YYYY-MM-DD HH:MM:SS(.ffffff)`, `YYYY/MM/DD( HH:MM)` … -> `YYYY-MM-DDTHH:MM:SS`.

    "" for an empty value, None when the text is not a date.
    """
    s = _text(raw).strip()
    if not s:
        return ""
    m = _DATE_RE.match(s)
    if not m:
        return None
    y, mo, d, hh, mi, ss = m.groups()
    try:
        dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0))
    except ValueError:
        return None
    return dt.strftime("%Y-%m-%dT%H:%M:%S")


_OPEN = "(（[【「{"


_CLOSE = ")）]】」}"


def _split_top(s: str, seps: str) -> list[str]:
    """Split on any char in `seps` that is not inside brackets."""
    if not any(c in s for c in _OPEN):
        return re.split("[" + re.escape(seps) + "]", s)
    parts: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in s:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
        if depth == 0 and ch in seps:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    if depth:  # an unclosed bracket: brackets cannot be trusted
        return re.split("[" + re.escape(seps) + "]", s)
    return parts


_FIELD_SEPARATORS = (";；", "\n", "、", ",，", "。")


def parse_fields(text: Any) -> list[str]:
    """Field names from 主要欄位說明 (best effort).

    2025 ``Name(說明);Name2(…)``; 2017 ``A、B、C``; 2018 ``Cno:中文廠名\\r\\rDP_NO:…``;
    also comma lists, ``Name：說明`` pairs, a JSON object (keys), or a list.
    """
    if isinstance(text, list):
        names = [n.get("name") if isinstance(n, dict) else n for n in text]
        return _dedupe(_text(n).strip() for n in names)
    s = html.unescape(_text(text)).strip()
    if not s:
        return []
    if s[0] in "{[":
        try:
            doc = json.loads(s)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to read
            doc = None
        if isinstance(doc, dict):
            return _dedupe(str(k).strip() for k in doc)
        if isinstance(doc, list):
            return parse_fields(doc)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    parts = [s]
    sep = ""
    for seps in _FIELD_SEPARATORS:
        cand = [p for p in _split_top(s, seps) if p.strip()]
        if len(cand) > 1:
            parts, sep = cand, seps
            break
    cut = "(（:：" if sep == ";；" else ":："
    names = []
    for p in parts:
        name = p.strip()
        for i, ch in enumerate(name):
            if ch in cut:
                name = name[:i]
                break
        names.append(name.strip())
    return _dedupe(names)


def _dedupe(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        if n and n not in out:
            out.append(n)
    return out


def _split_list(value: str) -> list[str]:
    return [] if not value.strip() else value.split(";")


def _rejoin_urls(pieces: list[str], expected: int) -> tuple[list[str], int]:
    """Re-join `;`-split pieces that do not start with a scheme (``…;jsessionid=…``) to the
    previous URL, until there are no more pieces than `expected`."""
    out: list[str] = []
    excess = len(pieces) - expected
    joined = 0
    for p in pieces:
        if out and excess > 0 and p.strip() and not _SCHEME_RE.match(p):
            out[-1] = out[-1] + ";" + p
            excess -= 1
            joined += 1
        else:
            out.append(p)
    return out, joined


def _empty_resource() -> dict:
    return {k: ([] if k == "fields" else "") for k in RESOURCE_KEYS}
