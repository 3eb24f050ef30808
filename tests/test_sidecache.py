"""Scored sides from the columnar store are the sides a fresh re-check and scoring give: the same
diff, the same trend, and a broken or missing store entry is computed again."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import snapfactory as sf

from odaudit import columnar
from odaudit.checks import RULES_VERSION
from odaudit.crawl import rechecker as recheck
from odaudit.diff import diff_snapshots, engine
from odaudit.diff.sidecache import FRAMES
from odaudit.scoring.rubric import load_rubric
from odaudit.trend import trend_snapshots


def res(status: int) -> dict:
    return sf.resource("CSV", status=status, error=None if status == 200 else {"kind": "http", "message": f"HTTP {status}"})


def _snaps(root: Path, **kw) -> list[Path]:
    out = []
    for i, (a, b) in enumerate(((200, 200), (404, 200), (404, 404))):
        ds = [sf.dataset("甲", id=1, agency="機關甲", resources=[res(a)]), sf.dataset("乙", id=2, agency="機關乙", resources=[res(b), res(200)]),
              sf.dataset("起訴書", category="0.3")]
        out.append(sf.build_snapshot(root / f"s{i}", ds, started_at=f"2025-0{i + 1}-01T00:00:00Z", **kw))
    return out


@pytest.fixture
def snaps(tmp_path: Path) -> list[Path]:
    """Three snapshots checked by older rules: each side is re-checked."""
    return _snaps(tmp_path)


@pytest.fixture
def today_snaps(tmp_path: Path) -> list[Path]:
    """The same, checked by today's rules: their findings are reused."""
    return _snaps(tmp_path, rules_version=RULES_VERSION)


def stored_sides(store: Path) -> list[Path]:
    return sorted(p.parent for p in (store / "sides").rglob("frames.json")) if (store / "sides").exists() else []


def same_diff(a, b) -> None:
    for name in ("changes", "score_deltas", "quantity", "checks", "agencies"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    assert a.warnings == b.warnings
    for x, y in ((a.old, b.old), (a.new, b.new)):
        for name in FRAMES:
            pd.testing.assert_frame_equal(getattr(x, name), getattr(y, name), obj=name)
        assert (x.nodes, x.quality_adjusted, x.reason, x.rechecked) == (y.nodes, y.quality_adjusted, y.reason, y.rechecked)


def test_a_stored_side_gives_the_same_diff(snaps: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(columnar.ENV, "off")
    fresh = diff_snapshots(snaps[0], snaps[1], workers=0)
    store = tmp_path / "store"
    monkeypatch.setenv(columnar.ENV, str(store))
    cold = diff_snapshots(snaps[0], snaps[1], workers=0)
    assert len(stored_sides(store)) == 2
    with monkeypatch.context() as mp:  # warm: neither re-checked nor scored
        mp.setattr(engine, "score_tables", lambda *a, **kw: pytest.fail("scored again"))
        mp.setattr(recheck, "run_checks", lambda *a, **kw: pytest.fail("re-checked again"))
        warm = diff_snapshots(snaps[0], snaps[1], workers=0)
    same_diff(fresh, cold)
    same_diff(fresh, warm)
    # the other way round: each side under its other label, from the same entries
    swapped = diff_snapshots(snaps[1], snaps[0], workers=0)
    assert len(stored_sides(store)) == 2
    monkeypatch.setenv(columnar.ENV, "off")
    same_diff(diff_snapshots(snaps[1], snaps[0], workers=0), swapped)


def test_a_broken_entry_is_computed_again_and_recheck_never_reads_the_store(snaps: list[Path], tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    monkeypatch.setenv(columnar.ENV, str(store))
    want = diff_snapshots(snaps[0], snaps[1], workers=0)
    for folder in stored_sides(store):
        (folder / "findings.parquet").write_bytes(b"garbage")
    same_diff(want, diff_snapshots(snaps[0], snaps[1], workers=0))
    for folder in stored_sides(store):
        (folder / "frames.json").write_text('{"key": "another"}', encoding="utf-8")
    same_diff(want, diff_snapshots(snaps[0], snaps[1], workers=0, recheck=False))
    forced = diff_snapshots(snaps[0], snaps[1], workers=0, recheck=True)
    assert forced.old.reason_key == "forced"
    pd.testing.assert_frame_equal(forced.changes, want.changes)


def test_another_rubric_is_another_entry_and_a_trend_reads_what_a_diff_stored(snaps: list[Path], tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    monkeypatch.setenv(columnar.ENV, str(store))
    diff_snapshots(snaps[0], snaps[1], workers=0)
    diff_snapshots(snaps[0], snaps[1], workers=0, rubric=Path(load_rubric("ocf-2017").path))
    assert len(stored_sides(store)) == 4
    warm = trend_snapshots(snaps, workers=0)
    assert len(stored_sides(store)) == 5  # only the third snapshot was new
    monkeypatch.setenv(columnar.ENV, "off")
    fresh = trend_snapshots(snaps, workers=0)
    pd.testing.assert_frame_equal(warm.history, fresh.history)
    pd.testing.assert_frame_equal(warm.series, fresh.series)
    assert warm.warnings == fresh.warnings


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Calls of score_tables in this process (a forked child's calls stay in the child)."""
    calls: list[int] = []
    real = engine.score_tables

    def counted(*a, **kw):
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(engine, "score_tables", counted)
    return calls


@pytest.mark.skipif(not engine.forked.can_fork(), reason="the second side is scored in a forked child on Linux")
def test_two_sides_never_scored_are_scored_at_once_and_give_the_same_diff_and_trend(today_snaps: list[Path], tmp_path: Path,
                                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """With --jobs 2 the second side of a window is scored by a forked child, which stores it;
    the parent scores only the first and loads the second. Same diff, same trend as one at a time;
    a child whose side could not be stored leaves the parent to score it."""
    snaps = today_snaps
    monkeypatch.setenv(columnar.ENV, "off")
    fresh, fresh_trend = diff_snapshots(snaps[0], snaps[1], workers=0), trend_snapshots(snaps, workers=0)
    monkeypatch.setenv(columnar.ENV, str(tmp_path / "store"))
    calls = _counting(monkeypatch)
    same_diff(fresh, diff_snapshots(snaps[0], snaps[1], workers=0, jobs=2))
    assert len(calls) == 1 and len(stored_sides(tmp_path / "store")) == 2
    calls.clear()
    monkeypatch.setenv(columnar.ENV, str(tmp_path / "store2"))
    trend = trend_snapshots(snaps, workers=0, jobs=2)  # windows (#1, #2) and (#3,): #2 in a child
    assert len(calls) == 2 and len(stored_sides(tmp_path / "store2")) == 3
    pd.testing.assert_frame_equal(trend.history, fresh_trend.history)
    pd.testing.assert_frame_equal(trend.series, fresh_trend.series)
    assert trend.warnings == fresh_trend.warnings
    calls.clear()
    monkeypatch.setenv(columnar.ENV, str(tmp_path / "store3"))
    monkeypatch.setattr(engine.sidecache, "store", lambda *a, **kw: None)  # nothing comes back through the store
    same_diff(fresh, diff_snapshots(snaps[0], snaps[1], workers=0, jobs=2))
    assert len(calls) == 2  # both scored here
    calls.clear()
    monkeypatch.undo()  # the store as it was, no count
    monkeypatch.setenv(columnar.ENV, str(tmp_path / "store4"))
    calls = _counting(monkeypatch)
    same_diff(fresh, diff_snapshots(snaps[0], snaps[1], workers=2))  # --jobs 1, the default: no child
    assert len(calls) == 2
    calls.clear()
    monkeypatch.setenv(columnar.ENV, str(tmp_path / "store5"))
    same_diff(diff_snapshots(snaps[0], snaps[1], workers=0, jobs=2, recheck=True), diff_snapshots(snaps[0], snaps[1], workers=0, recheck=True))
    assert len(calls) == 4  # re-checked sides: the pool has the cores, every side is scored here


def test_jobs_on_the_command_line_writes_the_same_reports(today_snaps: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from odaudit.cli import app

    def run(cmd: str, store: str, *extra: str) -> dict[str, bytes]:
        monkeypatch.setenv(columnar.ENV, str(tmp_path / store))
        out = tmp_path / f"{cmd}-{store}"
        args = [str(p) for p in (today_snaps[:2] if cmd == "diff" else today_snaps)]
        res = CliRunner().invoke(app, [cmd, *args, "--out", str(out), "-q", *extra])
        assert res.exit_code in (0, 1), res.output
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "manifest.json"}

    for cmd in ("diff", "trend"):
        one, two = run(cmd, "one"), run(cmd, "two", "--jobs", "2")
        assert len(one) > 5 and one == two, cmd
    res = CliRunner().invoke(app, ["diff", *map(str, today_snaps[:2]), "--out", str(tmp_path / "x"), "--jobs", "0"])
    assert res.exit_code == 2 and "--jobs" in res.output  # at least 1
