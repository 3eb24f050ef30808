"""The engine of `diff` and `trend`: snapshots → today's findings for each → one rubric → scored sides.

`plan_sides` opens the snapshots and decides, once for all of them, the rubric, the row limit and
whether each is re-checked; `scored_sides` then yields one scored `Side` at a time (a few
snapshots in memory at once, never all of them). `diff_snapshots` is the two-snapshot case,
compared by odaudit.diff.compare; odaudit.trend folds any number of sides into a history.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from ..bounded import UNBOUNDED, CheckLimits
from ..catalog import (
    ALL_CATALOG,
    DEFAULT_PORTAL,
    Catalog,
    load_catalog,
    whole_portal_catalog,
)
from ..checks import RULES_VERSION
from ..crawl.rechecker import POOL_THRESHOLD, Job, Rechecker, SideFindings
from ..errors import SnapshotError
from ..model import Progress
from ..model.bodies import problems_message
from ..report import forked
from ..report.i18n import t
from ..scoring import score_tables
from ..store import Snapshot
from . import sidecache
from .compare import (
    EPS,
    Side,
    agency_table,
    all_changes,
    check_shares,
    quantity_table,
    side_from_result,
)
from .deltas import score_deltas
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


#: the keys of `_recheck_reason`; their text is the catalog's `reason_<key>` (odaudit/report/i18n.py)
REASONS = ("forced", "rules", "row_limit", "reused")


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
    return t(f"reason_{key}", lang, **args)


@dataclass
class Plan:
    """The snapshots to score and how, decided once for all of them."""

    labels: list[str]
    paths: list[str]
    snaps: list[Snapshot]
    catalogs: list[Catalog]
    rubric: RubricChoice
    row_limit: int | None
    #: per snapshot: (re-check?, reason key, its arguments) as `_recheck_reason` gives them
    reasons: list[tuple[bool, str, dict[str, Any]]]
    warnings: list[str]
    #: `--blocked-as-broken`: blocked resources count as failing `link` (score_snapshot)
    blocked_as_broken: bool = False
    #: the check limits re-checks ran under (none when every side was reused or re-checked in-process)
    check_limits: dict[str, Any] = field(default_factory=lambda: dict(UNBOUNDED))


def _both(n: int) -> str:
    return "both" if n == 2 else "all"


def plan_sides(
    paths: Sequence[str | os.PathLike[str]],
    labels: Sequence[str],
    *,
    rubric: Path | None = None,
    old_rubric: Path | None = None,
    new_rubric: Path | None = None,
    allow_partial: bool = False,
    recheck: bool = False,
    snaps: Sequence[Snapshot] | None = None,
    allow_missing_bodies: bool = False,
    on_progress: Progress | None = None,
    blocked_as_broken: bool = False,
) -> Plan:
    """Open the snapshots (unless given), choose the rubric (the last snapshot's catalog names the
    default), the row limit and each snapshot's re-check; raises SnapshotError / InputError (exit 2)."""
    opened = list(snaps) if snaps is not None else [Snapshot.open(p, allow_partial=allow_partial) for p in paths]
    catalogs = [side_catalog(s) for s in opened]
    last_cat = str((opened[-1].manifest.get("catalog") or {}).get("name") or catalogs[-1].name)
    choice = choose_rubric(rubric, old_rubric, new_rubric, last_cat)
    warnings: list[str] = list(choice.notes)
    if choice.differences:
        warnings.append(f"the old and new rubrics differ ({len(choice.differences)} difference(s)); "
                        f"both sides are scored with {choice.source}")
    n = len(opened)
    limits = [s.current_findings().row_limit for s in opened]
    row_limit = limits[0] if len(set(limits)) == 1 else None
    if len(set(limits)) > 1:
        warnings.append(f"the snapshots were checked with different row limits ({', '.join(map(str, limits))}): "
                        f"{_both(n)} are re-checked without a row limit")
    stored = [s.current_findings().rules_version for s in opened]
    if any(v != RULES_VERSION for v in stored):
        said = ", ".join(f"{k} {v or '(unknown)'}" for k, v in zip(labels, stored, strict=True))
        sides = "both sides were" if n == 2 else "every snapshot was"
        kept = "a side" if n == 2 else "a snapshot"
        warnings.append(f"the snapshots' findings were made by rules {said}; today's are {RULES_VERSION}: {sides} "
                        f"re-checked with today's rules ({kept} already made by today's rules keeps its identical findings)")
    for k, s in zip(labels, opened, strict=True):
        if not s.complete:
            warnings.append(f"the {k} snapshot is {s.manifest.get('status', 'unfinished')}: datasets it lacks count as added or removed")
    reasons = [_recheck_reason(s, recheck, row_limit) for s in opened]
    progress = on_progress or (lambda stage, done, total: None)
    for k, p, s, reason in zip(labels, paths, opened, reasons, strict=True):
        if reason[0]:  # a side whose stored findings are reused reads no body
            warnings += _verify_bodies(k, s, str(p), allow_missing_bodies, progress)
    return Plan(list(labels), [str(p) for p in paths], opened, catalogs, choice, row_limit, reasons, warnings,
                blocked_as_broken=blocked_as_broken)


def scored_sides(plan: Plan, *, workers: int | None = None, pool_threshold: int = POOL_THRESHOLD,
                 limits: CheckLimits | None = None, on_progress: Progress | None = None,
                 window: int = 2, jobs: int = 1) -> Iterator[tuple[int, Side, list[str]]]:
    """(position, scored side, its warnings) for each snapshot of the plan, in order.

    A side scored before (same snapshot, rules, rubric and code) comes from the columnar store
    (odaudit.diff.sidecache) unless the plan forces a re-check. The others are re-checked `window`
    at a time (the pool works on the next while the current one is scored); only those hold their
    records in memory, whatever the number of snapshots. With `jobs` > 1, sides of a window that
    are neither stored nor re-checked are scored that many at once (`_score_ahead`)."""
    progress = on_progress or (lambda stage, done, total: None)
    workers = (os.cpu_count() or 1) if workers is None else workers
    n = len(plan.snaps)
    for lo in range(0, n, window):
        todo = range(lo, min(lo + window, n))
        keys = {i: sidecache.side_key(plan.snaps[i], plan.rubric.rubric, row_limit=plan.row_limit, reason_key=plan.reasons[i][1],
                                      blocked_as_broken=plan.blocked_as_broken)
                for i in todo}
        hits = {i: hit for i in todo if keys[i] and plan.reasons[i][1] != "forced" and (hit := sidecache.load(keys[i])) is not None}
        checks = [Job(plan.labels[i], plan.snaps[i], plan.reasons[i][0], reason_text(plan.reasons[i][1], plan.reasons[i][2]), plan.row_limit)
                for i in todo if i not in hits]
        with Rechecker(checks, workers=workers, pool_threshold=pool_threshold, limits=limits or CheckLimits(), on_progress=progress) as rc:
            if rc.bounded:
                plan.check_limits = (limits or CheckLimits()).as_manifest()
            ahead = _score_ahead(plan, rc, [i for i in todo if i not in hits], keys, jobs)
            try:
                for i in todo:
                    if i in ahead:
                        ahead.pop(i).result()  # raises what the child raised
                        if (hit := sidecache.load(keys[i])) is not None:  # type: ignore[arg-type]
                            hits[i] = hit  # else (not stored after all) it is scored here
                    if i in hits:
                        progress(f"stored {plan.labels[i]}", 1, 1)
                        yield i, *_stored_side(plan, i, *hits.pop(i))
                        continue
                    side, notes = _score_side(plan, i, rc.result(plan.labels[i]), progress)
                    key = keys[i]
                    if key:
                        sidecache.store(key, side, notes)
                    yield i, side, _side_warnings(plan.labels[i], notes, side)
                    del side  # not kept while the next one is scored (the caller holds what it needs)
            finally:
                for child in ahead.values():  # the caller stopped early, or failed
                    child.stop()


def _score_ahead(plan: Plan, rc: Rechecker, misses: list[int], keys: dict[int, str | None], jobs: int) -> dict[int, forked.Forked]:
    """Forked children scoring the sides after the first of `misses` on the other cores, each
    keeping its side in the columnar store, where the parent finds it when its turn comes: two
    sides never scored before take about the time of one, and about twice the memory (hence
    `jobs`, 1 by default: a first run on a small machine is slower, not killed). Only for sides
    whose findings are reused (a re-check has the cores busy already) and that can be stored (the
    store is how a side comes back); none when the writing may not fork (report/forked.py)."""
    if len(misses) < 2 or jobs < 2 or not forked.can_fork() or any(plan.reasons[i][0] or not keys[i] for i in misses):
        return {}

    def work(i: int) -> None:  # in the child: no progress drawn, the parent's display is its own
        side, notes = _score_side(plan, i, rc.result(plan.labels[i]), lambda stage, done, total: None)
        sidecache.store(keys[i], side, notes)  # type: ignore[arg-type]

    return {i: forked.Forked(partial(work, i), f"the scoring of the {plan.labels[i]} snapshot")
            for i in misses[1:jobs]}


def _side_warnings(label: str, notes: list[str], side: Side) -> list[str]:
    """A side's warnings: the rubric's notes about it, then its scoring's (partial snapshots are
    warned about by plan_sides)."""
    return [n.replace(sidecache.LABEL, label) for n in notes] + [f"{label}: {w}" for w in side.warnings if "snapshot is" not in w]


def _score_side(plan: Plan, i: int, tf: SideFindings, progress: Progress) -> tuple[Side, list[str]]:
    """The side scored from today's findings `tf`, and the rubric's notes about it (label-free)."""
    k = plan.labels[i]
    side_rubric, notes = for_side(plan.rubric.rubric, plan.catalogs[i], tf.facts, sidecache.LABEL)
    result = score_tables(tf.tables(), side_rubric, plan.catalogs[i], blocked_as_broken=plan.blocked_as_broken,
                            on_progress=lambda stage, done, total: progress(f"score {k}", done, total) if stage == "evidence" else None)
    side = side_from_result(result, label=k, path=plan.paths[i], manifest=plan.snaps[i].manifest, rechecked=tf.rechecked,
                            reason=tf.reason, facts=tf.facts)
    side.reason_key, side.reason_args = plan.reasons[i][1], plan.reasons[i][2]
    del result, tf
    gc.collect()
    return side, notes


def _stored_side(plan: Plan, i: int, fields: dict[str, Any], notes: list[str]) -> tuple[Side, list[str]]:
    recheck, key, args = plan.reasons[i]
    side = Side(label=plan.labels[i], path=plan.paths[i], manifest=plan.snaps[i].manifest, rechecked=recheck,
                reason=reason_text(key, args), reason_key=key, reason_args=args, **fields)
    return side, _side_warnings(plan.labels[i], notes, side)


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
    jobs: int = 1,
) -> DiffResult:
    """Compare two snapshots by today's rules and one rubric.

    Raises SnapshotError / InputError (exit 2) for an unreadable or partial snapshot (unless
    `allow_partial`), for a side to re-check whose bodies are missing or altered (unless
    `allow_missing_bodies`: their body checks then say "not measured") and for a bad rubric.
    """
    progress = on_progress or (lambda stage, done, total: None)
    plan = plan_sides([old, new], ["old", "new"], rubric=rubric, old_rubric=old_rubric, new_rubric=new_rubric,
                      allow_partial=allow_partial, recheck=recheck, allow_missing_bodies=allow_missing_bodies,
                      on_progress=progress, blocked_as_broken=blocked_as_broken)
    warnings = list(plan.warnings)
    sides: dict[str, Side] = {}
    for i, side, notes in scored_sides(plan, workers=workers, pool_threshold=pool_threshold, limits=limits,
                                       on_progress=progress, jobs=jobs):
        sides[plan.labels[i]] = side
        warnings += notes
    o, n = sides["old"], sides["new"]
    progress("compare", 0, 1)
    changes = all_changes(o, n)
    deltas = score_deltas(o, n, changes)
    progress("compare", 1, 1)
    choice = plan.rubric
    return DiffResult(
        old=o, new=n, rules_version=RULES_VERSION, row_limit=plan.row_limit, check_limits=plan.check_limits,
        rubric=choice, method=choice.rubric.method,
        changes=changes, score_deltas=deltas, quantity=quantity_table(o, n), checks=check_shares(o, n),
        agencies=agency_table(o, n), warnings=list(dict.fromkeys(warnings)),
    )
