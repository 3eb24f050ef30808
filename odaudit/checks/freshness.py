"""freshness: is the newest sign of an update recent enough for the declared 更新頻率?

Reference time: the crawl time passed to `run_checks` (never the wall clock). Evidence of updates:
* `meta.modified` (詮釋資料更新時間);
* each resource's declared modified date (資料資源更新時間) and its HTTP `Last-Modified`;
* the newest date inside tabular data, in date-like columns (odaudit/inspect/tables/datecols.py: YYYY-MM-DD, YYYY/MM/DD,
  YYYYMMDD, ISO date-times, ROC 113/01/05 …). Dates more than one day after the crawl time are ignored
  and counted (the WRA sample has rows dated a year ahead).
The newest of these is the age (in days); the expected maximum is frequency.py's period × 1.5 + 1 day.

* pass: age ≤ expected maximum; or declared static (不更新, 不需更新, 無): never stale by declaration;
* fail: older than the expected maximum (stale);
* skip: 不定期 (irregular: no expected age), no date at all to compare, or an 更新頻率 odaudit does
  not understand (listed in the report as not understood; README "Adding a vocabulary value");
* warn: 更新頻率 missing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..inspect.dates import age_days, fmt_days, fmt_dt, parse_http_date, parse_meta_datetime
from ..inspect.frequency import parse_frequency
from ..model.findings import Finding
from . import partial
from .base import Context

CHECK_ID = "freshness"


def _frequency_value(ctx: Context) -> object:
    value = ctx.meta.get("frequency")
    if value:
        return value
    api = (ctx.dataset.get("raw") or {}).get("api") or {}
    if isinstance(api, dict):
        result = api.get("result") if isinstance(api.get("result"), dict) else api
        return (result or {}).get("updateFrequency") or ""
    return ""


def evidence_dates(ctx: Context) -> tuple[list[tuple[str, datetime]], list[str]]:
    """([(source label, datetime)] not in the future, [notes about future or unreadable dates])."""
    ref = ctx.crawl_time
    limit = ref + timedelta(days=1)
    found: list[tuple[str, datetime]] = []
    notes: list[str] = []

    def add(label: str, dt: datetime | None) -> None:
        if dt is None:
            return
        if dt > limit:
            notes.append(f"{label} {fmt_dt(dt)} is in the future: ignored")
        else:
            found.append((label, dt))

    add("meta.modified", parse_meta_datetime(ctx.meta.get("modified")))
    for res in ctx.resources:
        idx = res.get("index", 0)
        declared = (res.get("declared") or {}).get("modified")
        add(f"#{idx} declared modified", parse_meta_datetime(declared))
        if not ctx.unreachable(res):
            add(f"#{idx} Last-Modified", parse_http_date(res.get("last_modified")))
        facts = ctx.facts(res)
        if facts.body_problem is not None and ctx.body_skip(res) == facts.body_problem.reason():
            notes.append(f"#{idx} data dates not measured (body {facts.body_problem.kind})")
            continue
        try:
            if ctx.data_skip(res) or not facts.table_format():
                continue
            scan = facts.table()
        except Exception as exc:  # noqa: BLE001 - structure reports the crash; here it is just missing evidence
            notes.append(f"#{idx} data dates unavailable ({type(exc).__name__})")
            continue
        if scan is None:
            continue
        for col, st in sorted(scan.dates.items()):
            if st.newest is not None:
                found.append((f"#{idx} data {col}", st.newest))
            if st.future:
                notes.append(f"#{idx} {st.future} date{'s' if st.future != 1 else ''} in {col} after the crawl ignored (latest {st.future_text})")
    return found, notes


def check(ctx: Context) -> list[Finding]:
    return partial.freshness(ctx.resources, _check(ctx))  # data dates from a probed prefix (checks/partial.py)


def _check(ctx: Context) -> list[Finding]:
    freq = parse_frequency(_frequency_value(ctx))
    ref = ctx.crawl_time
    found, notes = evidence_dates(ctx)
    found.sort(key=lambda x: (-x[1].timestamp(), x[0]))
    ages = [f"{label} {fmt_dt(dt)} ({fmt_days(age_days(dt, ref))})" for label, dt in found[:6]]
    if len(found) > 6:
        ages.append(f"… (+{len(found) - 6})")
    newest = found[0] if found else None
    measured = f"age={fmt_days(max(0.0, age_days(newest[1], ref)))}" if newest else "no date"
    tail = ages + notes
    if freq.note:
        tail.append(freq.note)
    if freq.kind == "missing":
        return [ctx.finding(CHECK_ID, "warn", measured, "更新頻率", "; ".join(["更新頻率 not stated", *tail]))]
    if freq.kind == "unknown":  # not understood is not measured: no expected age to hold the data to
        return [ctx.finding(CHECK_ID, "skip", measured, f"更新頻率 {freq.text}", "; ".join([f"更新頻率 {freq.text!r} not understood", *tail]))]
    if freq.kind == "irregular":
        return [ctx.finding(CHECK_ID, "skip", measured, f"更新頻率 {freq.text}", "; ".join([f"{freq.text}: irregular, no expected age", *tail]))]
    if freq.kind == "static":
        return [ctx.finding(CHECK_ID, "pass", measured, f"更新頻率 {freq.text}", "; ".join([f"{freq.text}: declared static, never stale", *tail]))]
    max_age = freq.max_age_days
    assert max_age is not None
    expected = f"≤ {fmt_days(max_age)}"
    if newest is None:
        return [ctx.finding(CHECK_ID, "skip", measured, expected, "; ".join([f"{freq.rule()}; no date to compare", *notes]))]
    age = age_days(newest[1], ref)
    outcome = "pass" if age <= max_age else "fail"
    return [ctx.finding(CHECK_ID, outcome, measured, expected, "; ".join([f"{freq.rule()}; newest: " + ages[0], *ages[1:], *notes, *( [freq.note] if freq.note else [])]))]
