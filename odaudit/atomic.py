"""Atomic file writes: a reader sees the old file or the whole new one, never half of it."""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import ctypes.util
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: mkstemp creates files readable by their owner only; published reports and archived
#: snapshots get the ordinary permissions a plain open() would give.
FILE_MODE = 0o666 & ~_current_umask()
#: CSVs written for people (reports, reviewer sheets, notices' index): UTF-8 with a byte-order mark,
#: so that Excel on a Traditional Chinese Windows reads them as UTF-8 rather than Big5 and shows the
#: Chinese. Every reader in odaudit opens CSVs as utf-8-sig, which takes them with or without it.
#: Snapshot-internal CSVs (findings.csv in a snapshot) stay plain UTF-8: a machine format, sealed by hash.
CSV_ENCODING = "utf-8-sig"
#: The same for folders that mkdtemp makes (staging folders of reports).
DIR_MODE = 0o777 & ~_current_umask()


class Staging:
    """A folder being built whole and swapped in at once (store/folders.py `replacing`): inside it,
    per-file atomicity is redundant, since no reader sees the folder before the swap. Its files are
    written directly, without a temporary file or an fsync each (a whole-portal site is 100,000+
    pages, and 22,000 fsyncs were a fifth of a 5,000-dataset score), and `sync()` makes them all
    durable with one call before the swap. The hashes of what was written are kept for the
    folder's manifest, so it need not read every file back."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.abspath(root))
        self.hashes: dict[str, str] = {}  # relative posix path -> sha256 of what was written

    def holds(self, target: Path) -> bool:
        return os.path.abspath(target).startswith(str(self.root) + os.sep)

    def write(self, target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(target, "wb") as fh:
                os.fchmod(fh.fileno(), FILE_MODE)
                fh.write(data)
        except OSError as exc:
            if exc.filename is None:
                raise OSError(exc.errno, exc.strerror, str(target)) from exc
            raise
        rel = Path(os.path.abspath(target)).relative_to(self.root).as_posix()
        self.hashes[rel] = hashlib.sha256(data).hexdigest()

    def sync(self) -> None:
        """Everything written under the folder on disk: Linux's syncfs(2) for its file system,
        else a whole sync(2)."""
        fd = os.open(self.root, os.O_RDONLY)
        try:
            if _SYNCFS is None or _SYNCFS(fd) != 0:
                os.sync()
        finally:
            os.close(fd)


def _find_syncfs() -> Any:
    with contextlib.suppress(OSError, AttributeError, TypeError):
        return ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True).syncfs
    return None


_SYNCFS = _find_syncfs()
_STAGING: contextvars.ContextVar[Staging | None] = contextvars.ContextVar("odaudit_staging", default=None)


@contextlib.contextmanager
def staged(root: Path) -> Iterator[Staging]:
    """Within this block, atomic writes under `root` are the staging folder's direct writes."""
    staging = Staging(root)
    token = _STAGING.set(staging)
    try:
        yield staging
    finally:
        _STAGING.reset(token)


def current_staging() -> Staging | None:
    """The staging folder of the enclosing `staged` block, if any."""
    return _STAGING.get()


def _staging_for(target: Path) -> Staging | None:
    staging = _STAGING.get()
    return staging if staging is not None and staging.holds(target) else None


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside `path`; on success fsync it and rename it over `path`.

    On any exception the temporary file is removed and `path` is untouched.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
        kwargs.setdefault("newline", "")
    staging = _staging_for(target)
    if staging is not None:  # the staging folder syncs once before its swap; it hashes this file then (unless below)
        staging.hashes.pop(Path(os.path.abspath(target)).relative_to(staging.root).as_posix(), None)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    digest: str | None = None
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, mode, **kwargs) as fh:
            if staging is None or "b" not in mode:
                yield fh
            else:  # hashed as it is written, so the manifest need not read it back (500 MB of findings)
                hashed = _Hashed(fh)
                yield hashed
                if hashed.size == fh.tell():  # nothing was written past the wrapper (a seek, writelines)
                    digest = hashed.sha.hexdigest()
            if staging is None:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, target)
        if digest is not None and staging is not None:
            staging.hashes[Path(os.path.abspath(target)).relative_to(staging.root).as_posix()] = digest
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if exc.filename is None:  # a failed write() names no file: name the one being written
            raise OSError(exc.errno, exc.strerror, str(target)) from exc
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if staging is None:
        _fsync_dir(target.parent)


class _Hashed:
    """A binary file whose `write`s are hashed on the way: the file's sha256, if every byte went
    through `write` (`size` then equals the file's position)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self._fh, self.sha, self.size = fh, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.sha.update(data)
        self.size += len(data)
        return self._fh.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    staging = _staging_for(Path(path))
    if staging is not None:
        staging.write(Path(path), data)
        return
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    staging = _staging_for(Path(path))
    if staging is not None:  # same bytes as atomic_open's text mode (UTF-8, newlines as written)
        staging.write(Path(path), text.encode("utf-8"))
        return
    with atomic_open(path, "w") as fh:
        fh.write(text)


def dump_json(obj: Any) -> str:
    """Canonical JSON: sorted keys, UTF-8 text, stable across runs."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> None:
    atomic_write_text(path, dump_json(obj))


def sha256_file(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync_dir(directory: Path) -> None:
    # Make the rename itself durable; not possible on every platform.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
