"""SVG charts of score, diff and trend reports, byte-for-byte reproducible, text drawn as paths
with the bundled Noto Sans CJK TC subset (see base.py for why)."""

from __future__ import annotations

from .base import BAR, FONT_FAMILY, FONT_FILE, LIGHT, category_label, chart_label, display_width, fit_label, rc, save_svg
from .score import CHART_FILES, agency_chart, category_chart, quality_chart, write_charts
from .series import crawl_labels, diff_category_chart, diff_labels, diff_quantity_chart, trend_lines_chart, trend_quantity_chart

#: the style as a constant, for callers written before rc() (registers the bundled font on import)
RC = rc()

__all__ = [
    "RC",
    "BAR", "CHART_FILES", "FONT_FAMILY", "FONT_FILE", "LIGHT", "agency_chart", "category_chart", "category_label",
    "chart_label", "crawl_labels", "diff_category_chart", "diff_labels", "diff_quantity_chart", "display_width",
    "fit_label", "quality_chart", "rc", "save_svg", "trend_lines_chart", "trend_quantity_chart", "write_charts",
]
