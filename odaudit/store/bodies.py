"""The body store: raw response bodies filed by sha256; writing and deleting them (reading, with
its verification, is odaudit.model.bodies, which the checks use too).

A record names its body `bodies/<first 2 hex>/<64 hex sha256>`. The store is the folder holding the
`<2 hex>/` shards: the snapshot's own `bodies/`, or a store several snapshots share on purpose
(`crawl --bodies DIR`, recorded in the manifest's `bodies`).

Nothing about a body is taken on trust (a snapshot is archived for years, copied, unpacked from
archives, and read by tools that publish what they find):

* reading (`BodyStore.path`): the name must be exactly a body name (no `..`, no other file), no
  component under the store may be a symbolic link, the file must be regular, and its bytes must
  hash to its name (and to the record's `sha256`); anything else is a `BodyProblem`;
* deleting (`collect`): never follows a link, never leaves the store. It walks by directory
  descriptors opened with O_NOFOLLOW, so a link swapped in mid-walk cannot redirect it, and it
  deletes only files named like bodies;
* writing (`StoreWriter`): a body is renamed into its shard through a descriptor of that shard
  opened with O_NOFOLLOW, so a linked shard is refused instead of written through.

A shared store counts references: `DIR/refs/<snapshot id>` lists the bodies one snapshot uses.
While a crawl runs, its refs file is an append-only log (a body's sha256 is appended before the
body is renamed into place); when the crawl finishes the file is replaced, in one rename, by the
exact list. Garbage collection removes only bodies that no refs file names, and holds an exclusive
lock on `DIR/.lock` while commits hold a shared one, so neither a crawl running beside it nor one
killed with kill -9 (its log stays) loses a body.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..atomic import FILE_MODE, atomic_write_json, atomic_write_text
from ..errors import InputError
from ..model.bodies import BODIES, BodyStore, _shown, body_relpath

TMP = "tmp"
REFS = "refs"
LOCK = ".lock"
MARKER = "odaudit-bodies.json"
STORE_FORMAT = "odaudit-bodies"
REFS_HEADER = "# odaudit body refs 1"

_SHARD = re.compile(r"[0-9a-f]{2}")
_SHA = re.compile(r"[0-9a-f]{64}")
_ID = re.compile(r"[0-9a-f]{32}")
#: at most this many links are named in warnings; the rest are counted
_MAX_NAMED = 10


# ---------------------------------------------------------------------------
# Deleting


def remove_tree(path: Path) -> None:
    """Delete `path` (a folder with all under it, or a file) without following any link: a link is
    removed itself, never what it points to. Cleanup of scratch space: errors are ignored."""
    try:
        st = os.lstat(path)
        if stat.S_ISDIR(st.st_mode):
            shutil.rmtree(path)  # descriptor-based here (shutil.rmtree.avoids_symlink_attacks): links inside are unlinked
        else:
            os.unlink(path)
    except OSError:
        pass


def collect(root: Path, keep: set[str]) -> tuple[int, list[str]]:
    """Delete the bodies in store `root` whose sha256 is not in `keep`: (how many, warnings).

    Only regular files named `<2 hex>/<sha256>` are deleted; a link (a shard or a file) is left
    alone and named in a warning; nothing outside `root` is reachable, since every step goes
    through a descriptor opened without following links."""
    removed, links = 0, []
    rfd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        with os.scandir(rfd) as it:
            shards = sorted((e.name, e.is_symlink(), e.is_dir(follow_symlinks=False)) for e in it)
        for shard, is_link, is_dir in shards:
            if is_link:
                links.append(shard)
            if is_link or not is_dir or not _SHARD.fullmatch(shard):
                continue
            sfd = os.open(shard, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=rfd)
            try:
                with os.scandir(sfd) as it:
                    files = sorted((e.name, e.is_symlink(), e.is_file(follow_symlinks=False)) for e in it)
                for name, f_link, f_regular in files:
                    if f_link:
                        links.append(f"{shard}/{name}")
                    elif f_regular and _SHA.fullmatch(name) and name.startswith(shard) and name not in keep:
                        os.unlink(name, dir_fd=sfd)
                        removed += 1
            finally:
                os.close(sfd)
    finally:
        os.close(rfd)
    warnings = []
    if links:
        named = ", ".join(links[:_MAX_NAMED]) + (f" and {len(links) - _MAX_NAMED} more" if len(links) > _MAX_NAMED else "")
        warnings.append(f"{root}: {len(links)} symbolic link(s) inside the body store left alone, never followed "
                        f"nor deleted through: {named}")
    return removed, warnings


# ---------------------------------------------------------------------------
# Writing


class BodySink:
    """Streams one response body to a temporary file, hashing as it goes; `commit` files it by hash."""

    def __init__(self, writer: StoreWriter) -> None:
        self._writer = writer
        writer.tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=writer.tmp, suffix=".part")
        os.fchmod(fd, FILE_MODE)
        self._fh = os.fdopen(fd, "wb")
        self._tmp = Path(name)
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self._fh.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    def commit(self) -> tuple[str, str]:
        """Close, move into place; returns (sha256, body name)."""
        try:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            digest = self._hash.hexdigest()
            self._writer.file(self._tmp, digest)
        except BaseException:
            self.discard()
            raise
        return digest, body_relpath(digest)

    def discard(self) -> None:
        # Closing flushes the buffer, which fails again when the disk is full: the temporary
        # file goes anyway.
        try:
            self._fh.close()
        except OSError:
            pass
        self._tmp.unlink(missing_ok=True)


def _refuse_link(path: Path, hint: str) -> InputError:
    return InputError(f"{path}: a symbolic link inside the body store; odaudit never writes or deletes through links ({hint})")


class StoreWriter:
    """One crawl's way into its body store: the snapshot's own `bodies/`, or a shared store
    (`snapshot_id` given), where `prepare` opens this snapshot's refs log."""

    def __init__(self, root: Path, *, snapshot_id: str | None = None, snapshot: Path | None = None) -> None:
        if snapshot_id is not None and not _ID.fullmatch(snapshot_id):  # it becomes a file name: nothing else
            raise InputError(f"{snapshot}: manifest \"bodies\" id {_shown(snapshot_id)} is not an odaudit snapshot id")
        self.store = BodyStore(root)
        self.snapshot_id = snapshot_id
        self.snapshot = snapshot
        self.refs: RefsLog | None = None
        self.tmp = root / TMP / snapshot_id if snapshot_id else root / TMP

    @classmethod
    def own(cls, snapshot: Path) -> StoreWriter:
        return cls(snapshot / BODIES)

    @property
    def shared(self) -> bool:
        return self.snapshot_id is not None

    def prepare(self) -> None:
        """Before the crawl writes: refuse links it would write or delete through (a shard, tmp/,
        refs/, or the snapshot's own bodies/ itself). Other links stay (garbage collection names
        them). Opens the refs log of a shared store."""
        root = self.store.root
        if not self.shared and root.is_symlink():
            raise InputError(f"{root}: is a symbolic link; a snapshot's bodies/ must be its own folder "
                             "(to share bodies between snapshots say so: crawl --bodies DIR)")
        root.mkdir(parents=True, exist_ok=True)
        with os.scandir(root) as it:
            for e in sorted(it, key=lambda e: e.name):
                if e.is_symlink() and (_SHARD.fullmatch(e.name) or e.name in (TMP, REFS)):
                    raise _refuse_link(root / e.name, "remove it")
        if self.tmp.is_symlink():
            raise _refuse_link(self.tmp, "remove it")
        if self.shared and self.refs is None:
            assert self.snapshot_id is not None and self.snapshot is not None
            self.refs = RefsLog(root, self.snapshot_id, self.snapshot)

    def new_sink(self) -> BodySink:
        return BodySink(self)

    def file(self, tmp: Path, digest: str) -> None:
        """Rename a finished temporary file into place as body `digest`. An existing file of that
        name is replaced (same name, same content, or a damaged copy repaired); a link there is
        replaced itself, never written through."""
        shard = self.store.root / digest[:2]
        with self._holding(digest):
            try:
                shard.mkdir()
            except FileExistsError:
                pass
            try:
                sfd = os.open(shard, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            except OSError as exc:
                if shard.is_symlink():
                    raise _refuse_link(shard, "remove it and rerun the same command") from None
                raise exc
            try:
                os.replace(tmp, digest, dst_dir_fd=sfd)
            finally:
                os.close(sfd)

    @contextmanager
    def _holding(self, digest: str) -> Iterator[None]:
        if not self.shared:
            yield
        else:
            with self.refs.holding(digest):
                yield

    def finish(self, keep: set[str], snapshot: Path) -> list[str]:
        """After a complete crawl: record what it uses (shared store), then delete bodies no
        snapshot refers to and the scratch folder. Returns warnings."""
        root = self.store.root
        if not self.shared:
            # The own store must be a folder of this very snapshot, not reached through a link.
            real = Path(os.path.realpath(root))
            if root.is_symlink() or real.parent != Path(os.path.realpath(snapshot)):
                return [f"{root}: not the snapshot's own folder any more; no body deleted"]
            remove_tree(self.tmp)
            _, warnings = collect(root, keep)
            return warnings
        assert self.refs is not None, "prepare() opens the refs log"
        self.refs.seal(keep)
        remove_tree(self.tmp)
        return self.refs.collect()

    def close(self) -> None:
        if self.refs is not None:
            self.refs.close()


# ---------------------------------------------------------------------------
# A shared store (crawl --bodies DIR)


def open_shared(root: Path) -> Path:
    """The real folder of shared store `root`, created if new; refuses a folder that holds other things."""
    real = Path(os.path.realpath(root))
    if real.exists() and not real.is_dir():
        raise InputError(f"{root}: exists and is not a folder; choose another --bodies")
    if real.is_dir() and any(real.iterdir()) and not (real / MARKER).is_file():
        raise InputError(f"{root}: not empty and not an odaudit body store; choose another --bodies")
    if not (real / MARKER).is_file():
        atomic_write_json(real / MARKER, {"format": STORE_FORMAT, "format_version": 1})
    return real


def new_snapshot_id() -> str:
    return uuid.uuid4().hex


class RefsLog:
    """`DIR/refs/<snapshot id>` of one crawl: the bodies this snapshot uses (see the module doc)."""

    def __init__(self, root: Path, snapshot_id: str, snapshot: Path) -> None:
        self.root, self.snapshot_id, self.snapshot = root, snapshot_id, snapshot
        self.path = root / REFS / snapshot_id
        (root / REFS).mkdir(exist_ok=True)
        if (root / REFS).is_symlink() or self.path.is_symlink():
            raise _refuse_link(self.path, "remove it")
        self._lock = os.fdopen(os.open(root / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE), "rb")
        self._threads = threading.Lock()  # flock is per open file: one holder at a time within this process
        self._fh = open(self.path, "a+", encoding="utf-8", newline="")
        self._fh.seek(0)
        text = self._fh.read()
        if not text:
            self._fh.write(self._header("crawling"))
        elif not text.endswith("\n"):
            self._fh.write("\n")  # a torn last line (kill -9 mid-append) stays a line of its own, ignored
        self._fh.flush()

    def _header(self, status: str) -> str:
        return f"{REFS_HEADER}\n# snapshot {json.dumps(str(self.snapshot), ensure_ascii=False)}\n# status {status}\n"

    @contextmanager
    def holding(self, digest: str) -> Iterator[None]:
        """Log `digest` as used, and keep garbage collection out until the body is in place."""
        with self._threads:
            fcntl.flock(self._lock, fcntl.LOCK_SH)
            try:
                self._fh.write(digest + "\n")
                self._fh.flush()
                yield
            finally:
                fcntl.flock(self._lock, fcntl.LOCK_UN)

    def seal(self, keep: set[str]) -> None:
        """Replace the log by exactly the bodies the finished snapshot uses (one rename)."""
        with self._threads:
            self._fh.close()
            atomic_write_text(self.path, self._header("complete") + "".join(f"{d}\n" for d in sorted(keep)))

    def collect(self) -> list[str]:
        """Delete the bodies no refs file names; an unreadable refs file stops it (nothing deleted)."""
        with self._threads:
            fcntl.flock(self._lock, fcntl.LOCK_EX)
            try:
                keep, warnings = read_refs(self.root)
                if keep is None:
                    return warnings
                _, more = collect(self.root, keep)
                return warnings + more
            finally:
                fcntl.flock(self._lock, fcntl.LOCK_UN)

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        self._lock.close()


def read_refs(root: Path) -> tuple[set[str] | None, list[str]]:
    """The union of the bodies every refs file of store `root` names (None if one cannot be read),
    and warnings about refs files whose snapshot is gone."""
    keep: set[str] = set()
    warnings = []
    refs = root / REFS
    for entry in sorted(refs.iterdir()) if refs.is_dir() else []:
        try:
            if entry.is_symlink() or not entry.is_file():
                raise OSError(0, "not a regular file")
            text = entry.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return None, [f"{entry}: cannot read ({getattr(exc, 'strerror', None) or exc}); no body deleted"]
        names = {ln for ln in text.splitlines() if _SHA.fullmatch(ln)}
        keep |= names
        where = _snapshot_of(text)
        if where and not (Path(where) / "manifest.json").exists() and not (Path(where) / "journal").exists():
            warnings.append(f"{entry}: its snapshot {where} is gone; delete this file to release its {len(names)} bodies")
    return keep, warnings


def _snapshot_of(text: str) -> str:
    for ln in text.splitlines()[:3]:
        if ln.startswith("# snapshot "):
            try:
                return str(json.loads(ln[len("# snapshot "):]))
            except json.JSONDecodeError:
                return ""
    return ""
