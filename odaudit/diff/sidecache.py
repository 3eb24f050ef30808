"""Scored sides in the columnar store: what `diff` and `trend` computed for a snapshot (today's
findings, scored with one rubric), kept so that the next comparison involving that snapshot
neither re-checks nor re-scores it.

A side is a pure function of the sealed snapshot, today's rules, the row limit, whether its
findings were re-checked or reused, the rubric applied and odaudit's own code; the key is the hash
of all of these (`columnar.code_fingerprint`: any change to any odaudit source file is another key).
Stored under `<store>/sides/<key>/` (columnar.store_frames): one Parquet file per frame and
`frames.json` for the rest, written into a temporary folder and renamed into place. Anything missing or unreadable is a miss:
the side is computed as if the store did not exist. `--recheck` never reads it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

from .. import columnar
from ..checks import RULES_VERSION
from ..scoring.model import Node
from ..scoring.rubric import Rubric
from ..store import Snapshot
from .compare import Side

FRAMES = ("datasets", "memberships", "answers", "sources", "findings", "resources", "quality", "agencies")
INDEXED = ("answers", "sources")  # key-indexed frames
#: stands for the side's label in stored notes (the label is "old"/"new" in diff, "#3" in trend)
LABEL = "\x00side\x00"


def side_key(snap: Snapshot, rubric: Rubric, *, row_limit: int | None, reason_key: str,
             blocked_as_broken: bool = False) -> str | None:
    """The store key of `snap` scored by `rubric`, or None when it cannot be stored (no store,
    a snapshot whose manifest is not the one on disk)."""
    if columnar.cache_root() is None:
        return None
    sha = columnar.manifest_sha256(snap)
    if sha is None:
        return None
    doc = {"manifest": sha, "rules": RULES_VERSION, "row_limit": row_limit, "findings": reason_key,
           "blocked_as_broken": blocked_as_broken,
           "rubric": rubric.model_dump(mode="json"), "code": columnar.code_fingerprint()}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def load(key: str) -> tuple[dict[str, Any], list[str]] | None:
    """(Side fields but label, path, manifest and reason; notes with LABEL) or None."""
    folder = columnar.folder_of("sides", key)
    got = columnar.load_frames(folder, key, FRAMES) if folder is not None else None
    if got is None:
        return None
    frames, doc = got
    try:
        fields: dict[str, Any] = {name: frame.set_index("key") if name in INDEXED else frame for name, frame in frames.items()}
        fields["nodes"] = [Node(**{**n, "links": tuple(n["links"])}) for n in doc["nodes"]]
        fields["quality_adjusted"] = {k: int(v) for k, v in doc["quality_adjusted"].items()}
        fields["warnings"] = list(doc["warnings"])
        return fields, list(doc["notes"])
    except (ValueError, KeyError, TypeError):
        return None


def store(key: str, side: Side, notes: list[str]) -> None:
    """Keep `side` under `key`; a store that cannot be written is skipped (it is only a copy)."""
    folder = columnar.folder_of("sides", key)
    if folder is None:
        return
    frames = {name: getattr(side, name).reset_index() if name in INDEXED else getattr(side, name) for name in FRAMES}
    doc = {"nodes": [asdict(n) for n in side.nodes], "quality_adjusted": side.quality_adjusted,
           "warnings": side.warnings, "notes": notes}
    columnar.store_frames(folder, key, frames, doc)
