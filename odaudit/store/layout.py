"""The names of a snapshot's files (format version 1, docs/snapshot-format.md)."""

from __future__ import annotations

from ..model.bodies import BODIES

MANIFEST = "manifest.json"
DATASETS = "datasets.jsonl"
RESOURCES = "resources.jsonl"
FINDINGS = "findings.csv"
#: findings that `crawl --recheck` added, one folder per rules version (and row limit)
RECHECKS = "rechecks"
CATALOG_COPY = "catalog.yaml"
JOURNAL = "journal"
#: a crawl in progress: its options and the export's record (journal/run.json)
RUN_FILE = "run.json"
#: a finished crawl's journal is renamed to this, then deleted (journal.drop_journal)
JOURNAL_TRASH = ".journal.old"

__all__ = ["BODIES", "CATALOG_COPY", "DATASETS", "FINDINGS", "JOURNAL", "JOURNAL_TRASH", "MANIFEST", "RECHECKS",
           "RESOURCES", "RUN_FILE"]
