"""fields: the declared 主要欄位說明 against the real header (the portal's desc_match).

Declared names come from `meta.fields` (parsed by the adapter from 主要欄位說明); when that is empty the
text `meta.fields_text` is split here on `;` `；` `、` `,` and new lines, and `Name(說明)` gives the
name `Name` and the description `說明`. Names are compared after NFKC, trimming, removing inner spaces
and case-folding; a declared entry also matches a column named like its description.

* pass: every declared field is a column (declared ⊆ actual, as the 2017 checker accepted 45672 with
  an extra column `Type2`); extra columns are listed as evidence;
* fail: declared fields missing from the header (listed);
* warn: 主要欄位說明 lists no fields (skip where the portal has no such field: `meta.not_offered`, e.g. CKAN);
* skip: no table header to compare (PDF, nested JSON, …), unreachable link, no body.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ..model.findings import Finding
from .base import Context

CHECK_ID = "fields"
_SPLIT = re.compile(r"[;；、,，\n\r]+")
_NAME_DESC = re.compile(r"^\s*([^()（）]+?)\s*[(（](.*)[)）]\s*$", re.DOTALL)


def norm(name: object) -> str:
    s = unicodedata.normalize("NFKC", str(name)).replace("\ufeff", "")
    return re.sub(r"\s+", "", s).casefold()


def _split_top(text: str) -> list[str]:
    """Split on separators outside parentheses."""
    out, buf, depth = [], [], 0
    for ch in text:
        if ch in "(（":
            depth += 1
        elif ch in ")）":
            depth = max(0, depth - 1)
        if depth == 0 and _SPLIT.fullmatch(ch):
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    out.append("".join(buf))
    return [p.strip() for p in out if p.strip()]


def declared_fields(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """[(name, description)] from meta.fields, else from meta.fields_text."""
    names = [str(x).strip() for x in (meta.get("fields") or []) if str(x).strip()]
    if len(names) == 1 and _SPLIT.search(names[0]):
        names = _split_top(names[0])
    text = str(meta.get("fields_text") or "")
    parsed = []
    for part in _split_top(text) if text else []:
        m = _NAME_DESC.match(part)
        parsed.append((m.group(1).strip(), m.group(2).strip()) if m else (part, ""))
    if not names:
        return parsed
    descs = {norm(n): d for n, d in parsed}
    out = []
    for n in names:
        m = _NAME_DESC.match(n)
        if m:
            out.append((m.group(1).strip(), m.group(2).strip()))
        else:
            out.append((n, descs.get(norm(n), "")))
    return out


def _listing(items: list[str], n: int = 8) -> str:
    shown = ", ".join(items[:n])
    return shown + (f", … (+{len(items) - n})" if len(items) > n else "")


def check(ctx: Context, res: dict[str, Any]) -> list[Finding]:
    why = ctx.data_skip(res)
    if why:
        return [ctx.skip(CHECK_ID, why, res)]
    facts = ctx.facts(res)
    if not facts.table_format():
        sn = facts.sniffed()
        return [ctx.skip(CHECK_ID, f"no columns in a {sn.format if sn else 'body'}", res)]
    scan = facts.table()
    if scan is None or scan.kind != "table" or not scan.labels:
        return [ctx.skip(CHECK_ID, "no table header to compare", res)]
    actual = list(scan.labels)
    declared = declared_fields(ctx.meta)
    if not declared and ctx.not_offered("fields_text"):
        return [ctx.finding(CHECK_ID, "skip", f"{len(actual)} columns", "主要欄位說明",
                            f"the portal has no field-description field (主要欄位說明): not measured; header: {_listing(actual)}", res)]
    if not declared:
        return [ctx.finding(CHECK_ID, "warn", f"{len(actual)} columns", "主要欄位說明",
                            f"主要欄位說明 lists no fields; header: {_listing(actual)}", res)]
    actual_norm = {norm(a) for a in actual}
    missing = [n for n, d in declared if norm(n) not in actual_norm and not (d and norm(d) in actual_norm)]
    matched_norm = set()
    for n, d in declared:
        matched_norm.add(norm(n))
        if d:
            matched_norm.add(norm(d))
    extra = [a for a in actual if norm(a) not in matched_norm]
    found = len(declared) - len(missing)
    measured = f"{found}/{len(declared)} declared fields in header"
    bits = []
    if missing:
        bits.append(f"missing from header: {_listing(missing)}")
    if extra:
        bits.append(f"extra columns: {_listing(extra)}")
    if not bits:
        bits.append("header and 主要欄位說明 agree")
    if scan.member:
        bits.append(f"ZIP member {scan.member}")
    return [ctx.finding(CHECK_ID, "fail" if missing else "pass", measured, "declared ⊆ header", "; ".join(bits), res)]
