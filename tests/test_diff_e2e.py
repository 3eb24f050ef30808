"""End to end: two crawls of a fake data.gov.tw whose content changes in known ways, then `odaudit diff`.

Round 1 → round 2 (the only changes made to the portal):
* tw:2 removed from the portal, tw:3 added;
* tw:4's file answers 404 (was 200);
* tw:5's file is re-encoded from UTF-8 to Big5 (cp950) bytes, still declared UTF-8;
* tw:6's licence changes from 政府資料開放授權條款-第1版 to CC BY-NC 4.0 (not open);
* tw:7's 詮釋資料更新時間 goes from an hour ago to two years ago while 更新頻率 stays 每1日.

Every date is relative to now, and round 2 runs a day later (its clock is moved forward: a daily dataset
updated an hour before round 1 is still fresh in round 2), so time-relative measurements (the freshness
age) and volatile fetch facts (elapsed_ms) differ between the rounds for every dataset: none of that may
show up as a change.
tw:1 never changes and must never appear.
"""

from __future__ import annotations

import filecmp
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from portal import FakePortal

from odaudit.checks import RULES_VERSION
from odaudit.cli import main
from odaudit.crawl import CrawlOptions, run_crawl
from odaudit.crawl import options as crawl_options  # where the crawl reads the clock
from odaudit.diff import CHANGE_COLUMNS, SCORE_DELTA_COLUMNS, diff_snapshots, write_diff
from odaudit.http import FetchOptions
from odaudit.model.findings import Finding
from odaudit.store import Snapshot, rewrite_findings

FAST = FetchOptions(attempts=2, backoff_initial=0.01, backoff_max=0.05, read_timeout=2.0, connect_timeout=2.0, total_timeout=5.0)
TAIPEI = timezone(timedelta(hours=8))
CSV_TEXT = "名稱,數量\n臺北,1\n高雄,2\n"
OPEN = "政府資料開放授权條款-第1版".replace("权", "權")


def _when(delta: timedelta) -> str:
    return (datetime.now(UTC) - delta).astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M:%S")


def row(ds_id: int, url: str, **over: str) -> dict[str, str]:
    base = {
        "資料集識別碼": str(ds_id), "資料集名稱": f"資料集{ds_id}", "資料提供屬性": "原始資料", "服務分類": "公共資訊",
        "品質檢測": "", "檔案格式": "CSV", "資料下載網址": url, "編碼格式": "UTF-8", "資資料集上架方式": "原始資料",
        "資料集描述": "測試用的資料集，內容為各地的數量統計資料。", "主要欄位說明": "名稱;數量", "提供機關": f"機關{ds_id % 3}",
        "更新頻率": "每1日", "授權方式": OPEN, "相關網址": "", "計費方式": "免費", "提供機關聯絡人姓名": "王小明",
        "提供機關聯絡人電話": "02-1234-5678", "上架日期": "2020-01-02 03:04:05", "詮釋資料更新時間": _when(timedelta(hours=1)),
        "備註": "", "資料量": "2",
    }
    base.update(over)
    return base


def crawl(portal: FakePortal, out: Path, *, later: timedelta = timedelta(0)) -> Path:
    """Crawl the whole fake portal; `later` moves the crawl's clock (its reference time) forward."""
    with pytest.MonkeyPatch.context() as mp:
        if later:
            shifted = (datetime.now(UTC) + later).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
            mp.setattr(crawl_options, "utc_now", lambda: shifted)
        result = run_crawl(CrawlOptions(out=out, portal=portal.base_url, all=True, check_workers=0, fetch=FAST))
    assert result.manifest["status"] == "complete", result.warnings
    return out


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("diff-e2e")
    with FakePortal(agency_hosts=1) as portal:
        h = portal.hosts[1]
        urls = {i: h.serve(f"/files/d{i}.csv", CSV_TEXT.encode("utf-8"), content_type="text/csv") for i in range(1, 8)}
        for i in (1, 2, 4, 5, 6, 7):
            portal.add_dataset(row(i, urls[i]))
        first = crawl(portal, base / "r1")
        again = crawl(portal, base / "r1-again", later=timedelta(days=1))  # nothing changed, only the time
        portal.remove_dataset("2")
        portal.add_dataset(row(3, urls[3]))
        h.serve("/files/d4.csv", b"<html><body><h1>404 Not Found</h1></body></html>", status=404, content_type="text/html")
        h.serve("/files/d5.csv", CSV_TEXT.encode("cp950"), content_type="text/csv")
        portal.add_dataset(row(6, urls[6], 授權方式="CC BY-NC 4.0"))
        portal.add_dataset(row(7, urls[7], 詮釋資料更新時間=_when(timedelta(days=730))))
        second = crawl(portal, base / "r2", later=timedelta(days=1))
    return {"r1": first, "r1-again": again, "r2": second, "base": base}


def cli(args: list[str]) -> int:
    """`odaudit …` in-process; the exit status (main() returns normally for 0)."""
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def kinds(changes: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    return {(k, d, r, f) for k, d, r, f in zip(changes["kind"], changes["dataset"], changes["resource"], changes["field"], strict=True)}


EXPECTED = {
    ("dataset_removed", "tw:2", "", "title"),
    ("dataset_added", "tw:3", "", "title"),
    # the 404: the link broke; the body-based checks can no longer run (skip); stars fall to 0 as
    # ckanext-qa scores a broken link; the badge check loses its evidence
    ("link_broken", "tw:4", "tw:4#0", "link"),
    ("changed", "tw:4", "tw:4#0", "downloadable"),
    ("changed", "tw:4", "tw:4#0", "format"),
    ("changed", "tw:4", "tw:4#0", "encoding"),
    ("changed", "tw:4", "tw:4#0", "structure"),
    ("changed", "tw:4", "tw:4#0", "fields"),
    ("changed", "tw:4", "tw:4#0", "machine_readable"),
    ("changed", "tw:4", "tw:4#0", "consistency"),
    ("worse", "tw:4", "tw:4#0", "stars"),
    # the re-encoding: measured utf-8 → cp950 against the declared UTF-8
    ("worse", "tw:5", "tw:5#0", "encoding"),
    # the licence: not open any more, and ckanext-qa's stars drop to 0 without an open licence
    ("worse", "tw:6", "", "licence"),
    ("worse", "tw:6", "tw:6#0", "stars"),
    # the stale dataset
    ("stale", "tw:7", "", "freshness"),
}


@pytest.fixture(scope="module")
def result(rounds: dict[str, Path]):
    return diff_snapshots(rounds["r1"], rounds["r2"])


def test_every_change_and_nothing_else(result) -> None:
    ch = result.changes
    assert list(ch.columns) == list(CHANGE_COLUMNS)
    got = kinds(ch)
    assert got == EXPECTED, (got - EXPECTED, EXPECTED - got)
    assert "tw:1" not in set(ch["dataset"])
    by = {(k, d, r, f): x for k, d, r, f, x in zip(ch["kind"], ch["dataset"], ch["resource"], ch["field"], ch.itertuples(index=False), strict=True)}
    link = by[("link_broken", "tw:4", "tw:4#0", "link")]
    assert link.old.startswith("pass: 200") and link.new.startswith("fail: 404") and "404" in link.evidence_new
    enc = by[("worse", "tw:5", "tw:5#0", "encoding")]
    assert enc.old.startswith("pass: utf-8") and enc.new.startswith("fail: cp950") and enc.evidence_old and enc.evidence_new
    lic = by[("worse", "tw:6", "", "licence")]
    assert lic.old == "pass: OGDL-Taiwan-1.0" and lic.new.startswith("fail") and "NC" in lic.evidence_new
    stale = by[("stale", "tw:7", "", "freshness")]
    assert stale.old.startswith("pass: age=") and stale.new.startswith("fail: age=") and "731 d" in stale.evidence_new
    assert by[("dataset_added", "tw:3", "", "title")].new == "資料集3"
    assert by[("dataset_removed", "tw:2", "", "title")].old == "資料集2"
    assert result.has_differences
    # both snapshots were made by today's rules: their stored findings were reused, and said so
    assert not result.old.rechecked and not result.new.rechecked
    assert result.old.stored_rules == result.new.stored_rules == RULES_VERSION == result.rules_version


def test_scores_explained(result) -> None:
    d = result.score_deltas
    assert list(d.columns) == list(SCORE_DELTA_COLUMNS)
    ds = d[d["level"] == "dataset"].set_index("id")
    # tw:5: the encoding is not one of the ten questions, so its answers and score stay (the change is in
    # changes.csv and in the pass share of the encoding check)
    assert set(ds.index) == {"tw:2", "tw:3", "tw:4", "tw:6", "tw:7"}
    enc = result.checks.set_index("check")
    assert enc.at["encoding", "datasets_share_new"] < enc.at["encoding", "datasets_share_old"]
    assert ds.at["tw:2", "explained_by"] == "removed" and ds.at["tw:3", "explained_by"] == "added"
    assert "online yes→no (link pass→fail #0)" in ds.at["tw:4", "explained_by"]
    assert "open_licence yes→no (licence pass→fail)" in ds.at["tw:6", "explained_by"]
    assert "up_to_date yes→no (freshness pass→fail)" in ds.at["tw:7", "explained_by"]
    for key in ("tw:4", "tw:6", "tw:7"):
        assert ds.at[key, "delta"] < 0
    impl = d[(d["level"] == "subindex") & (d["id"] == "implementation")].iloc[0]
    assert impl["new"] < impl["old"] and impl["delta"] == pytest.approx(impl["new"] - impl["old"], abs=0.01)
    q = d[d["level"] == "question"].set_index("id")
    assert q.at["online", "delta"] < 0 and "tw:4" in q.at["online", "explained_by"]
    qty = result.quantity.set_index("measure")
    assert (qty.at["datasets", "old"], qty.at["datasets", "new"]) == (6, 6)
    assert qty.at["quality_datasets", "new"] < qty.at["quality_datasets", "old"]


def test_nothing_time_dependent_leaks(rounds: dict[str, Path]) -> None:
    """Two crawls of an unchanged portal at different times: no difference (exit 0)."""
    a, b = Snapshot.open(rounds["r1"]), Snapshot.open(rounds["r1-again"])
    assert a.crawl_time() < b.crawl_time()
    age = {s: {f.dataset: f.measured for f in x.findings() if f.check == "freshness"} for s, x in (("a", a), ("b", b))}
    assert age["a"].keys() == age["b"].keys() and all(age["a"][k] != age["b"][k] for k in age["a"])  # e.g. age=0 d vs age=1 d
    r = diff_snapshots(rounds["r1"], rounds["r1-again"])
    assert r.changes.empty and not r.has_differences, r.changes
    ds = r.score_deltas
    assert (ds["level"] != "dataset").all()


def test_cli_outputs_deterministic_and_recheck_equivalent(rounds: dict[str, Path], tmp_path: Path) -> None:
    args = ["diff", str(rounds["r1"]), str(rounds["r2"]), "-q", "--out"]
    for out in ("one", "two"):
        assert cli([*args, str(tmp_path / out)]) == 1
    files = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert files == ["agencies.csv", "changes.csv", "chart-categories.svg", "chart-quantity-quality.svg", "diff.md",
                     "manifest.json", "score_deltas.csv", "site"]
    files.remove("site")  # a folder; tests/test_site_diff.py compares it file by file
    _, mismatch, errors = filecmp.cmpfiles(tmp_path / "one", tmp_path / "two", files, shallow=False)
    assert mismatch == [] and errors == []
    # forcing a re-check of both sides gives the same tables: reusing today's findings is exact
    assert cli([*args, str(tmp_path / "re"), "--recheck", "--workers", "0"]) == 1
    for name in ("changes.csv", "score_deltas.csv", "agencies.csv"):
        assert (tmp_path / "re" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name
    text = (tmp_path / "one" / "diff.md").read_text(encoding="utf-8")
    assert text.index("In one minute") < text.index("## Changes")
    for needle in ("link broke", "went stale", "dataset added", "dataset removed", RULES_VERSION, "chart-quantity-quality.svg"):
        assert needle in text
    zh = tmp_path / "zh"
    assert cli([*args, str(zh), "--lang", "zh-TW"]) == 1
    assert "一分鐘摘要" in (zh / "diff.md").read_text(encoding="utf-8")


def test_rules_change_is_not_a_data_change(rounds: dict[str, Path], tmp_path: Path) -> None:
    """A copy whose findings look as if made by other rules: re-checked with today's, no difference."""
    old = tmp_path / "old-rules"
    shutil.copytree(rounds["r1"], old)
    snap = Snapshot.open(old)
    tampered = [Finding(f.dataset, f.resource, f.url, f.check, "fail" if f.outcome == "pass" else "pass",
                        f"old rules: {f.measured}", f.expected, "made by yesterday's rules") for f in snap.findings()]
    rewrite_findings(snap, tampered, {"rules_version": "2020.1.0"})
    assert Snapshot.open(old).manifest["rules_version"] == "2020.1.0"
    r = diff_snapshots(old, rounds["r1"])
    assert r.old.rechecked and not r.new.rechecked and "2020.1.0" in r.old.reason
    assert r.changes.empty and not r.has_differences
    assert any("both sides were re-checked with today's rules" in w and "2020.1.0" in w for w in r.warnings)
    assert (old / "findings.csv").read_text(encoding="utf-8").count("made by yesterday's rules") == len(tampered)  # not rewritten
    assert cli(["diff", str(old), str(rounds["r1"]), "--out", str(tmp_path / "out"), "-q"]) == 0


def test_same_rules_version_reuses_stored_findings(rounds: dict[str, Path], tmp_path: Path) -> None:
    """Findings stamped with today's rules are today's output and are reused as they are (so a
    tampered copy shows up); --recheck recomputes them."""
    copy = tmp_path / "same-rules"
    shutil.copytree(rounds["r1"], copy)
    snap = Snapshot.open(copy)
    changed = [Finding(f.dataset, f.resource, f.url, f.check, "fail", "tampered", f.expected, "tampered")
               if (f.dataset, f.check) == ("tw:1", "licence") else f for f in snap.findings()]
    rewrite_findings(snap, changed, {"rules_version": RULES_VERSION})
    r = diff_snapshots(copy, rounds["r1"])
    assert not r.old.rechecked and kinds(r.changes) == {("better", "tw:1", "", "licence")}
    r = diff_snapshots(copy, rounds["r1"], recheck=True)
    assert r.old.rechecked and r.changes.empty


def test_write_diff_api(result, tmp_path: Path) -> None:
    paths = write_diff(result, tmp_path / "api")
    assert paths == sorted(paths)  # site/… among them
    assert all(p.exists() for p in paths)
    svg = (tmp_path / "api" / "chart-quantity-quality.svg").read_text(encoding="utf-8")
    assert "<svg" in svg and "Date" not in svg
