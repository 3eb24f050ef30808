"""Today's findings of a snapshot, computed in memory (the snapshot itself is never rewritten).

`diff` compares two snapshots by the same rules: each side's findings must be what today's
`run_checks` says about its stored records and bodies. Two ways to get them:

* **re-check**: run `run_checks` over every dataset record with its resource records, the
  snapshot's bodies and the snapshot's own crawl time (the reference time of freshness), exactly as
  `crawl --recheck` does, and write the findings to a private overlay directory (the snapshot's
  records are linked there, so scoring reads them unchanged);
* **reuse**: when the snapshot's manifest says its findings were produced by today's
  `RULES_VERSION` (with the same row limit), the stored `findings.csv` *is* today's rules' output
  (`run_checks` is deterministic: no clock, no network), so re-running it would give the same rows.

Large snapshots are re-checked by a process pool. Records are read as raw lines in the parent,
grouped by dataset, and parsed and checked in the workers (fork start method: the workers inherit
the lines instead of receiving pickles); each worker returns its chunk's findings as CSV text, sorted
like `findings.csv`. Without fork (or for small snapshots) the same code runs in-process.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import multiprocessing
import os
import re
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..checks import RULES_VERSION, run_checks
from ..errors import SnapshotError
from ..findings import FINDING_COLUMNS, sort_findings
from ..snapshot import DATASETS, FINDINGS, RESOURCES, Snapshot

Progress = Callable[[str, int, int], None]

#: datasets per work unit of the pool
CHUNK = 2000
#: below this many datasets the pool costs more than it saves
POOL_THRESHOLD = 4000

#: per-dataset facts the comparison needs beyond what scoring tabulates
FACT_COLUMNS = ("key", "id", "name", "kind", "service_category")

_DATASET_KEY = re.compile(rb'"dataset_key"\s*:\s*"((?:[^"\\]|\\.)*)"')


def recorded_row_limit(manifest: dict[str, Any]) -> int | None:
    """The row limit the stored findings were produced with (a recheck records its own)."""
    if "recheck_row_limit" in manifest:
        return manifest.get("recheck_row_limit")
    return (manifest.get("options") or {}).get("row_limit")


@dataclass
class SideFindings:
    """Where a side's (today's) findings are and how they were obtained."""

    #: the snapshot to score: the original (reuse) or an overlay with re-checked findings
    snapshot: Snapshot
    rechecked: bool
    #: why re-checked or reused, for the report
    reason: str
    #: FACT_COLUMNS rows, one per dataset record
    facts: list[tuple[str, str, str, str, str]]
    datasets: int
    findings: int


def _lines(path: Path) -> list[bytes]:
    """Complete lines of a JSON-lines file (a torn last line is ignored, as `read_jsonl` does)."""
    if not path.exists():
        return []
    data = path.read_bytes()
    lines = data.split(b"\n")
    lines.pop()  # b"" after the final newline, or a torn last line
    return [ln for ln in lines if ln.strip()]


def _resource_dataset_key(line: bytes) -> str:
    m = _DATASET_KEY.search(line)
    if m is None:
        return str(json.loads(line).get("dataset_key", ""))
    raw = m.group(1)
    return json.loads(b'"' + raw + b'"') if b"\\" in raw else raw.decode("utf-8")


def _group_resources(lines: list[bytes]) -> dict[str, list[bytes]]:
    by_ds: dict[str, list[bytes]] = {}
    for ln in lines:
        by_ds.setdefault(_resource_dataset_key(ln), []).append(ln)
    return by_ds


# -- the work (runs in pool workers or in-process) -----------------------------------------

#: (dataset lines, resource lines by dataset key, bodies root, crawl time, row limit, check?)
_STATE: tuple[list[bytes], dict[str, list[bytes]], str, str, int | None, bool] | None = None


def _fact(rec: dict[str, Any]) -> tuple[str, str, str, str, str]:
    meta = rec.get("meta") or {}
    return (str(rec.get("key", "")), str(rec.get("id") or ""), str(rec.get("name") or ""), str(rec.get("kind") or ""),
            str(meta.get("service_category") or ""))


def _work(lo: int, hi: int) -> tuple[str, list[tuple[str, str, str, str, str]], int]:
    """Datasets lo..hi of the state: (findings CSV rows, facts, number of findings)."""
    assert _STATE is not None
    ds_lines, res_by_ds, root, crawl_time, row_limit, check = _STATE
    facts = []
    findings = []
    for i in range(lo, hi):
        try:
            rec = json.loads(ds_lines[i])
        except json.JSONDecodeError as exc:
            raise SnapshotError(f"{root}/{DATASETS}:{i + 1}: not a JSON record ({exc.msg})") from None
        facts.append(_fact(rec))
        if not check:
            continue
        resources = []
        for ln in res_by_ds.get(rec.get("key", ""), ()):
            r = json.loads(ln)
            if r.get("dataset_key") == rec.get("key"):
                resources.append(r)
        resources.sort(key=lambda r: r.get("index", 0))
        findings.extend(run_checks(rec, resources, root, crawl_time, row_limit=row_limit))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for f in sort_findings(findings):
        w.writerow(f.as_row_list())
    return buf.getvalue(), facts, len(findings)


def _run(state: tuple, n: int, workers: int, pool_threshold: int, progress: Progress, stage: str) -> list[tuple[str, list, int]]:
    global _STATE
    bounds = [(lo, min(lo + CHUNK, n)) for lo in range(0, n, CHUNK)]
    results: list[tuple[str, list, int]] = []
    _STATE = state
    try:
        progress(stage, 0, n)
        use_pool = workers > 1 and n >= pool_threshold and len(bounds) > 1 and "fork" in multiprocessing.get_all_start_methods()
        if use_pool:
            ctx = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=min(workers, len(bounds)), mp_context=ctx) as pool:
                futures = [pool.submit(_work, lo, hi) for lo, hi in bounds]
                for (_, hi), fut in zip(bounds, futures, strict=True):
                    results.append(fut.result())
                    progress(stage, hi, n)
        else:
            for lo, hi in bounds:
                results.append(_work(lo, hi))
                progress(stage, hi, n)
    finally:
        _STATE = None
    return results


def _link(src: Path, dst: Path) -> None:
    try:
        os.symlink(src.resolve(), dst)
    except OSError:
        shutil.copyfile(src, dst)


def today_findings(snap: Snapshot, overlay: Path, *, recheck: bool, reason: str, row_limit: int | None,
                   workers: int = 0, pool_threshold: int = POOL_THRESHOLD, on_progress: Progress | None = None,
                   label: str = "") -> SideFindings:
    """Today's findings of `snap`: re-checked into `overlay` (a new, empty directory) or reused.

    Either way the dataset records are read once for their facts (keys, names, 服務分類).
    """
    progress = on_progress or (lambda stage, done, total: None)
    ds_lines = _lines(snap.root / DATASETS)
    n = len(ds_lines)
    if not recheck:
        state = (ds_lines, {}, str(snap.root), snap.crawl_time(), row_limit, False)
        results = _run(state, n, workers, pool_threshold, progress, f"read {label}".strip())
        facts = [f for _, fs, _ in results for f in fs]
        count = int((snap.manifest.get("counts") or {}).get("findings", 0))
        return SideFindings(snap, False, reason, facts, n, count)

    res_by_ds = _group_resources(_lines(snap.root / RESOURCES))
    state = (ds_lines, res_by_ds, str(snap.root), snap.crawl_time(), row_limit, True)
    results = _run(state, n, workers, pool_threshold, progress, f"re-check {label}".strip())
    del res_by_ds, ds_lines, state
    overlay.mkdir(parents=True, exist_ok=False)
    for name in (DATASETS, RESOURCES):
        if (snap.root / name).exists():
            _link(snap.root / name, overlay / name)
    total = 0
    with open(overlay / FINDINGS, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow(FINDING_COLUMNS)
        for text, _, count in results:
            fh.write(text)
            total += count
    facts = [f for _, fs, _ in results for f in fs]
    manifest = dict(snap.manifest)
    manifest.update({"rules_version": RULES_VERSION, "recheck_row_limit": row_limit, "files": {}})
    with contextlib.suppress(Exception):
        manifest["counts"] = {**(manifest.get("counts") or {}), "findings": total}
    return SideFindings(Snapshot(overlay, manifest), True, reason, facts, n, total)
