"""SVG charts, byte-for-byte reproducible: matplotlib Agg, a fixed `svg.hashsalt`, no Date
metadata, text kept as SVG text (so CJK labels render with the reader's fonts)."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..atomic import atomic_write_text  # noqa: E402
from ..scoring.model import ScoreResult  # noqa: E402
from ..text import visible  # noqa: E402
from .i18n import t  # noqa: E402

RC = {
    "svg.hashsalt": "odaudit",
    "svg.fonttype": "none",
    "text.parse_math": False,
    "font.family": ["sans-serif"],
    "font.sans-serif": ["Noto Sans CJK TC", "Noto Sans TC", "Microsoft JhengHei", "PingFang TC", "DejaVu Sans"],
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 72,
}
BAR = "#3b6ea5"
LIGHT = "#b9cde4"
CHART_FILES = ("chart-categories.svg", "chart-quality.svg", "chart-agencies.svg")


def save_svg(fig: plt.Figure, path: Path) -> Path:
    """Write a figure as deterministic SVG (fixed hash salt, no date), atomically; closes it."""
    buf = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing CJK glyphs in the layout font
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches=None)
    plt.close(fig)
    atomic_write_text(path, buf.getvalue())
    return path


def chart_label(text: str, width: int = 28) -> str:
    """An axis label: at most `width` characters, control characters visible (SVG is XML,
    which cannot hold most of them at all)."""
    return visible(text[:width])


def category_chart(r: ScoreResult, path: Path, lang: str) -> Path:
    cats = [n for n in r.nodes if n.level == "category" and n.score is not None]
    labels = [chart_label(f"{n.id.split('/', 1)[1]} {n.name}") for n in cats][::-1]
    scores = [n.score for n in cats][::-1]
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(7, 0.3 * max(len(cats), 3) + 1))
        ax.barh(range(len(scores)), scores, color=BAR)
        ax.set_yticks(range(len(scores)), labels, fontsize=8)
        ax.set_xlim(0, 100)
        ax.set_xlabel(t("score", lang) + " (0–100)")
        ax.set_title(t("chart_categories", lang), fontsize=10)
        for i, s in enumerate(scores):
            ax.text(min(s + 1, 92), i, f"{s:.1f}", va="center", fontsize=7)
        fig.subplots_adjust(left=0.32, right=0.97, top=0.92, bottom=0.12)
        return save_svg(fig, path)


def quality_chart(r: ScoreResult, path: Path, lang: str) -> Path:
    y = r.years
    y = y[y["year"] != "(unknown)"]
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(7, 3.2))
        x = list(range(len(y)))
        ax.bar(x, y["datasets"].tolist(), color=LIGHT, label=t("raw_n", lang))
        ax.bar(x, y["quality_datasets"].tolist(), color=BAR, label=t("quality_n", lang))
        ax.set_xticks(x, y["year"].tolist(), fontsize=8, rotation=0 if len(x) < 12 else 45)
        ax.set_ylabel(t("datasets", lang))
        ax.set_title(t("chart_quality", lang), fontsize=10)
        ax.legend(fontsize=8, frameon=False)
        fig.subplots_adjust(left=0.12, right=0.97, top=0.88, bottom=0.18)
        return save_svg(fig, path)


def agency_chart(r: ScoreResult, path: Path, lang: str) -> Path:
    counts = r.agencies["stars"].value_counts().reindex(range(1, 6), fill_value=0) if len(r.agencies) else None
    values = [int(v) for v in counts.tolist()] if counts is not None else [0] * 5
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(5, 2.8))
        ax.bar(range(1, 6), values, color=BAR)
        ax.set_xticks(range(1, 6), ["★" * i for i in range(1, 6)], fontsize=8)
        ax.set_ylabel(t("agencies", lang))
        ax.set_title(t("chart_agencies", lang), fontsize=10)
        for i, v in enumerate(values, 1):
            ax.text(i, v, str(v), ha="center", va="bottom", fontsize=7)
        fig.subplots_adjust(left=0.14, right=0.97, top=0.88, bottom=0.14)
        return save_svg(fig, path)


def write_charts(r: ScoreResult, out: Path, lang: str) -> list[Path]:
    paths = [category_chart(r, out / CHART_FILES[0], lang)]
    if r.has_snapshot:
        paths.append(quality_chart(r, out / CHART_FILES[1], lang))
        paths.append(agency_chart(r, out / CHART_FILES[2], lang))
    return paths
