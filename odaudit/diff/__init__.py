"""`odaudit diff`: compare two snapshots by the same rules and the same rubric.

    from odaudit.diff import diff_snapshots, write_diff

    result = diff_snapshots("snapshots/2025", "snapshots/2026", rubric=None, new_rubric=Path("rubrics/2026.yaml"))
    result.has_differences          # exit status 1 when True (like diff(1))
    result.changes                  # changes.csv rows (CHANGE_COLUMNS)
    result.score_deltas             # score_deltas.csv rows (SCORE_DELTA_COLUMNS)
    write_diff(result, "reports/diff-2025-2026", lang="zh-TW")   # -> list[Path]

Both snapshots are re-checked in memory with today's rules (stored findings are reused only when
they were made by today's RULES_VERSION, which gives identical rows), then scored with one rubric.
See docs/diff.md.
"""

from __future__ import annotations

from .compare import (
    AGENCY_COLUMNS,
    CATALOG_KINDS,
    CHANGE_COLUMNS,
    CHANGE_KINDS,
    QUALITY_KINDS,
    SCORE_DELTA_COLUMNS,
    TIME_RELATIVE,
    Side,
)
from .engine import DiffResult, diff_snapshots
from .render import FILES, LANGS, publish_diff, write_diff

__all__ = [
    "AGENCY_COLUMNS", "CATALOG_KINDS", "CHANGE_COLUMNS", "CHANGE_KINDS", "FILES", "LANGS", "QUALITY_KINDS",
    "SCORE_DELTA_COLUMNS", "TIME_RELATIVE", "DiffResult", "Side", "diff_snapshots", "publish_diff", "write_diff",
]
