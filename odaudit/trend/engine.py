"""`trend_snapshots`: any number of snapshots, in crawl order → one history and one time series.

The snapshots go through the engine of `diff` (odaudit.diff.engine: same rules, one rubric, a
snapshot re-checked when its findings are not today's) one at a time; each scored side is folded
into the `History` and the series, then dropped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..checks import RULES_VERSION
from ..crawl.rechecker import POOL_THRESHOLD
from ..diff.engine import plan_sides, scored_sides
from ..diff.rubrics import RubricChoice
from ..errors import InputError
from ..store import Snapshot
from ..store.folders import real
from .history import History, observe
from .series import series_frame, side_series

Progress = Callable[[str, int, int], None]


@dataclass
class SnapshotInfo:
    """What the report says of one snapshot (in crawl order)."""

    position: int
    path: str
    started_at: str
    status: str
    datasets: int
    resources: int
    findings: int
    rechecked: bool
    reason: str
    #: the reason as a catalog key and its arguments (the report words it in its language)
    reason_key: str = ""
    reason_args: dict[str, Any] = field(default_factory=dict)


@dataclass
class TrendResult:
    """Everything `trend` computed; `write_trend` renders it."""

    snapshots: list[SnapshotInfo]
    rules_version: str
    rubric: RubricChoice
    method: str
    #: resource_history.csv rows (HISTORY_COLUMNS) plus the latest measured value and evidence
    history: pd.DataFrame
    #: series.csv rows (SERIES_COLUMNS)
    series: pd.DataFrame
    #: dataset key → agency, title and page in the latest snapshot that has the dataset
    datasets: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    @property
    def times(self) -> list[str]:
        return [s.started_at for s in self.snapshots]


def crawl_order(snaps: list[Snapshot], given: Sequence[str]) -> tuple[list[int], list[str]]:
    """Positions of `snaps` sorted by crawl time (ties keep the given order), and what to warn."""
    order = sorted(range(len(snaps)), key=lambda i: snaps[i].crawl_time())
    warnings = []
    if order != list(range(len(snaps))):
        shown = ", ".join(f"{given[i]} ({snaps[i].crawl_time() or 'no crawl time'})" for i in order)
        warnings.append(f"the snapshots were not given in crawl order; they are taken in crawl order: {shown}")
    times = [snaps[i].crawl_time() for i in order]
    dup = sorted({t for t in times if times.count(t) > 1})
    if dup:
        warnings.append(f"several snapshots have the same crawl time ({', '.join(t or '(none)' for t in dup)}); "
                        "they are taken in the order given")
    return order, warnings


def _open(paths: Sequence[str | os.PathLike[str]], allow_partial: bool) -> list[Snapshot]:
    if not paths:
        raise InputError("trend needs at least one snapshot")
    seen: dict[Path, str] = {}
    for p in paths:
        r = real(Path(p))
        if r in seen:
            raise InputError(f"{p}: given twice (also as {seen[r]}); name each snapshot once")
        seen[r] = str(p)
    return [Snapshot.open(p, allow_partial=allow_partial) for p in paths]


def trend_snapshots(
    paths: Sequence[str | os.PathLike[str]],
    *,
    rubric: Path | None = None,
    allow_partial: bool = False,
    recheck: bool = False,
    workers: int | None = None,
    pool_threshold: int = POOL_THRESHOLD,
    on_progress: Progress | None = None,
    jobs: int = 1,
) -> TrendResult:
    """History and series of `paths` by today's rules and one rubric.

    Raises SnapshotError / InputError (exit 2) for an unreadable or partial snapshot (unless
    `allow_partial`), a snapshot named twice, and a bad rubric.
    """
    progress = on_progress or (lambda stage, done, total: None)
    opened = _open(paths, allow_partial)
    order, warnings = crawl_order(opened, [str(p) for p in paths])
    snaps = [opened[i] for i in order]
    names = [str(paths[i]) for i in order]
    labels = [f"#{i + 1}" for i in range(len(snaps))]
    plan = plan_sides(names, labels, rubric=rubric, allow_partial=allow_partial, recheck=recheck, snaps=snaps)
    warnings += plan.warnings
    history = History(len(snaps))
    rows: list[tuple[object, ...]] = []
    infos: list[SnapshotInfo] = []
    latest: dict[str, tuple[str, str, str]] = {}
    for i, side, notes in scored_sides(plan, workers=workers, pool_threshold=pool_threshold, on_progress=progress,
                                       window=max(2, jobs), jobs=jobs):
        warnings += notes
        progress("history", i, len(snaps))
        d = side.datasets[side.datasets["in_snapshot"]]
        pages = dict(zip(d["key"].to_numpy(object).tolist(), d["page"].to_numpy(object).tolist(), strict=True))
        r = side.resources
        urls = dict(zip(r["key"].to_numpy(object).tolist(), r["url"].to_numpy(object).tolist(), strict=True))
        history.add(observe(side.findings, urls, pages))
        rows += side_series(side, i + 1)
        latest.update(zip(d["key"], zip(d["agency"], d["title"].where(d["title"] != "", d["name"]), d["page"], strict=True), strict=True))
        m = side.manifest
        infos.append(SnapshotInfo(i + 1, side.path, side.started_at, str(m.get("status", "")), int(len(d)), int(len(side.resources)),
                                  int(len(side.findings)), side.rechecked, side.reason, side.reason_key, dict(side.reason_args or {})))
        del side, d
    progress("history", len(snaps), len(snaps))
    keys = sorted(latest)
    datasets = pd.DataFrame({"key": keys, "agency": [latest[k][0] for k in keys], "title": [latest[k][1] for k in keys],
                             "page": [latest[k][2] for k in keys]})
    return TrendResult(snapshots=infos, rules_version=RULES_VERSION, rubric=plan.rubric, method=plan.rubric.rubric.method,
                       history=history.frame([s.started_at for s in infos]), series=series_frame(rows), datasets=datasets,
                       warnings=list(dict.fromkeys(warnings)))
