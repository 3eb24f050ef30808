"""In-memory re-checking for `diff`: the process pool gives the same findings as `crawl --recheck`,
nothing in the snapshots is rewritten, and stored findings are reused only when made by today's rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import snapfactory as sf

from odaudit.atomic import sha256_file
from odaudit.checks import RULES_VERSION
from odaudit.crawl import recheck as crawl_recheck
from odaudit.crawl import rechecker as recheck
from odaudit.crawl.rechecker import Job, Rechecker
from odaudit.diff import diff_snapshots
from odaudit.store import Snapshot


def portal_datasets(n: int) -> list[dict]:
    out = []
    for i in range(n):
        res = [sf.resource(("CSV", "PDF", "JSON", "XML")[(i + j) % 4], status=(404 if (i + j) % 7 == 0 else 200),
                           url=f"https://files.example.gov.tw/{i}/{j}") for j in range(1 + i % 3)]
        out.append(sf.dataset(f"資料集{i}", id=1000 + i, category=str(i % 3), agency=f"機關{i % 5}", resources=res,
                              frequency=("每1日", "每1月", "不定期", "")[i % 4], licence=("政府資料開放授權條款-第1版", "CC BY-NC")[i % 9 == 0],
                              modified=f"2025-{1 + i % 12:02d}-01T00:00:00"))
    out.append(sf.dataset("external", url="https://example.org/data", category="0"))
    out.append(sf.dataset("not online", category="0"))
    return out


@pytest.fixture()
def snap(tmp_path: Path) -> Path:
    return sf.build_snapshot(tmp_path / "snap", portal_datasets(37))


def test_pool_equals_serial_equals_crawl_recheck(snap: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = {p.name: sha256_file(p) for p in snap.iterdir() if p.is_file()}
    s = Snapshot.open(snap)
    monkeypatch.setattr(recheck, "CHUNK", 5)
    with Rechecker([Job("x", s, True, "test", None)], workers=2, pool_threshold=1) as rc:
        assert rc.bounded  # the pool path really runs
        pooled = rc.result("x")
    serial = recheck.today_findings(s, recheck=True, reason="test", row_limit=None, workers=0)
    assert pooled.rechecked and pooled.datasets == 39 and pooled.findings == serial.findings > 0
    assert pooled.facts == serial.facts and len(pooled.facts) == 39
    assert pooled.csv_text() == serial.csv_text()
    # the snapshot itself is untouched
    assert {p.name: sha256_file(p) for p in snap.iterdir() if p.is_file()} == before
    # and the same bytes as `odaudit crawl --recheck` writes into a copy
    copy = tmp_path / "copy"
    shutil.copytree(snap, copy)
    crawl_recheck(copy, workers=0)
    assert Snapshot.open(copy).findings_path().read_bytes() == pooled.csv_text().encode("utf-8")


def test_diff_with_pool_equals_in_process(snap: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = sf.build_snapshot(tmp_path / "other", portal_datasets(41), started_at="2026-03-01T00:00:00Z")
    monkeypatch.setattr(recheck, "CHUNK", 4)
    a = diff_snapshots(snap, other, workers=2, pool_threshold=1)
    b = diff_snapshots(snap, other, workers=0)
    assert a.old.rechecked and a.new.rechecked
    assert a.changes.equals(b.changes) and a.score_deltas.equals(b.score_deltas) and len(a.changes) > 0


def test_rules_version_decides_reuse(snap: Path, tmp_path: Path) -> None:
    today = tmp_path / "today"
    shutil.copytree(snap, today)
    crawl_recheck(today, workers=0)
    assert Snapshot.open(today).current_findings().rules_version == RULES_VERSION
    r = diff_snapshots(snap, today)  # snap: rules "test-1" → re-checked; today: reused
    assert r.old.rechecked and not r.new.rechecked
    assert "test-1" in r.old.reason and "reused" in r.new.reason
    assert r.changes.empty and not r.has_differences
    r = diff_snapshots(today, today, recheck=True)
    assert r.old.rechecked and r.new.rechecked and r.changes.empty


def test_row_limits_must_agree(snap: Path, tmp_path: Path) -> None:
    today = tmp_path / "today"
    shutil.copytree(snap, today)
    crawl_recheck(today, workers=0, row_limit=10)  # findings made with a row limit
    other = tmp_path / "today2"
    shutil.copytree(snap, other)
    crawl_recheck(other, workers=0)
    r = diff_snapshots(today, other)
    assert r.row_limit is None and r.old.rechecked and not r.new.rechecked
    assert any("row limits" in w for w in r.warnings)


def test_resource_lines_grouped_by_dataset_key() -> None:
    lines = [b'{"dataset_key":"tw:1","key":"tw:1#0"}', b'{"a":"\\"dataset_key\\":\\"tw:9\\"","dataset_key":"tw:2"}',
             b'{"dataset_key":"ext:a\\u00e9","key":"x"}']
    groups = recheck._group_resources(lines)
    assert set(groups) == {"tw:1", "tw:2", "ext:aé"}
