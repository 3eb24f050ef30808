"""badge: does the portal's 品質檢測 badge hold up against what odaudit measured?

Level requirements (datagovtw.md §4.2, inferred; the official PDF has not been consulted):

| level | requires, on every resource                                           |
|-------|-----------------------------------------------------------------------|
| 銅    | link, downloadable                                                     |
| 銀    | 銅 + machine_readable (structured, machine-readable format)            |
| 金    | 銀 + encoding (declared = real) + fields (主要欄位說明 ⊆ header)          |
| 白金  | judged as 金: its extra API/OAS requirement is not verified              |

A requirement is met by a `pass`; `fail` breaks it, and so does `warn` for downloadable, encoding and
fields (the portal scores declared 其他 and missing field lists 0); `encoding` skipped because the
format is binary (XLS, ODS, …) counts as met; other skips and errors leave it unverified.

* pass: every requirement of the claimed level is met (evidence also gives the highest level met);
* fail: disputed, a requirement is broken (evidence names the checks and resources);
* warn: nothing broken but some requirement could not be verified;
* skip: no badge claimed (empty or 無) or exempt (無(白名單));
* warn: a 品質檢測 value odaudit does not know (`KNOWN_BADGES`): listed as not understood, not judged.
"""

from __future__ import annotations

from ..inspect.vocab import BADGE_LEVELS as LEVELS
from ..inspect.vocab import KNOWN_BADGES, badge_known, normalise_text  # noqa: F401 (the rule's vocabulary)
from ..model.findings import Finding
from .base import Context

CHECK_ID = "badge"
REQUIRES: dict[str, tuple[str, ...]] = {
    "銅": ("link", "downloadable"),
    "銀": ("link", "downloadable", "machine_readable"),
    "金": ("link", "downloadable", "machine_readable", "encoding", "fields"),
}
WARN_BREAKS = {"downloadable", "encoding", "fields"}
def _status(ctx: Context, check: str) -> tuple[str, list[str]]:
    """("met" | "unmet" | "unknown", details) over every resource's finding for `check`."""
    found = [f for f in ctx.findings if f.check == check and f.dataset == ctx.key]
    if not found:
        return "unknown", [f"{check}: no finding"]
    unmet, unknown = [], []
    for f in found:
        where = f.resource or "dataset"
        if f.outcome == "pass":
            continue
        if f.outcome == "fail" or (f.outcome == "warn" and check in WARN_BREAKS):
            unmet.append(f"{check} {f.outcome} on {where} ({f.measured or f.evidence[:60]})")
        elif f.outcome == "skip" and check == "encoding" and "binary format" in f.evidence:
            continue
        else:
            unknown.append(f"{check} {f.outcome} on {where}")
    if unmet:
        return "unmet", unmet
    if unknown:
        return "unknown", unknown
    return "met", []


def check(ctx: Context) -> list[Finding]:
    claimed = normalise_text(ctx.meta.get("badge"))
    if not badge_known(claimed):
        return [ctx.finding(CHECK_ID, "warn", "", claimed, f"品質檢測 {claimed!r} not understood (README: adding a vocabulary value)")]
    if claimed in ("", "無"):
        return [ctx.skip(CHECK_ID, "no badge claimed" + (" (無)" if claimed else ""))]
    if claimed.startswith("無"):
        return [ctx.skip(CHECK_ID, f"exempt from the quality check ({claimed})", expected=claimed)]
    target = "金" if claimed == "白金" else claimed
    statuses = {c: _status(ctx, c) for c in REQUIRES["金"]}
    achieved = "none"
    for level in LEVELS:
        if all(statuses[c][0] == "met" for c in REQUIRES[level]):
            achieved = level
        else:
            break
    needed = REQUIRES[target]
    broken = [d for c in needed if statuses[c][0] == "unmet" for d in statuses[c][1]]
    unverified = [d for c in needed if statuses[c][0] == "unknown" for d in statuses[c][1]]
    note = " (白金's API/OAS requirement not verified; judged as 金)" if claimed == "白金" else ""
    measured = achieved if achieved != "none" else "below 銅"
    if broken:
        evidence = f"claimed {claimed}{note}; highest level met: {measured}; broken: " + "; ".join(broken[:6])
        return [ctx.finding(CHECK_ID, "fail", measured, claimed, evidence)]
    if unverified:
        evidence = f"claimed {claimed}{note}; nothing broken, but unverified: " + "; ".join(unverified[:6])
        return [ctx.finding(CHECK_ID, "warn", measured, claimed, evidence)]
    return [ctx.finding(CHECK_ID, "pass", measured, claimed, f"claimed {claimed}{note}; all {target} requirements met ({', '.join(needed)})")]
