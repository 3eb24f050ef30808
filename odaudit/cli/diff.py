"""`odaudit diff OLD NEW --out DIR [--rubric FILE] [--old-rubric FILE --new-rubric FILE] [--allow-partial] [--lang en|zh-TW]`."""

from __future__ import annotations

from pathlib import Path

import typer

from ..bundled import rubric_path as bundled_rubric
from ..errors import ExitCode
from . import common
from .options import jobs_option, json_option, lang_option, out_option, print_summary, quiet_option, workers_option


def diff(
    old: Path = typer.Argument(..., help="The earlier snapshot directory."),
    new: Path = typer.Argument(..., help="The later snapshot directory."),
    out: Path = out_option("Directory for diff.md, changes.csv, score_deltas.csv, agencies.csv and the SVG charts."),
    rubric: Path | None = typer.Option(None, "--rubric", "-r", help="One rubric applied to both sides."),
    old_rubric: Path | None = typer.Option(None, "--old-rubric", help="The old snapshot's rubric: compared with --new-rubric and the differences reported (applied only when it is the only rubric given)."),
    new_rubric: Path | None = typer.Option(None, "--new-rubric", help="The rubric of the new snapshot (applied to both sides unless --rubric is given)."),
    allow_partial: bool = typer.Option(False, "--allow-partial", help="Accept partial snapshots (interrupted crawls)."),
    lang: str = lang_option(),
    recheck: bool = typer.Option(False, "--recheck", help="Re-check both sides even when their stored findings come from today's rules."),
    allow_missing_bodies: bool = typer.Option(False, "--allow-missing-bodies", help="Re-check a side whose bodies are missing or altered anyway; their body checks say 'not measured'."),
    workers: int | None = workers_option("Processes for re-checking (default: one per CPU, one for small snapshots; 0 = in-process, without the check limits)."),
    jobs: int = jobs_option(),
    check_timeout: float = typer.Option(600.0, "--check-timeout", min=0, help="Seconds the checks of one resource may take when re-checking; over it, an error finding (0 = no limit)."),
    check_memory: int = typer.Option(2048, "--check-memory", min=0, help="MB of memory a re-checking process may use beyond its start (Linux; 0 = no limit)."),
    blocked_as_broken: bool = typer.Option(False, "--blocked-as-broken", help="Count resources whose server refused this client (firewall pages, long 429s, 451) as failing `link`, instead of not measured."),
    quiet: bool = quiet_option("warnings are kept in the report"),
    as_json: bool = json_option(),
) -> None:
    """Compare two snapshots by today's rules and one rubric: what was added, removed, broken,
    fixed, and how the scores moved.

    \b
    Both snapshots are re-checked in memory with today's rules (nothing is rewritten) and scored
    with the same rubric: --rubric, else --new-rubric, else defaults with method flat.
    The output folder is replaced whole, and must be empty, new or an earlier `odaudit diff`.
    Example:
      odaudit diff snapshots/2025 snapshots/2026 --new-rubric rubrics/2026.yaml --out reports/diff --lang zh-TW
      odaudit diff snapshots/2025 snapshots/2026 --out reports/diff --jobs 2   # both sides scored at once
    A side to re-check whose stored bodies are missing or altered is refused unless --allow-missing-bodies.
    Exit codes (like diff(1)): 0 no difference, 1 differences, 2 trouble (unreadable snapshot, missing or altered bodies, bad rubric).
    """
    common.STATE.quiet = quiet
    from ..diff import diff_snapshots, publish_diff
    from ..store.folders import FolderLock, check_report_out, input_file, input_snapshot

    with FolderLock(out):
        check_report_out(out, "diff")  # before any work: a snapshot or another report is never written over
        with common.progress(quiet) as on_progress:
            result = diff_snapshots(old, new, rubric=rubric, old_rubric=old_rubric, new_rubric=new_rubric,
                                    allow_partial=allow_partial, recheck=recheck, allow_missing_bodies=allow_missing_bodies, workers=workers, jobs=jobs, on_progress=on_progress,
                                    blocked_as_broken=blocked_as_broken,
                                    limits=common.check_limits(check_timeout, check_memory))
        rubrics = {name: input_file(bundled_rubric(str(path)), path)
                   for name, path in (("rubric", rubric), ("old_rubric", old_rubric), ("new_rubric", new_rubric)) if path}
        inputs = {"old": input_snapshot(old), "new": input_snapshot(new), **rubrics}
        files = publish_diff(result, out, lang=lang, inputs=inputs, options={"blocked_as_broken": blocked_as_broken})
    for w in result.warnings:
        common.warn(w, always="not measured" in w)  # what was not measured is said even with --quiet
    for d in result.rubric.differences:
        common.warn(f"rubric difference: {d}")
    n = len(result.changes)
    rescored = int((result.score_deltas["level"] == "dataset").sum())
    from ..report.i18n import t

    verdict = t("cli_diff_changes", lang, n=n, k=rescored) if result.has_differences else t("cli_diff_none", lang)
    print_summary(as_json, t("cli_diff_done", lang, old=old, new=new, verdict=verdict, rules=result.rules_version,
                             rubric=result.rubric.rubric.name, method=result.method, n=len(files), out=out),
                  {"old": str(old), "new": str(new), "changes": n, "datasets_rescored": rescored, "differences": result.has_differences,
                   "rules_version": result.rules_version, "rubric": result.rubric.rubric.name, "method": result.method,
                   "out": str(out), "files": len(files), "warnings": result.warnings})
    if result.has_differences:
        raise typer.Exit(int(ExitCode.DIFFERENCES))
