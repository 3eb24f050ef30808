"""`odaudit trend`: history over many crawls, by the same rules and one rubric.

    from odaudit.trend import trend_snapshots, write_trend

    result = trend_snapshots(["snapshots/2024", "snapshots/2025", "snapshots/2026"])
    result.history      # resource_history.csv rows (HISTORY_COLUMNS)
    result.series       # series.csv rows (SERIES_COLUMNS)
    write_trend(result, "reports/trend")   # -> list[Path]

See docs/trend.md.
"""

from __future__ import annotations

from .engine import TrendResult, trend_snapshots
from .history import HISTORY_COLUMNS, OUTCOMES, History
from .render import FILES, publish_trend, write_trend
from .series import SERIES_COLUMNS

__all__ = ["FILES", "HISTORY_COLUMNS", "OUTCOMES", "SERIES_COLUMNS", "History", "TrendResult", "publish_trend",
           "trend_snapshots", "write_trend"]
