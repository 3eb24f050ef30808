"""`crawl --probe-bytes N`: only the first N bytes of a file known to exceed --max-bytes.

Known from what the portal declares (a byte size in the resource's declared metadata) or from
what the GET answer announces (its Content-Length). HEAD is never asked: many servers answer it
wrongly (a Content-Length of 0, of an error page, or none), and one GET tells the same thing.
With a declared size the GET asks for `Range: bytes=0-(N-1)`; a server that honours it answers
206 and sends N bytes; one that ignores it answers 200 with the whole file, and the read stops
after N bytes (the connection is then closed, not drained). A GET without a declared size learns
the size from its Content-Length and stops the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import FetchFailure

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ReadPlan:
    """How much of an answer's body to read, and whether what is read is a probe's prefix."""

    limit: int
    #: "range" (206), "stopped-early" (200 read up to `limit`), "" (no probe: the --max-bytes cap)
    how: str = ""
    #: the whole file's size when known (Content-Range total, Content-Length, declared size)
    total: int | None = None

    def prefix(self, size: int, cut: bool) -> dict[str, object] | None:
        """The fetch record's `prefix` for `size` bytes read (`cut`: more bytes were coming)."""
        if not self.how:
            return None
        more = cut or (self.total is not None and self.total > size) or (self.total is None and size >= self.limit)
        return {"bytes": size, "how": self.how, "total": self.total} if more else None


def wants_range(probe_bytes: int, max_bytes: int, declared: int | None) -> bool:
    return probe_bytes > 0 and declared is not None and declared > max_bytes


def range_headers(probe_bytes: int) -> dict[str, str]:
    # identity: a byte range of a gzip stream is not the first bytes of the file
    return {"Range": f"bytes=0-{probe_bytes - 1}", "Accept-Encoding": "identity"}


def _int(text: str | None) -> int | None:
    t = (text or "").strip()
    return int(t) if t.isdigit() else None


def plan_read(status: int, headers: Mapping[str, str], *, probe_bytes: int, max_bytes: int, declared: int | None,
              asked_range: bool) -> ReadPlan:
    """The read plan for a final answer (not a redirect, not a 304)."""
    if probe_bytes <= 0:
        return ReadPlan(max_bytes)
    limit = min(probe_bytes, max_bytes)
    if status == 206 and asked_range:
        m = _CONTENT_RANGE.match(headers.get("content-range", ""))
        if m is None or int(m.group(1)) != 0:
            raise FetchFailure("read", f"206 answer to a range request from byte 0 with Content-Range "
                                       f"{headers.get('content-range', '')!r}: not the first bytes of the file")
        return ReadPlan(limit, "range", _int(m.group(3)))
    announced = _int(headers.get("content-length"))
    # a compressed body's Content-Length is its compressed size: it bounds the file from below,
    # so it may decide the probe, but it is not the file's size
    total = announced if headers.get("content-encoding", "identity").strip().lower() == "identity" else None
    if 200 <= status < 300 and max(announced or 0, declared or 0) > max_bytes:
        return ReadPlan(limit, "stopped-early", total)
    return ReadPlan(max_bytes)
