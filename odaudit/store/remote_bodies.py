"""A body store read through fsspec (`crawl --recheck SNAPSHOT --bodies URL`): object storage
(`s3://`, `gs://`: needs s3fs / gcsfs installed where the bodies are read), `memory://`, or
`file://` (a local folder read through fsspec, as the tests do).

The checks need a local file (frictionless, the sniffers open paths), so `path` copies the body
into a private temporary folder of the process that checks it, hashing while it copies: the copy
is used only if its bytes hash to the body's name, as `BodyStore.path` verifies a local body. The
copy is named like the body (`<tmp>/<2 hex>/<sha256>`), so nothing that quotes a file name differs
from a local re-check, and no problem text names the temporary folder. A copy is bounded by the
size the record says (one byte more is an altered body), or by `COPY_CAP` when the record gives
none. `release` deletes the copies (the re-check calls it after each dataset); a check process
killed over its time limit leaves its copy in the system's temporary folder.

What object storage cannot say is not checked: there are no symbolic links in a bucket; through
`file://`, a body file that is a link is refused (a linked shard folder is not seen as one).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model.bodies import BODIES, BodyProblem, BodyStore
from .bodies import remove_tree

#: the most bytes copied of a body whose record gives no size (the largest a crawl stores, a bulk export)
COPY_CAP = 512 * 1024 * 1024
#: bytes per read while copying
BLOCK = 1 << 20


def open_bodies(text: str) -> BodyStore | RemoteBodyStore:
    """`--bodies` of a recheck: a path is read directly, as the manifest's store is; a URL
    (`file://` included) through fsspec."""
    return RemoteBodyStore(text) if "://" in text else BodyStore(Path(text))


def open_url(url: str) -> Any:
    """(file system, root path) of `url`; InputError, one line, for a protocol fsspec does not know
    or whose package is not installed."""
    try:
        import fsspec
    except ImportError:
        raise InputError(f"--bodies {url}: reading bodies from a URL needs fsspec: pip install 'odaudit[distributed]'") from None
    try:
        fs, root = fsspec.core.url_to_fs(url)
    except ImportError as exc:
        raise InputError(f"--bodies {url}: its protocol needs a package that is not installed ({_first_line(exc)})") from None
    except (ValueError, TypeError) as exc:
        raise InputError(f"--bodies {url}: not a storage URL fsspec knows ({_first_line(exc)})") from None
    return fs, root.rstrip("/")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip() or type(exc).__name__).splitlines()[0]


class RemoteBodyStore:
    """The bodies under fsspec URL `url`, laid out as a body store (`<2 hex>/<sha256>`). Picklable:
    only the URL travels; each process opens the file system itself and keeps its own copies."""

    def __init__(self, url: str) -> None:
        self.url = url
        open_url(url)  # a bad URL is refused here, before any worker sees it
        self._fs: Any = None
        self._pid = 0
        self._copies: list[str] = []

    def __getstate__(self) -> dict[str, Any]:
        return {"url": self.url}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.url, self._fs, self._pid, self._copies = state["url"], None, 0, []

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RemoteBodyStore) and other.url == self.url

    def __hash__(self) -> int:
        return hash(self.url)

    def __repr__(self) -> str:
        return f"RemoteBodyStore({self.url!r})"

    def _open(self) -> tuple[Any, str]:
        # a forked check process opens its own: an async file system's (s3fs) loop stays in its parent
        if self._fs is None or self._pid != os.getpid():
            self._pid = os.getpid()
            try:
                self._fs = open_url(self.url)
            except InputError as exc:  # checked where odaudit runs: here, a worker lacks what that machine has
                raise InputError(f"{exc}, on a machine that reads the bodies (every Dask worker needs it)") from None
        return self._fs  # type: ignore[no-any-return]

    def _info(self, rel: object, name: str) -> tuple[str, int]:
        """(remote path, size) of body `name`; BodyProblem with the local store's words."""
        fs, root = self._open()
        where = f"{root}/{name[:2]}/{name}"
        try:
            info = fs.info(where)
        except FileNotFoundError:
            raise BodyProblem(rel, "missing", "no such file") from None
        except OSError as exc:
            raise BodyProblem(rel, "refused", f"cannot read ({exc.strerror or exc})") from None
        if info.get("islink"):
            raise BodyProblem(rel, "refused", f"{BODIES}/{name[:2]}/{name} is a symbolic link (never followed)")
        if info.get("type") != "file":
            raise BodyProblem(rel, "refused", "not a regular file")
        return where, int(info.get("size") or 0)

    def _read(self, rel: object, sha256: object, size: object, sink: Any) -> None:
        """Stream body `rel` to `sink` (a binary file, or None), verifying it as `BodyStore.path` does."""
        name = BodyStore.name_of(rel)
        if sha256 is not None and sha256 != name:
            raise BodyProblem(rel, "refused", "the record's sha256 is not the body's name")
        where, found = self._info(rel, name)
        sized = isinstance(size, int) and not isinstance(size, bool)
        if sized and found != size:
            raise BodyProblem(rel, "altered", f"{found} bytes, the record says {size}")
        cap = size if sized else COPY_CAP
        digest, seen = hashlib.sha256(), 0
        try:
            with self._open()[0].open(where, "rb") as fh:
                while block := fh.read(BLOCK):
                    seen += len(block)
                    if seen > cap:  # the store said one size and serves more: not the body
                        raise BodyProblem(rel, "altered", f"more than {cap} bytes, the record says {size if sized else 'no size'}")
                    digest.update(block)
                    if sink is not None:
                        sink.write(block)
        except FileNotFoundError:
            raise BodyProblem(rel, "missing", "no such file") from None
        except OSError as exc:
            raise BodyProblem(rel, "refused", f"cannot read ({exc.strerror or exc})") from None
        if digest.hexdigest() != name:
            raise BodyProblem(rel, "altered", "content changed since the crawl (sha256 differs from its name)")

    def verify(self, rel: object, sha256: object = None, size: object = None) -> None:
        """BodyProblem unless body `rel` is intact (read and hashed, not copied)."""
        self._read(rel, sha256, size, None)

    def path(self, rel: object, sha256: object = None, size: object = None) -> Path:
        """A verified local copy of body `rel` (deleted by `release`), or BodyProblem."""
        name = BodyStore.name_of(rel)
        self._open()
        folder = tempfile.mkdtemp(prefix="odaudit-body-")
        self._copies.append(folder)
        os.mkdir(os.path.join(folder, name[:2]), 0o700)
        local = Path(folder, name[:2], name)
        try:
            with open(local, "xb") as fh:
                self._read(rel, sha256, size, fh)
        except BaseException:
            self._copies.remove(folder)
            remove_tree(Path(folder))
            raise
        return local

    def has(self, rel: object, sha256: object = None, size: object = None) -> bool:
        try:
            self.verify(rel, sha256, size)
        except BodyProblem:
            return False
        return True

    def release(self) -> None:
        """Delete the local copies made so far."""
        while self._copies:
            remove_tree(Path(self._copies.pop()))
