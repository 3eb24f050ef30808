"""`odaudit trend SNAPSHOT… --out DIR [--rubric FILE] [--allow-partial] [--recheck] [--workers N] [--jobs N]`."""

from __future__ import annotations

from pathlib import Path

import typer

from ..bundled import rubric_path as bundled_rubric
from . import common
from .options import jobs_option, json_option, lang_option, out_option, print_summary, quiet_option, workers_option


def trend(
    snapshots: list[Path] = typer.Argument(..., help="Snapshot directories, any number (taken in crawl order)."),
    out: Path = out_option("Directory for trend.md, resource_history.csv, series.csv, the chart and the site (site/)."),
    rubric: Path | None = typer.Option(None, "--rubric", "-r", help="One rubric applied to every snapshot (default: defaults with method flat)."),
    allow_partial: bool = typer.Option(False, "--allow-partial", help="Accept partial snapshots (interrupted crawls)."),
    recheck: bool = typer.Option(False, "--recheck", help="Re-check every snapshot even when its stored findings come from today's rules."),
    workers: int | None = workers_option("Processes for re-checking large snapshots (default: one per CPU; 0 = in-process, without the check limits)."),
    jobs: int = jobs_option(),
    lang: str = lang_option(),
    quiet: bool = quiet_option("warnings are kept in trend.md"),
    as_json: bool = json_option(),
) -> None:
    """History over many crawls: how long each resource has been broken, and quantity against
    quality over time, every snapshot by today's rules and one rubric (as `diff`).

    \b
    The snapshots are taken in crawl order, whatever order they are given in (a warning says so).
    The output folder is replaced whole, and must be empty, new or an earlier `odaudit trend`.
    Example:
      odaudit trend snapshots/2024 snapshots/2025 snapshots/2026 --rubric ocf-2017 --out reports/trend
      odaudit trend snapshots/2024 snapshots/2025 --out reports/trend-zh --lang zh-TW
      odaudit trend snapshots/20* --out reports/trend --jobs 2   # first run: two snapshots scored at once
    Exit codes: 0 written, 2 trouble (unreadable snapshot, a snapshot named twice, bad rubric), 3 could not write.
    """
    from ..store.folders import FolderLock, check_report_out, input_file, input_snapshot
    from ..trend import publish_trend, trend_snapshots

    common.STATE.quiet = quiet
    with FolderLock(out):
        check_report_out(out, "trend")  # before any work: a snapshot or another report is never written over
        with common.progress(quiet) as on_progress:
            result = trend_snapshots(snapshots, rubric=rubric, allow_partial=allow_partial, recheck=recheck,
                                     workers=workers, jobs=jobs, on_progress=on_progress)
        inputs = {"snapshots": [input_snapshot(Path(s.path)) for s in result.snapshots],
                  **({"rubric": input_file(bundled_rubric(str(rubric)), rubric)} if rubric else {})}
        files = publish_trend(result, out, inputs=inputs, lang=lang)
    for w in result.warnings:
        common.warn(w, always="crawl order" in w)  # the order used is not the one given: said even with --quiet
    h = result.history
    broken = int(((h["check"] == "link") & (h["outcome"] == "fail")).sum())
    first, last = result.snapshots[0].started_at, result.snapshots[-1].started_at
    n = len(result.snapshots)
    from ..report.i18n import t

    print_summary(as_json, t("cli_trend_done", lang, n=n, first=first, last=last, h=len(h), broken=broken, rules=result.rules_version,
                             rubric=result.rubric.rubric.name, method=result.method, files=len(files), out=out),
                  {"snapshots": n, "first": first, "last": last, "history_rows": len(h), "links_broken": broken,
                   "rules_version": result.rules_version, "rubric": result.rubric.rubric.name, "method": result.method,
                   "out": str(out), "files": len(files), "warnings": result.warnings})
