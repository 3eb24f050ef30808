"""Reports of a ScoreResult: report.md, appendix.md, CSV tables and SVG charts, written atomically."""

from __future__ import annotations

from pathlib import Path

from ..atomic import atomic_write_text
from ..scoring.model import ScoreResult
from .charts import write_charts
from .csvout import write_tables
from .i18n import LANGS
from .markdown import render_appendix, render_report

__all__ = ["LANGS", "write_reports"]


def write_reports(result: ScoreResult, out: str | Path, *, lang: str = "en") -> list[Path]:
    """Write every report file into `out` (created if needed); returns their paths, sorted."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} (use {', '.join(LANGS)})")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = write_tables(result, out)
    charts = write_charts(result, out, lang)
    atomic_write_text(out / "appendix.md", render_appendix(result, lang))
    atomic_write_text(out / "report.md", render_report(result, lang, [c.name for c in charts]))
    return sorted([*paths, *charts, out / "appendix.md", out / "report.md"])
