"""A body is named by its sha256, and read only once verified: the one reader of stored bodies.

A record names its body `bodies/<first 2 hex>/<64 hex sha256>`; the store is the folder holding the
`<2 hex>/` shards (a snapshot's own `bodies/`, or a shared store; odaudit.store.bodies writes both).
Reading (`BodyStore.path`): the name must be exactly a body name (no `..`, no other file), no
component under the store may be a symbolic link, the file must be regular, and its bytes must hash
to its name (and to the record's `sha256`); anything else is a `BodyProblem`. Checks, rechecks and
the crawl's cache all read through here.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BODIES = "bodies"
_NAME = re.compile(r"bodies/([0-9a-f]{2})/([0-9a-f]{64})")


def body_relpath(sha256: str) -> str:
    return f"{BODIES}/{sha256[:2]}/{sha256}"


def _shown(rel: object) -> str:
    """A body name as it may be quoted in messages: a hostile record can hold anything."""
    text = rel if isinstance(rel, str) else repr(rel)
    text = text if text.isprintable() else repr(text)
    return text if len(text) <= 100 else text[:99] + "…"


class BodyProblem(Exception):
    """A body that cannot be used. `kind`: missing, altered, or refused (not a body name, a
    symbolic link, not a regular file, unreadable)."""

    def __init__(self, rel: object, kind: str, detail: str) -> None:
        super().__init__(rel, kind, detail)
        self.rel, self.kind, self.detail = _shown(rel), kind, detail

    def __str__(self) -> str:
        return f"{self.rel}: {self.detail}"

    def reason(self) -> str:
        """Evidence of a check that could not look at this body (unmeasured is not failed)."""
        return f"body {self.kind}: not measured ({self})"


@dataclass(frozen=True)
class BodyStore:
    """Where a snapshot's bodies are read from (picklable: it goes to the check workers)."""

    root: Path

    @staticmethod
    def name_of(rel: object) -> str:
        """The sha256 a body name stands for; BodyProblem unless `rel` is exactly a body name."""
        m = _NAME.fullmatch(rel) if isinstance(rel, str) else None
        if m is None or not m.group(2).startswith(m.group(1)):
            raise BodyProblem(rel, "refused", "not a body name (bodies/<2 hex>/<sha256>)")
        return m.group(2)

    def path(self, rel: object, sha256: object = None, size: object = None) -> Path:
        """The verified file of body `rel`, or BodyProblem. `sha256` and `size` are what the
        record says (checked when given)."""
        name = self.name_of(rel)
        if sha256 is not None and sha256 != name:
            raise BodyProblem(rel, "refused", "the record's sha256 is not the body's name")
        p = self.root / name[:2] / name
        st = self._lstat(rel, name)
        if isinstance(size, int) and not isinstance(size, bool) and st.st_size != size:
            raise BodyProblem(rel, "altered", f"{st.st_size} bytes, the record says {size}")
        try:
            digest = _sha256_nofollow(p)
        except OSError as exc:
            raise BodyProblem(rel, "refused", f"cannot read ({exc.strerror or exc})") from None
        if digest != name:
            raise BodyProblem(rel, "altered", "content changed since the crawl (sha256 differs from its name)")
        return p

    def verify(self, rel: object, sha256: object = None, size: object = None) -> None:
        """BodyProblem unless body `rel` is intact."""
        self.path(rel, sha256, size)

    def release(self) -> None:
        """Nothing to clean up: the checks read the store's own files (a store read through fsspec,
        odaudit/store/remote_bodies.py, deletes its local copies here)."""

    def has(self, rel: object, sha256: object = None, size: object = None) -> bool:
        try:
            self.verify(rel, sha256, size)
        except BodyProblem:
            return False
        return True

    def _lstat(self, rel: object, name: str) -> os.stat_result:
        try:
            # The store itself may be reached through a link. Details name no absolute path: they
            # become findings' evidence, which must not depend on where the snapshot lives.
            if not stat.S_ISDIR(os.stat(self.root).st_mode):
                raise BodyProblem(rel, "missing", "its body store is not a folder")
        except FileNotFoundError:
            raise BodyProblem(rel, "missing", "its body store does not exist") from None
        for part, what in ((self.root / name[:2], "folder"), (self.root / name[:2] / name, "file")):
            try:
                st = os.lstat(part)
            except FileNotFoundError:
                raise BodyProblem(rel, "missing", "no such file") from None
            except OSError as exc:
                raise BodyProblem(rel, "refused", f"cannot read ({exc.strerror or exc})") from None
            if stat.S_ISLNK(st.st_mode):
                raise BodyProblem(rel, "refused", f"{BODIES}/{part.relative_to(self.root)} is a symbolic link (never followed)")
            if not (stat.S_ISDIR if what == "folder" else stat.S_ISREG)(st.st_mode):
                raise BodyProblem(rel, "refused", f"not a regular {what}")
        return st


def _sha256_nofollow(path: Path) -> str:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(0, "not a regular file")
        return hashlib.file_digest(fh, "sha256").hexdigest()


def verify_bodies(store: BodyStore | Any, records: Iterable[dict],
                  on_progress: Callable[[int, int], None] | None = None) -> list[tuple[str, BodyProblem]]:
    """(resource key, problem) for every record whose stored body cannot be used, in record order.

    Each distinct body is read and hashed once."""
    with_body = [r for r in records if r.get("body")]
    seen: dict[tuple[object, object, object], BodyProblem | None] = {}
    out = []
    for i, r in enumerate(with_body, 1):
        key = (r["body"], r.get("sha256"), r.get("bytes"))
        if key not in seen:
            try:
                store.verify(*key)
                seen[key] = None
            except BodyProblem as p:
                seen[key] = p
        problem = seen[key]
        if problem is not None:
            out.append((str(r.get("key", "")), problem))
        if on_progress is not None:
            on_progress(i, len(with_body))
    return out


def problems_message(where: object, problems: list[tuple[str, BodyProblem]], limit: int = 5) -> str:
    """One line: how many bodies are unusable, which (the first `limit`), and what to do."""
    kinds: dict[str, int] = {}
    for _, p in problems:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    counts = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    listed = "; ".join(f"{key} {p}" for key, p in problems[:limit])
    more = f"; and {len(problems) - limit} more" if len(problems) > limit else ""
    return (f"{where}: {len(problems)} resource bodies cannot be used ({counts}): {listed}{more}; "
            "nothing was rewritten (--allow-missing-bodies checks the rest and records these as not measured)")
