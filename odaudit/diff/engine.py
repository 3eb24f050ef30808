"""`diff_snapshots`: two snapshots → today's findings for both → one rubric → DiffResult."""

from __future__ import annotations

import gc
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..model.bodies import problems_message
from ..bounded import UNBOUNDED, CheckLimits
from ..catalog import (
    ALL_CATALOG,
    DEFAULT_PORTAL,
    Catalog,
    load_catalog,
    whole_portal_catalog,
)
from ..checks import RULES_VERSION
from ..errors import SnapshotError
from ..model import Progress
from ..scoring import score_snapshot
from ..store import Snapshot
from .compare import (
    EPS,
    Side,
    agency_table,
    all_changes,
    check_shares,
    quantity_table,
    score_deltas,
    side_from_result,
)
from .recheck import POOL_THRESHOLD, Job, Rechecker
from .rubrics import RubricChoice, choose_rubric, for_side


@dataclass
class DiffResult:
    """Everything `diff` computed; `write_diff` renders it."""

    old: Side
    new: Side
    #: the rules both sides were checked with (today's RULES_VERSION)
    rules_version: str
    row_limit: int | None
    #: the limits each re-check ran within (check_timeout, check_memory; None: no limit)
    check_limits: dict[str, Any]
    rubric: RubricChoice
    method: str
    #: changes.csv rows (CHANGE_COLUMNS)
    changes: pd.DataFrame
    #: score_deltas.csv rows (SCORE_DELTA_COLUMNS)
    score_deltas: pd.DataFrame
    quantity: pd.DataFrame
    checks: pd.DataFrame
    agencies: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    @property
    def has_differences(self) -> bool:
        """Any changed item, any rescored dataset, or any aggregate score that moved."""
        if len(self.changes):
            return True
        d = self.score_deltas
        if (d["level"] == "dataset").any():
            return True
        for a, b in zip(d["old"], d["new"], strict=True):
            a = None if pd.isna(a) else a
            b = None if pd.isna(b) else b
            if (a is None) != (b is None) or (a is not None and abs(b - a) > EPS):
                return True
        return False


def side_catalog(snap: Snapshot) -> Catalog:
    path = snap.catalog_path()
    name = str((snap.manifest.get("catalog") or {}).get("name", ""))
    if not path.exists() and (name == ALL_CATALOG or (snap.manifest.get("options") or {}).get("all")):
        return whole_portal_catalog(str(snap.manifest.get("portal") or DEFAULT_PORTAL))
    return load_catalog(path)


def _recheck_reason(snap: Snapshot, force: bool, row_limit: int | None) -> tuple[bool, str, dict[str, Any]]:
    """(re-check?, reason key, its arguments); the keys are rendered by `reason_text`."""
    current = snap.current_findings()
    stored = current.rules_version
    if force:
        return True, "forced", {}
    if stored != RULES_VERSION:
        return True, "rules", {"stored": stored or "(unknown)", "today": RULES_VERSION}
    if current.row_limit != row_limit:
        return True, "row_limit", {"stored": current.row_limit, "used": row_limit}
    return False, "reused", {"today": RULES_VERSION}


REASONS: dict[str, tuple[str, str]] = {
    "forced": ("re-checked with today's rules (--recheck)", "以今日規則重新檢測（--recheck）"),
    "rules": ("re-checked with today's rules: its findings were made by rules {stored}, today's are {today}",
              "以今日規則重新檢測：其檢測結果出自規則 {stored}，今日為 {today}"),
    "row_limit": ("re-checked: its findings were made with row limit {stored}, the diff uses {used}",
                  "重新檢測：其檢測結果的列數上限為 {stored}，本次比較使用 {used}"),
    "reused": ("stored findings reused: they were made by today's rules {today}, so a re-check gives the same rows",
               "沿用既有檢測結果：它們出自今日規則 {today}，重新檢測結果相同"),
}


def _verify_bodies(label: str, snap: Snapshot, path: str, allow_missing: bool, progress: Progress) -> list[str]:
    """Refuse (SnapshotError) a side to re-check whose bodies cannot be used, unless `allow_missing`."""
    problems = snap.body_problems(lambda done, total: progress(f"bodies {label}", done, total))
    if not problems:
        return []
    if not allow_missing:
        raise SnapshotError(problems_message(path, problems))
    return [f"the {label} snapshot has {len(problems)} resource bodies missing or altered (--allow-missing-bodies): "
            "their body checks are not measured"]


def reason_text(key: str, args: dict[str, Any], lang: str = "en") -> str:
    return REASONS[key][0 if lang == "en" else 1].format(**args)


def diff_snapshots(
    old: str | os.PathLike[str],
    new: str | os.PathLike[str],
    *,
    rubric: Path | None = None,
    old_rubric: Path | None = None,
    new_rubric: Path | None = None,
    allow_partial: bool = False,
    recheck: bool = False,
    allow_missing_bodies: bool = False,
    workers: int | None = None,
    pool_threshold: int = POOL_THRESHOLD,
    limits: CheckLimits | None = None,
    on_progress: Progress | None = None,
    blocked_as_broken: bool = False,
) -> DiffResult:
    """Compare two snapshots by today's rules and one rubric.

    Raises SnapshotError / InputError (exit 2) for an unreadable or partial snapshot (unless
    `allow_partial`), for a side to re-check whose bodies are missing or altered (unless
    `allow_missing_bodies`: their body checks then say "not measured") and for a bad rubric.
    """
    progress = on_progress or (lambda stage, done, total: None)
    workers = (os.cpu_count() or 1) if workers is None else workers
    snaps = {"old": Snapshot.open(old, allow_partial=allow_partial), "new": Snapshot.open(new, allow_partial=allow_partial)}
    paths = {"old": str(old), "new": str(new)}
    catalogs = {k: side_catalog(s) for k, s in snaps.items()}
    new_cat_name = str((snaps["new"].manifest.get("catalog") or {}).get("name") or catalogs["new"].name)
    choice = choose_rubric(rubric, old_rubric, new_rubric, new_cat_name)
    warnings: list[str] = list(choice.notes)
    if choice.differences:
        warnings.append(f"the old and new rubrics differ ({len(choice.differences)} difference(s)); "
                        f"both sides are scored with {choice.source}")

    row_limits = {k: s.current_findings().row_limit for k, s in snaps.items()}
    row_limit = row_limits["old"] if row_limits["old"] == row_limits["new"] else None
    if row_limits["old"] != row_limits["new"]:
        warnings.append(f"the snapshots were checked with different row limits ({row_limits['old']}, {row_limits['new']}): "
                        "both are re-checked without a row limit")
    stored = {k: s.current_findings().rules_version for k, s in snaps.items()}
    if any(v != RULES_VERSION for v in stored.values()):
        said = ", ".join(f"{k} {v or '(unknown)'}" for k, v in stored.items())
        warnings.append(f"the snapshots' findings were made by rules {said}; today's are {RULES_VERSION}: both sides were "
                        "re-checked with today's rules (a side already made by today's rules keeps its identical findings)")
    for k, s in snaps.items():
        if not s.complete:
            warnings.append(f"the {k} snapshot is {s.manifest.get('status', 'unfinished')}: datasets it lacks count as added or removed")

    sides: dict[str, Side] = {}
    reasons = {k: _recheck_reason(s, recheck, row_limit) for k, s in snaps.items()}
    for k, s in snaps.items():
        if reasons[k][0]:  # a side whose stored findings are reused reads no body
            warnings += _verify_bodies(k, s, paths[k], allow_missing_bodies, progress)
    with tempfile.TemporaryDirectory(prefix="odaudit-diff-") as tmp:
        jobs = [Job(k, snaps[k], Path(tmp) / k, reasons[k][0], reason_text(reasons[k][1], reasons[k][2]), row_limit)
                for k in ("old", "new")]
        with Rechecker(jobs, workers=workers, pool_threshold=pool_threshold, limits=limits or CheckLimits(),
                       on_progress=progress) as rc:
            check_limits = (limits or CheckLimits()).as_manifest() if rc.bounded else dict(UNBOUNDED)
            for k in ("old", "new"):
                tf = rc.result(k)
                side_rubric, notes = for_side(choice.rubric, catalogs[k], tf.facts, k)
                warnings += notes
                result = score_snapshot(tf.snapshot, side_rubric, catalogs[k], blocked_as_broken=blocked_as_broken,
                                        on_progress=lambda stage, done, total, k=k: progress(f"score {k}", done, total) if stage == "evidence" else None)
                sides[k] = side_from_result(result, label=k, path=paths[k], manifest=snaps[k].manifest, rechecked=tf.rechecked,
                                            reason=tf.reason, facts=tf.facts)
                sides[k].reason_key, sides[k].reason_args = reasons[k][1], reasons[k][2]
                for w in result.warnings:
                    if "snapshot is" not in w:  # partial snapshots are warned about above
                        warnings.append(f"{k}: {w}")
                del result, tf
                gc.collect()
    o, n = sides["old"], sides["new"]
    progress("compare", 0, 1)
    changes = all_changes(o, n)
    deltas = score_deltas(o, n, changes)
    progress("compare", 1, 1)
    return DiffResult(
        old=o, new=n, rules_version=RULES_VERSION, row_limit=row_limit, check_limits=check_limits, rubric=choice,
        method=choice.rubric.method,
        changes=changes, score_deltas=deltas, quantity=quantity_table(o, n), checks=check_shares(o, n),
        agencies=agency_table(o, n), warnings=list(dict.fromkeys(warnings)),
    )
