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

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import READABLE_SNAPSHOT_VERSIONS, SNAPSHOT_FORMAT, __version__
from ..atomic import atomic_open, atomic_write_json, sha256_file
from ..errors import SnapshotError
from ..model.bodies import BodyProblem, BodyStore, verify_bodies
from ..model.findings import Finding, read_findings, write_findings, write_findings_csv
from .journal import read_jsonl
from .layout import BODIES, CATALOG_COPY, DATASETS, FINDINGS, JOURNAL, MANIFEST, RECHECKS, RESOURCES
from .writer import file_hashes


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
        write_findings_csv(fh, findings)
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
