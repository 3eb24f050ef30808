"""`crawl --since PREVIOUS`: the previous snapshot as the cache of a new one, read only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..store import BodyProblem, BodyStore, Snapshot


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

    def conditional(self, cached: tuple[dict[str, Any], Path] | None) -> dict[str, str]:
        """The validators of a cached resource, as request headers."""
        if cached is None:
            return {}
        prev = cached[0]
        headers = {}
        if prev.get("etag"):
            headers["If-None-Match"] = prev["etag"]
        if prev.get("last_modified"):
            headers["If-Modified-Since"] = prev["last_modified"]
        return headers
