"""consistency: contradictions inside the metadata, and between metadata and data.

Dataset level (resource ""):
* fail: the adapter found a `list_length_mismatch` (the `;`-joined 檔案格式 / 資料下載網址 / 編碼格式 /
  資料量 lists have different lengths, so resources cannot be aligned with certainty);
* warn: other parse issues recorded by the adapter;
* pass: none.

Resource level: declared 資料量 (`declared.rows`) against the rows counted by the structure scan:
* pass: equal;
* warn: within 10% (live data may have changed since 資料量 was written);
* fail: further apart, or 資料量 is not a number; also when fewer rows were declared than were seen in
  a truncated or row-limited scan;
* skip: 資料量 not declared, or no row count (not tabular, truncated with more rows declared than seen).
"""

from __future__ import annotations

from typing import Any

from ..inspect.vocab import normalise_text
from ..model.findings import Finding
from .base import Context

CHECK_ID = "consistency"


def check_dataset(ctx: Context) -> list[Finding]:
    issues = ctx.dataset.get("parse_issues") or []
    if not issues:
        return [ctx.finding(CHECK_ID, "pass", "0 issues", "0 issues", "no contradictions found while parsing the metadata")]
    texts = []
    worst = "warn"
    for it in issues:
        if not isinstance(it, dict):
            texts.append(str(it))
            continue
        kind = it.get("issue", "")
        if kind == "list_length_mismatch":
            worst = "fail"
        detail = f" ({it.get('detail')})" if it.get("detail") else ""
        texts.append(f"{it.get('field', '')}: {kind}{detail}")
    return [ctx.finding(CHECK_ID, worst, f"{len(issues)} issue{'s' if len(issues) != 1 else ''}", "0 issues", "; ".join(texts))]


def check_rows(ctx: Context, res: dict[str, Any]) -> list[Finding]:
    raw = normalise_text((res.get("declared") or {}).get("rows", "")).replace(",", "")
    if not raw:
        return [ctx.skip(CHECK_ID, "資料量 not declared", res)]
    why = ctx.data_skip(res)
    facts = ctx.facts(res)
    if why or not facts.table_format():
        return [ctx.skip(CHECK_ID, why or "not tabular: no row count to compare with 資料量", res, expected=f"rows={raw}")]
    scan = facts.table()
    if scan is None or scan.kind != "table" or scan.rows is None:
        return [ctx.skip(CHECK_ID, "no row count measured", res, expected=f"rows={raw}")]
    try:
        declared = int(float(raw))
    except ValueError:
        return [ctx.finding(CHECK_ID, "fail", f"rows={scan.rows}", f"rows={raw}", f"資料量 {raw!r} is not a number", res)]
    real = scan.rows
    measured = f"rows={real}" + ("" if scan.complete else "+")
    expected = f"rows={declared}"
    if not scan.complete:
        if declared < real:
            return [ctx.finding(CHECK_ID, "fail", measured, expected, f"資料量 {declared} but at least {real} rows seen ({'; '.join(scan.notes)})", res)]
        return [ctx.skip(CHECK_ID, f"only {real} rows seen ({'; '.join(scan.notes)})", res, expected=expected)]
    if declared == real:
        return [ctx.finding(CHECK_ID, "pass", measured, expected, "資料量 matches the data rows", res)]
    diff = abs(declared - real)
    if diff <= max(1, real // 10):
        return [ctx.finding(CHECK_ID, "warn", measured, expected, f"資料量 {declared}, data has {real} rows (within 10%)", res)]
    return [ctx.finding(CHECK_ID, "fail", measured, expected, f"資料量 {declared}, data has {real} rows", res)]
