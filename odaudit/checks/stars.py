"""machine_readable and stars: Berners-Lee's 5 stars as ckanext-qa scores them, by the REAL format.

Format used (ckanext-qa's order): the format sniffed from the stored bytes (a ZIP whose members are all
of known formats counts as its best member format, as ckanext-qa/DGU's zip sniffer does, e.g. a
zipped CSV = CSV); else the URL's file extension; else the declared 檔案格式; else 1 star ("could not
understand the file format"). Scores: `vocab.STARS` (ckanext-qa's default table, methodology §5):
HTML 0; PDF, DOC(X), TXT, ZIP 1; XLS(X), SHP, GIF 2; CSV, JSON, XML, KML, ODS, RSS, PNG 3; RDF 5.
A broken link scores 0; so does a licence that is not open (ckanext-qa's `isopen()` rule; only
applied when the portal gave a licence, never for external datasets).

machine_readable:
* pass: the real format is structured data (CSV, JSON, XML, XLS, ODS, KML, SHP, RDF, …);
* fail: it is not (PDF, DOC, HTML, images, TXT, plain ZIP);
* skip: link not reachable or recorded, or its stored body missing or altered (not measured).
Evidence says whether the format is non-proprietary.

stars: pass ≥ 3, warn 2, fail ≤ 1 (skip when the URL was not recorded or its stored body cannot be used).
"""

from __future__ import annotations

from typing import Any

from ..inspect.vocab import MACHINE_READABLE, NON_PROPRIETARY, STARS, format_from_url
from ..model.findings import Finding
from .base import Context, not_fetched, reachability
from .licence import licence_of

IDS = ("machine_readable", "stars")


def real_format(ctx: Context, res: dict[str, Any]) -> tuple[str, str]:
    """(format, how it was found)."""
    facts = ctx.facts(res)
    sn = facts.sniffed() if facts.body_path is not None else None
    if sn is not None and sn.format not in ("BIN", "EMPTY"):
        if sn.format == "ZIP" and sn.inner:
            return sn.inner, f"sniffed: ZIP of {sn.inner}"
        return sn.format, "sniffed from the bytes"
    if sn is not None and sn.format == "EMPTY":
        return "EMPTY", "empty body"
    ext = format_from_url(res.get("final_url") or res.get("url") or "")
    if ext:
        return ext, "from the URL extension"
    decl = facts.declared()
    for d in decl.formats:
        if d in STARS:
            return d, "from the declared 檔案格式"
    return "", "could not understand the file format"


def check(ctx: Context, res: dict[str, Any]) -> list[Finding]:
    why = not_fetched(res)
    if why:
        return [ctx.skip(i, why, res) for i in IDS]
    ok, measured, why = reachability(res)
    if not ok:
        return [
            ctx.skip("machine_readable", f"link not reachable: {why}", res),
            ctx.finding("stars", "fail", "0", "≥3", f"link broken ({measured}) → 0 (ckanext-qa score_if_link_broken)", res),
        ]
    problem = ctx.facts(res).body_problem
    if problem is not None:  # the format was in those bytes: guessing it from the URL would be a different measurement
        return [ctx.skip(i, problem.reason(), res) for i in IDS]
    fmt, how = real_format(ctx, res)
    score = STARS.get(fmt, 1) if fmt and fmt != "EMPTY" else (0 if fmt == "EMPTY" else 1)
    label = fmt or "unknown"
    proprietary = "non-proprietary" if fmt in NON_PROPRIETARY else "proprietary" if fmt else "unknown"
    mr = fmt in MACHINE_READABLE
    mr_finding = ctx.finding(
        "machine_readable", "pass" if mr else "fail", label, "structured data",
        f"{label} ({how}) is {'structured, machine-readable' if mr else 'not structured data'}; {proprietary} format", res,
    )
    notes = [f"{label} ({how}): {score}★ in the ckanext-qa table"]
    if not ctx.metadata_missing():
        lic = licence_of(ctx)
        if lic.text and not lic.open and score > 0:
            notes.append(f"licence {lic.text!r} not open → 0 (ckanext-qa: open licence required)")
            score = 0
        elif not lic.text and score > 0:
            notes.append("no licence stated → 0 (ckanext-qa: open licence required)")
            score = 0
    else:
        notes.append(f"licence not applied ({ctx.metadata_missing()})")
    outcome = "pass" if score >= 3 else "warn" if score == 2 else "fail"
    return [mr_finding, ctx.finding("stars", outcome, str(score), "≥3", "; ".join(notes), res)]
