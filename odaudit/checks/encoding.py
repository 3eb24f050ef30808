"""encoding: the real text encoding (charset.py) against the declared 編碼格式.

Declared values: UTF-8 / utf-8 / UTF8 → UTF-8; BIG5 / Big5 / BIG-5 / BIG-5碼 / cp950 → Big5 family
(cp950 and big5hkscs, and cp950 with a few EUDC pairs, all match); `ANSI` → Big5 (the zh-TW Windows
code page) with a note; `Unicode` → UTF-8 or UTF-16 with a note; several values (`UTF-8,utf-8`,
`Big5,utf-8`) → any of them; 其他, nothing or other text → unknown.

* pass: the real encoding is in the declared family (pure ASCII matches UTF-8 and Big5 alike); a UTF-8
  BOM passes and is reported as `utf-8-sig` in measured and evidence;
* warn: declared unknown (其他 / nothing: the portal's encoding_match gives 0 here), or the match rests
  on a vague or multiple declaration (ANSI, Unicode, `Big5,utf-8`);
* fail: a different family, e.g. declared UTF-8 but the bytes are Big5 (the 2017 checker's 46448);
* skip: binary formats (PDF, ZIP, XLS, XLSX, ODS, DOC, images, …), HTML served instead of data,
  unreachable link or no body; nothing declared on a portal that has no encoding field
  (`meta.not_offered`, e.g. CKAN; measured still says what the bytes are).
"""

from __future__ import annotations

import re
from typing import Any

from ..inspect.vocab import ENC_ASCII, TEXT_FORMATS, declared_encoding
from ..model.findings import Finding
from . import partial
from .base import Context

CHECK_ID = "encoding"
_PROLOG = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")


def check(ctx: Context, res: dict[str, Any]) -> list[Finding]:
    return partial.sound(res, _check(ctx, res))  # a probed prefix says so (checks/partial.py)


def _check(ctx: Context, res: dict[str, Any]) -> list[Finding]:
    why = ctx.data_skip(res)
    if why:
        return [ctx.skip(CHECK_ID, why, res)]
    facts = ctx.facts(res)
    sn = facts.sniffed()
    assert sn is not None
    if sn.format not in TEXT_FORMATS and facts.table_format() not in ("CSV", "TSV"):
        return [ctx.skip(CHECK_ID, f"{sn.format} is a binary format: no text encoding to compare", res)]
    det = facts.encoding()
    assert det is not None
    decl = declared_encoding((res.get("declared") or {}).get("encoding", ""))
    expected = decl.text or "(none)"
    evidence: list[str] = []
    if det.note:
        evidence.append(det.note)
    if sn.format in ("XML", "KML", "RSS", "ATOM", "CAP", "RDF") and facts.body_path is not None:
        with open(facts.body_path, "rb") as fh:
            m = _PROLOG.search(fh.read(512))
        if m:
            evidence.append(f"XML declaration says encoding={m.group(1).decode('ascii')}")
    measured = det.label
    if decl.unknown and not decl.text and ctx.not_offered("encoding"):
        evidence.insert(0, "the portal declares no encodings (no such field): not compared")
        return [ctx.finding(CHECK_ID, "skip", measured, expected, "; ".join(evidence), res)]
    if decl.unknown:
        what = "其他" if decl.text else "nothing"
        evidence.insert(0, f"declared {what}: cannot compare")
        return [ctx.finding(CHECK_ID, "warn", measured, expected, "; ".join(evidence), res)]
    if det.family == ENC_ASCII or det.family in decl.families:
        if det.family == ENC_ASCII:
            evidence.insert(0, "only ASCII bytes: valid UTF-8 and Big5 alike")
        else:
            evidence.insert(0, f"{det.label} is in the declared {det.family} family")
        if det.bom and "BOM" not in det.note:
            evidence.append("starts with a byte-order mark")
        vague = list(decl.ambiguous)
        if decl.several:
            vague.append("several encodings declared")
        if vague:
            evidence.extend(vague)
            return [ctx.finding(CHECK_ID, "warn", measured, expected, "; ".join(evidence), res)]
        return [ctx.finding(CHECK_ID, "pass", measured, expected, "; ".join(evidence), res)]
    evidence.insert(0, f"declared {'/'.join(decl.families)}, bytes are {det.family}")
    return [ctx.finding(CHECK_ID, "fail", measured, expected, "; ".join(evidence), res)]
