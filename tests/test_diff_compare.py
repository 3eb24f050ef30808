"""The comparison rules of `diff` on small synthetic snapshots (tests/snapfactory.py): catalog
changes, resource matching, volatile fields, time-relative measurements, neutralised output.

The URLs below are text inside snapshot records: diff never fetches, and no test here opens a
socket (end-to-end diffs run against the fake portal on 127.0.0.1, tests/test_diff_e2e.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import snapfactory as sf

from odaudit.diff import CHANGE_KINDS, diff_snapshots, write_diff
from odaudit.diff.compare import classify


def kinds(result) -> set[tuple[str, str, str, str]]:
    c = result.changes
    return set(zip(c["kind"], c["dataset"], c["resource"], c["field"], strict=True))


def ds(name: str = "資料集", *, id: int = 1, category: str = "1.1", resources: list[dict[str, Any]] | None = None, **kw: Any) -> dict[str, Any]:
    res = resources if resources is not None else [sf.resource("CSV", url="https://files.example.gov.tw/a.csv")]
    return sf.dataset(name, id=id, category=category, resources=res, **kw)


def pair(tmp_path: Path, old: list[dict[str, Any]], new: list[dict[str, Any]], **kw: Any):
    a = sf.build_snapshot(tmp_path / "old", old, started_at=kw.pop("old_time", sf.STARTED))
    b = sf.build_snapshot(tmp_path / "new", new, started_at=kw.pop("new_time", sf.STARTED))
    return diff_snapshots(a, b, **kw)


def test_catalog_moves(tmp_path: Path) -> None:
    old = [ds("甲", id=1, category="1.1", agency="機關A", service_category="公共資訊", badge="金"),
           ds("乙", id=2, category="1.1", fetch_status="ok")]
    new = [ds("甲（新版）", id=1, category="1.2", agency="機關B", service_category="交通及通訊", badge="銀"),
           ds("乙", id=2, category="1.1", fetch_status="not_in_export")]
    r = pair(tmp_path, old, new)
    got = kinds(r)
    assert {("renamed", "tw:1", "", "title"), ("agency_changed", "tw:1", "", "agency"), ("category_changed", "tw:1", "", "category"),
            ("category_changed", "tw:1", "", "service_category"), ("badge_changed", "tw:1", "", "badge"),
            ("dataset_delisted", "tw:2", "", "fetch.status")} <= got
    row = r.changes[(r.changes["kind"] == "category_changed") & (r.changes["field"] == "category")].iloc[0]
    assert (row["old"], row["new"]) == ("1.1", "1.2")
    # a delisted dataset cannot be findable (the explanation cites the record)
    d = r.score_deltas
    why = d[(d["level"] == "dataset") & (d["id"] == "tw:2")]["explained_by"].iloc[0]
    assert "findable yes→no" in why and "fetch.status ok→not_in_export" in why


def test_resources_matched_by_url_when_they_move(tmp_path: Path) -> None:
    a = sf.resource("CSV", url="https://files.example.gov.tw/a.csv")
    b = sf.resource("JSON", url="https://files.example.gov.tw/b.json")
    c = sf.resource("XML", url="https://files.example.gov.tw/c.xml")
    c2 = sf.resource("XML", url="https://files.example.gov.tw/v2/c.xml")
    new_first = sf.resource("CSV", url="https://files.example.gov.tw/new.csv", status=404)
    r = pair(tmp_path, [ds(resources=[a, b, c])], [ds(resources=[new_first, a, b, c2])])
    # new #0 new.csv is added; a and b moved to #1 and #2 (same URLs: the same resources, not changes);
    # c (old #2) is gone and c2 (new #3) is new: neither URL nor position matches
    got = {k for k in kinds(r) if k[0] in ("resource_added", "resource_removed", "url_changed")}
    assert got == {("resource_added", "tw:1", "tw:1#0", "url"), ("resource_added", "tw:1", "tw:1#3", "url"),
                   ("resource_removed", "tw:1", "tw:1#2", "url")}
    # the moved resources' findings are compared with their own old findings: nothing changed for them
    q = r.changes[r.changes["kind"].isin(["link_broken", "worse", "better", "changed"])]
    assert set(q["resource"]) <= {""}


def test_url_changed_in_place(tmp_path: Path) -> None:
    a = sf.resource("CSV", url="https://files.example.gov.tw/a.csv")
    a2 = sf.resource("CSV", url="https://files.example.gov.tw/v2/a.csv", status=404)
    r = pair(tmp_path, [ds(resources=[a])], [ds(resources=[a2])])
    got = kinds(r)
    assert ("url_changed", "tw:1", "tw:1#0", "url") in got
    assert ("link_broken", "tw:1", "tw:1#0", "link") in got  # the same slot: its findings are compared


def test_volatile_fields_and_time_are_not_changes(tmp_path: Path) -> None:
    def res(**kw: Any) -> dict[str, Any]:
        return sf.resource("CSV", url="https://files.example.gov.tw/a.csv", **kw)
    old = [ds(resources=[res(elapsed_ms=5, attempts=1, etag='"a"', content_length="10")], frequency="每1月", modified="2026-01-01T00:00:00")]
    new = [ds(resources=[res(elapsed_ms=900, attempts=3, etag='"b"', content_length="12")], frequency="每1月", modified="2026-01-01T00:00:00")]
    r = pair(tmp_path, old, new, old_time="2026-01-02T00:00:00Z", new_time="2026-01-20T00:00:00Z")
    assert r.changes.empty and not r.has_differences
    # the freshness ages did differ (1 d vs 19 d): the age is compared by outcome only
    ages = {s.label: s.findings.loc[s.findings["check"] == "freshness", "measured"].tolist() for s in (r.old, r.new)}
    assert ages["old"] != ages["new"]


def test_stale_and_fresh_by_each_crawl_time(tmp_path: Path) -> None:
    old = [ds(frequency="每1月", modified="2026-01-01T00:00:00")]
    r = pair(tmp_path, old, old, old_time="2026-01-02T00:00:00Z", new_time="2026-06-01T00:00:00Z")
    assert kinds(r) == {("stale", "tw:1", "", "freshness")}
    r = pair(tmp_path / "back", old, [ds(frequency="每1月", modified="2026-05-30T00:00:00")],
             old_time="2026-06-01T00:00:00Z", new_time="2026-06-01T00:00:00Z")
    assert ("fresh", "tw:1", "", "freshness") in kinds(r)


def test_frequency_change_shows_as_expected_age(tmp_path: Path) -> None:
    r = pair(tmp_path, [ds(frequency="每1年", modified="2026-01-01T00:00:00")], [ds(frequency="每1月", modified="2026-01-01T00:00:00")])
    row = r.changes[r.changes["field"] == "freshness"].iloc[0]
    assert row["kind"] == "changed" and "≤ 550 d" in row["old"] and "≤ 47.5 d" in row["new"]


@pytest.mark.parametrize(("check", "old", "new", "kind"), [
    ("link", "pass", "fail", "link_broken"), ("link", "fail", "pass", "link_fixed"), ("link", "pass", "skip", "changed"),
    ("freshness", "pass", "fail", "stale"), ("freshness", "fail", "warn", "fresh"), ("freshness", "skip", "fail", "changed"),
    ("encoding", "pass", "fail", "worse"), ("encoding", "pass", "warn", "worse"), ("licence", "fail", "pass", "better"),
    ("format", "pass", "pass", "changed"), ("structure", "", "fail", "changed"), ("badge", "error", "pass", "changed"),
])
def test_classify(check: str, old: str, new: str, kind: str) -> None:
    assert classify(check, old, new) == kind and kind in CHANGE_KINDS


def test_outputs_are_neutralised_and_escaped(tmp_path: Path) -> None:
    r = pair(tmp_path, [ds("普通名稱")], [ds("=HYPERLINK(\"http://evil\")|<script>alert(1)</script>[x](y)")])
    out = tmp_path / "out"
    write_diff(r, out)
    csv_text = (out / "changes.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in csv_text and ",=HYPERLINK" not in csv_text
    text = (out / "diff.md").read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;" in text and "\\|" in text and "\\[x\\](y)" in text
    first = (out / "diff.md").read_bytes()
    write_diff(r, out)
    assert (out / "diff.md").read_bytes() == first


def test_same_snapshot_is_no_difference(tmp_path: Path) -> None:
    a = sf.build_snapshot(tmp_path / "a", [ds(), ds("乙", id=2, resources=[])])
    r = diff_snapshots(a, a)
    assert r.changes.empty and not r.has_differences
    levels = set(r.score_deltas["level"])
    assert levels == {"barometer", "subindex", "category", "question", "agency"}
    assert r.score_deltas["delta"].fillna(0).eq(0).all()


def test_empty_and_offportal_snapshots(tmp_path: Path) -> None:
    empty = sf.build_snapshot(tmp_path / "empty", [], catalog=sf.catalog_dict([], categories={"1": "one"}))
    r = diff_snapshots(empty, empty)
    assert r.changes.empty and not r.has_differences
    only = sf.build_snapshot(tmp_path / "only", [sf.dataset("外部", url="https://example.org/x", category="1"),
                                                 sf.dataset("找不到", category="1")])
    r = diff_snapshots(empty, only)
    assert r.has_differences and set(r.changes["kind"]) == {"dataset_added"}
    write_diff(r, tmp_path / "out")
    assert (tmp_path / "out" / "diff.md").exists()
