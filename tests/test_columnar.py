"""The columnar store: the Parquet copy of a snapshot's tables gives the very frames the archived
files give, lives outside the snapshot, and is never trusted past the manifest."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import snapfactory as sf

from odaudit import columnar
from odaudit.scoring import tables
from odaudit.store import DATASETS, FINDINGS, Snapshot

TABLES = (tables.dataset_table, tables.resource_table, tables.finding_table)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    return sf.build_snapshot(tmp_path / "snap", [
        sf.dataset("水庫每日營運狀況", id=41568, agency="經濟部水利署", checks={"licence": "pass", "freshness": ("fail", "412 days", "stale")},
                   resources=[sf.resource("CSV", checks=sf.PASS_ALL), sf.resource("PDF", status=404, checks={"link": ("fail", "404", "HTTP 404")})]),
        sf.dataset("起訴書", category="0.3"),
    ])


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(columnar.ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def parquet_files(store: Path) -> list[Path]:
    return sorted(store.rglob("*.parquet")) if store.exists() else []


def direct(snap: Snapshot) -> list[pd.DataFrame]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(columnar.ENV, "off")
        return [f(snap) for f in TABLES]


def test_the_stored_frames_are_the_frames_of_the_archived_files(snap: Path, store: Path) -> None:
    s = Snapshot.open(snap)
    before = tree(snap)
    want = direct(s)
    assert parquet_files(store) == []
    first = [f(s) for f in TABLES]  # builds the store
    assert len(parquet_files(store)) == 3
    mtimes = [p.stat().st_mtime_ns for p in parquet_files(store)]
    second = [f(Snapshot.open(snap)) for f in TABLES]  # read from it
    assert [p.stat().st_mtime_ns for p in parquet_files(store)] == mtimes  # read, not rebuilt
    for a, b, c in zip(want, first, second, strict=True):
        pd.testing.assert_frame_equal(a, b)
        pd.testing.assert_frame_equal(a, c)
    assert tree(snap) == before  # nothing is added to the archive
    Snapshot.open(snap).verify()


def test_a_file_changed_behind_the_manifest_is_read_afresh(snap: Path, store: Path) -> None:
    s = Snapshot.open(snap)
    tables.dataset_table(s)
    path = snap / DATASETS
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(lines[0], encoding="utf-8")  # one dataset left; the manifest still says two
    os.utime(path, ns=(1, 1))
    unverified = Snapshot.open(snap, verify=False)
    assert len(tables.dataset_table(unverified)) == 1


def test_a_broken_store_file_is_rebuilt_and_an_unwritable_store_is_skipped(snap: Path, store: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    s = Snapshot.open(snap)
    want = direct(s)
    tables.finding_table(s)
    (p,) = [p for p in parquet_files(store) if p.name == "findings.parquet"]
    p.write_bytes(b"not parquet")
    pd.testing.assert_frame_equal(tables.finding_table(s), want[2])
    assert p.read_bytes()[:4] == b"PAR1"  # rebuilt
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv(columnar.ENV, str(blocked))
    pd.testing.assert_frame_equal(tables.resource_table(s), want[1])


def test_a_new_manifest_is_a_new_key_and_overlays_are_not_stored(snap: Path, store: Path) -> None:
    s = Snapshot.open(snap)
    tables.finding_table(s)
    from odaudit.store import rewrite_findings

    rewrite_findings(s, s.findings()[:-1], {"rules_version": "2020.1.0"})
    s = Snapshot.open(snap)
    assert len(tables.finding_table(s)) == len(s.findings())
    assert len([p for p in parquet_files(store) if p.name == "findings.parquet"]) == 2
    overlay = Snapshot(snap, {**s.manifest, "files": {}})  # in memory only, as diff's re-check overlays
    n = len(parquet_files(store))
    tables.finding_table(overlay)
    assert len(parquet_files(store)) == n
    assert (snap / FINDINGS).exists()
