"""`odaudit score [SNAPSHOT] --rubric FILE --out DIR [--lang en|zh-TW]`."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import InputError
from . import common

LANG_HELP = "Report language: en or zh-TW (labels and prose; portal text stays as published)."


def score(
    snapshot: Path | None = typer.Argument(None, help="Snapshot directory from `odaudit crawl`; omit to score a rubric whose answers are all manual."),
    rubric: Path = typer.Option(..., "--rubric", "-r", help="Rubric YAML (see rubrics/ocf-2017.yaml)."),
    out: Path = typer.Option(..., "--out", "-o", help="Directory for report.md, appendix.md, CSV tables and SVG charts."),
    lang: str = typer.Option("en", "--lang", help=LANG_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress or warnings on stderr (warnings are kept in the report)."),
) -> None:
    """Score a snapshot's findings with a rubric and write the reports.

    \b
    Example:
      odaudit score snapshots/2026-01 --rubric rubrics/ocf-2017.yaml --out reports/2026-01 --lang zh-TW
    """
    common.STATE.quiet = quiet
    from ..report import LANGS, write_reports
    from ..scoring import load_inputs, score_snapshot

    if lang not in LANGS:
        raise InputError(f"--lang {lang}: use one of {', '.join(LANGS)}")
    snap, rub, catalog = load_inputs(str(snapshot) if snapshot is not None else None, str(rubric))
    with common.progress(quiet) as on_progress:
        result = score_snapshot(snap, rub, catalog, on_progress=on_progress)
    files = write_reports(result, out, lang=lang)
    for w in result.warnings:
        common.warn(w)
    bar = result.barometer
    impl = result.node("implementation")
    summary = f"barometer {bar.score:.1f}" if bar.score is not None else f"barometer incomplete ({bar.note}); implementation {impl.score:.1f}" if impl.score is not None else "barometer incomplete"
    common.stdout.print(f"{result.rubric_name} ({result.method}): {summary}; {len(files)} files in {out}", markup=False)
