"""The charts of a score report: categories, quality by year, agencies by stars."""

from __future__ import annotations

from pathlib import Path

from ...scoring.model import ScoreResult
from ..i18n import t
from .base import BAR, LIGHT, category_label, count_axis, figure, legend_below, room, save_svg

CHART_FILES = ("chart-categories.svg", "chart-quality.svg", "chart-agencies.svg")
#: display columns of a category label (two lines at most), and the room one label row takes
LABEL_WIDTH = 34
ROW_IN = 0.22


def category_chart(r: ScoreResult, path: Path, lang: str) -> Path:
    cats = [n for n in r.nodes if n.level == "category" and n.score is not None]
    labels = [category_label(n.id, n.name, LABEL_WIDTH) for n in cats][::-1]
    scores = [float(n.score) for n in cats][::-1]  # type: ignore[arg-type]
    title = t("chart_categories", lang)
    with figure(7, 0.9 + ROW_IN * room(labels) * max(len(cats), 2)) as (fig, ax):
        ax.barh(range(len(scores)), scores, color=BAR)
        ax.set_yticks(range(len(scores)), labels, fontsize=8)
        ax.set_ylim(-0.6, len(scores) - 0.4)
        ax.set_xlim(0, 100)
        ax.set_xlabel(t("score", lang) + " (0–100)", fontsize=8)
        ax.set_title(title, fontsize=10)
        for i, s in enumerate(scores):
            # inside the bar's end when there is no room after it: the number stays in the axes
            inside = s > 90
            ax.text(s - 1 if inside else s + 1, i, f"{s:.1f}", va="center", ha="right" if inside else "left", fontsize=7,
                    color="white" if inside else "black")
        return save_svg(fig, path, title)


def quality_chart(r: ScoreResult, path: Path, lang: str) -> Path:
    y = r.years
    y = y[y["year"] != "(unknown)"]
    title = t("chart_quality", lang)
    with figure(7, 3.4) as (fig, ax):
        x = list(range(len(y)))
        ax.bar(x, y["datasets"].tolist(), color=LIGHT, label=t("raw_n", lang))
        ax.bar(x, y["quality_datasets"].tolist(), color=BAR, label=t("quality_n", lang))
        many = len(x) >= 12
        ax.set_xticks(x, y["year"].tolist(), fontsize=8, rotation=45 if many else 0, ha="right" if many else "center")
        ax.set_ylabel(t("datasets", lang), fontsize=8)
        count_axis(ax.yaxis)
        ax.set_title(title, fontsize=10)
        legend_below(fig)
        return save_svg(fig, path, title)


def agency_chart(r: ScoreResult, path: Path, lang: str) -> Path:
    counts = r.agencies["stars"].value_counts().reindex(range(1, 6), fill_value=0) if len(r.agencies) else None
    values = [int(v) for v in counts.tolist()] if counts is not None else [0] * 5
    title = t("chart_agencies", lang)
    with figure(5, 3) as (fig, ax):
        ax.bar(range(1, 6), values, color=BAR)
        ax.set_xticks(range(1, 6), ["★" * i for i in range(1, 6)], fontsize=8)
        ax.set_ylabel(t("agencies", lang), fontsize=8)
        ax.set_ylim(0, max([*values, 1]) * 1.15)  # room for the count above the tallest bar
        count_axis(ax.yaxis)
        ax.set_title(title, fontsize=10)
        for i, v in enumerate(values, 1):
            ax.text(i, v, str(v), ha="center", va="bottom", fontsize=7)
        return save_svg(fig, path, title)


def write_charts(r: ScoreResult, out: Path, lang: str) -> list[Path]:
    """The report's charts in `lang`, into `out`; the paths written."""
    paths = [category_chart(r, out / CHART_FILES[0], lang)]
    if r.has_snapshot:
        paths.append(quality_chart(r, out / CHART_FILES[1], lang))
        paths.append(agency_chart(r, out / CHART_FILES[2], lang))
    return paths
