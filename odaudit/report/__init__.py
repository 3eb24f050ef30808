"""Reports of a ScoreResult: report.md, appendix.md, CSV tables, SVG charts and the site (site/), written atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..atomic import atomic_write_json, atomic_write_text
from ..scoring.model import ScoreResult
from ..store.folders import REPORT_MANIFEST, replacing
from . import forked
from .charts import write_charts
from .csvout import findings_frame, write_findings_csv, write_tables
from .i18n import LANGS, normalise_lang
from .jsonld import write_findings_jsonld
from .markdown import render_appendix, render_report
from .site import write_site
from .summary import summary_json

__all__ = ["LANGS", "publish_reports", "write_reports"]


def write_reports(result: ScoreResult, out: str | Path, *, lang: str = "en", site: bool = True) -> list[Path]:
    """Write every report file into `out` (created if needed), the site unless `site` is false;
    returns their paths, sorted."""
    lang = normalise_lang(lang)  # ValueError for a language odaudit does not write
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    def by_finding() -> list[Path]:  # a row per finding: most of a whole portal's bytes (1.2 M findings, 500 MB)
        findings = findings_frame(result)
        return [write_findings_csv(out, findings), write_findings_jsonld(result, out / "findings.jsonld", findings)]

    # on the other core, while this one writes the rest (forked.py); the same bytes either way
    child = forked.Forked(by_finding, "findings.csv and findings.jsonld") if forked.can_fork() else None
    try:
        paths = write_tables(result, out)
        atomic_write_json(out / "summary.json", summary_json(result))
        paths.append(out / "summary.json")
        charts = write_charts(result, out, lang)
        atomic_write_text(out / "appendix.md", render_appendix(result, lang))
        atomic_write_text(out / "report.md", render_report(result, lang, [c.name for c in charts]))
    except BaseException:
        if child is not None:
            child.stop()
        raise
    paths += child.result() if child is not None else by_finding()
    pages = write_site(result, out / "site", lang) if site else []
    return sorted([*paths, *charts, out / "appendix.md", out / "report.md", *pages])


def publish_reports(result: ScoreResult, out: str | Path, *, lang: str, inputs: dict[str, Any],
                    options: dict[str, Any] | None = None, site: bool = True) -> list[Path]:
    """Write the report into a staging folder and swap it in for `out` whole (see odaudit.store.folders):
    no file of an earlier run survives, and an interrupted run leaves the earlier report intact.
    The caller holds the folder lock. Returns the final paths, sorted."""
    out = Path(out)
    with replacing(out, command="score", inputs=inputs, options={"lang": lang, **(options or {})}) as staging:
        files = write_reports(result, staging, lang=lang, site=site)
    return sorted([out / p.relative_to(staging) for p in files] + [out / REPORT_MANIFEST])
