"""Scored sides in the columnar store: what `diff` and `trend` computed for a snapshot (today's
findings, scored with one rubric), kept so that the next comparison involving that snapshot
neither re-checks nor re-scores it.

A side is a pure function of the sealed snapshot, today's rules, the row limit, whether its
findings were re-checked or reused, the rubric applied and odaudit's own code; the key is the hash
of all of these (`columnar.code_fingerprint`: any change to any odaudit source file is another key).
Stored under `<store>/sides/<key>/`: one Parquet file per frame and `side.json` for the rest,
written into a temporary folder and renamed into place. Anything missing or unreadable is a miss:
the side is computed as if the store did not exist. `--recheck` never reads it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
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


def _folder(key: str) -> Path:
    root = columnar.cache_root()
    assert root is not None
    return root / "sides" / key[:2] / key


def load(key: str) -> tuple[dict[str, Any], list[str]] | None:
    """(Side fields but label, path, manifest and reason; notes with LABEL) or None."""
    folder = _folder(key)
    try:
        doc = json.loads((folder / "side.json").read_text(encoding="utf-8"))
        if doc.get("key") != key:
            return None
        fields: dict[str, Any] = {}
        for name in FRAMES:
            frame = columnar.read_frame(folder / f"{name}.parquet", {"key": key, "frame": name})
            if frame is None:
                return None
            fields[name] = frame.set_index("key") if name in INDEXED else frame
        fields["nodes"] = [Node(**{**n, "links": tuple(n["links"])}) for n in doc["nodes"]]
        fields["quality_adjusted"] = {k: int(v) for k, v in doc["quality_adjusted"].items()}
        fields["warnings"] = list(doc["warnings"])
        return fields, list(doc["notes"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(key: str, side: Side, notes: list[str]) -> None:
    """Keep `side` under `key`; a store that cannot be written is skipped (it is only a copy)."""
    folder = _folder(key)
    if (folder / "side.json").is_file():
        return
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:12]}.", dir=folder.parent))
    except OSError:
        return
    try:
        for name in FRAMES:
            frame = getattr(side, name)
            columnar.write_frame(tmp / f"{name}.parquet", frame.reset_index() if name in INDEXED else frame, {"key": key, "frame": name})
        doc = {"key": key, "nodes": [asdict(n) for n in side.nodes], "quality_adjusted": side.quality_adjusted,
               "warnings": side.warnings, "notes": notes}
        (tmp / "side.json").write_text(json.dumps(doc, ensure_ascii=False, default=str), encoding="utf-8")
        os.rename(tmp, folder)  # the folder appears whole or not at all
    except (OSError, ValueError, TypeError):
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
