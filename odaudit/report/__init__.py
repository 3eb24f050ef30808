"""Reports of a ScoreResult: report.md, appendix.md, CSV tables, SVG charts and the site (site/), written atomically."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_json, atomic_write_text
from ..scoring.model import FindingsView, ScoreResult
from ..store.folders import REPORT_MANIFEST, replacing
from . import forked
from .charts import write_charts
from .csvout import write_tables
from .findings_files import FindingsFiles
from .i18n import LANGS, normalise_lang
from .markdown import render_appendix, render_report
from .site import write_site
from .summary import summary_json

__all__ = ["LANGS", "Publication", "publish_reports", "publishing", "write_reports"]


def write_reports(result: ScoreResult, out: str | Path, *, lang: str = "en", site: bool = True,
                  findings: FindingsFiles | None = None) -> list[Path]:
    """Write every report file into `out` (created if needed), the site unless `site` is false;
    returns their paths, sorted. `findings`: findings.csv and findings.jsonld already begun in `out`."""
    lang = normalise_lang(lang)  # ValueError for a language odaudit does not write
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = findings or FindingsFiles(out)

    def tables() -> list[Path]:
        atomic_write_json(out / "summary.json", summary_json(result))
        return [*write_tables(result, out), out / "summary.json"]

    # the CSV tables on the other core while this one draws the charts and writes the markdown
    # (forked.py; the same bytes either way)
    child = forked.Forked(tables, "the CSV tables") if forked.can_fork() else None
    try:
        charts = write_charts(result, out, lang)
        atomic_write_text(out / "appendix.md", render_appendix(result, lang))
        atomic_write_text(out / "report.md", render_report(result, lang, [c.name for c in charts]))
        paths = child.result() if child is not None else tables()
    except BaseException:
        if child is not None:
            child.stop()
        files.stop()
        raise
    paths += files.paths(result)
    pages = write_site(result, out / "site", lang) if site else []
    return sorted([*paths, *charts, out / "appendix.md", out / "report.md", *pages])


class Publication:
    """A report being written into its staging folder (`publishing`): `begin_findings` starts the
    files of a row per finding as soon as the scoring knows them (score_snapshot's `on_findings`),
    `write` writes the rest; `paths` are the final files once the folder is swapped in."""

    def __init__(self, staging: Path, out: Path, lang: str, site: bool) -> None:
        self.staging, self.out, self.lang, self.site = staging, out, normalise_lang(lang), site
        self.findings = FindingsFiles(staging)
        self.paths: list[Path] = []
        self._written: list[Path] = []

    def begin_findings(self, view: FindingsView) -> None:
        self.findings.begin(view)

    def write(self, result: ScoreResult) -> None:
        self._written = write_reports(result, self.staging, lang=self.lang, site=self.site, findings=self.findings)


@contextlib.contextmanager
def publishing(out: str | Path, *, lang: str, inputs: dict[str, Any], options: dict[str, Any] | None = None,
               site: bool = True) -> Iterator[Publication]:
    """Write a report into a staging folder and swap it in for `out` whole (see odaudit.store.folders):
    no file of an earlier run survives, and an interrupted or failed run leaves the earlier report
    intact. The caller holds the folder lock, and scores inside the block (so that the findings'
    files are written meanwhile)."""
    out = Path(out)
    with replacing(out, command="score", inputs=inputs, options={"lang": lang, **(options or {})}) as staging:
        pub = Publication(staging, out, lang, site)
        try:
            yield pub
        finally:
            pub.findings.stop()  # a child still running here belongs to a report that failed
    pub.paths = sorted([out / p.relative_to(staging) for p in pub._written] + [out / REPORT_MANIFEST])


def publish_reports(result: ScoreResult, out: str | Path, *, lang: str, inputs: dict[str, Any],
                    options: dict[str, Any] | None = None, site: bool = True) -> list[Path]:
    """`publishing` for a result already scored: writes it and returns the final paths, sorted."""
    with publishing(out, lang=lang, inputs=inputs, options=options, site=site) as pub:
        pub.write(result)
    return pub.paths
