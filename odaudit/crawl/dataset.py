"""One dataset of a crawl: its metadata from the portal (export row, API answer), then each of its
resources fetched. Runs in a crawl thread; the journal is written by the session, not here."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from ..doctor import CrawlProbe
from ..http import Fetcher
from ..model import ErrorKind, unfetched
from ..model.fetch import declared_bytes
from ..store import SnapshotWriter
from .cache import PreviousSnapshot
from .options import CrawlOptions
from .plan import WorkItem

#: the most an API answer may be (real ones are a few KB)
MAX_API_BYTES = 20 * 1024 * 1024


class Cancelled(Exception):
    """The crawl was interrupted: this dataset stops at its next resource and is redone on resume."""


class DatasetCrawler:
    def __init__(self, fetcher: Fetcher, writer: SnapshotWriter, opts: CrawlOptions, adapter: ModuleType,
                 export: Any, previous: PreviousSnapshot, cancel: threading.Event, *,
                 provenance: Callable[[str], dict[str, str] | None] | None = None, probe: CrawlProbe | None = None) -> None:
        self.fetcher = fetcher
        self.writer = writer
        self.opts = opts
        self.adapter = adapter
        self.export = export
        self.previous = previous
        self.cancel = cancel
        #: replays: what the recording says each body is (recorded, stand-in, converted)
        self.provenance = provenance
        #: sees the first API answers, for the manifest's `doctor` verdict
        self.probe = probe

    def crawl(self, item: WorkItem) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        record: dict[str, Any] = {
            "key": item.key, "kind": item.kind, "id": item.id, "name": item.name,
            "category": item.category, "url": item.url, "catalog_entries": item.entries,
            "raw": {"export": None, "api": None}, "api_shape": None, "meta": {}, "parse_issues": [], "resources": [],
        }
        if not item.fetch_resources:
            record["sampled"] = False  # --all --sample: metadata only; quality is estimated from the sample
        declared: list[dict[str, str]] = []
        if item.kind == "portal":
            declared = self._portal_metadata(item, record)
        elif item.kind == "external":
            record["fetch"] = {"status": "external", "sources": [], "error": ""}
            record["meta"], _, _ = self.adapter.normalise(None, None)
            declared = [{"format": "", "encoding": "", "rows": "", "url": item.url, "description": item.name, "modified": ""}]
        else:
            record["fetch"] = {"status": "not_online", "sources": [], "error": ""}
            record["meta"], _, _ = self.adapter.normalise(None, None)
        resources = []
        for index, decl in enumerate(declared):
            if self.cancel.is_set():
                raise Cancelled()
            resources.append(self._resource(item, index, decl))
        record["resources"] = [r["key"] for r in resources]
        return record, resources

    def _api_answer(self, item: WorkItem, errors: list[str]) -> tuple[dict[str, Any] | None, str]:
        """The dataset API's answer (None when unusable) and what a refusal says of the dataset:
        "unknown" (404, 410, or `success: false`), "forbidden" (403: a private dataset), else ""."""
        url = self.adapter.dataset_api_url(self.opts.portal, item.id)
        res, data = self.fetcher.get_bytes(url, max_bytes=MAX_API_BYTES)
        if self.probe is not None:
            self.probe.offer(item.key, item.id, res, data)
        if res.error and res.error["kind"] == ErrorKind.NOT_RECORDED:
            return None, ""  # an offline recording without API answers: the export alone describes it
        if res.error:
            errors.append(f"API {url}: {res.error['message']}")
            return None, ""
        if res.status != 200:
            why = self.adapter.api_error(data)  # CKAN's error envelope says why (private, not found, invalid)
            errors.append(f"API {url}: HTTP {res.status}" + (f" ({why})" if why else ""))
            if res.status in (404, 410):
                return None, "unknown"
            # A 403 is the dataset's own answer only when the API explains it (CKAN: a private
            # dataset); a bare 403 page may be a firewall, which says nothing of the dataset.
            return None, "forbidden" if res.status == 403 and why else ""
        try:
            return self.adapter.parse_api(data, url), ""
        except self.adapter.PortalError as exc:
            errors.append(str(exc))
            return None, "unknown" if exc.kind == "not_success" else ""
        except ValueError as exc:
            errors.append(str(exc))
            return None, ""

    def _portal_metadata(self, item: WorkItem, record: dict[str, Any]) -> list[dict[str, str]]:
        sources: list[str] = []
        errors: list[str] = []
        export_raw = None
        if self.export is not None and item.id in self.export.rows:
            export_raw = self.export.rows[item.id].raw
            if export_raw is not None:  # a name from a bare list (CKAN's package_list) is no metadata
                sources.append("export")
        api_result, refusal = None, ""
        if self.opts.use_api and item.fetch_resources and self.adapter.wants_api(export_raw):
            api_result, refusal = self._api_answer(item, errors)
            if api_result is not None:
                sources.append("api")
        if refusal == "forbidden":
            # The portal refuses the dataset (private): what its listing said is not the dataset's
            # metadata, and nothing of it is judged (the checks say "not fetched", never "fail").
            export_raw, sources = None, []
        record["raw"] = {"export": export_raw, "api": api_result}
        record["api_shape"] = self.adapter.api_shape(api_result)  # where the API's resource list was read
        meta, declared, issues = self.adapter.normalise(export_raw, api_result)
        record["meta"], record["parse_issues"] = meta, issues
        if sources:
            status = "ok"
        elif refusal == "forbidden":
            status = "forbidden"
        elif refusal == "unknown" and self.export is not None:
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
            return {**base, **unfetched(url, ErrorKind.NOT_SAMPLED, "not in the --sample of this whole-catalog crawl")}
        if not url:
            return {**base, **unfetched(url, ErrorKind.NO_URL, "no download URL declared")}
        cached = self.previous.cached(key, url)
        result = self.fetcher.fetch(url, self.writer.new_body, conditional=self.previous.conditional(cached),
                                    declared_bytes=declared_bytes(decl), probe=True)
        rec = {**base, **result.record()}
        if self.provenance is not None and result.body:
            # Replayed: say what the recorded body is, so no finding made from a stand-in reads as
            # a measurement of the agency's file (coverage, docs/snapshot-format.md).
            rec["provenance"] = self.provenance(result.final_url or result.request_url)
        if result.not_modified and cached is not None:
            prev, path = cached
            for k in ("bytes", "truncated", "sha256"):
                rec[k] = prev.get(k)
            if prev.get("prefix"):  # the reused body is a --probe-bytes prefix: its findings stay partial
                rec["prefix"] = prev["prefix"]
            rec["body"] = self.writer.adopt_body(path, prev["sha256"])
        rec["fetched"] = True
        return rec
