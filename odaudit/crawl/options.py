"""What a crawl is asked to do, and what it reports back."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..bounded import UNBOUNDED, CheckLimits
from ..catalog import DEFAULT_PORTAL
from ..http import FetchOptions
from ..portals import DEFAULT_ADAPTER


def default_check_workers() -> int:
    # One core stays with the crawl itself (HTTP parsing, decompression, hashing, writing):
    # in bench/bench_crawl_checks.py on 2 cores, a pool of every core was never faster and in
    # one run of three slower (9.1 s against 7.7 s), its workers competing with the downloads.
    return max(1, (os.cpu_count() or 1) - 1)


def limits_manifest(workers: int, limits: CheckLimits) -> dict[str, Any]:
    """The check limits in force: none when the checks run in-process (workers = 0)."""
    return limits.as_manifest() if workers > 0 else dict(UNBOUNDED)


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class CrawlOptions:
    out: Path
    portal: str = DEFAULT_PORTAL
    #: the portal adapter (odaudit.portals): how this portal publishes its metadata
    adapter: str = DEFAULT_ADAPTER
    catalog_path: Path | None = None
    all: bool = False
    sample: int | None = None
    seed: int = 0
    use_api: bool = True
    check_workers: int = field(default_factory=default_check_workers)
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


@dataclass
class CrawlResult:
    manifest: dict[str, Any]
    resumed: int
    interrupted: bool
    warnings: list[str]
    #: the snapshot was already complete: a rerun after a kill only finished its clean-up
    already_complete: bool = False
