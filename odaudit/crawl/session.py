"""`odaudit crawl`, the core: catalog (or whole portal) -> snapshot directory.

Threads do the I/O (HTTP, body files); bounded worker processes run the CPU-bound checks while
the crawl goes on; only the main thread writes the journal, so records are never interleaved.
A `CrawlSession` goes open → export → schedule (fetch and check) → finalise.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from .. import bundled
from ..catalog import Catalog, load_catalog
from ..checks import RULES_VERSION
from ..doctor import CrawlProbe
from ..errors import IncompleteError, InputError
from ..http import Fetcher, ReplayTransport, Transport
from ..model import Finding, Progress, no_progress
from ..portals import AUTO, get_adapter
from ..store import JOURNAL, RUN_FILE, SnapshotWriter, collect_garbage, drop_journal, open_body_store
from ..store.folders import FolderLock
from . import options
from .cache import PreviousSnapshot
from .checking import CheckQueue, check_args
from .dataset import Cancelled, DatasetCrawler
from .export import doctor_verdict, load_catalogue
from .options import CrawlOptions, CrawlResult
from .plan import WorkItem, all_items, catalog_items
from .start import catalog_identity, check_out_dir, check_writable, finished, resolve_adapter, start_or_resume


def run_crawl(opts: CrawlOptions, *, transport: Transport | None = None,
              on_progress: Progress | None = None, cancel: threading.Event | None = None) -> CrawlResult:
    """Crawl into `opts.out`. Local file-system trouble (disk full, read-only, quota) ends
    the run with IncompleteError: the journal keeps what was done and a rerun resumes."""
    try:
        with FolderLock(opts.out):
            return CrawlSession(opts, transport=transport, on_progress=on_progress, cancel=cancel).run()
    except OSError as exc:
        where = exc.filename or opts.out
        raise IncompleteError(f"{where}: {exc.strerror or exc}; finished work is kept in {opts.out} "
                              "(rerun the same command to resume)") from exc


class CrawlSession:
    """One crawl. The attributes set by `open` (writer, bodies, run_, previous, crawl_time) and
    `schedule` (probe, counters) are the state the later stages read."""

    export_: Any = None

    def __init__(self, opts: CrawlOptions, *, transport: Transport | None, on_progress: Progress | None,
                 cancel: threading.Event | None) -> None:
        self.opts = opts
        self.out = opts.out
        self.adapter_choice = (opts.adapter, "given")
        self.adapter = get_adapter(opts.adapter) if opts.adapter != AUTO else None  # AUTO: chosen in run()
        self.transport = transport
        if transport is None and opts.replay is not None:
            self.transport = ReplayTransport(bundled.recording_path(opts.replay))
        self.progress = on_progress or no_progress
        self.cancel = cancel or threading.Event()
        self.warnings: list[str] = []
        self.interrupted = False
        self.catalog: Catalog | None = None

    def run(self) -> CrawlResult:
        with Fetcher(self.opts.fetch, transport=self.transport) as fetcher:
            self.adapter_choice = resolve_adapter(self.opts, fetcher)
            self.adapter = get_adapter(self.adapter_choice[0])
            done = self.open()
            if done is not None:
                return done
            self.export_ = self.export(fetcher)
            items = self.plan()
            resumed = self.schedule(fetcher, items)
            return self.finalise(items, resumed)

    # -- open -------------------------------------------------------------------------
    def open(self) -> CrawlResult | None:
        """Take the output folder: refuse what is not ours, finish a clean-up, resume or start."""
        opts, out = self.opts, self.out
        if not opts.all:
            if opts.catalog_path is None:
                raise InputError("no catalog given (use --catalog FILE or --all)")
            if self.adapter.ENUMERATION != "export":
                raise InputError(f"{opts.catalog_path}: a catalog lists data.gov.tw dataset ids; the {self.adapter.NAME} "
                                 f"adapter crawls a whole portal (use --all, with --sample N for a sample)")
            self.catalog = load_catalog(opts.catalog_path)
        export_url = self.adapter.export_url(opts.portal)
        cat_name, cat_sha = catalog_identity(opts, self.catalog, export_url, self.adapter.LISTING)
        check_out_dir(out)
        m = finished(out, cat_name, cat_sha)
        if m is not None:  # killed at its very end: only the clean-up was left
            # The manifest keeps the export's record (and the body store the snapshot uses).
            collect_garbage(out, m.get("export"), open_body_store(out, {"manifest": m}, True, opts.bodies))
            drop_journal(out)
            return CrawlResult(m, int(m.get("counts", {}).get("datasets", 0)), False, [], already_complete=True)
        check_writable(out)
        self.writer = SnapshotWriter(out)
        had_run = (out / JOURNAL / RUN_FILE).exists()
        resuming = had_run or (out / JOURNAL / "datasets.jsonl").exists()
        self.run_ = start_or_resume(out, opts, cat_name, cat_sha, resuming, export_url, self.adapter_choice,
                                    self.adapter.LISTING)
        since = self.run_["manifest"]["options"].get("since")
        self.previous = PreviousSnapshot(Path(since) if since else None)
        self.writer.manifest = self.run_["manifest"]
        self.writer.bodies = self.bodies = open_body_store(out, self.run_, had_run, opts.bodies)
        self.bodies.prepare()
        self.crawl_time = self.run_["manifest"]["started_at"]
        return None

    # -- export and plan -------------------------------------------------------------------
    def export(self, fetcher: Fetcher) -> Any:
        wanted = None if self.catalog is None else {d.id for _, d in self.catalog.entries() if d.id}
        return load_catalogue(fetcher, self.writer, self.out, self.opts, self.adapter, self.run_, self.warnings, wanted)

    def plan(self) -> list[WorkItem]:
        opts = self.opts
        if opts.all:
            if self.export_ is None:
                raise IncompleteError(f"{self.adapter.export_url(opts.portal)}: could not fetch the {self.adapter.LISTING}; nothing to crawl")
            return all_items(self.export_, opts.portal, opts.sample, opts.seed, self.adapter)
        assert self.catalog is not None
        return catalog_items(self.catalog, opts.portal, self.adapter)

    # -- schedule: fetch and check -----------------------------------------------------------
    def schedule(self, fetcher: Fetcher, items: list[WorkItem]) -> int:
        """Crawl what is not journaled yet, checking datasets as they are done. Returns how many
        datasets a previous run had already done."""
        w = self.writer
        # Keys and offsets only: the records stay in the journal until they are needed.
        done_datasets = w.index("datasets", lambda r: r["fetch"]["status"])
        done_findings = w.index("findings")
        # A dataset whose metadata could not be fetched (portal down) is tried again on resume.
        done_datasets = {k: v for k, v in done_datasets.items() if v[1] != "error"}
        todo = [it for it in items if it.key not in done_datasets]
        self.total, self.done, self.checked = len(items), len(items) - len(todo), len(done_findings)
        self.progress("datasets", self.done, self.total)
        self.progress("checks", self.checked, self.total)
        # The same probe as `odaudit doctor`, on this run's first API answers (work order).
        # (data.gov.tw's interfaces only: doctor does not know other adapters')
        probed = self.opts.use_api and self.adapter.ENUMERATION == "export"
        self.probe = CrawlProbe([it.key for it in todo if it.kind == "portal" and it.fetch_resources] if probed else [])
        queue = CheckQueue(self.opts.check_workers, self.opts.check_limits, self.opts.row_limit, self._checked)
        try:
            self._check_unchecked(queue, {k: v for k, v in done_datasets.items() if k not in done_findings})
            crawler = DatasetCrawler(fetcher, w, self.opts, self.adapter, self.export_, self.previous, self.cancel,
                                     provenance=getattr(self.transport, "provenance", None), probe=self.probe)
            self._fetch_all(crawler, todo, queue)
            if not self.interrupted:
                queue.finish()
        except KeyboardInterrupt:
            self.interrupted = True
            self.cancel.set()
        finally:
            queue.close(interrupted=self.interrupted)
        return len(items) - len(todo)

    def _checked(self, key: str, findings: list[Finding]) -> None:
        self.writer.add_findings(key, findings)
        self.checked += 1
        self.progress("checks", self.checked, self.total)

    def _submit(self, queue: CheckQueue, record: dict[str, Any], resources: list[dict[str, Any]]) -> None:
        queue.submit(check_args(record, resources, self.bodies.store, self.crawl_time))

    def _check_unchecked(self, queue: CheckQueue, unchecked: dict[str, tuple[int, Any]]) -> None:
        """Datasets finished before an interruption but not yet checked are checked now."""
        if not unchecked:
            return
        w = self.writer
        by_ds: dict[str, list[dict[str, Any]]] = {}
        index = w.index("resources", lambda r: r["dataset_key"])
        for r in w.records("resources", {k: v for k, v in index.items() if v[1] in unchecked}):
            by_ds.setdefault(r["dataset_key"], []).append(r)
        for rec in w.records("datasets", unchecked):
            self._submit(queue, rec, sorted(by_ds.get(rec["key"], []), key=lambda r: r["index"]))

    def _fetch_all(self, crawler: DatasetCrawler, todo: list[WorkItem], queue: CheckQueue) -> None:
        window = max(4, self.opts.fetch.concurrency * 2)
        with ThreadPoolExecutor(max_workers=self.opts.fetch.concurrency, thread_name_prefix="crawl") as threads:
            it: Iterator[WorkItem] = iter(todo)
            running: set[Future[Any]] = set()
            try:
                while True:
                    while len(running) < window and not self.cancel.is_set():
                        nxt = next(it, None)
                        if nxt is None:
                            break
                        running.add(threads.submit(crawler.crawl, nxt))
                    if not running:
                        break
                    finished_, running = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
                    self._journal(finished_, queue)
                    queue.drain(block=False)
            except KeyboardInterrupt:
                self.cancel.set()
                self.interrupted = True
                for fut in running:
                    fut.cancel()
                threads.shutdown(wait=False, cancel_futures=True)
            except BaseException:
                self.cancel.set()  # e.g. disk full: the datasets in flight stop at their next resource
                raise

    def _journal(self, finished_: set[Future[Any]], queue: CheckQueue) -> None:
        """Journal the datasets that finished, then raise the first failure (disk full) if any:
        the others are journaled first, so a rerun does not fetch them again."""
        failure: BaseException | None = None
        for fut in finished_:
            try:
                record, resources = fut.result()
            except Cancelled:
                continue
            except Exception as exc:
                failure = failure or exc
                continue
            self.writer.add_resources(resources)
            self.writer.add_dataset(record)  # commit marker: after its resources
            self.done += 1
            self.progress("datasets", self.done, self.total)
            self._submit(queue, record, resources)
        if failure is not None:
            raise failure

    # -- finalise ---------------------------------------------------------------------------
    def finalise(self, items: list[WorkItem], resumed: int) -> CrawlResult:
        w = self.writer
        if self.cancel.is_set():
            self.interrupted = True
        journaled = w.index("datasets", lambda r: r["fetch"]["status"])
        checked_keys = w.index("findings")
        complete = (not self.interrupted and all(it.key in journaled for it in items)
                    and all(k in checked_keys for k in journaled))
        portal_statuses = [s for _, s in journaled.values() if s not in ("external", "not_online")]
        if self.export_ is None and portal_statuses and all(s == "error" for s in portal_statuses):
            self.warnings.append("the portal's metadata could not be fetched at all (bulk export and dataset API failed)")
            complete = False
        self.warnings.extend(not_found_warnings(w, journaled))
        extra = {
            "finished_at": options.utc_now(),
            "rules_version": RULES_VERSION,
            "warnings": self.warnings,
            "export": self.run_.get("export"),
            **({"enumeration": self.run_["enumeration"]} if self.run_.get("enumeration") else {}),
            "doctor": doctor_verdict(self.opts, self.adapter, self.run_, self.export_, self.probe, self.warnings,
                                     self.bodies.store),
            "counts": outcome_counts(w),
        }
        manifest = w.finalize(complete=complete, extra=extra)
        if complete:
            self.warnings += collect_garbage(self.out, self.run_.get("export"), self.bodies)
            drop_journal(self.out)
        self.bodies.close()
        return CrawlResult(manifest, resumed, self.interrupted, self.warnings)


def not_found_warnings(writer: SnapshotWriter, journaled: dict[str, tuple[int, Any]]) -> list[str]:
    """Name every catalog id the portal does not know: a typo in the catalog must not pass as a
    dataset that was taken down, unremarked."""
    missing = {k: v for k, v in journaled.items() if v[1] == "not_found"}
    if not missing:
        return []
    named = [f"{r['id']} ({r['name']})" if r.get("name") else str(r["id"]) for r in writer.records("datasets", missing)]
    return [f"not found on the portal (neither its export nor its API knows the id; check the catalog): {', '.join(named)}"]


def outcome_counts(writer: SnapshotWriter) -> dict[str, Any]:
    fetch: dict[str, int] = {}
    outcomes = writer.index("resources", lambda r: "ok" if not r.get("error") else r["error"]["kind"])
    for _, kind in outcomes.values():
        fetch[kind] = fetch.get(kind, 0) + 1
    return {"resource_fetch": dict(sorted(fetch.items()))}

