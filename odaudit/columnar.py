"""The columnar store: a derived Parquet copy of a snapshot's tables, read instead of re-parsing
its JSON lines and CSV every time `score`, `diff` or `trend` looks at it.

* **Derived and rebuildable.** The archived `datasets.jsonl`, `resources.jsonl` and findings CSV stay
  the record; a Parquet file is only ever made from them (by the very function that otherwise
  builds the frame: see `cached`) and can be deleted at any time.
* **Outside the snapshot.** A finished snapshot is an archive, and its folder is never written to:
  the files live in a cache folder, `$ODAUDIT_CACHE_DIR`, else `$XDG_CACHE_HOME/odaudit`, else
  `~/.cache/odaudit`, under `columnar/<key>/`. `ODAUDIT_CACHE_DIR=off` turns the store off.
* **Verified.** The key is the sha256 of the snapshot's manifest.json (which seals every file),
  the source file's sealed hash and the code (`code_fingerprint`: every odaudit source file,
  pandas' and pyarrow's versions). Each Parquet file also records the source file's size and
  mtime: a file changed behind the manifest's back (a snapshot opened without verification) is
  read afresh, never answered from the cache. A file that is missing, unreadable or of another
  key is rebuilt; a cache that cannot be written (read-only, disk full) is skipped silently.
* **What else it keeps**, by the same rules (`sealed_key`, `store_frames`): what is computed from a
  snapshot alone, whatever the rubric (`measured/`: scoring/measured.py; `findings-files/`:
  report/findings_files.py), and the sides diff and trend scored (`sides/`: diff/sidecache.py).
* Only snapshots whose manifest is the one on disk are cached (not a snapshot opened with an in-memory manifest
  such as a re-check describes), and only files the manifest seals.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .store import MANIFEST, Snapshot

ENV = "ODAUDIT_CACHE_DIR"
LAYOUT_VERSION = "1"
_META = b"odaudit"

Builder = Callable[[Snapshot], pd.DataFrame]


def cache_root() -> Path | None:
    """The cache folder, or None when the store is off."""
    env = os.environ.get(ENV)
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "no") else Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "odaudit"


@functools.cache
def code_fingerprint() -> str:
    """Hash of every odaudit source file and of pandas' and pyarrow's versions: a stored result
    that any code could change (a scored side) is keyed by it, so a changed odaudit never reads
    what another one computed."""
    import pyarrow

    h = hashlib.sha256(LAYOUT_VERSION.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    h.update(f"{pd.__version__} {pyarrow.__version__}".encode())
    return h.hexdigest()


def manifest_sha256(snap: Snapshot) -> str | None:
    """sha256 of the snapshot's manifest.json when `snap.manifest` is what is on disk (not an
    in-memory overlay, nor a manifest rewritten since it was read), else None."""
    try:
        raw = (snap.root / MANIFEST).read_bytes()
        on_disk = json.loads(raw)
    except (OSError, ValueError):
        return None
    return hashlib.sha256(raw).hexdigest() if on_disk == snap.manifest else None


def _sealed(snap: Snapshot, rel: str) -> tuple[str, str] | None:
    """(manifest sha256, sealed hash of `rel`) when `snap` is a sealed snapshot on disk covering `rel`."""
    sha = manifest_sha256(snap)
    digest = (snap.manifest.get("files") or {}).get(rel)
    return (sha, digest) if sha is not None and isinstance(digest, str) else None


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def read_frame(path: Path, meta: dict[str, Any]) -> pd.DataFrame | None:
    """The frame stored at `path` if its metadata is `meta`, else None (missing, unreadable, another key)."""
    import pyarrow.parquet as pq

    try:
        stored = pq.read_schema(path).metadata or {}
        if json.loads(stored.get(_META, b"{}")) != meta:
            return None
        dtypes = json.loads(stored[_META + b".dtypes"])
        # object columns are read dictionary-encoded and expanded by index (one Python string per
        # distinct value); pandas' own string columns go straight into Arrow memory
        wanted = [c for c, d in dtypes.items() if d in ("object", "category")]
        categories = json.loads(stored.get(_META + b".categories", b"{}"))
        return _to_frame(pq.read_table(path, read_dictionary=wanted), dtypes, categories)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _to_frame(table: Any, dtypes: dict[str, str], categories: dict[str, str]) -> pd.DataFrame:
    """The frame as the builder returned it, dtype for dtype (a categorical's categories too:
    `categories`). Dictionary-encoded strings are expanded by index (the values repeat: dataset
    keys, check ids, evidence texts)."""
    import pyarrow as pa

    cols: dict[str, Any] = {}
    table = table.unify_dictionaries()  # one dictionary per column, whatever the row groups held
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        want = dtypes[name]
        if pa.types.is_dictionary(col.type):
            values = col.dictionary.to_numpy(zero_copy_only=False).astype(object)
            if want == "category" and len(set(values.tolist())) == len(values):
                # codes and categories as stored (a null is code -1): no string per row, ever
                codes = col.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype("int32")
                cats = pd.Index(values, dtype=categories.get(name, "object"))
                cols[name] = pd.Series(pd.Categorical.from_codes(codes, categories=cats))
                continue
            codes = col.indices.to_numpy(zero_copy_only=False)
            arr = values[codes] if len(values) else np.array([], dtype=object)
            cols[name] = pd.Series(arr, dtype=object) if want == "object" else pd.Series(arr, dtype=want)
        else:
            cols[name] = col.to_pandas().astype(want) if want != "category" else col.to_pandas().astype("category")
    return pd.DataFrame(cols, columns=list(dtypes))


def write_frame(path: Path, frame: pd.DataFrame, meta: dict[str, Any]) -> None:
    """Store `frame` at `path` (atomically) with `meta`; raises OSError and the like."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    dtypes = {c: str(frame[c].dtype) for c in frame.columns}
    categories = {c: str(frame[c].cat.categories.dtype) for c in frame.columns if dtypes[c] == "category"}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _META: json.dumps(meta).encode(),
                                           _META + b".dtypes": json.dumps(dtypes).encode(),
                                           _META + b".categories": json.dumps(categories).encode()})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def sealed_key(snap: Snapshot, rels: Iterable[str], *parts: str) -> str | None:
    """A store key for what is computed from the snapshot files `rels` alone (and `parts`, the
    options it also depends on), or None when it cannot be stored: no store, a manifest that is not
    the one on disk, a file the manifest does not seal. Like the tables' keys it takes in each file's
    sealed hash, size and mtime and odaudit's code (`code_fingerprint`)."""
    if cache_root() is None:
        return None
    sha = manifest_sha256(snap)
    if sha is None:
        return None
    h = hashlib.sha256(f"{sha}\n{code_fingerprint()}".encode())
    for rel in rels:
        digest = (snap.manifest.get("files") or {}).get(rel)
        try:
            stamp = _stamp(snap.root / rel)
        except OSError:
            return None
        if not isinstance(digest, str):
            return None
        h.update(f"\n{rel}\0{digest}\0{stamp}".encode())
    for part in parts:
        h.update(f"\n\0{part}".encode())
    return h.hexdigest()


def folder_of(kind: str, key: str) -> Path | None:
    """Where the frames stored under `key` live (`<store>/<kind>/<key>/`); None when the store is off."""
    root = cache_root()
    return None if root is None else root / kind / key[:2] / key


def load_frames(folder: Path, key: str, names: Iterable[str]) -> tuple[dict[str, pd.DataFrame], dict[str, Any]] | None:
    """The frames `store_frames` kept in `folder` under `key`, and its document; None for anything
    missing, unreadable or of another key (a miss: the caller computes them, and a damaged folder
    is removed so that `store_frames` can put them back)."""
    try:
        doc = json.loads((folder / "frames.json").read_text(encoding="utf-8"))
        if isinstance(doc, dict) and doc.get("key") == key:
            frames = {name: read_frame(folder / f"{name}.parquet", {"key": key, "frame": name}) for name in names}
            if all(frame is not None for frame in frames.values()):
                return {name: frame for name, frame in frames.items() if frame is not None}, doc
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        pass
    shutil.rmtree(folder, ignore_errors=True)
    return None


def store_frames(folder: Path, key: str, frames: dict[str, pd.DataFrame], doc: dict[str, Any]) -> None:
    """Keep `frames` (each with a plain RangeIndex: reset any other first) and the JSON document
    `doc` in `folder` under `key`. Written into a temporary folder and renamed into place, so the
    folder appears whole or not at all; a store that cannot be written is skipped (it is only a copy)."""
    if (folder / "frames.json").is_file():
        return
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:12]}.", dir=folder.parent))
    except OSError:
        return
    try:
        for name, frame in frames.items():
            write_frame(tmp / f"{name}.parquet", frame, {"key": key, "frame": name})
        (tmp / "frames.json").write_text(json.dumps({**doc, "key": key}, ensure_ascii=False, default=str), encoding="utf-8")
        os.rename(tmp, folder)
    except (OSError, ValueError, TypeError):
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _location(root: Path, manifest_sha256: str, table: str, rel: str, layout: str) -> Path:
    key = hashlib.sha256(f"{manifest_sha256}\n{rel}\n{layout}".encode()).hexdigest()
    return root / "columnar" / key[:2] / key / f"{table}.parquet"


def cached(table: str, source: Callable[[Snapshot], str]) -> Callable[[Builder], Builder]:
    """Decorate a table builder `f(snapshot) -> DataFrame` so its frame comes from the store.

    `source(snapshot)` names the archived file (relative to the snapshot) the frame is made from."""
    def wrap(build: Builder) -> Builder:
        @functools.wraps(build)
        def frame(snap: Snapshot) -> pd.DataFrame:
            root = cache_root()
            rel = source(snap)
            sealed = _sealed(snap, rel) if root is not None else None
            if root is None or sealed is None or not (snap.root / rel).is_file():
                return build(snap)
            layout = code_fingerprint()
            path = _location(root, sealed[0], table, rel, layout)
            meta = {"table": table, "source": rel, "source_sha256": sealed[1], "stamp": _stamp(snap.root / rel), "layout": layout}
            got = read_frame(path, meta) if path.is_file() else None
            if got is not None:
                return got
            df = build(snap)
            try:
                write_frame(path, df, meta)
            except (OSError, ValueError, TypeError):  # derived: a cache that cannot be written is no error
                pass
            return df
        return frame
    return wrap
