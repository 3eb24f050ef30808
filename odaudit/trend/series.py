"""series.csv: what one scored snapshot adds to the time series, as tidy rows.

One row per (snapshot, level, id, measure): level `portal` (raw and quality-adjusted counts, as
`diff` counts them), `check` (shares of evaluated datasets and resources passing, %), `index`
(barometer and sub-indexes), `category` (category scores) and `agency` (datasets, quality-adjusted
datasets, shares and mean score per 提供機關).
"""

from __future__ import annotations

import math

import pandas as pd

from ..diff.compare import QUANTITY_MEASURES, Side, side_counts

SERIES_COLUMNS = ("snapshot", "crawled_at", "level", "id", "name", "measure", "value")
INDEXES = ("barometer", "readiness", "implementation", "impact")


def _v(x: object, digits: int = 2) -> float | int | None:
    """A value for the CSV: ints stay ints, floats are rounded, missing is empty."""
    if x is None:
        return None
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, int):
        return x
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else round(f, digits) + 0.0


def side_series(side: Side, position: int) -> list[tuple[object, ...]]:
    """SERIES_COLUMNS rows of one side (`position`: 1-based, in crawl order)."""
    rows: list[tuple[object, ...]] = []
    at = side.started_at

    def add(level: str, id_: str, name: str, measure: str, value: object, digits: int = 2) -> None:
        rows.append((position, at, level, id_, name, measure, _v(value, digits)))

    counts = side_counts(side)
    for m in QUANTITY_MEASURES:
        add("portal", "portal", "portal", m, counts[m])
    for r in side.quality.itertuples(index=False):
        for m in ("datasets_share", "resources_share"):
            v = getattr(r, m)
            add("check", str(r.check), str(r.check), m, None if v is None or pd.isna(v) else 100 * float(v))
    nodes = side.node_map()
    for nid in INDEXES:
        if nid in nodes:
            add("index", nid, nid, "score", nodes[nid].score)
    for node in side.nodes:
        if node.level == "category":
            add("category", node.id, node.name, "score", node.score)
    a = side.agencies
    for r in a.itertuples(index=False):
        name = str(r.agency) or "(none)"
        add("agency", str(r.agency), name, "datasets", int(r.datasets))
        add("agency", str(r.agency), name, "quality_datasets", int(r.quality_datasets))
        add("agency", str(r.agency), name, "quality_share", 100 * float(r.quality_share))
        add("agency", str(r.agency), name, "open_share", 100 * float(r.open_datasets) / float(r.datasets) if r.datasets else None)
        add("agency", str(r.agency), name, "mean_score", r.mean_score)
    return rows


def series_frame(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows, columns=list(SERIES_COLUMNS))
