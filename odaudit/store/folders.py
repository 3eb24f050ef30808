"""Output folders: who owns a folder, who is writing it right now, and replacing it whole.

* **One writer at a time.** `FolderLock` takes an exclusive `flock` on a hidden file beside the
  folder (`.NAME.lock`), so a second odaudit process writing the same folder stops at once with the
  holder's PID. The lock sits beside the folder, not in it, because reports are replaced whole.
  Lock files are never deleted: deleting one while another process waits on it would let two
  processes hold "the" lock.
* **Report folders belong to one command.** Each holds `manifest.json` saying which command wrote
  it and from which inputs (with hashes). `score` and `diff` refuse a folder that is a snapshot,
  another command's report, or anything else that is not empty.
* **Replaced whole.** A report is built in a staging folder beside its destination and swapped in
  at the end (an atomic exchange where the platform has one), so no file of an earlier run
  survives and an interrupted run leaves the previous report as it was.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import __version__
from ..atomic import DIR_MODE, atomic_write_json, sha256_file, staged
from ..errors import IncompleteError, InputError

try:  # POSIX; elsewhere odaudit runs without folder locks
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

REPORT_FORMAT = "odaudit-report"
REPORT_FORMAT_VERSION = 1
REPORT_MANIFEST = "manifest.json"
SNAPSHOT_FORMAT = "odaudit-snapshot"
_STAGING = ".odaudit-new-"
_RETIRED = ".odaudit-old-"


def real(folder: Path) -> Path:
    """The folder's real path (symlinks resolved), so two spellings of one folder share one lock."""
    return Path(os.path.realpath(folder))


# ---------------------------------------------------------------------------- locking


class FolderLock:
    """An exclusive lock on `folder` (`with FolderLock(out): …`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        target = real(folder)
        self.path = target.parent / f".{target.name}.lock"
        self._fd: int | None = None

    def __enter__(self) -> FolderLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            why = exc.strerror
            if isinstance(exc, FileExistsError):  # mkdir met a file on the way
                why = os.strerror(errno.ENOTDIR)
            raise IncompleteError(f"{self.folder}: cannot write here ({why})") from None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    os.close(fd)
                    raise IncompleteError(f"{self.path}: cannot lock ({exc.strerror})") from None
                holder = _read_pid(fd)
                os.close(fd)
                who = f"PID {holder}" if holder else "a process whose PID is not known"
                raise InputError(f"{self.folder}: in use by another odaudit process ({who}); "
                                 "wait for it to finish, or choose another --out") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing releases the flock
            self._fd = None


def _read_pid(fd: int) -> str:
    with contextlib.suppress(OSError):
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 32).decode("ascii", "replace").strip()
        return text if text.isdigit() else ""
    return ""


# ---------------------------------------------------------------------------- ownership


def folder_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest.json of a folder (snapshot or report), None when there is none or it is unreadable."""
    try:
        doc = json.loads((folder / REPORT_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def check_report_out(out: Path, command: str) -> None:
    """Refuse an --out that `command` does not own: a file, a snapshot, another command's report,
    or a folder with other things in it. An empty folder, or this command's own report, is fine."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a directory; choose another --out")
    if not out.is_dir():
        return
    doc = folder_manifest(out)
    fmt = (doc or {}).get("format")
    if fmt == SNAPSHOT_FORMAT or (out / "journal").is_dir():
        raise InputError(f"{out}: is an odaudit snapshot, and a report never goes into a snapshot; choose another --out")
    if fmt == REPORT_FORMAT:
        owner = doc.get("command") if doc else None
        if owner != command:
            raise InputError(f"{out}: holds a report of `odaudit {owner}`; `odaudit {command}` will not write over it; "
                             "choose another --out")
        return
    if any(out.iterdir()):
        raise InputError(f"{out}: not empty and not a report of `odaudit {command}`; choose another --out "
                         "(an earlier odaudit wrote no manifest.json: remove that folder to re-create it)")


def input_file(path: Path, given: str | Path | None = None) -> dict[str, str]:
    """An input file: as the user named it (a bundled name stays a name) and its hash."""
    return {"path": str(given if given is not None else path), "sha256": sha256_file(path)}


def input_snapshot(root: Path) -> dict[str, str]:
    """A snapshot input: its path and the hash of its manifest (which seals every file in it)."""
    return {"path": str(root), "manifest_sha256": sha256_file(root / REPORT_MANIFEST)}


# ---------------------------------------------------------------------------- replacing whole


@contextlib.contextmanager
def replacing(out: Path, *, command: str, inputs: dict[str, Any], options: dict[str, Any]) -> Iterator[Path]:
    """Build a report of `command` in a staging folder beside `out` (yielded), then swap it in.

    Call with `out` locked (FolderLock). On any exception the staging folder is removed and `out`
    is left as it was; local file-system trouble (disk full, read-only) becomes IncompleteError
    naming the file.
    """
    target = real(out)
    parent = target.parent
    try:
        if parent.is_dir():
            _recover(target)
    except OSError as exc:
        raise IncompleteError(f"{out}: cannot write here ({exc.strerror})") from None
    check_report_out(out, command)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{_STAGING}", dir=parent))
        os.chmod(staging, DIR_MODE)
    except OSError as exc:
        raise IncompleteError(f"{out}: cannot write here ({exc.strerror})") from None
    try:
        with staged(staging) as folder:
            yield staging
            files = {}
            for p in sorted(staging.rglob("*")):
                if p.is_file():
                    rel = p.relative_to(staging).as_posix()
                    files[rel] = folder.hashes.get(rel) or sha256_file(p)
            manifest = {
                "format": REPORT_FORMAT, "format_version": REPORT_FORMAT_VERSION, "command": command,
                "tool": "odaudit", "tool_version": __version__, "inputs": inputs, "options": options, "files": files,
            }
            atomic_write_json(staging / REPORT_MANIFEST, manifest)
            folder.sync()
        _swap_in(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        where = str(exc.filename or out).replace(str(staging), str(out))
        raise IncompleteError(f"{where}: {exc.strerror or exc}; the previous report in {out} is kept") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap_in(staging: Path, target: Path) -> None:
    if not target.exists():
        os.rename(staging, target)
        return
    if _exchange(staging, target):  # target now holds the new report, staging the old one
        shutil.rmtree(staging, ignore_errors=True)
        return
    # No atomic exchange here: move the old report aside, then the new one in. A run killed
    # between the two renames is repaired by the next run's `_recover`.
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}{_RETIRED}", dir=target.parent))
    os.rmdir(retired)
    os.rename(target, retired)
    os.rename(staging, target)
    shutil.rmtree(retired, ignore_errors=True)


def _recover(target: Path) -> None:
    """Clean up after a run that was killed: its staging folders go; a report moved aside but
    never replaced is put back."""
    for p in sorted(target.parent.glob(f".{target.name}{_RETIRED}*")):
        if not target.exists():
            os.rename(p, target)
        else:
            shutil.rmtree(p, ignore_errors=True)
    for p in target.parent.glob(f".{target.name}{_STAGING}*"):
        shutil.rmtree(p, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))

