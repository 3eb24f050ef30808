"""structure: the body read as a table and validated with frictionless' baseline rules.

Tabular formats: CSV/TSV, XLS, XLSX, ODS, a JSON array of flat objects, XML with repeated record
elements, and such a file inside a ZIP (the first one by name). Engines and streaming: odaudit/inspect/tables/.

* pass: a table with 0 errors; or a well-formed document in a standard non-tabular format
  (GeoJSON, KML, RSS, Atom, CAP, RDF);
* warn: only `type-error` / `blank-row` errors (values that do not fit the column type frictionless
  infers from the first 100 rows, empty lines); or well-formed JSON/XML that is not a flat table
  (nested JSON, XML without record elements: the portal's `csv` check fails these);
* fail: structural errors (blank-header, blank-label, duplicate-label, extra-cell, missing-cell,
  source-error, encoding-error, format-error, …) or a JSON/XML body that does not parse;
* skip: not a tabular/structured format (PDF, images, DOC, …), HTML served instead of data, too
  large or truncated JSON/XML, unreachable link, no body.

measured: `rows=168 fields=13 errors=0`; evidence: engine, errors by type, the first errors, notes
(truncated body, row limit, ZIP member).
"""

from __future__ import annotations

from typing import Any

from ..inspect.tables import STRUCTURAL_ERRORS, TableScan
from ..model.findings import Finding
from . import partial
from .base import Context

CHECK_ID = "structure"
STANDARD_DOCUMENTS = {"GEOJSON", "KML", "RSS", "ATOM", "CAP", "RDF"}


def summarise(scan: TableScan) -> str:
    return ", ".join(f"{t} {n}" for t, n in scan.errors.items())


def check(ctx: Context, res: dict[str, Any]) -> list[Finding]:
    found = _check(ctx, res)
    if partial.prefix_of(res) is None:
        return found
    # --probe-bytes: measured on a prefix (checks/partial.py); kept apart from the scan logic below
    fmt = ctx.facts(res).table_format() if not ctx.data_skip(res) else ""
    return partial.structure(res, fmt, found)


def _check(ctx: Context, res: dict[str, Any]) -> list[Finding]:
    why = ctx.data_skip(res)
    if why:
        return [ctx.skip(CHECK_ID, why, res)]
    facts = ctx.facts(res)
    sn = facts.sniffed()
    assert sn is not None
    if not facts.table_format():
        what = f"{sn.format} with no tabular member" if sn.format == "ZIP" else sn.format
        return [ctx.skip(CHECK_ID, f"{what} is not a tabular or structured text format", res)]
    scan = facts.table()
    if scan is None:
        return [ctx.skip(CHECK_ID, f"no readable table in this {sn.format}", res)]
    notes = list(scan.notes)
    if scan.member:
        notes.insert(0, f"ZIP member {scan.member}")
    if scan.kind == "invalid":
        evidence = "; ".join([summarise(scan) or "does not parse", *scan.examples[:3], *notes])
        return [ctx.finding(CHECK_ID, "fail", f"errors={scan.error_total} ({scan.format} does not parse)", "errors=0", evidence, res)]
    if scan.kind == "document":
        text = "; ".join(notes)
        if not scan.complete and "not parsed" in text:
            return [ctx.skip(CHECK_ID, text, res)]
        outcome = "pass" if scan.format in STANDARD_DOCUMENTS else "warn"
        measured = f"well-formed {scan.format}" + ("" if outcome == "pass" else ", not a flat table")
        return [ctx.finding(CHECK_ID, outcome, measured, "a flat table", text, res)]
    total = scan.error_total
    measured = f"rows={scan.rows} fields={scan.fields} errors={total}"
    engine = f"engine {scan.engine}" + (f", encoding {scan.encoding}" if scan.encoding else "")
    if total == 0:
        return [ctx.finding(CHECK_ID, "pass", measured, "errors=0", "; ".join(["no errors", engine, *notes]), res)]
    structural = [t for t in scan.errors if t in STRUCTURAL_ERRORS]
    outcome = "fail" if structural else "warn"
    evidence = "; ".join([summarise(scan), "first: " + " | ".join(scan.examples[:3]), engine, *notes])
    return [ctx.finding(CHECK_ID, outcome, measured, "errors=0", evidence, res)]
