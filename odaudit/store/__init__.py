"""The snapshot store: one directory per crawl, archived and re-read for years (docs/snapshot-format.md).

    from odaudit.store import Snapshot, SnapshotWriter
    snap = Snapshot.open("snapshots/2026")          # verified against its manifest
    snap.datasets(), snap.resources(), snap.findings(), snap.body_store()

Modules: `layout` (file names), `journal` (JSON lines, the crawl's journal), `writer` (journal,
finalisation, the manifest), `snapshot` (reading, verification, recheck sets), `bodies`
(content-addressed bodies, verified reads, garbage collection, shared stores), `folders`
(locks and report folders that are replaced whole).
"""

from __future__ import annotations

from ..model.bodies import BodyProblem, BodyStore, body_relpath, problems_message, verify_bodies
from ..model.findings import read_findings, write_findings
from .bodies import BodySink, StoreWriter
from .journal import drop_journal, read_jsonl, write_records, write_sorted_records
from .layout import (
    BODIES,
    CATALOG_COPY,
    DATASETS,
    FINDINGS,
    JOURNAL,
    JOURNAL_TRASH,
    MANIFEST,
    RECHECKS,
    RESOURCES,
    RUN_FILE,
)
from .snapshot import FindingsSet, Snapshot, add_recheck, rewrite_findings
from .writer import SnapshotWriter, collect_garbage, file_hashes, new_manifest, open_body_store

__all__ = [
    "BODIES", "CATALOG_COPY", "DATASETS", "FINDINGS", "JOURNAL", "JOURNAL_TRASH", "MANIFEST", "RECHECKS", "RESOURCES",
    "RUN_FILE", "BodyProblem", "BodySink", "BodyStore", "FindingsSet", "Snapshot", "SnapshotWriter", "StoreWriter",
    "add_recheck", "body_relpath", "problems_message", "collect_garbage", "drop_journal", "file_hashes", "new_manifest", "open_body_store", "read_jsonl", "rewrite_findings",
    "read_findings", "verify_bodies", "write_findings", "write_records", "write_sorted_records",
]
