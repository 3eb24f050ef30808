"""format: the real format, sniffed from the bytes, against the declared 檔案格式.

Declared values are normalised case-insensitively (2017 lower case too): 壓縮檔 = ZIP; WEBSERVICES / API
= any machine-readable service response (JSON, GeoJSON, XML, CSV, KML, RSS/Atom, CAP, RDF); 其他 or
nothing = unknown. Several declared values (`CSV,ods`) match when any does.

* pass: the real format satisfies the declaration (XML also accepts KML, RSS, Atom, CAP and RDF;
  JSON accepts GeoJSON; ZIP accepts zipped shapefiles and KMZ; RSS accepts Atom; TXT accepts CSV);
* warn: declared 其他 / nothing / a value that is not a format name (nothing to compare); a near miss in
  the same family (XLS↔XLSX, DOC↔DOCX, PPT↔PPTX, KML↔KMZ, GeoJSON declared but plain JSON, CSV↔TSV);
  CSV declared and plain text served (a one-column CSV cannot be told from text); unrecognised binary;
* fail: anything else, e.g. HTML, ZIP, XLS or PDF served for a declared CSV, or an empty body;
* skip: link not reachable or no body stored.
"""

from __future__ import annotations

from typing import Any

from ..inspect.vocab import SERVICE_RESPONSES
from ..model.findings import Finding
from . import partial
from .base import Context

CHECK_ID = "format"

ACCEPTS: dict[str, frozenset[str]] = {
    "XML": frozenset({"XML", "KML", "RSS", "ATOM", "CAP", "RDF"}),
    "JSON": frozenset({"JSON", "GEOJSON"}),
    "ZIP": frozenset({"ZIP", "SHP", "KMZ"}),
    "SHP": frozenset({"SHP"}),
    "RSS": frozenset({"RSS", "ATOM"}),
    "ATOM": frozenset({"ATOM", "RSS"}),
    "TXT": frozenset({"TXT", "CSV", "TSV"}),
    "CAP": frozenset({"CAP", "XML"}),
    "RDF": frozenset({"RDF", "TTL", "N3"}),
    "WMS": frozenset({"XML", "PNG", "JPEG", "GIF", "TIFF"}),
    "WMTS": frozenset({"XML", "PNG", "JPEG"}),
    "WFS": frozenset({"XML", "GEOJSON", "JSON"}),
    "SERVICE": SERVICE_RESPONSES,
}
NEAR: tuple[frozenset[str], ...] = (
    frozenset({"XLS", "XLSX"}), frozenset({"DOC", "DOCX"}), frozenset({"PPT", "PPTX"}),
    frozenset({"KML", "KMZ"}), frozenset({"GEOJSON", "JSON"}), frozenset({"CSV", "TSV"}),
)


def verdict(declared: tuple[str, ...], real: str) -> tuple[str, str]:
    """(outcome, reason) for a real format against canonical declared formats."""
    known = [d for d in declared if d != "UNKNOWN" and not d.startswith("?")]
    if not known:
        odd = [d[1:] for d in declared if d.startswith("?")]
        if odd:
            return "warn", f"declared value {odd[0]!r} is not a format name; real format is {real}"
        return "warn", f"nothing to compare: declared format unknown (其他 or empty); real format is {real}"
    for d in known:
        if real == d or real in ACCEPTS.get(d, ()):
            return "pass", f"{real} satisfies declared {d}" + (" (a service response)" if d == "SERVICE" else "")
    if real == "EMPTY":
        return "fail", "empty body"
    for d in known:
        if frozenset({d, real}) in NEAR:
            return "warn", f"near miss: declared {d}, real {real}"
    if real == "TXT" and "CSV" in known:
        return "warn", "plain text without a delimiter (a one-column CSV cannot be told apart)"
    if real == "BIN":
        return "warn", "unrecognised binary data; declared " + "/".join(known)
    return "fail", f"declared {'/'.join(known)}, real {real}"


def check(ctx: Context, res: dict[str, Any]) -> list[Finding]:
    return partial.sound(res, _check(ctx, res))  # a probed prefix says so (checks/partial.py)


def _check(ctx: Context, res: dict[str, Any]) -> list[Finding]:
    why = ctx.body_skip(res)
    if why:
        return [ctx.skip(CHECK_ID, why, res)]
    facts = ctx.facts(res)
    sn = facts.sniffed()
    assert sn is not None
    decl = facts.declared()
    outcome, reason = verdict(decl.formats, sn.format)
    evidence = [reason]
    if sn.detail:
        evidence.append(sn.detail)
    if sn.format == "ZIP" and sn.inner:
        evidence.append(f"inside: {sn.inner}")
    if res.get("content_type"):
        evidence.append(f"Content-Type {res['content_type']}")
    return [ctx.finding(CHECK_ID, outcome, sn.format, decl.label, "; ".join(evidence), res)]
