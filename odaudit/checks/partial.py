"""Findings made from a prefix of the file (`crawl --probe-bytes`: the resource record's `prefix`).

Each check on such a resource says so in its evidence. Link, format and encoding judge the answer
and the first bytes, which a prefix holds whole: their findings are full results (`sound`).
Structure and freshness need the whole file (rows past the cut, the newest date in it): their
findings are marked partial, and a fail the cut could have caused is not measured (a skip): a
prefix that cannot be read as its format (a cut XLSX, ZIP or JSON), or data dates that are all too
old while newer ones may lie past the cut. Errors found in the rows before the cut are real
errors and still count (a CSV prefix is cut after its last whole line, so no torn row is one).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..model.findings import Finding
from .base import short

#: table formats whose prefix is read as a table of its whole lines (the others cannot be cut)
LINE_FORMATS = frozenset({"CSV", "TSV"})


def prefix_of(res: dict[str, Any]) -> dict[str, Any] | None:
    p = res.get("prefix")
    return p if isinstance(p, dict) else None


def describe(p: dict[str, Any]) -> str:
    total = p.get("total")
    of = f" of {total}" if isinstance(total, int) else " (whole size not announced)"
    how = "a range request" if p.get("how") == "range" else "a read stopped early"
    return f"the first {p.get('bytes')} bytes{of}, by {how} (--probe-bytes)"


def _with_note(f: Finding, note: str, outcome: str | None = None) -> Finding:
    return replace(f, outcome=outcome or f.outcome, evidence=short(f"{note}; {f.evidence}" if f.evidence else note))


def sound(res: dict[str, Any], findings: list[Finding]) -> list[Finding]:
    """Link, format, encoding: the prefix is enough; the evidence says what was fetched."""
    p = prefix_of(res)
    if p is None:
        return findings
    note = f"measured on {describe(p)}: a full result for this check"
    return [_with_note(f, note) for f in findings]


def structure(res: dict[str, Any], table_format: str, findings: list[Finding]) -> list[Finding]:
    """Partial: rows past the cut were not seen; a format the cut leaves unreadable is not measured."""
    p = prefix_of(res)
    if p is None:
        return findings
    note = f"partial: measured on {describe(p)}"
    out = []
    for f in findings:
        if f.outcome == "fail" and table_format not in LINE_FORMATS and f.measured.endswith("does not parse)"):
            out.append(_with_note(f, f"{note}; a cut {table_format or 'file'} cannot be read: not measured", "skip"))
        else:
            out.append(_with_note(f, note))
    return out


def freshness(resources: list[dict[str, Any]], findings: list[Finding]) -> list[Finding]:
    """Partial when a resource's data dates come from a prefix: the newest date may lie past the cut,
    so a stale verdict is not measured (a recent date found in the prefix is still proof)."""
    cut = [(r.get("index", 0), p) for r in resources if (p := prefix_of(r)) is not None]
    if not cut:
        return findings
    note = "partial: data dates of " + ", ".join(f"#{i} from {describe(p)}" for i, p in cut)
    out = []
    for f in findings:
        if f.outcome == "fail":
            out.append(_with_note(f, f"{note}; newer dates may lie past the cut: not measured", "skip"))
        else:
            out.append(_with_note(f, note))
    return out
