"""`odaudit crawl`, the core: catalog (or whole portal) -> snapshot directory.

Threads do the I/O (HTTP, body files); a pool of worker processes runs the CPU-bound checks while
the crawl goes on, each resource within a time and memory limit (bounded.py); only the main thread
writes the journal, so records are never interleaved.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from . import bundled, nesting
from .atomic import atomic_write_json, atomic_write_text, sha256_file
from .bodies import BodyProblem, BodyStore, StoreWriter, new_snapshot_id, open_shared, problems_message, remove_tree
from .bounded import UNBOUNDED, BoundedPool, CheckLimits, CheckStopped
from .catalog import Catalog, catalog_sha256, load_catalog
from .checks import RULES_VERSION, run_checks
from .checks.limits import Guard
from .errors import IncompleteError, InputError, SnapshotError
from .fetch import Fetcher, FetchOptions
from .findings import Finding, sort_findings
from .portals import datagovtw
from .outdir import FolderLock, real
from .snapshot import (
    BODIES,
    CATALOG_COPY,
    JOURNAL,
    MANIFEST,
    RESOURCES,
    Snapshot,
    SnapshotWriter,
    body_relpath,
    new_manifest,
    add_recheck,
    read_jsonl,
)

Progress = Callable[[str, int, int], None]
RUN_FILE = "run.json"
#: A finished crawl's journal is renamed to this, then deleted (see _drop_journal).
JOURNAL_TRASH = ".journal.old"


@dataclass
class CrawlOptions:
    out: Path
    portal: str = datagovtw.DEFAULT_PORTAL
    catalog_path: Path | None = None
    all: bool = False
    sample: int | None = None
    seed: int = 0
    use_api: bool = True
    check_workers: int = field(default_factory=lambda: default_check_workers())
    row_limit: int | None = None
    #: a recording folder, or the name of a bundled one (`demo`); recorded in the manifest as given
    replay: Path | str | None = None
    #: a previous snapshot used as the cache of this crawl (conditional requests, bodies reused)
    since: Path | None = None
    #: a body store shared with other snapshots (crawl --bodies DIR); None: OUT/bodies
    bodies: Path | None = None
    fetch: FetchOptions = field(default_factory=FetchOptions)
    #: time and memory limits of each check (in worker processes; check_workers=0 has none)
    check_limits: CheckLimits = field(default_factory=CheckLimits)

    def as_manifest(self) -> dict[str, Any]:
        return {
            "all": self.all,
            "sample": self.sample,
            "seed": self.seed,
            "use_api": self.use_api,
            "row_limit": self.row_limit,
            "replay": str(self.replay) if self.replay else None,
            "since": str(self.since) if self.since else None,
            **self.fetch.as_manifest(),
            **limits_manifest(self.check_workers, self.check_limits),
        }


def limits_manifest(workers: int, limits: CheckLimits) -> dict[str, Any]:
    """The check limits in force: none when the checks run in-process (workers = 0)."""
    return limits.as_manifest() if workers > 0 else dict(UNBOUNDED)


@dataclass
class WorkItem:
    key: str
    kind: str  # portal | external | missing
    id: str
    name: str
    category: str
    url: str
    entries: list[dict[str, str]]
    fetch_resources: bool = True


@dataclass
class CrawlResult:
    manifest: dict[str, Any]
    resumed: int
    interrupted: bool
    warnings: list[str]
    #: the snapshot was already complete: a rerun after a kill only finished its clean-up
    already_complete: bool = False


def default_check_workers() -> int:
    # One core stays with the crawl itself (HTTP parsing, decompression, hashing, writing):
    # in bench/bench_crawl_checks.py on 2 cores, a pool of every core was never faster and in
    # one run of three slower (9.1 s against 7.7 s), its workers competing with the downloads.
    return max(1, (os.cpu_count() or 1) - 1)


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------
# Work list


def catalog_items(catalog: Catalog, portal: str) -> list[WorkItem]:
    """One item per distinct snapshot key; entries listed twice share one record."""
    items: dict[str, WorkItem] = {}
    for cat, d, _pos, key in catalog.keyed_entries():
        entry = {"category": cat.id, "name": d.name}
        if key in items:
            items[key].entries.append(entry)
            continue
        url = datagovtw.dataset_page_url(portal, d.id) if d.id else (d.url or "")
        items[key] = WorkItem(key, d.kind, d.id or "", d.name, cat.id, url, [entry])
    return list(items.values())


def all_items(export: datagovtw.ExportParse, portal: str, sample: int | None, seed: int) -> list[WorkItem]:
    ids = sorted(export.rows, key=lambda i: (len(i), i))
    chosen = set(ids) if sample is None else set(random.Random(seed).sample(ids, min(sample, len(ids))))
    return [
        WorkItem(
            f"tw:{i}", "portal", i, export.rows[i].raw.get("資料集名稱", ""), "",
            datagovtw.dataset_page_url(portal, i), [], fetch_resources=i in chosen,
        )
        for i in ids
    ]


# ---------------------------------------------------------------------------
# One dataset (runs in a worker thread)


class DatasetCrawler:
    def __init__(self, fetcher: Fetcher, writer: SnapshotWriter, opts: CrawlOptions,
                 export: datagovtw.ExportParse | None, previous: PreviousSnapshot,
                 cancel: threading.Event, provenance: Callable[[str], dict[str, str] | None] | None = None) -> None:
        self.fetcher = fetcher
        self.provenance = provenance
        self.writer = writer
        self.opts = opts
        self.export = export
        self.previous = previous
        self.cancel = cancel

    def crawl(self, item: WorkItem) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        record: dict[str, Any] = {
            "key": item.key, "kind": item.kind, "id": item.id, "name": item.name,
            "category": item.category, "url": item.url, "catalog_entries": item.entries,
            "raw": {"export": None, "api": None}, "meta": {}, "parse_issues": [], "resources": [],
        }
        if not item.fetch_resources:
            record["sampled"] = False  # --all --sample: metadata only; quality is estimated from the sample
        declared: list[dict[str, str]] = []
        if item.kind == "portal":
            declared = self._portal_metadata(item, record)
        elif item.kind == "external":
            record["fetch"] = {"status": "external", "sources": [], "error": ""}
            record["meta"], _, _ = datagovtw.normalise(None, None)
            declared = [{"format": "", "encoding": "", "rows": "", "url": item.url, "description": item.name, "modified": ""}]
        else:
            record["fetch"] = {"status": "not_online", "sources": [], "error": ""}
            record["meta"], _, _ = datagovtw.normalise(None, None)
        resources = []
        for index, decl in enumerate(declared):
            if self.cancel.is_set():
                raise _Cancelled()
            resources.append(self._resource(item, index, decl))
        record["resources"] = [r["key"] for r in resources]
        return record, resources

    def _portal_metadata(self, item: WorkItem, record: dict[str, Any]) -> list[dict[str, str]]:
        sources, errors = [], []
        export_raw = None
        if self.export is not None and item.id in self.export.rows:
            export_raw = self.export.rows[item.id].raw
            sources.append("export")
        api_result = None
        #: the API itself says it does not know the id (404, or `success: false`)
        api_unknown = False
        if self.opts.use_api and item.fetch_resources:
            url = datagovtw.dataset_api_url(self.opts.portal, item.id)
            res, data = self.fetcher.get_bytes(url, max_bytes=20 * 1024 * 1024)
            if res.error and res.error["kind"] == "not_recorded":
                pass  # an offline recording without API answers: the export alone describes it
            elif res.error:
                errors.append(f"API {url}: {res.error['message']}")
            elif res.status != 200:
                errors.append(f"API {url}: HTTP {res.status}")
                api_unknown = res.status in (404, 410)
            else:
                try:
                    api_result = datagovtw.parse_api(data, url)
                    sources.append("api")
                except datagovtw.PortalError as exc:
                    errors.append(str(exc))
                    api_unknown = exc.kind == "not_success"
                except ValueError as exc:
                    errors.append(str(exc))
        record["raw"] = {"export": export_raw, "api": api_result}
        meta, declared, issues = datagovtw.normalise(export_raw, api_result)
        record["meta"], record["parse_issues"] = meta, issues
        if sources:
            status = "ok"
        elif api_unknown and self.export is not None:
            status = "not_found"  # neither the export nor the API knows the id: a typo, or a dataset taken down
        elif errors:
            status = "error"
        else:
            status = "not_in_export"
        record["fetch"] = {"status": status, "sources": sources, "error": "; ".join(errors)}
        return declared

    def _resource(self, item: WorkItem, index: int, decl: dict[str, str]) -> dict[str, Any]:
        key = f"{item.key}#{index}"
        base = {"key": key, "dataset_key": item.key, "index": index, "declared": decl}
        url = decl.get("url", "")
        if not item.fetch_resources:
            return {**base, **_unfetched(url, "not_sampled", "not in the --sample of this whole-catalog crawl")}
        if not url:
            return {**base, **_unfetched(url, "no_url", "no download URL declared")}
        cached = self.previous.cached(key, url)
        conditional = {}
        if cached is not None:
            prev = cached[0]
            if prev.get("etag"):
                conditional["If-None-Match"] = prev["etag"]
            if prev.get("last_modified"):
                conditional["If-Modified-Since"] = prev["last_modified"]
        result = self.fetcher.fetch(url, self.writer.new_body, conditional=conditional)
        rec = {**base, **result.record()}
        if self.provenance is not None and result.body:
            # Replayed: say what the recorded body is, so no finding made from a stand-in reads as
            # a measurement of the agency's file (coverage, docs/snapshot-format.md).
            rec["provenance"] = self.provenance(result.final_url or result.request_url)
        if result.not_modified and cached is not None:
            prev, path = cached
            for k in ("bytes", "truncated", "sha256", "body"):
                rec[k] = prev.get(k)
            rec["body"] = self.writer.adopt_body(path, prev["sha256"])
        rec["fetched"] = True
        return rec


def _unfetched(url: str, kind: str, message: str) -> dict[str, Any]:
    return {
        "url": url, "request_url": "", "final_url": "", "redirects": [], "status": None,
        "content_type": "", "content_length": "", "content_encoding": "", "content_disposition": "",
        "last_modified": "", "etag": "", "bytes": 0, "truncated": False, "sha256": None, "body": None,
        "elapsed_ms": 0, "attempts": 0, "not_modified": False, "fetched": False,
        "error": {"kind": kind, "message": message},
    }


class _Cancelled(Exception):
    pass


# ---------------------------------------------------------------------------
# The run


def _check_pool(workers: int, limits: CheckLimits) -> BoundedPool:
    return BoundedPool(workers, limits)


def _check_args(record: dict[str, Any], resources: list[dict[str, Any]], root: str | BodyStore,
               crawl_time: str) -> tuple[dict[str, Any], list[dict[str, Any]], str | BodyStore, str]:
    """The arguments of run_checks for one dataset, safe to pickle for a check worker.

    Pickle recurses per level of nesting: a record nested ~500 levels deep (from a journal or
    snapshot written before API answers were capped) would raise RecursionError in the pool
    and end the crawl or recheck. Clipped the same way with or without workers, so the
    findings do not depend on --check-workers."""
    return nesting.clip(record), [nesting.clip(r) for r in resources], root, crawl_time


def _checked(fut: Future[Any], args: tuple[Any, ...], row_limit: int | None) -> list[Finding]:
    """A check job's findings; a job stopped as a whole (over its limit outside any one check)
    reports every check of its dataset as stopped, computed here without reading a body."""
    try:
        return fut.result()
    except CheckStopped as exc:
        return run_checks(*args, row_limit=row_limit, guard=Guard(exc.stopped()))


def run_crawl(opts: CrawlOptions, *, transport: httpx.BaseTransport | None = None,
              on_progress: Progress | None = None, cancel: threading.Event | None = None) -> CrawlResult:
    """Crawl into `opts.out`. Local file-system trouble (disk full, read-only, quota) ends
    the run with IncompleteError: the journal keeps what was done and a rerun resumes."""
    try:
        with FolderLock(opts.out):
            return _run_crawl(opts, transport=transport, on_progress=on_progress, cancel=cancel)
    except OSError as exc:
        where = exc.filename or opts.out
        raise IncompleteError(f"{where}: {exc.strerror or exc}; finished work is kept in {opts.out} "
                              "(rerun the same command to resume)") from exc


def _run_crawl(opts: CrawlOptions, *, transport: httpx.BaseTransport | None,
               on_progress: Progress | None, cancel: threading.Event | None) -> CrawlResult:
    progress = on_progress or (lambda stage, done, total: None)
    cancel = cancel or threading.Event()
    out = opts.out
    warnings: list[str] = []

    catalog = None
    if not opts.all:
        if opts.catalog_path is None:
            raise InputError("no catalog given (use --catalog FILE or --all)")
        catalog = load_catalog(opts.catalog_path)
    cat_name, cat_sha = _catalog_identity(opts, catalog)
    if _check_out_dir(out, cat_name, cat_sha, opts):
        manifest = Snapshot.open(out, verify=False).manifest
        return CrawlResult(manifest, int(manifest.get("counts", {}).get("datasets", 0)), False, [], already_complete=True)
    writer = SnapshotWriter(out)
    had_run = (out / JOURNAL / RUN_FILE).exists()
    resuming = had_run or (out / JOURNAL / "datasets.jsonl").exists()
    run = _start_or_resume(out, opts, cat_name, cat_sha, resuming)
    since = run["manifest"]["options"].get("since")
    previous = PreviousSnapshot(Path(since) if since else None)
    writer.manifest = run["manifest"]
    writer.bodies = bodies = _open_bodies(out, opts, run, had_run)
    bodies.prepare()
    crawl_time = run["manifest"]["started_at"]

    if transport is None and opts.replay is not None:
        from .replay import ReplayTransport

        transport = ReplayTransport(bundled.recording_path(opts.replay))

    with Fetcher(opts.fetch, transport=transport) as fetcher:
        wanted = None if catalog is None else {d.id for _, d in catalog.entries() if d.id}
        export = _load_export(fetcher, writer, out, opts, run, warnings, wanted)
        if opts.all:
            if export is None:
                raise IncompleteError(f"{datagovtw.export_url(opts.portal)}: could not fetch the bulk export; nothing to crawl")
            items = all_items(export, opts.portal, opts.sample, opts.seed)
        else:
            assert catalog is not None
            items = catalog_items(catalog, opts.portal)

        # Keys and offsets only: the records stay in the journal until they are needed.
        done_datasets = writer.index("datasets", lambda r: r["fetch"]["status"])
        done_findings = writer.index("findings")
        # A dataset whose metadata could not be fetched (portal down) is tried again on resume.
        done_datasets = {k: v for k, v in done_datasets.items() if v[1] != "error"}
        todo = [it for it in items if it.key not in done_datasets]
        resumed = len(items) - len(todo)
        total = len(items)
        progress("datasets", resumed, total)
        progress("checks", len(done_findings), total)

        pool: BoundedPool | None = None
        if opts.check_workers > 0:
            pool = _check_pool(opts.check_workers, opts.check_limits)
        interrupted = False
        try:
            # Datasets finished before an interruption but not yet checked are checked now.
            pending_checks: dict[Future[Any], tuple[Any, ...]] = {}
            checked = len(done_findings)

            def submit_checks(record: dict[str, Any], resources: list[dict[str, Any]]) -> None:
                nonlocal checked
                args = _check_args(record, resources, bodies.store, crawl_time)
                if pool is None:
                    writer.add_findings(record["key"], run_checks(*args, row_limit=opts.row_limit))
                    checked += 1
                    progress("checks", checked, total)
                else:
                    pending_checks[pool.submit(run_checks, *args, row_limit=opts.row_limit)] = args

            def drain_checks(block: bool) -> None:
                nonlocal checked
                if not pending_checks:
                    return
                finished, _ = wait(list(pending_checks), timeout=None if block else 0, return_when=FIRST_COMPLETED)
                for fut in finished:
                    args = pending_checks.pop(fut)
                    writer.add_findings(args[0]["key"], _checked(fut, args, opts.row_limit))
                    checked += 1
                    progress("checks", checked, total)

            unchecked = {k: v for k, v in done_datasets.items() if k not in done_findings}
            if unchecked:
                by_ds: dict[str, list[dict[str, Any]]] = {}
                resources_index = writer.index("resources", lambda r: r["dataset_key"])
                wanted = {k: v for k, v in resources_index.items() if v[1] in unchecked}
                for r in writer.records("resources", wanted):
                    by_ds.setdefault(r["dataset_key"], []).append(r)
                for rec in writer.records("datasets", unchecked):
                    submit_checks(rec, sorted(by_ds.get(rec["key"], []), key=lambda r: r["index"]))

            crawler = DatasetCrawler(fetcher, writer, opts, export, previous, cancel,
                                     provenance=getattr(transport, "provenance", None))
            done = resumed
            window = max(4, opts.fetch.concurrency * 2)
            with ThreadPoolExecutor(max_workers=opts.fetch.concurrency, thread_name_prefix="crawl") as threads:
                it: Iterator[WorkItem] = iter(todo)
                running: set[Future[Any]] = set()
                try:
                    while True:
                        while len(running) < window and not cancel.is_set():
                            nxt = next(it, None)
                            if nxt is None:
                                break
                            running.add(threads.submit(crawler.crawl, nxt))
                        if not running:
                            break
                        finished, running = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
                        failure: BaseException | None = None
                        for fut in finished:
                            try:
                                record, resources = fut.result()
                            except _Cancelled:
                                continue
                            except Exception as exc:  # e.g. disk full: journal the others first
                                failure = failure or exc
                                continue
                            writer.add_resources(resources)
                            writer.add_dataset(record)  # commit marker: after its resources
                            done += 1
                            progress("datasets", done, total)
                            submit_checks(record, resources)
                        if failure is not None:
                            raise failure
                        drain_checks(block=False)
                except KeyboardInterrupt:
                    cancel.set()
                    interrupted = True
                    for fut in running:
                        fut.cancel()
                    threads.shutdown(wait=False, cancel_futures=True)
                except BaseException:
                    cancel.set()  # e.g. disk full: the datasets in flight stop at their next resource
                    raise
            while pending_checks and not interrupted:
                drain_checks(block=True)
        except KeyboardInterrupt:
            interrupted = True
            cancel.set()
        finally:
            if pool is not None:
                pool.shutdown(wait=not interrupted, cancel_futures=True)

        if cancel.is_set():
            interrupted = True
        journaled = writer.index("datasets", lambda r: r["fetch"]["status"])
        checked_keys = writer.index("findings")
        complete = not interrupted and all(it.key in journaled for it in items) and all(k in checked_keys for k in journaled)
        statuses = [status for _, status in journaled.values()]
        portal_statuses = [s for s in statuses if s not in ("external", "not_online")]
        if export is None and portal_statuses and all(s == "error" for s in portal_statuses):
            warnings.append("the portal's metadata could not be fetched at all (bulk export and dataset API failed)")
            complete = False
        warnings.extend(_not_found_warnings(writer, journaled))
        extra = {
            "finished_at": utc_now(),
            "rules_version": RULES_VERSION,
            "warnings": warnings,
            "export": run.get("export"),
            "counts": _outcome_counts(writer),
        }
        manifest = writer.finalize(complete=complete, extra=extra)
        if complete:
            warnings += _collect_garbage(out, run, bodies)
            _drop_journal(out)
        bodies.close()
        return CrawlResult(manifest, resumed, interrupted, warnings)


def _not_found_warnings(writer: SnapshotWriter, journaled: dict[str, tuple[int, Any]]) -> list[str]:
    """Name every catalog id the portal does not know: a typo in the catalog must not pass as a
    dataset that was taken down, unremarked."""
    missing = {k: v for k, v in journaled.items() if v[1] == "not_found"}
    if not missing:
        return []
    named = [f"{r['id']} ({r['name']})" if r.get("name") else str(r["id"]) for r in writer.records("datasets", missing)]
    return [f"not found on the portal (neither its export nor its API knows the id; check the catalog): {', '.join(named)}"]


def _drop_journal(out: Path) -> None:
    """Remove the journal of a finished crawl in one atomic step (a rename), then delete it.

    A process killed while deleting the journal in place could leave part of it (say the
    records without run.json), and the next run would take that for a crawl to redo.
    """
    trash = out / JOURNAL_TRASH
    if (out / JOURNAL).exists():
        remove_tree(trash)
        os.replace(out / JOURNAL, trash)
    remove_tree(trash)


def _outcome_counts(writer: SnapshotWriter) -> dict[str, Any]:
    fetch: dict[str, int] = {}
    outcomes = writer.index("resources", lambda r: "ok" if not r.get("error") else r["error"]["kind"])
    for _, kind in outcomes.values():
        fetch[kind] = fetch.get(kind, 0) + 1
    return {"resource_fetch": dict(sorted(fetch.items()))}


def _catalog_identity(opts: CrawlOptions, catalog: Catalog | None) -> tuple[str, str]:
    """The catalog's name and hash, as the manifest records them."""
    if opts.all:
        return "all", hashlib.sha256(whole_portal_catalog(opts).encode()).hexdigest()
    assert opts.catalog_path is not None and catalog is not None
    return catalog.name, catalog_sha256(opts.catalog_path)


def _check_out_dir(out: Path, cat_name: str, cat_sha: str, opts: CrawlOptions) -> bool:
    """Refuse an --out that is not ours to write. True when `out` is the finished snapshot of
    this very crawl and only the clean-up of a run killed at its very end was left to do."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).exists() and not (out / JOURNAL).exists():
        raise InputError(f"{out}: directory is not empty and not an odaudit snapshot; choose another --out")
    if (out / JOURNAL).is_symlink():  # a resume deletes journal files: never through a link
        raise InputError(f"{out / JOURNAL}: is a symbolic link; odaudit never writes or deletes through links (remove it)")
    if (out / MANIFEST).exists():
        m = Snapshot.open(out, verify=False).manifest  # refuses another format version rather than overwrite it
        if m.get("status") == "complete":
            same = (m.get("catalog") or {}).get("sha256") == cat_sha and (m.get("catalog") or {}).get("name") == cat_name
            if same and ((out / JOURNAL).exists() or (out / JOURNAL_TRASH).exists()):
                # The manifest keeps the export's record (and the body store the snapshot uses).
                _collect_garbage(out, {"export": m.get("export")}, _open_bodies(out, opts, {"manifest": m}, True))
                _drop_journal(out)
                return True
            raise InputError(
                f"{out}: a finished snapshot (catalog {(m.get('catalog') or {}).get('name')!r}, crawled "
                f"{m.get('started_at', '?')}) is an archive and is never changed; crawl into a new --out "
                f"(add --since {out} to reuse it as a cache)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise IncompleteError(f"{out}: cannot write here ({exc.strerror})") from None
    return False


class PreviousSnapshot:
    """A finished snapshot used as the cache of a new crawl (`crawl --since`), read only.

    Its validators (ETag, Last-Modified) make requests conditional, and when a server answers
    304 Not Modified its body is reused: hard-linked into the new snapshot, or copied. A body
    is offered only if it is a regular file whose content still has the recorded sha256, so a
    damaged cache costs a download, never a wrong body.
    """

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self.records: dict[str, dict[str, Any]] = {}
        self.store: BodyStore | None = None
        if root is not None:
            snap = Snapshot.open(root, allow_partial=True)
            self.store = snap.body_store()  # its own bodies/, or the shared store it was crawled into
            for r in snap.resources():
                self.records[r["key"]] = r

    def cached(self, key: str, url: str) -> tuple[dict[str, Any], Path] | None:
        prev = self.records.get(key)
        if self.store is None or not prev or prev.get("url") != url or not prev.get("sha256"):
            return None
        try:  # verified: a body named by its hash, a plain file of the store, with that hash and size
            return prev, self.store.path(prev.get("body"), prev["sha256"], prev.get("bytes"))
        except BodyProblem:
            return None


def _start_or_resume(out: Path, opts: CrawlOptions, cat_name: str, cat_sha: str, resuming: bool) -> dict[str, Any]:
    run_path = out / JOURNAL / RUN_FILE
    remove_tree(out / JOURNAL_TRASH)  # left by a run killed while cleaning up
    if resuming and run_path.exists():
        run = json.loads(run_path.read_text(encoding="utf-8"))
        m = run["manifest"]
        if m["catalog"]["sha256"] != cat_sha or m["catalog"]["name"] != cat_name:
            raise InputError(f"{out}: an unfinished crawl of catalog {m['catalog']['name']!r} is here; "
                             "rerun it with the same catalog, or choose another --out")
        if m["portal"] != opts.portal:
            raise InputError(f"{out}: an unfinished crawl of {m['portal']} is here; rerun it with --portal {m['portal']}")
        since = (m.get("options") or {}).get("since")
        if opts.since is not None and str(opts.since) != since:
            raise InputError(f"{out}: an unfinished crawl {'with --since ' + since if since else 'without --since'} "
                             "is here; rerun it as it was started, or choose another --out")
        return run
    for name in ("datasets", "resources", "findings"):
        (out / JOURNAL / f"{name}.jsonl").unlink(missing_ok=True)
    if opts.all:
        atomic_write_text(out / CATALOG_COPY, whole_portal_catalog(opts))
    elif opts.catalog_path is not None:
        shutil.copyfile(opts.catalog_path, out / CATALOG_COPY)
    if opts.since is not None:
        _check_since(opts.since, out)
    manifest = new_manifest(portal=opts.portal, catalog_name=cat_name, catalog_sha256=cat_sha,
                            options=opts.as_manifest(), started_at=utc_now())
    run = {"manifest": manifest, "export": None}
    atomic_write_json(run_path, run)
    return run


def _check_since(since: Path, out: Path) -> None:
    """The cache must be another, readable snapshot (opening it verifies its sealed files)."""
    if real(since) == real(out):
        raise InputError(f"--since {since}: is the --out folder itself; give the previous snapshot")
    Snapshot.open(since, allow_partial=True)


def whole_portal_catalog(opts: CrawlOptions) -> str:
    """The catalog of an --all crawl: one category holding whatever the bulk export lists."""
    sampled = (f"Resources were fetched and checked for a random sample of {opts.sample} datasets "
               f"(seed {opts.seed}; the same seed draws the same sample); the others were judged on metadata only."
               if opts.sample is not None else "Resources were fetched and checked for every dataset.")
    method = (f"Every dataset listed in the portal's bulk export ({datagovtw.export_url(opts.portal)}) "
              f"at crawl time. {sampled}")
    doc = {"name": "all", "title": f"{opts.portal}: the whole portal", "portal": opts.portal, "method": method,
           "source": datagovtw.export_url(opts.portal),
           "categories": [{"id": "all", "name": "whole portal", "tier": "",
                           "rationale": "All datasets the portal lists; no selection.", "datasets": []}]}
    # JSON is valid YAML 1.2, and this one is written by a program, not edited by people.
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _load_export(fetcher: Fetcher, writer: SnapshotWriter, out: Path, opts: CrawlOptions, run: dict[str, Any],
                 warnings: list[str], wanted: set[str] | None) -> datagovtw.ExportParse | None:
    """The bulk export: fetched once per run and stored as a body, so a resume reuses it.
    Only the rows of `wanted` ids are kept (None: every row, for --all)."""
    url = datagovtw.export_url(opts.portal)
    rec = run.get("export")
    if not (rec and rec.get("body") and writer.has_body(rec["body"], rec.get("sha256"))):
        # The whole-portal export is tens of MB: it gets its own, larger cap.
        res = fetcher.fetch(url, writer.new_body, max_bytes=max(opts.fetch.max_bytes, 512 * 1024 * 1024))
        rec = res.record()
        run["export"] = rec
        atomic_write_json(out / JOURNAL / RUN_FILE, run)
    if rec.get("error") or rec.get("status") != 200 or not rec.get("body"):
        why = rec["error"]["message"] if rec.get("error") else f"HTTP {rec.get('status')}"
        warnings.append(f"bulk export {url} unavailable ({why}); metadata from the dataset API only")
        return None
    try:
        assert writer.bodies is not None
        with open(writer.bodies.store.path(rec["body"], rec.get("sha256")), "rb") as fh:  # streamed: a 310 MB export is never held whole
            parsed = datagovtw.parse_export(fh, url, ids=wanted)
    except (ValueError, BodyProblem) as exc:
        warnings.append(f"bulk export unreadable: {exc}")
        return None
    for issue in parsed.issues[:20]:
        warnings.append(f"export: {issue.get('issue', '')} {issue.get('detail', '')}".strip())
    return parsed


def _open_bodies(out: Path, opts: CrawlOptions, run: dict[str, Any], resumed: bool) -> StoreWriter:
    """This crawl's body store: OUT/bodies, or the shared store of `--bodies`. A snapshot keeps
    the store it was started with: resuming or re-crawling it with another is refused."""
    manifest = run["manifest"]
    if resumed:
        recorded, bound = manifest.get("bodies"), True
    elif (out / MANIFEST).exists():
        recorded, bound = Snapshot.open(out, verify=False).manifest.get("bodies"), True
    else:
        recorded, bound = None, False
    if recorded is not None and not (isinstance(recorded, dict) and isinstance(recorded.get("store"), str)
                                     and isinstance(recorded.get("id"), str)):
        raise SnapshotError(f"{out}: its manifest's \"bodies\" is not {{\"store\": path, \"id\": snapshot id}}")
    if bound:
        where = out / BODIES if recorded is None else Path(os.path.join(out, recorded["store"]))
        same = (recorded is None) == (opts.bodies is None) and (
            opts.bodies is None or os.path.realpath(where) == os.path.realpath(opts.bodies))
        if not same:
            how = "without --bodies" if recorded is None else f"with --bodies {where}"
            raise InputError(f"{out}: this snapshot keeps its bodies in {where}; rerun {how}")
    if opts.bodies is None:
        return StoreWriter.own(out)
    root = open_shared(opts.bodies)
    spec = {"store": _relative(root, out), "id": recorded["id"] if recorded else new_snapshot_id()}
    if manifest.get("bodies") != spec:
        manifest["bodies"] = spec
        atomic_write_json(out / JOURNAL / RUN_FILE, run)
    return StoreWriter(root, snapshot_id=spec["id"], snapshot=Path(os.path.realpath(out)))


def _relative(path: Path, start: Path) -> str:
    """`path` relative to `start` when it can be (a snapshot moved with its store still finds it)."""
    try:
        return os.path.relpath(path, os.path.realpath(start))
    except ValueError:  # another drive (Windows)
        return str(path)


def _collect_garbage(out: Path, run: dict[str, Any], bodies: StoreWriter) -> list[str]:
    """Drop bodies nothing refers to any more (left by a re-crawl or an aborted fetch). With a
    shared store, this snapshot's refs are written first and only bodies no snapshot of the store
    refers to go. Never follows a link, never deletes outside the store (see bodies.collect)."""
    rels = [r.get("body") for r in read_jsonl(out / RESOURCES)]
    rels.append((run.get("export") or {}).get("body"))
    keep = set()
    for rel in rels:
        if rel:
            try:
                keep.add(BodyStore.name_of(rel))
            except BodyProblem:
                pass  # not a body name: there is no file of ours to keep
    return bodies.finish(keep, out)


# ---------------------------------------------------------------------------
# Recheck


def check_snapshot(snap: Snapshot, *, workers: int = 0, row_limit: int | None = None,
                   limits: CheckLimits | None = None, on_progress: Progress | None = None) -> list[Finding]:
    """Today's findings for a stored snapshot, computed offline and sorted as findings.csv is.
    With workers, each check is bounded by `limits` (default: CheckLimits()); in-process, unbounded."""
    progress = on_progress or (lambda stage, done, total: None)
    by_ds = snap.resources_by_dataset()
    crawl_time = snap.crawl_time()
    store = snap.body_store()
    jobs = [_check_args(d, by_ds.get(d["key"], []), store, crawl_time) for d in snap.datasets()]
    findings: list[Finding] = []
    if workers > 0:
        with _check_pool(workers, limits or CheckLimits()) as pool:
            futs = [pool.submit(run_checks, *job, row_limit=row_limit) for job in jobs]
            for i, (fut, job) in enumerate(zip(futs, jobs, strict=True), 1):
                findings.extend(_checked(fut, job, row_limit))
                progress("checks", i, len(jobs))
    else:
        for i, job in enumerate(jobs, 1):
            findings.extend(run_checks(*job, row_limit=row_limit))
            progress("checks", i, len(jobs))
    return sort_findings(findings)


def recheck(path: Path, *, workers: int = 0, row_limit: int | None = None, limits: CheckLimits | None = None,
            allow_missing_bodies: bool = False, on_progress: Progress | None = None) -> dict[str, Any]:
    """Re-run today's checks on a stored snapshot, offline. The findings are added beside the
    snapshot's earlier ones (see `add_recheck`), never over them: a finished snapshot is an
    archive, and what it recorded stays as it was.

    Every stored body is verified first (bodies.BodyStore.path): one that is missing, altered or
    not a plain file of the store makes the recheck refuse (SnapshotError, nothing written),
    unless `allow_missing_bodies`, when its resource's body checks say "not measured"."""
    limits = limits or CheckLimits()
    progress = on_progress or (lambda stage, done, total: None)
    try:
        with FolderLock(path):
            snap = Snapshot.open(path)
            problems = snap.body_problems(lambda done, total: progress("bodies", done, total))
            if problems and not allow_missing_bodies:
                raise SnapshotError(problems_message(path, problems))
            findings = check_snapshot(snap, workers=workers, row_limit=row_limit, limits=limits, on_progress=on_progress)
            added, changed = add_recheck(snap, findings, rules_version=RULES_VERSION, row_limit=row_limit,
                                         extra={**limits_manifest(workers, limits), "allow_missing_bodies": allow_missing_bodies,
                                                "body_problems": len(problems)})
    except OSError as exc:
        raise IncompleteError(f"{exc.filename or path}: {exc.strerror or exc}; the snapshot is as it was") from None
    return {"manifest": snap.manifest, "findings": len(findings), "changed": changed, "file": added.file,
            "body_problems": problems}
