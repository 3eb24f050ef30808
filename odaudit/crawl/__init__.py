"""`odaudit crawl`: a catalog (or the whole portal) → a snapshot directory. The only stage that
touches the network (through odaudit.http).

    from odaudit.crawl import CrawlOptions, run_crawl, recheck
    result = run_crawl(CrawlOptions(out=Path("snapshots/2026"), catalog_path=Path("my.yaml")))

Modules: `options` (what a crawl is asked to do), `plan` (the work list), `start` (opening the
output folder: refuse, resume or start), `export` (the bulk export; the portal probe's verdict),
`dataset` (one dataset: metadata, then its resources), `cache` (`--since`), `checking` (checks in
bounded workers; `check_snapshot` and `recheck`), `session` (`CrawlSession`: open → export →
schedule → finalise).
"""

from __future__ import annotations

from .checking import check_snapshot, recheck
from .options import CrawlOptions, CrawlResult, default_check_workers, limits_manifest, utc_now
from .plan import WorkItem, all_items, catalog_items
from .session import CrawlSession, run_crawl

__all__ = ["CrawlOptions", "CrawlResult", "CrawlSession", "WorkItem", "all_items", "catalog_items", "check_snapshot",
           "default_check_workers", "limits_manifest", "recheck", "run_crawl", "utc_now"]
