"""`odaudit score [SNAPSHOT] --rubric FILE --out DIR [--lang en|zh-TW]`."""

from __future__ import annotations

from pathlib import Path

import typer

from . import common
from .options import json_option, lang_option, out_option, print_summary, quiet_option


def score(
    snapshot: Path | None = typer.Argument(None, help="Snapshot directory from `odaudit crawl`; omit to score a rubric whose answers are all manual."),
    rubric: Path = typer.Option(..., "--rubric", "-r", help="Rubric YAML file, or a bundled rubric by name (ocf-2017, demo-datagovtw)."),
    out: Path = out_option("Directory for report.md, appendix.md, CSV tables and SVG charts."),
    lang: str = lang_option(),
    blocked_as_broken: bool = typer.Option(False, "--blocked-as-broken", help="Count resources whose server refused this client (firewall pages, long 429s, 451) as failing `link`, instead of not measured; the report states the choice."),
    ratings: Path | None = typer.Option(None, "--ratings", help="The public's ratings: a CSV with columns item (a readiness or impact item id), rating (1-10) and optionally group; shown per item next to the researchers' score."),
    disputes: Path | None = typer.Option(None, "--disputes", help="Disputes YAML (dataset, resource or check, claim, evidence, links, decision, reason): accepted ones act as manual answers; all are listed in the report."),
    site: bool = typer.Option(True, "--site/--no-site", help="Also write the bilingual site (DIR/site/, a page per dataset, category and agency). --no-site writes the tables, charts and markdown only: a whole-portal site is tens of thousands of pages."),
    quiet: bool = quiet_option("warnings are kept in the report"),
    as_json: bool = json_option(),
) -> None:
    """Score a snapshot's findings with a rubric and write the reports.

    \b
    The report folder is replaced whole (no file of an earlier run survives; an interrupted run
    leaves the earlier report as it was). It must be empty, new, or an earlier `odaudit score`
    report: a snapshot or another command's report is never written over.
    Examples:
      odaudit score snapshots/2026-01 --rubric ocf-2017 --out reports/2026-01 --lang zh-TW
      odaudit score snapshots/demo --rubric my-rubric.yaml --out reports/demo
      odaudit score snapshots/2026 --rubric rubrics/2026.yaml --ratings ratings.csv --disputes disputes.yaml --out reports/2026
      odaudit score snapshots/portal-2026 --rubric ocf-2017 --out reports/portal-2026 --no-site
    """
    common.STATE.quiet = quiet
    from ..report import publishing
    from ..scoring import load_inputs, score_snapshot
    from ..store.folders import FolderLock, check_report_out, input_file, input_snapshot

    with FolderLock(out):
        check_report_out(out, "score")  # before any work: a snapshot or another report is never written over
        snap, rub, catalog = load_inputs(str(snapshot) if snapshot is not None else None, str(rubric))
        public, public_warnings = _read_ratings(ratings, rub)
        dispute_table = None
        if disputes is not None:
            from ..scoring.disputes import apply_disputes

            rub, dispute_table = apply_disputes(disputes, rub, catalog, snap)
        inputs = {"snapshot": input_snapshot(snap.root) if snap is not None else None,
                  "rubric": input_file(rub.path, rubric) if rub.path else None,
                  **{k: input_file(p) for k, p in (("ratings", ratings), ("disputes", disputes)) if p is not None}}
        options = {"blocked_as_broken": blocked_as_broken, **({} if site else {"site": False})}
        # the report is staged while the snapshot is scored: findings.csv and findings.jsonld are
        # written (on the other core) as soon as the findings are known
        with publishing(out, lang=lang, inputs=inputs, options=options, site=site) as pub:
            with common.progress(quiet) as on_progress:
                result = score_snapshot(snap, rub, catalog, on_progress=on_progress, blocked_as_broken=blocked_as_broken,
                                        on_findings=pub.begin_findings)
            result.ratings, result.disputes = public, dispute_table
            result.warnings += public_warnings
            pub.write(result)
        files = pub.paths
    for w in result.warnings:
        common.warn(w)
    from ..report.summary import summary_json

    print_summary(as_json, _summary_line(result, len(files), out, lang),
                  {**summary_json(result), "out": str(out), "files": len(files), "warnings": result.warnings})


def _summary_line(result, n: int, out: Path, lang: str) -> str:  # result: ScoreResult
    """The one line printed when done, in the report's language."""
    from ..report.i18n import localise, t

    bar, impl = result.barometer, result.node("implementation")
    if bar.score is not None:
        summary = t("cli_barometer", lang, score=f"{bar.score:.1f}")
    elif impl.score is not None:
        summary = t("cli_incomplete", lang, note=localise(bar.note, lang), impl=f"{impl.score:.1f}")
    else:
        summary = t("cli_incomplete_only", lang)
    return t("cli_done", lang, rubric=result.rubric_name, method=result.method, summary=summary, n=n, out=out)


def _read_ratings(path: Path | None, rubric):  # -> (DataFrame | None, warnings)
    if path is None:
        return None, []
    from ..scoring.ratings import ratings_table, read_ratings

    frame, warnings = read_ratings(path, rubric)
    return ratings_table(frame, rubric), warnings
