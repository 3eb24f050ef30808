"""What one fetch found: the HTTP facts of a resource record (docs/snapshot-format.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    """A resource record's `error.kind`. The values are what snapshots store, and never change."""

    CONNECT = "connect"
    TIMEOUT = "timeout"
    TOO_SLOW = "too_slow"
    READ = "read"
    HTTP = "http"
    SCHEME = "scheme"
    INVALID_URL = "invalid_url"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    #: the server refused this client, not the data (odaudit/http/blocked.py)
    BLOCKED = "blocked"
    #: the crawl chose not to fetch, or could not replay: not a fact about the resource
    NOT_RECORDED = "not_recorded"
    NOT_SAMPLED = "not_sampled"
    NO_URL = "no_url"


@dataclass
class FetchResult:
    """Facts about one fetch, in the shape of the resource record (docs/snapshot-format.md)."""

    url: str
    request_url: str = ""
    final_url: str = ""
    redirects: list[dict[str, Any]] = field(default_factory=list)
    status: int | None = None
    content_type: str = ""
    content_length: str = ""
    content_encoding: str = ""
    content_disposition: str = ""
    last_modified: str = ""
    etag: str = ""
    bytes: int = 0
    truncated: bool = False
    sha256: str | None = None
    body: str | None = None
    elapsed_ms: int = 0
    attempts: int = 0
    not_modified: bool = False
    error: dict[str, str] | None = None
    #: the body is only the first bytes of the file (crawl --probe-bytes): {"bytes": stored,
    #: "how": "range" (a 206 answer) or "stopped-early" (a 200 whose read stopped), "total": the
    #: whole file's size when the server said it (Content-Range, Content-Length), else None}
    prefix: dict[str, Any] | None = None

    def record(self) -> dict[str, Any]:
        rec = asdict(self)
        if rec["prefix"] is None:  # absent unless probed: records of a normal crawl are as before
            del rec["prefix"]
        return rec




def unfetched(url: str, kind: ErrorKind, message: str) -> dict[str, Any]:
    """The record of a resource the crawl did not fetch (on purpose, or without a URL)."""
    return {**FetchResult(url=url, error={"kind": str(kind), "message": message}).record(), "fetched": False}


def declared_bytes(declared: dict[str, Any]) -> int | None:
    """The file size a portal declares for a resource, in bytes: its adapter's `bytes` entry when it
    gives one (data.gov.tw does not: its 資料量 counts records, not bytes); None when unknown."""
    value = str(declared.get("bytes") or "").strip()
    return int(value) if value.isdigit() else None
