"""Today's findings of a snapshot, computed in memory (the snapshot itself is never rewritten).

The one re-check of odaudit: `crawl --recheck` (which then adds the findings beside the stored
ones), `diff` and `trend` all come here. `diff` compares two snapshots by the same rules: each
side's findings must be what today's `run_checks` says about its stored records and bodies. Two
ways to get them:

* **re-check**: run `run_checks` over every dataset record with its resource records, the
  snapshot's bodies and the snapshot's own crawl time (the reference time of freshness), exactly as
  `crawl --recheck` does, keeping the findings in memory: scoring takes the snapshot's tables with
  these findings in place of its stored ones (`SideFindings.tables`), so nothing is written;
* **reuse**: when the snapshot's manifest says its findings were produced by today's
  `RULES_VERSION` (with the same row limit), the stored `findings.csv` *is* today's rules' output
  (`run_checks` is deterministic: no clock, no network), so re-running it would give the same rows.

Snapshots are re-checked by a bounded process pool (odaudit/bounded.py: each resource within a time
limit, each worker within a memory limit), one worker for small snapshots. Records are read as raw
lines in the parent, grouped by dataset, and parsed and checked in the workers (fork start method:
the workers inherit the lines instead of receiving pickles); each worker returns its chunk's findings
as CSV text, sorted like `findings.csv`. With `workers=0`, or without fork, the same code runs
in-process, without limits. An `Executor` (crawl/distributed.py: a Dask cluster) runs the same code
elsewhere, each unit a `Chunk` carrying its records; results are taken in submission order.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Self

from ..bounded import BoundedPool, CheckLimits, CheckStopped
from ..checks import RULES_VERSION, run_checks
from ..checks.limits import Guard
from ..csvlimit import allow_big_fields
from ..errors import IncompleteError, SnapshotError
from ..model import Progress
from ..model.bodies import BodyStore
from ..model.findings import FINDING_COLUMNS, Finding, sort_findings
from ..scoring.tables import SnapshotTables, findings_frame
from ..store import DATASETS, RESOURCES, Snapshot
from ..store.remote_bodies import RemoteBodyStore

#: datasets per work unit of the pool
CHUNK = 2000
#: below this many datasets one worker is enough (more cost more than they save)
POOL_THRESHOLD = 4000

#: per-dataset facts the comparison needs beyond what scoring tabulates
FACT_COLUMNS = ("key", "id", "name", "kind", "service_category")

assert FINDING_COLUMNS == ("dataset", "resource", "url", "check", "outcome", "measured", "expected", "evidence")
_DATASET_KEY = re.compile(rb'"dataset_key"\s*:\s*"((?:[^"\\]|\\.)*)"')


@dataclass
class SideFindings:
    """A side's (today's) findings and how they were obtained."""

    #: the snapshot (never rewritten)
    snapshot: Snapshot
    rechecked: bool
    #: why re-checked or reused, for the report
    reason: str
    #: FACT_COLUMNS rows, one per dataset record
    facts: list[tuple[str, str, str, str, str]]
    datasets: int
    findings: int
    #: re-checked: the findings as findings.csv rows (sorted, no header), and the manifest that describes them
    rows: str | None = None
    manifest: dict[str, Any] | None = None

    def csv_text(self) -> str:
        """The findings as findings.csv would hold them (header included): the bytes `crawl --recheck` writes."""
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(FINDING_COLUMNS)
        return buf.getvalue() + (self.rows if self.rows is not None else "")

    def finding_list(self) -> list[Finding]:
        """The re-checked findings as records (the stored ones when reused)."""
        if self.rows is None:
            return self.snapshot.findings()
        allow_big_fields()  # evidence can quote a very long header
        return [Finding(*row) for row in csv.reader(io.StringIO(self.rows))]

    def tables(self) -> SnapshotTables:
        """What scoring reads: the snapshot's records with today's findings."""
        if self.rows is None:
            return SnapshotTables.read(self.snapshot)
        return SnapshotTables.read(self.snapshot, findings=findings_frame(io.StringIO(self.csv_text()), f"{self.snapshot.root} (re-checked)"),
                                   manifest=self.manifest)


def _lines(path: Path) -> list[bytes]:
    """Complete lines of a JSON-lines file (a torn last line is ignored, as `read_jsonl` does)."""
    if not path.exists():
        return []
    data = path.read_bytes()
    lines = data.split(b"\n")
    lines.pop()  # b"" after the final newline, or a torn last line
    return [ln for ln in lines if ln.strip()]


def _resource_dataset_key(line: bytes) -> str:
    m = _DATASET_KEY.search(line)
    if m is None:
        return str(json.loads(line).get("dataset_key", ""))
    raw = m.group(1)
    return json.loads(b'"' + raw + b'"') if b"\\" in raw else raw.decode("utf-8")


def _group_resources(lines: list[bytes], where: str = RESOURCES) -> dict[str, list[bytes]]:
    by_ds: dict[str, list[bytes]] = {}
    for lineno, ln in enumerate(lines, 1):
        try:
            key = _resource_dataset_key(ln)
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError) as exc:
            raise SnapshotError(f"{where}:{lineno}: not a JSON resource record ({exc})") from None
        except RecursionError:
            raise SnapshotError(f"{where}:{lineno}: a record nested too deep to read") from None
        by_ds.setdefault(key, []).append(ln)
    return by_ds


# -- the work (runs in pool workers or in-process) -----------------------------------------

#: (dataset lines, resource lines by dataset key, snapshot root, body store, crawl time, row limit, check?)
_Side = tuple[list[bytes], dict[str, list[bytes]], str, "BodyStore | RemoteBodyStore", str, int | None, bool]
#: label → the side's state (a forked pool worker inherits it)
_STATE: dict[str, _Side] = {}


def for_workers(store: BodyStore | RemoteBodyStore) -> BodyStore | RemoteBodyStore:
    """The store as a worker elsewhere must be given it: a local path made absolute (a worker
    resolves a relative one from its own folder); a URL as it is."""
    return BodyStore(Path(os.path.abspath(store.root))) if isinstance(store, BodyStore) else store


def _fact(rec: dict[str, Any]) -> tuple[str, str, str, str, str]:
    meta = rec.get("meta") or {}
    return (str(rec.get("key", "")), str(rec.get("id") or ""), str(rec.get("name") or ""), str(rec.get("kind") or ""),
            str(meta.get("service_category") or ""))


#: what one work unit returns: (findings as CSV rows, facts, number of findings)
Result = tuple[str, list[tuple[str, str, str, str, str]], int]


def _work(label: str, lo: int, hi: int, *, guard: Guard | None = None) -> Result:
    """Datasets lo..hi of one side (in a forked pool worker, or in-process)."""
    return _check_range(_STATE[label], lo, hi, guard=guard)


@dataclass(frozen=True)
class Chunk:
    """A work unit that carries its own records, for workers that share no memory with this
    process (a Dask cluster): datasets `first`.. of one side, with their resource lines."""

    side: _Side
    #: index of the first dataset in the side's datasets.jsonl (for messages)
    first: int


def check_chunk(chunk: Chunk, *, guard: Guard | None = None) -> Result:
    """A Chunk's findings: the same code, rows and order as `_work` over the same datasets."""
    return _check_range(chunk.side, 0, len(chunk.side[0]), first=chunk.first, guard=guard)


def _chunk(side: _Side, lo: int, hi: int) -> Chunk:
    """Datasets lo..hi of a side with just their resource lines (looked up as `_check_range` does;
    a line that does not parse here fails there, with its message)."""
    ds_lines, res_by_ds, *rest = side
    mine: dict[str, list[bytes]] = {}
    for ln in ds_lines[lo:hi]:
        try:
            key = json.loads(ln).get("key", "")
            if key in res_by_ds:
                mine[key] = res_by_ds[key]
        except (ValueError, RecursionError, AttributeError, TypeError):
            pass
    return Chunk((ds_lines[lo:hi], mine, *rest), lo)  # type: ignore[arg-type]


def _check_range(side: _Side, lo: int, hi: int, *, first: int = 0, guard: Guard | None = None) -> Result:
    ds_lines, res_by_ds, root, store, crawl_time, row_limit, check = side
    guard = guard or Guard()
    facts = []
    findings = []
    for i in range(lo, hi):
        guard.dataset(i - lo)
        try:
            rec = json.loads(ds_lines[i])
        except json.JSONDecodeError as exc:
            raise SnapshotError(f"{root}/{DATASETS}:{first + i + 1}: not a JSON record ({exc.msg})") from None
        except RecursionError:  # only an older odaudit wrote records this deep (see nesting.clip)
            raise SnapshotError(f"{root}/{DATASETS}:{first + i + 1}: a record nested too deep to read") from None
        facts.append(_fact(rec))
        if not check:
            continue
        resources = []
        for ln in res_by_ds.get(rec.get("key", ""), ()):
            try:
                r = json.loads(ln)
            except json.JSONDecodeError as exc:
                raise SnapshotError(f"{root}/{RESOURCES}: a record of {rec.get('key')} is not JSON ({exc.msg})") from None
            except RecursionError:
                raise SnapshotError(f"{root}/{RESOURCES}: a record of {rec.get('key')} is nested too deep to read") from None
            if r.get("dataset_key") == rec.get("key"):
                resources.append(r)
        resources.sort(key=lambda r: r.get("index", 0))
        try:
            findings.extend(run_checks(rec, resources, store, crawl_time, row_limit=row_limit, guard=guard))
        finally:
            store.release()  # a store read through fsspec deletes this dataset's local copies
    buf = io.StringIO()
    # The fields in FINDING_COLUMNS order, read directly: Finding.as_row_list() goes through
    # dataclasses.astuple, which deep-copies every value and costs more than the checks themselves.
    csv.writer(buf, lineterminator="\n").writerows(
        (f.dataset, f.resource, f.url, f.check, f.outcome, f.measured, f.expected, f.evidence) for f in sort_findings(findings))
    return buf.getvalue(), facts, len(findings)


@dataclass
class Job:
    """One side to prepare: re-check `snapshot`, or reuse its stored findings."""

    label: str
    snapshot: Snapshot
    recheck: bool
    reason: str
    row_limit: int | None
    #: where to read the bodies instead of the store the manifest names (`--recheck --bodies`)
    bodies: BodyStore | RemoteBodyStore | None = None


class Pending(Protocol):
    def result(self) -> Result: ...


class Executor(Protocol):
    """Somewhere else to run the re-check's work units than this machine's pool: a Dask cluster
    (crawl/distributed.py). Its workers share no memory with this process, so each unit is a
    `Chunk` carrying its records, submitted as `submit(check_chunk, chunk)`; results are taken in
    submission order, whatever order they finish in."""

    #: the check limits are enforced where the units run
    bounded: bool

    def chunk_size(self, datasets: int) -> int: ...

    def submit(self, fn: Callable[..., Result], *args: Any) -> Pending: ...

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None: ...


class Rechecker:
    """Today's findings for several snapshots, computed together.

    With a pool, every side's chunks are submitted at once, so while the caller works on the first
    side's result (scoring it), the workers go on with the next side. `result(label)` waits for one
    side and returns it. Use as a context manager. An `executor` given is used instead of the local
    pool for the sides to re-check (and shut down with the Rechecker).
    """

    def __init__(self, jobs: list[Job], *, workers: int = 0, pool_threshold: int = POOL_THRESHOLD,
                 limits: CheckLimits | None = None, on_progress: Progress | None = None,
                 executor: Executor | None = None) -> None:
        self.jobs = {j.label: j for j in jobs}
        self.progress = on_progress or (lambda stage, done, total: None)
        self._workers: BoundedPool | Executor | None = None
        self._futures: dict[str, list[tuple[int, Pending]]] = {}
        self._sizes: dict[str, int] = {}
        for j in jobs:
            ds_lines = _lines(j.snapshot.root / DATASETS)
            res_by_ds = _group_resources(_lines(j.snapshot.root / RESOURCES), str(j.snapshot.root / RESOURCES)) if j.recheck else {}
            _STATE[j.label] = (ds_lines, res_by_ds, str(j.snapshot.root), j.bodies or j.snapshot.body_store(), j.snapshot.crawl_time(),
                               j.row_limit, j.recheck)
            self._sizes[j.label] = len(ds_lines)
        heavy = sum(self._sizes[j.label] for j in jobs if j.recheck)
        if executor is not None:
            self._workers = executor
            #: the limits in force (none in-process)
            self.bounded = executor.bounded
            for j in jobs:
                n, (ds_lines, res_by_ds, root, store, *rest) = self._sizes[j.label], _STATE[j.label]
                side: _Side = (ds_lines, res_by_ds, root, for_workers(store), *rest)  # type: ignore[assignment]
                step = max(1, executor.chunk_size(n))
                if j.recheck:
                    self._futures[j.label] = [(min(lo + step, n), executor.submit(check_chunk, _chunk(side, lo, min(lo + step, n))))
                                              for lo in range(0, n, step)]
            return
        self.bounded = workers > 0 and heavy > 0 and "fork" in multiprocessing.get_all_start_methods()
        if self.bounded:
            # fork: the workers inherit _STATE (the raw lines) instead of receiving pickles
            self._workers = BoundedPool(workers if heavy >= pool_threshold else 1, limits or CheckLimits(),
                                     mp_context=multiprocessing.get_context("fork"))
            for j in jobs:
                n = self._sizes[j.label]
                self._futures[j.label] = [(min(lo + CHUNK, n), self._workers.submit(_work, j.label, lo, min(lo + CHUNK, n)))
                                          for lo in range(0, n, CHUNK)]

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._workers is not None:
            self._workers.shutdown(wait=True, cancel_futures=True)
            self._workers = None
        for label in self.jobs:
            _STATE.pop(label, None)

    def _results(self, label: str) -> list[Result]:
        j = self.jobs[label]
        n = self._sizes[label]
        stage = f"{'re-check' if j.recheck else 'read'} {label}"
        self.progress(stage, 0, n)
        out = []
        if label in self._futures:
            for hi, fut in self._futures.pop(label):
                try:
                    out.append(fut.result())
                except CheckStopped as exc:  # over a limit outside any one check (in the records' parsing)
                    raise IncompleteError(f"{j.snapshot.root}: re-checking the datasets before record {hi + 1} "
                                          f"of {DATASETS} stopped: {exc.text}") from None
                self.progress(stage, hi, n)
        else:
            for lo in range(0, n, CHUNK):
                hi = min(lo + CHUNK, n)
                out.append(_work(label, lo, hi))
                self.progress(stage, hi, n)
        return out

    def result(self, label: str) -> SideFindings:
        j = self.jobs[label]
        results = self._results(label)
        _STATE.pop(label, None)  # the parent no longer needs the lines (forked workers keep their copy)
        n = self._sizes[label]
        facts = [f for _, fs, _ in results for f in fs]
        snap = j.snapshot
        if not j.recheck:
            current = snap.current_findings()
            count = next((int(r.get("findings") or 0) for r in snap.manifest.get("rechecks") or [] if r.get("file") == current.file),
                         int((snap.manifest.get("counts") or {}).get("findings", 0)))
            return SideFindings(snap, False, j.reason, facts, n, count)
        total = sum(count for _, _, count in results)
        manifest = dict(snap.manifest)
        manifest.update({"rules_version": RULES_VERSION, "recheck_row_limit": j.row_limit, "files": {}, "rechecks": [],
                         "counts": {**(snap.manifest.get("counts") or {}), "findings": total}})
        return SideFindings(snap, True, j.reason, facts, n, total, rows="".join(text for text, _, _ in results), manifest=manifest)


def today_findings(snap: Snapshot, *, recheck: bool, reason: str, row_limit: int | None,
                   workers: int = 0, pool_threshold: int = POOL_THRESHOLD, limits: CheckLimits | None = None,
                   on_progress: Progress | None = None, label: str = "snapshot", executor: Executor | None = None,
                   bodies: BodyStore | RemoteBodyStore | None = None) -> SideFindings:
    """Today's findings of one snapshot: re-checked or reused (on `executor`, when given), its
    bodies read from `bodies` when given."""
    with Rechecker([Job(label, snap, recheck, reason, row_limit, bodies)], workers=workers, pool_threshold=pool_threshold,
                   limits=limits, on_progress=on_progress, executor=executor) as rc:
        return rc.result(label)
