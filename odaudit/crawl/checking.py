"""Checks during a crawl and `crawl --recheck`: run in bounded worker processes (odaudit.bounded)
while downloads go on, or in-process (`--check-workers 0`, without limits)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path
from typing import Any

from .. import nesting
from ..bounded import BoundedPool, CheckLimits, CheckStopped
from ..checks import RULES_VERSION, run_checks
from ..checks.limits import Guard
from ..errors import IncompleteError, SnapshotError
from ..model import Finding, Progress, no_progress
from ..model.bodies import problems_message, verify_bodies
from ..store import BodyStore, Snapshot, add_recheck
from ..store.folders import FolderLock
from ..store.remote_bodies import RemoteBodyStore, open_bodies
from .options import limits_manifest
from .rechecker import Executor, today_findings


def check_args(record: dict[str, Any], resources: list[dict[str, Any]], bodies: str | BodyStore,
               crawl_time: str) -> tuple[dict[str, Any], list[dict[str, Any]], str | BodyStore, str]:
    """The arguments of run_checks for one dataset, safe to pickle for a check worker.

    Pickle recurses per level of nesting: a record nested ~500 levels deep (from a journal or
    snapshot written before API answers were capped) would raise RecursionError in the pool
    and end the crawl or recheck. Clipped the same way with or without workers, so the
    findings do not depend on --check-workers."""
    return nesting.clip(record), [nesting.clip(r) for r in resources], bodies, crawl_time


def checked(fut: Future[Any], args: tuple[Any, ...], row_limit: int | None) -> list[Finding]:
    """A check job's findings; a job stopped as a whole (over its limit outside any one check)
    reports every check of its dataset as stopped, computed here without reading a body."""
    try:
        return fut.result()
    except CheckStopped as exc:
        return run_checks(*args, row_limit=row_limit, guard=Guard(exc.stopped()))


class CheckQueue:
    """The crawl's checks: submitted as datasets are journaled, their findings handed to `done`
    as they finish (in the crawl's main thread, so the journal is written by one thread only)."""

    def __init__(self, workers: int, limits: CheckLimits, row_limit: int | None,
                 done: Callable[[str, list[Finding]], None]) -> None:
        self.pool = BoundedPool(workers, limits) if workers > 0 else None
        self.row_limit = row_limit
        self.done = done
        self.pending: dict[Future[Any], tuple[Any, ...]] = {}

    def submit(self, args: tuple[Any, ...]) -> None:
        if self.pool is None:
            self.done(args[0]["key"], run_checks(*args, row_limit=self.row_limit))
        else:
            self.pending[self.pool.submit(run_checks, *args, row_limit=self.row_limit)] = args

    def drain(self, *, block: bool) -> None:
        if not self.pending:
            return
        finished, _ = wait(list(self.pending), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for fut in finished:
            args = self.pending.pop(fut)
            self.done(args[0]["key"], checked(fut, args, self.row_limit))

    def finish(self) -> None:
        while self.pending:
            self.drain(block=True)

    def close(self, *, interrupted: bool) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=not interrupted, cancel_futures=True)


def check_snapshot(snap: Snapshot, *, workers: int = 0, row_limit: int | None = None,
                   limits: CheckLimits | None = None, on_progress: Progress | None = None,
                   executor: Executor | None = None, bodies: BodyStore | RemoteBodyStore | None = None) -> list[Finding]:
    """Today's findings for a stored snapshot, computed offline and sorted as findings.csv is, by
    the one re-check that `diff` and `trend` use (crawl/rechecker.py). With workers, each check is
    bounded by `limits` (default: CheckLimits()); in-process, unbounded. With an `executor` (a Dask
    cluster, crawl/distributed.py), there, by the limits it was made with."""
    side = today_findings(snap, recheck=True, reason="recheck", row_limit=row_limit, workers=workers, pool_threshold=1,
                          limits=limits or CheckLimits(), on_progress=on_progress, executor=executor,
                          bodies=bodies)
    return side.finding_list()


def recheck(path: Path, *, workers: int = 0, row_limit: int | None = None, limits: CheckLimits | None = None,
            allow_missing_bodies: bool = False, on_progress: Progress | None = None,
            scheduler: str | None = None, bodies: str | None = None) -> dict[str, Any]:
    """Re-run today's checks on a stored snapshot, offline. The findings are added beside the
    snapshot's earlier ones (see `add_recheck`), never over them: a finished snapshot is an
    archive, and what it recorded stays as it was.

    Every stored body is verified first (bodies.BodyStore.path): one that is missing, altered or
    not a plain file of the store makes the recheck refuse (SnapshotError, nothing written),
    unless `allow_missing_bodies`, when its resource's body checks say "not measured".

    With `scheduler` (a Dask scheduler's address), the checks run on that cluster's workers
    (crawl/distributed.py), each within `limits` unless `workers` is 0; the findings are the same
    bytes. The scheduler is reached before any body is read: unreachable, nothing is written.

    With `bodies` (a path, or an fsspec URL: odaudit/store/remote_bodies.py), the bodies are read
    there instead of the store the manifest names; the snapshot folder itself stays local."""
    limits = limits or CheckLimits()
    progress = on_progress or no_progress
    executor = None
    try:
        with FolderLock(path):
            snap = Snapshot.open(path)
            store = open_bodies(bodies) if bodies is not None else snap.body_store()
            if scheduler is not None:
                from .distributed import DaskExecutor  # Dask is optional, and slow to import

                executor = DaskExecutor(scheduler, limits if workers > 0 else None)
            on_bodies = lambda done, total: progress("bodies", done, total)  # noqa: E731
            problems = (executor.body_problems(store, snap.resources(), on_bodies) if executor is not None
                        else verify_bodies(store, snap.resources(), on_bodies))
            if problems and not allow_missing_bodies:
                raise SnapshotError(problems_message(path, problems))
            made = executor.manifest() if executor is not None else limits_manifest(workers, limits)
            findings = check_snapshot(snap, workers=workers, row_limit=row_limit, limits=limits, on_progress=on_progress,
                                      executor=executor, bodies=store)
            added, changed = add_recheck(snap, findings, rules_version=RULES_VERSION, row_limit=row_limit,
                                         extra={**made, "allow_missing_bodies": allow_missing_bodies,
                                                "body_problems": len(problems)})
    except OSError as exc:
        raise IncompleteError(f"{exc.filename or path}: {exc.strerror or exc}; the snapshot is as it was") from None
    finally:
        if executor is not None:  # already shut down by the re-check, unless it failed before
            executor.shutdown(wait=True, cancel_futures=True)
    return {"manifest": snap.manifest, "findings": len(findings), "changed": changed, "file": added.file,
            "body_problems": problems}
