"""JSON-lines files: the journal of a crawl in progress and the sorted record files of a snapshot.

Records are appended one line each and flushed as they are made; a torn last line (a process
killed mid-write) is skipped when read and cut off before the next append.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .. import nesting
from ..atomic import atomic_open
from ..errors import SnapshotError
from .bodies import remove_tree
from .layout import JOURNAL, JOURNAL_TRASH


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSON-lines file; a torn (incomplete) last line is skipped, not fatal."""
    for record, _size in jsonl_with_sizes(path):
        yield record


def jsonl_line(record: dict[str, Any]) -> str:
    # clip: json.dumps recurses per level, and a record nested ~1000 deep would end the crawl.
    return json.dumps(nesting.clip(record), ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def repair_torn_tail(path: Path) -> None:
    """Cut an incomplete last line left by a killed process, so appends start on a fresh line."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with open(path, "rb+") as fh:
        data = fh.read()
        if data.endswith(b"\n"):
            return
        cut = data.rfind(b"\n") + 1
        fh.truncate(cut)


def jsonl_with_sizes(path: Path) -> Iterator[tuple[dict[str, Any], int]]:
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
            fh.write(jsonl_line(r))


def write_records(path: Path, records: Iterable[dict[str, Any]]) -> None:
    with atomic_open(path, "w") as fh:
        for r in sorted(records, key=lambda r: r["key"]):
            fh.write(jsonl_line(r))


def drop_journal(out: Path) -> None:
    """Remove the journal of a finished crawl in one atomic step (a rename), then delete it.

    A process killed while deleting the journal in place could leave part of it (say the
    records without run.json), and the next run would take that for a crawl to redo.
    """
    trash = out / JOURNAL_TRASH
    if (out / JOURNAL).exists():
        remove_tree(trash)
        os.replace(out / JOURNAL, trash)
    remove_tree(trash)
