"""Writing a snapshot: the journal while a crawl runs, then the sorted files and the manifest.

A dataset's resource records are journaled before its dataset record, which acts as the commit
marker: on resume, datasets with a record are done, anything else is redone. `finalize` writes
the sorted files atomically from the journal and the manifest last, so a reader never sees a
half-written snapshot.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION, __version__
from ..atomic import atomic_write_json, sha256_file
from ..errors import IncompleteError, InputError, SnapshotError
from ..model.bodies import BodyProblem, BodyStore, body_relpath
from ..model.findings import Finding, write_findings_by_dataset
from .bodies import BodySink, StoreWriter, new_snapshot_id, open_shared
from .journal import jsonl_line, jsonl_with_sizes, read_jsonl, repair_torn_tail, write_sorted_records
from .layout import BODIES, CATALOG_COPY, DATASETS, FINDINGS, JOURNAL, MANIFEST, RESOURCES, RUN_FILE


@dataclass
class SnapshotWriter:
    """Writes (or resumes) a snapshot directory."""

    root: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    #: where bodies go: the snapshot's own bodies/ unless the crawl chose a shared store
    bodies: StoreWriter | None = None

    def __post_init__(self) -> None:
        if self.bodies is None:
            self.bodies = StoreWriter.own(self.root)
        try:
            (self.root / JOURNAL).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IncompleteError(f"{self.root}: cannot create the snapshot directory ({exc.strerror})") from None
        self._handles: dict[str, io.TextIOWrapper] = {}

    # -- resume -----------------------------------------------------------
    def journaled(self, name: str) -> dict[str, dict[str, Any]]:
        """Last journaled record per key (a redone item overrides an earlier attempt)."""
        out: dict[str, dict[str, Any]] = {}
        for rec in read_jsonl(self.root / JOURNAL / f"{name}.jsonl"):
            out[rec["key"]] = rec
        return out

    def index(self, name: str, pick: Callable[[dict[str, Any]], Any] | None = None) -> dict[str, tuple[int, Any]]:
        """Per key, where its last journaled record starts and `pick(record)`: what `journaled`
        says, without holding every record in memory (a whole-portal crawl has tens of thousands)."""
        path = self.root / JOURNAL / f"{name}.jsonl"
        out: dict[str, tuple[int, Any]] = {}
        offset = 0
        for rec, size in jsonl_with_sizes(path):
            out[rec["key"]] = (offset, pick(rec) if pick else None)
            offset += size
        return out

    def records(self, name: str, index: dict[str, tuple[int, Any]]) -> Iterator[dict[str, Any]]:
        """The records of `index` (see `index`), read back one at a time in key order."""
        if not index:  # nothing journaled: the file may not exist
            return
        with open(self.root / JOURNAL / f"{name}.jsonl", "rb") as fh:
            for key in sorted(index):
                fh.seek(index[key][0])
                yield json.loads(fh.readline())

    def new_body(self) -> BodySink:
        assert self.bodies is not None
        return self.bodies.new_sink()

    def has_body(self, rel: str | None, sha256: str | None = None) -> bool:
        """Whether body `rel` is in the store, whole and unaltered (worth a conditional request)."""
        assert self.bodies is not None
        return bool(rel) and self.bodies.store.has(rel, sha256)

    def adopt_body(self, source: Path, sha256: str) -> str:
        """File a body another snapshot holds (a --since cache) under its hash: a hard link where
        the file system allows (no copy, and the other snapshot stays as it was), else a copy.
        Goes through the store writer, so a shared store records it. Returns its relative path."""
        assert self.bodies is not None
        rel = body_relpath(sha256)
        if self.bodies.store.has(rel, sha256):
            return rel
        self.bodies.tmp.mkdir(parents=True, exist_ok=True)
        tmp = self.bodies.tmp / f"{sha256}.{threading.get_ident()}.adopt"  # one per crawl thread
        tmp.unlink(missing_ok=True)
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copyfile(source, tmp)
        self.bodies.file(tmp, sha256)
        return rel

    # -- journal ------------------------------------------------------------
    def _append(self, name: str, records: Iterable[dict[str, Any]]) -> None:
        fh = self._handles.get(name)
        if fh is None:
            path = self.root / JOURNAL / f"{name}.jsonl"
            repair_torn_tail(path)
            fh = self._handles[name] = open(path, "a", encoding="utf-8", newline="")
        try:
            for r in records:
                fh.write(jsonl_line(r))
            fh.flush()
        except OSError as exc:
            raise IncompleteError(f"{fh.name}: cannot write ({exc.strerror}); rerun the same command to resume") from None

    def add_resources(self, records: Iterable[dict[str, Any]]) -> None:
        self._append("resources", records)

    def add_dataset(self, record: dict[str, Any]) -> None:
        """Journal a finished dataset; call after its resources (this is the commit marker)."""
        self._append("datasets", [record])

    def add_findings(self, dataset_key: str, findings: list[Finding]) -> None:
        self._append("findings", [{"key": dataset_key, "findings": [f.as_row() for f in findings]}])

    def close(self) -> None:
        for fh in self._handles.values():
            fh.close()
        self._handles.clear()

    # -- finalize -----------------------------------------------------------
    def finalize(self, *, complete: bool, extra: dict[str, Any]) -> dict[str, Any]:
        """Write sorted record files and the manifest from the journal; returns the manifest.

        Records are streamed from the journal in key order (only keys and offsets are held),
        so memory does not grow with the size of the snapshot."""
        self.close()
        datasets = self.index("datasets")
        resources = {k: v for k, v in self.index("resources", lambda r: (r["dataset_key"], bool(r.get("body")))).items()
                     if v[1][0] in datasets}
        findings_by_ds = {k: v for k, v in self.index("findings").items() if k in datasets}
        write_sorted_records(self.root / DATASETS, self.records("datasets", datasets))
        write_sorted_records(self.root / RESOURCES, self.records("resources", resources))
        n_findings = write_findings_by_dataset(self.root / FINDINGS, self.records("findings", findings_by_ds))
        manifest = dict(self.manifest)
        manifest.update(extra)
        manifest["status"] = "complete" if complete else "partial"
        manifest["counts"] = {
            **manifest.get("counts", {}),
            "datasets": len(datasets),
            "resources": len(resources),
            "findings": n_findings,
            "bodies": sum(1 for _, (_, has_body) in resources.values() if has_body),
        }
        manifest["files"] = file_hashes(self.root)
        atomic_write_json(self.root / MANIFEST, manifest)
        return manifest


def file_hashes(root: Path) -> dict[str, str]:
    return {name: sha256_file(root / name) for name in (CATALOG_COPY, DATASETS, RESOURCES, FINDINGS) if (root / name).exists()}


def new_manifest(*, portal: str, catalog_name: str, catalog_sha256: str, options: dict[str, Any], started_at: str) -> dict[str, Any]:
    return {
        "format": SNAPSHOT_FORMAT,
        "format_version": SNAPSHOT_FORMAT_VERSION,
        "tool": "odaudit",
        "tool_version": __version__,
        "portal": portal,
        "catalog": {"name": catalog_name, "file": CATALOG_COPY, "sha256": catalog_sha256},
        "options": options,
        "started_at": started_at,
    }


# ---------------------------------------------------------------------------
# Reading




def open_body_store(out: Path, run: dict[str, Any], resumed: bool, shared: Path | None) -> StoreWriter:
    """A crawl's body store: OUT/bodies, or the shared store `shared` (`crawl --bodies`). A
    snapshot keeps the store it was started with: resuming or re-crawling it with another is
    refused. A new shared-store snapshot gets its id, recorded in the journal's run.json."""
    manifest = run["manifest"]
    if resumed:
        recorded, bound = manifest.get("bodies"), True
    elif (out / MANIFEST).exists():
        recorded, bound = json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("bodies"), True
    else:
        recorded, bound = None, False
    if recorded is not None and not (isinstance(recorded, dict) and isinstance(recorded.get("store"), str)
                                     and isinstance(recorded.get("id"), str)):
        raise SnapshotError(f"{out}: its manifest's \"bodies\" is not {{\"store\": path, \"id\": snapshot id}}")
    if bound:
        where = out / BODIES if recorded is None else Path(os.path.join(out, recorded["store"]))
        same = (recorded is None) == (shared is None) and (
            shared is None or os.path.realpath(where) == os.path.realpath(shared))
        if not same:
            how = "without --bodies" if recorded is None else f"with --bodies {where}"
            raise InputError(f"{out}: this snapshot keeps its bodies in {where}; rerun {how}")
    if shared is None:
        return StoreWriter.own(out)
    root = open_shared(shared)
    spec = {"store": _relative(root, out), "id": recorded["id"] if recorded else new_snapshot_id()}
    if manifest.get("bodies") != spec:
        manifest["bodies"] = spec
        atomic_write_json(out / JOURNAL / RUN_FILE, run)
    return StoreWriter(root, snapshot_id=spec["id"], snapshot=Path(os.path.realpath(out)))


def _relative(path: Path, start: Path) -> str:
    """`path` relative to `start` when it can be (a snapshot moved with its store still finds it)."""
    try:
        return os.path.relpath(path, os.path.realpath(start))
    except ValueError:  # another drive (Windows)
        return str(path)


def collect_garbage(out: Path, export: dict[str, Any] | None, bodies: StoreWriter) -> list[str]:
    """Drop bodies nothing refers to any more (left by a re-crawl or an aborted fetch). With a
    shared store, this snapshot's refs are written first and only bodies no snapshot of the store
    refers to go. Never follows a link, never deletes outside the store (see bodies.collect).
    Returns the warnings (links left alone, refs of snapshots that are gone)."""
    rels = [r.get("body") for r in read_jsonl(out / RESOURCES)]
    rels.append((export or {}).get("body"))
    keep = set()
    for rel in rels:
        if rel:
            try:
                keep.add(BodyStore.name_of(rel))
            except BodyProblem:
                pass  # not a body name: there is no file of ours to keep
    return bodies.finish(keep, out)
