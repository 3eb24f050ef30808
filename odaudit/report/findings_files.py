"""findings.csv and findings.jsonld: a row per finding, most of a whole portal's report (500 MB).

They depend on the findings as scored and on each dataset's name and page, not on the rest of the
rubric, so `score` begins them as soon as those are known (scoring.FindingsView) in a forked child
(forked.py) that writes them while the parent scores and writes everything else.

A snapshot is scored again and again while its rubric is written, and these two files come out
the same each time. When the findings are a sealed snapshot's (the view has a store key), a
zstd-compressed copy of both files is kept in the columnar store (odaudit/columnar.py,
`<store>/findings-files/<key>/`, about 20 MB for 500 MB of files) under a key of the snapshot's
tables, `--blocked-as-broken`, odaudit's code and the names and pages written; the next run
decompresses it instead of writing them row by row. Every byte restored is checked against the
sha256 recorded when the copy was made: a copy that is missing, unreadable or not those bytes is
a miss (and removed), and the files are written afresh. A store that cannot be written is skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .. import columnar
from ..atomic import atomic_open
from ..scoring.model import FindingsView, ScoreResult
from . import forked
from .csvout import findings_frame, write_findings_csv
from .jsonld import write_findings_jsonld

NAMES = ("findings.csv", "findings.jsonld")
KIND = "findings-files"
_CHUNK = 1 << 22


def view_of(result: ScoreResult) -> FindingsView:
    """The result's findings view (one made from its fields for a result built without one)."""
    if result.findings_view is not None:
        return result.findings_view
    return FindingsView(result.findings, result.datasets.drop_duplicates("key")[["key", "name", "page"]], result.resources)


def write_findings_files(view: FindingsView, out: Path) -> list[Path]:
    """Write findings.csv and findings.jsonld into `out` (from the store when it holds them)."""
    key = _key(view)
    folder = columnar.folder_of(KIND, key) if key is not None else None
    if folder is not None and key is not None:
        restored = _restore(folder, key, out)
        if restored is not None:
            return restored
    findings = findings_frame(view)
    paths = [write_findings_csv(out, findings), write_findings_jsonld(view, out / "findings.jsonld", findings)]
    if folder is not None and key is not None:
        _keep(folder, key, out)
    return paths


class FindingsFiles:
    """The two files, begun in a child (`begin`) when the machine has a second core, else written
    when `paths` asks for them. `stop` ends a child whose report is abandoned."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._view: FindingsView | None = None
        self._child: forked.Forked | None = None

    def begin(self, view: FindingsView) -> None:
        self._view = view
        if forked.can_fork():
            self._child = forked.Forked(lambda: write_findings_files(view, self.out), "findings.csv and findings.jsonld")

    def paths(self, result: ScoreResult) -> list[Path]:
        """The files' paths once written (waiting for the child, if any)."""
        if self._child is not None:
            child, self._child = self._child, None
            return child.result()
        return write_findings_files(self._view or view_of(result), self.out)

    def stop(self) -> None:
        if self._child is not None:
            self._child.stop()
            self._child = None


def _key(view: FindingsView) -> str | None:
    """The store key of the two files: the findings' (tables and options) and the names and pages written."""
    if view.key is None:
        return None
    d = view.datasets
    named = json.dumps([d[c].astype(str).tolist() for c in ("key", "name", "page")], ensure_ascii=False)
    return hashlib.sha256(f"{view.key}\n{KIND}\n{named}".encode("utf-8", "surrogatepass")).hexdigest()


class _Miss(Exception):
    """The stored copy cannot be read, or is not the bytes it was made from."""


def _chunks(path: Path) -> Iterator[bytes]:
    """The decompressed bytes of a stored copy; _Miss when it cannot be read."""
    import pyarrow as pa

    try:
        with pa.OSFile(str(path), "rb") as raw, pa.CompressedInputStream(raw, "zstd") as src:
            while chunk := src.read(_CHUNK):
                yield chunk
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise _Miss(str(exc)) from exc


def _restore(folder: Path, key: str, out: Path) -> list[Path] | None:
    """Both files from the store into `out`, each checked against its recorded sha256; None on a miss
    (a file restored before the miss is written over afresh)."""
    try:
        doc = json.loads((folder / "files.json").read_text(encoding="utf-8"))
        wanted = {name: doc["files"][name] for name in NAMES} if doc.get("key") == key else None
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        wanted = None
    if wanted is None:
        shutil.rmtree(folder, ignore_errors=True)  # damaged: `_keep` puts a good copy back
        return None
    paths = []
    try:
        for name in NAMES:
            with atomic_open(out / name, "wb") as fh:
                sha = hashlib.sha256()
                for chunk in _chunks(folder / f"{name}.zst"):
                    sha.update(chunk)
                    fh.write(chunk)
                if sha.hexdigest() != wanted[name]:
                    raise _Miss(f"{folder / name}.zst is not the file it was made from")
            paths.append(out / name)
    except _Miss:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return paths


def _keep(folder: Path, key: str, out: Path) -> None:
    """Compressed copies of the two files just written in `out`, with their sha256, under `key`."""
    import pyarrow as pa

    if (folder / "files.json").is_file():
        return
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:12]}.", dir=folder.parent))
    except OSError:
        return
    try:
        files = {}
        for name in NAMES:
            sha = hashlib.sha256()
            with open(out / name, "rb") as src, pa.OSFile(str(tmp / f"{name}.zst"), "wb") as raw, \
                    pa.CompressedOutputStream(raw, "zstd") as dst:
                while chunk := src.read(_CHUNK):
                    sha.update(chunk)
                    dst.write(chunk)
            files[name] = sha.hexdigest()
        (tmp / "files.json").write_text(json.dumps({"key": key, "files": files}), encoding="utf-8")
        os.rename(tmp, folder)  # the copy appears whole or not at all
    except (OSError, ValueError, pa.ArrowException):  # derived: a store that cannot be written is no error
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
