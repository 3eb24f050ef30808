"""The portal's bulk export: fetched once per crawl and stored as a body, so a resume reuses it;
and what `odaudit doctor` would say of this crawl's first answers."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from ..atomic import atomic_write_json
from ..doctor import CrawlProbe
from ..errors import IncompleteError
from ..http import Fetcher
from ..store import JOURNAL, RUN_FILE, BodyProblem, BodyStore, SnapshotWriter
from .options import CrawlOptions

#: the whole-portal export is tens of MB: it gets its own, larger cap than a resource
EXPORT_MAX_BYTES = 512 * 1024 * 1024
#: one page of a paged catalogue API (1,000 CKAN packages are a few MB)
PAGE_MAX_BYTES = 256 * 1024 * 1024


def load_catalogue(fetcher: Fetcher, writer: SnapshotWriter, out: Path, opts: CrawlOptions, adapter: ModuleType,
                   run: dict[str, Any], warnings: list[str], wanted: set[str] | None) -> Any:
    """The portal's list of datasets, as the adapter describes reading it: one bulk export
    (`ENUMERATION = "export"`) or pages of a catalogue API (`"pages"`)."""
    if adapter.ENUMERATION == "pages":
        return enumerate_pages(fetcher, opts, adapter, run, warnings)
    return load_export(fetcher, writer, out, opts, adapter, run, warnings, wanted)


def enumerate_pages(fetcher: Fetcher, opts: CrawlOptions, adapter: ModuleType, run: dict[str, Any],
                    warnings: list[str]) -> Any:
    """Walk the adapter's `Enumeration`, fetching each page it names through the fetcher (per-host
    limits, retries, Retry-After). Not stored as bodies: each package is kept whole in its dataset
    record, and a resume enumerates again. An enumeration the adapter refuses (the count kept
    changing, a page failed) ends the crawl: a partial list would pass as the whole portal."""
    enum = adapter.Enumeration(opts.portal)
    while (url := enum.next_url()) is not None:
        res, data = fetcher.get_bytes(url, max_bytes=PAGE_MAX_BYTES)
        try:
            enum.feed(url, res.status if not res.error else None, data, res.error["message"] if res.error else "")
        except adapter.PortalError as exc:
            raise IncompleteError(f"{exc}; nothing crawled") from None
    run["enumeration"] = enum.summary()
    for issue in enum.issues[:20]:
        warnings.append(f"{issue['field']}: {issue['detail']}")
    return enum


def load_export(fetcher: Fetcher, writer: SnapshotWriter, out: Path, opts: CrawlOptions, adapter: ModuleType,
                run: dict[str, Any], warnings: list[str], wanted: set[str] | None) -> Any:
    """The parsed export (None when it cannot be had: the dataset API alone describes datasets).
    Only the rows of `wanted` ids are kept (None: every row, for --all)."""
    url = adapter.export_url(opts.portal)
    rec = run.get("export")
    if not (rec and rec.get("body") and writer.has_body(rec["body"], rec.get("sha256"))):
        res = fetcher.fetch(url, writer.new_body, max_bytes=max(opts.fetch.max_bytes, EXPORT_MAX_BYTES))
        rec = res.record()
        run["export"] = rec
        atomic_write_json(out / JOURNAL / RUN_FILE, run)
    if rec.get("error") or rec.get("status") != 200 or not rec.get("body"):
        why = rec["error"]["message"] if rec.get("error") else f"HTTP {rec.get('status')}"
        warnings.append(f"bulk export {url} unavailable ({why}); metadata from the dataset API only")
        return None
    try:
        assert writer.bodies is not None
        with open(writer.bodies.store.path(rec["body"], rec.get("sha256")), "rb") as fh:  # streamed: never held whole
            parsed = adapter.parse_export(fh, url, ids=wanted)
    except (ValueError, BodyProblem) as exc:
        warnings.append(f"bulk export unreadable: {exc}")
        return None
    for issue in parsed.issues[:20]:
        warnings.append(f"export: {issue.get('issue', '')} {issue.get('detail', '')}".strip())
    return parsed


def doctor_verdict(opts: CrawlOptions, adapter: ModuleType, run: dict[str, Any], export: Any, probe: CrawlProbe,
                   warnings: list[str], store: BodyStore) -> dict[str, Any]:
    """What `odaudit doctor` would say of this crawl's own first responses (manifest `doctor`);
    a drift or an unusable verdict is also a warning. Doctor knows data.gov.tw's interfaces only."""
    if adapter.ENUMERATION != "export":
        return {"portal": opts.portal, "adapter": adapter.NAME, "verdict": "not checked", "observations": [],
                "note": f"odaudit doctor knows data.gov.tw's interfaces only, not {adapter.NAME}'s"}
    rec = run.get("export") or {}
    head = None
    if export is not None and rec.get("body"):
        with open(store.path(rec["body"], rec.get("sha256")), "rb") as fh:  # verified, as every body read
            head = fh.read(65536)
    why = next((w for w in warnings if w.startswith("bulk export")), "not fetched")
    result = probe.report(opts.portal, head, adapter.export_url(opts.portal), export, export_error=why,
                          size=rec.get("bytes"))
    if result["verdict"] != "ok":
        changed = [o["what"] for o in result["observations"] if o["severity"] != "info"]
        warnings.append(f"the portal has drifted from what odaudit expects ({result['verdict']}): "
                        + "; ".join(changed[:3]) + (f"; and {len(changed) - 3} more" if len(changed) > 3 else "")
                        + " (manifest.json `doctor` says what odaudit did about each)")
    return result
