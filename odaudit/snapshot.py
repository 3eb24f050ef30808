"""The snapshot: one directory per crawl, archived and re-read for years.

Layout (format version 1, documented in docs/snapshot-format.md):

    manifest.json        format, versions, portal, catalog hash, options, times, counts, status, file hashes
    catalog.yaml         the catalog the crawl used, byte for byte
    datasets.jsonl       one dataset record per line, sorted by key
    resources.jsonl      one resource record per line, sorted by key
    findings.csv         check findings, one row per dataset x resource x check, sorted
    bodies/ab/<sha256>   raw (decoded) response bodies, content-addressed (or in a shared
                         store that the manifest's "bodies" names; see bodies.py)
    journal/             append-only logs of a crawl in progress (resume reads them)

While a crawl runs, records are appended to the journal, one JSON line each, flushed as they
are made. A dataset's resource records are written before its dataset record, which acts as
the commit marker: on resume, datasets with a record are done, anything else is redone, and a
torn last line (kill -9 mid-write) is ignored. `finalize` then writes the sorted files
atomically and the manifest last, so a reader never sees a half-written snapshot.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import READABLE_SNAPSHOT_VERSIONS, SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION, __version__, nesting
from .atomic import atomic_open, atomic_write_json, sha256_file
# BODIES, BodySink and body_relpath are re-exported: the body store lives in bodies.py.
from .bodies import BODIES, BodyProblem, BodySink, BodyStore, StoreWriter, body_relpath, verify_bodies  # noqa: F401
from .errors import IncompleteError, SnapshotError
from .model.findings import FINDING_COLUMNS, Finding, sort_findings

MANIFEST = "manifest.json"
DATASETS = "datasets.jsonl"
RESOURCES = "resources.jsonl"
FINDINGS = "findings.csv"
#: findings that `crawl --recheck` added, one folder per rules version (and row limit)
RECHECKS = "rechecks"
CATALOG_COPY = "catalog.yaml"
JOURNAL = "journal"


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSON-lines file; a torn (incomplete) last line is skipped, not fatal."""
    for record, _size in _jsonl_with_sizes(path):
        yield record


def _jsonl_line(record: dict[str, Any]) -> str:
    # clip: json.dumps recurses per level, and a record nested ~1000 deep would end the crawl.
    return json.dumps(nesting.clip(record), ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


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
        for rec, size in _jsonl_with_sizes(path):
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
            _repair_torn_tail(path)
            fh = self._handles[name] = open(path, "a", encoding="utf-8", newline="")
        try:
            for r in records:
                fh.write(_jsonl_line(r))
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


def _repair_torn_tail(path: Path) -> None:
    """Cut an incomplete last line left by a killed process, so appends start on a fresh line."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb+") as fh:
        data = fh.read()
        if data.endswith(b"\n"):
            return
        cut = data.rfind(b"\n") + 1
        fh.truncate(cut)


def _jsonl_with_sizes(path: Path) -> Iterator[tuple[dict[str, Any], int]]:
    """(record, line length in bytes) of a JSON-lines file, as `read_jsonl` reads it."""
    if not path.exists():
        return
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.endswith(b"\n"):
                return  # torn write from an interrupted run
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise SnapshotError(f"{path}:{lineno}: not a JSON record ({exc.msg})") from None
            except RecursionError:  # only an older odaudit wrote records this deep (see nesting.clip)
                raise SnapshotError(f"{path}:{lineno}: a record nested too deep to read") from None
            yield record, len(raw)


def write_sorted_records(path: Path, records: Iterable[dict[str, Any]]) -> None:
    """Records already in key order (as `SnapshotWriter.records` gives them), one per line."""
    with atomic_open(path, "w") as fh:
        for r in records:
            fh.write(_jsonl_line(r))


def write_findings_by_dataset(path: Path, journal_records: Iterable[dict[str, Any]]) -> int:
    """findings.csv from findings journal records in dataset-key order; returns the row count.

    Sorting each dataset's findings and taking the datasets in key order gives the order of
    `sort_findings` over all of them (its first key is the dataset), one dataset in memory."""
    n = 0
    with atomic_open(path, "w") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(FINDING_COLUMNS)
        for rec in journal_records:
            for f in sort_findings([Finding.from_row(row) for row in rec["findings"]]):
                w.writerow(f.as_row_list())
                n += 1
    return n


def write_records(path: Path, records: Iterable[dict[str, Any]]) -> None:
    with atomic_open(path, "w") as fh:
        for r in sorted(records, key=lambda r: r["key"]):
            fh.write(_jsonl_line(r))


def write_findings(path: Path, findings: list[Finding]) -> None:
    with atomic_open(path, "w") as fh:
        _write_findings_csv(fh, findings)


def _write_findings_csv(fh: Any, findings: list[Finding]) -> None:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(FINDING_COLUMNS)
    for f in sort_findings(findings):
        w.writerow(f.as_row_list())


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


@dataclass(frozen=True)
class FindingsSet:
    """One findings table of a snapshot and the rules that made it."""

    #: path relative to the snapshot root
    file: str
    rules_version: str
    row_limit: int | None


@dataclass
class Snapshot:
    """A finished (complete or partial) snapshot, verified against its manifest."""

    root: Path
    manifest: dict[str, Any]

    @classmethod
    def open(cls, root: str | os.PathLike[str], *, allow_partial: bool = True, verify: bool = True) -> Snapshot:
        root = Path(root)
        mpath = root / MANIFEST
        if not root.is_dir():
            raise SnapshotError(f"{root}: no such snapshot directory")
        if not mpath.exists():
            hint = " (a crawl in progress or interrupted: rerun the crawl to finish it)" if (root / JOURNAL).exists() else ""
            raise SnapshotError(f"{mpath}: missing; not an odaudit snapshot{hint}")
        try:
            manifest = json.loads(mpath.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SnapshotError(f"{mpath}: not valid JSON ({exc})") from None
        except OSError as exc:
            raise SnapshotError(f"{mpath}: cannot read ({exc.strerror})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != SNAPSHOT_FORMAT:
            raise SnapshotError(f"{mpath}: not an odaudit snapshot manifest")
        version = manifest.get("format_version")
        if version not in READABLE_SNAPSHOT_VERSIONS:
            raise SnapshotError(
                f"{mpath}: snapshot format version {version!r} is not readable by odaudit {__version__} "
                f"(reads {', '.join(map(str, READABLE_SNAPSHOT_VERSIONS))})"
            )
        if manifest.get("status") != "complete" and not allow_partial:
            raise SnapshotError(f"{root}: snapshot is {manifest.get('status', 'unfinished')}; pass --allow-partial to use it anyway")
        snap = cls(root, manifest)
        if verify:
            snap.verify()
        return snap

    def verify(self) -> None:
        """Every file the manifest covers must exist with the recorded sha256."""
        files = self.manifest.get("files", {})
        if not isinstance(files, dict):
            raise SnapshotError(f"{self.root / MANIFEST}: \"files\" is a {type(files).__name__}, not a mapping of file to sha256")
        for name, digest in sorted(files.items()):
            path = self.root / name
            if not path.is_file():
                what = "not a regular file" if path.exists() else "missing"
                raise SnapshotError(f"{path}: {what} (listed in manifest.json)")
            try:
                actual = sha256_file(path)
            except OSError as exc:
                raise SnapshotError(f"{path}: cannot read ({exc.strerror})") from None
            if actual != digest:
                raise SnapshotError(f"{path}: changed since the crawl (sha256 differs from manifest.json)")

    @property
    def complete(self) -> bool:
        return self.manifest.get("status") == "complete"

    def datasets(self) -> list[dict[str, Any]]:
        return list(read_jsonl(self.root / DATASETS))

    def resources(self) -> list[dict[str, Any]]:
        return list(read_jsonl(self.root / RESOURCES))

    def resources_by_dataset(self) -> dict[str, list[dict[str, Any]]]:
        """Resource records grouped by dataset key, each list in declared order."""
        by_ds: dict[str, list[dict[str, Any]]] = {}
        for r in self.resources():
            by_ds.setdefault(r["dataset_key"], []).append(r)
        for records in by_ds.values():
            records.sort(key=lambda r: r["index"])
        return by_ds

    def findings_sets(self) -> list[FindingsSet]:
        """The crawl's own findings, then those each `crawl --recheck` added, in the order made."""
        m = self.manifest
        # A snapshot rechecked by odaudit before 0.2 had its findings.csv rewritten in place and
        # `recheck_row_limit` recorded; its findings.csv is then what that recheck made.
        limit = m["recheck_row_limit"] if "recheck_row_limit" in m else (m.get("options") or {}).get("row_limit")
        sets = [FindingsSet(FINDINGS, str(m.get("rules_version") or ""), limit)]
        for r in m.get("rechecks") or []:
            if isinstance(r, dict) and isinstance(r.get("file"), str):
                sets.append(FindingsSet(r["file"], str(r.get("rules_version") or ""), r.get("row_limit")))
        return sets

    def current_findings(self) -> FindingsSet:
        """The findings readers use: those of the newest rules applied to this snapshot."""
        return self.findings_sets()[-1]

    def findings_path(self) -> Path:
        return self.root / self.current_findings().file

    def findings(self) -> list[Finding]:
        return read_findings(self.findings_path())

    def body_store(self) -> BodyStore:
        """Where this snapshot's bodies are: its own bodies/, or the shared store its manifest names
        (`bodies.store`, relative to the snapshot unless absolute)."""
        spec = self.manifest.get("bodies")
        if spec is None:
            return BodyStore(self.root / BODIES)
        if not isinstance(spec, dict) or not isinstance(spec.get("store"), str) or not spec["store"]:
            raise SnapshotError(f"{self.root / MANIFEST}: \"bodies\" is not {{\"store\": path, \"id\": snapshot id}}")
        return BodyStore(Path(os.path.join(self.root, spec["store"])))

    def body_path(self, rel: str | None, sha256: str | None = None) -> Path | None:
        """The verified file of body `rel` (None when no body was stored); SnapshotError when it is
        missing, altered or not a plain file of the store (see bodies.BodyStore.path)."""
        if not rel:
            return None
        try:
            return self.body_store().path(rel, sha256)
        except BodyProblem as p:
            raise SnapshotError(f"{self.root}: {p}") from None

    def body_problems(self, on_progress: Callable[[int, int], None] | None = None) -> list[tuple[str, BodyProblem]]:
        """(resource key, problem) for every resource whose stored body cannot be used; each body
        is read and hashed once."""
        return verify_bodies(self.body_store(), read_jsonl(self.root / RESOURCES), on_progress)

    def crawl_time(self) -> str:
        return self.manifest.get("started_at", "")

    def catalog_path(self) -> Path:
        return self.root / CATALOG_COPY


def read_findings(path: Path) -> list[Finding]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != list(FINDING_COLUMNS):
            raise SnapshotError(f"{path}:1: unexpected findings header {header}")
        out = []
        for lineno, row in enumerate(reader, 2):
            if len(row) != len(FINDING_COLUMNS):
                raise SnapshotError(f"{path}:{lineno}: expected {len(FINDING_COLUMNS)} columns, found {len(row)}")
            out.append(Finding(*row))
        return out


def rewrite_findings(snap: Snapshot, findings: list[Finding], manifest_update: dict[str, Any]) -> None:
    """Replace a snapshot's findings.csv and re-seal its manifest. No odaudit command does this
    (a finished snapshot is an archive: `add_recheck` adds findings beside the old ones); tools
    and tests use it to make snapshots as older odaudit versions left them."""
    write_findings(snap.root / FINDINGS, findings)
    manifest = dict(snap.manifest)
    manifest.update(manifest_update)
    manifest.setdefault("counts", {})["findings"] = len(findings)
    manifest["files"] = file_hashes(snap.root)
    atomic_write_json(snap.root / MANIFEST, manifest)
    snap.manifest = manifest


def add_recheck(snap: Snapshot, findings: list[Finding], *, rules_version: str, row_limit: int | None,
                extra: dict[str, Any] | None = None) -> tuple[FindingsSet, bool]:
    """Keep the findings of a recheck beside the snapshot's earlier ones, never over them.

    Returns the findings set readers now use and whether that changed. Findings equal to the
    current ones change nothing; equal to an earlier set's (same rules and row limit), that set
    becomes current again; otherwise they are a new file, never written over another. `extra`
    is recorded with the entry (the check limits it ran under). Only the manifest is rewritten
    (atomically), to list and seal the file; every recorded file stays byte for byte as it was.
    """
    tmp = snap.root / ".recheck.tmp"
    with atomic_open(tmp, "w") as fh:  # the table as it would be written, to compare
        _write_findings_csv(fh, findings)
    try:
        digest = sha256_file(tmp)
        files = dict(snap.manifest.get("files") or {})
        same = [s for s in snap.findings_sets()
                if s.rules_version == rules_version and s.row_limit == row_limit and files.get(s.file) == digest]
        if same and same[-1] == snap.current_findings():
            return same[-1], False
        if same:
            rel = same[-1].file
        else:
            name = "".join(c if c.isalnum() or c in ".-_" else "_" for c in rules_version) or "unknown"
            base = f"{RECHECKS}/{name}{'' if row_limit is None else f'-rows{row_limit}'}"
            rel = next(f"{base}{'' if n == 1 else f'-{n}'}/{FINDINGS}" for n in range(1, 10**6)
                       if not (snap.root / f"{base}{'' if n == 1 else f'-{n}'}").exists())
            (snap.root / rel).parent.mkdir(parents=True)
            os.replace(tmp, snap.root / rel)
    finally:
        tmp.unlink(missing_ok=True)
    manifest = dict(snap.manifest)
    entries = [r for r in manifest.get("rechecks") or [] if not (isinstance(r, dict) and r.get("file") == rel)]
    entries.append({"file": rel, "rules_version": rules_version, "row_limit": row_limit, "findings": len(findings), **(extra or {})})
    manifest["rechecks"] = entries
    manifest["files"] = {**files, rel: digest}
    atomic_write_json(snap.root / MANIFEST, manifest)
    snap.manifest = manifest
    return FindingsSet(rel, rules_version, row_limit), True
