"""Charts of two or more crawls side by side: the diff's quantity and category charts, the trend's
line chart. They take plain tables and labels, not the diff's or trend's result objects, so the
report layer needs nothing from the layers above it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import pandas as pd

from ..i18n import t
from .base import BAR, LIGHT, category_label, count_axis, figure, fit_label, legend_below, room, save_svg

LEGEND_WIDTH = 44
ROW_IN = 0.2


class Crawl(Protocol):
    """What a series label needs of one crawl (odaudit.diff's Side, odaudit.trend's SnapshotInfo)."""

    path: str

    @property
    def started_at(self) -> str: ...


def _name(path: str, parts: int) -> str:
    return "/".join(Path(path).parts[-parts:]) or path


def crawl_labels(crawls: Sequence[Crawl], roles: Sequence[str] = ()) -> list[str]:
    """One label per crawl from its date and its snapshot's folder name ("Old: 2017-06-01 · a"):
    the time of day is added when two crawls share a date, parent folders when they share a name,
    so that no two series carry the same label."""
    stamps = [c.started_at[:10] for c in crawls]
    if len(set(stamps)) < len(stamps):
        stamps = [c.started_at[:16].replace("T", " ") for c in crawls]
    parts = 1
    while parts < 4 and len({_name(c.path, parts) for c in crawls}) < len(crawls):
        parts += 1
    labels = [f"{s} · {_name(c.path, parts)}".strip(" ·") for s, c in zip(stamps, crawls, strict=True)]
    if roles:
        labels = [f"{role}: {label}" for role, label in zip(roles, labels, strict=True)]
    return [fit_label(label, LEGEND_WIDTH, lines=1) for label in labels]


def diff_labels(old: Crawl, new: Crawl, lang: str) -> tuple[str, str]:
    a, b = crawl_labels([old, new], [t("chart_old", lang), t("chart_new", lang)])
    return a, b


def _growth(x: object) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{float(x):+.1f} %"  # type: ignore[arg-type]


def diff_quantity_chart(quantity: pd.DataFrame, labels: tuple[str, str], path: Path, lang: str) -> Path:
    """Datasets and those passing the quality bar, old beside new, with the growth of each."""
    q = quantity.set_index("measure")
    measures = ["datasets", "quality_datasets"]
    names = [t("datasets", lang), t("quality_n", lang)]
    old = [int(q.at[m, "old"]) for m in measures]
    new = [int(q.at[m, "new"]) for m in measures]
    title = t("chart_diff_quantity", lang)
    with figure(6.4, 3.6) as (fig, ax):
        x = list(range(len(measures)))
        w = 0.38
        ax.bar([i - w / 2 for i in x], old, w, color=LIGHT, label=labels[0])
        ax.bar([i + w / 2 for i in x], new, w, color=BAR, label=labels[1])
        top = max([*old, *new, 1])
        for i in x:
            ax.text(i - w / 2, old[i], f"{old[i]:,}", ha="center", va="bottom", fontsize=7)
            ax.text(i + w / 2, new[i], f"{new[i]:,}", ha="center", va="bottom", fontsize=7)
            ax.text(i, top * 1.14, _growth(q.at[measures[i], "growth"]), ha="center", va="bottom", fontsize=9)
        ax.set_xticks(x, names, fontsize=8)
        ax.set_ylim(0, top * 1.32)  # the growth figures sit above the bars, inside the axes
        ax.set_ylabel(t("datasets", lang), fontsize=8)
        count_axis(ax.yaxis)
        ax.set_title(title, fontsize=10)
        legend_below(fig)
        return save_svg(fig, path, title)


def diff_category_chart(deltas: pd.DataFrame, labels: tuple[str, str], path: Path, lang: str) -> Path:
    """Each category's score, old beside new (a category missing on one side shows no bar there)."""
    cats = deltas[deltas["level"] == "category"]
    cats = cats[cats["old"].notna() | cats["new"].notna()]
    names = [category_label(x.id, x.name, 34) for x in cats.itertuples(index=False)][::-1]
    old = [0.0 if pd.isna(v) else float(v) for v in cats["old"]][::-1]
    new = [0.0 if pd.isna(v) else float(v) for v in cats["new"]][::-1]
    title = t("chart_diff_categories", lang)
    with figure(7, 1.3 + ROW_IN * max(room(names), 2) * max(len(names), 2)) as (fig, ax):
        y = list(range(len(names)))
        h = 0.38
        ax.barh([i + h / 2 for i in y], old, h, color=LIGHT, label=labels[0])
        ax.barh([i - h / 2 for i in y], new, h, color=BAR, label=labels[1])
        ax.set_yticks(y, names, fontsize=8)
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.set_xlim(0, 100)
        ax.set_xlabel(t("score", lang) + " (0–100)", fontsize=8)
        ax.set_title(title, fontsize=10)
        legend_below(fig)
        return save_svg(fig, path, title)


def trend_quantity_chart(series: pd.DataFrame, crawls: Sequence[Crawl], positions: Sequence[int], path: Path,
                         lang: str = "en") -> Path:
    """Datasets and those passing the quality bar, one point per crawl in crawl order."""
    s = series[series["level"] == "portal"]

    def values(measure: str) -> list[float]:
        v = s[s["measure"] == measure].set_index("snapshot")["value"]
        return [float(v.get(p, float("nan"))) for p in positions]
    return trend_lines_chart(crawls, values("datasets"), values("quality_datasets"), path, t("chart_trend", lang), lang)


def trend_lines_chart(crawls: Sequence[Crawl], raw: Sequence[float], quality: Sequence[float], path: Path, title: str,
                      lang: str = "en") -> Path:
    """Two lines over the crawls (NaN where a crawl has no value: a gap): a count of datasets and
    the count of those passing the quality bar; the portal's chart and each agency's."""
    x = list(range(1, len(crawls) + 1))
    with figure(6.8, 3.8) as (fig, ax):
        ax.plot(x, raw, marker="o", color=LIGHT, label=t("datasets", lang))
        ax.plot(x, quality, marker="o", color=BAR, label=t("quality_n", lang))
        step = max(1, len(x) // 10)
        ax.set_xticks(x[::step], [c.started_at[:10] for c in crawls][::step], fontsize=7, rotation=30, ha="right")
        top = max([v for v in (*raw, *quality) if not math.isnan(v)] + [1])
        ax.set_ylim(0, top * 1.15)
        ax.set_ylabel(t("datasets", lang), fontsize=8)
        count_axis(ax.yaxis)
        ax.set_title(fit_label(title, 70, lines=1), fontsize=10)
        legend_below(fig)
        return save_svg(fig, path, title)
