"""freshness: ages in days against the declared 更新頻率, relative to the crawl time."""

from __future__ import annotations

from pathlib import Path

from test_checks_helpers import Portal, one

from odaudit.inspect.dates import parse_cell_date


def test_stale_daily_dataset_fails(tmp_path: Path) -> None:
    p = Portal(tmp_path, frequency="每1日", modified="2025-02-05T16:08:38")
    p.add("taitung_shelters_utf8bom_slice.csv", last_modified="Mon, 11 Dec 2017 08:00:00 GMT")
    f = one(p, "freshness", "", crawl="2025-09-23T12:00:00Z")
    assert f.outcome == "fail"
    assert f.expected == "≤ 2.5 d"
    assert f.measured == "age=230 d"
    assert "meta.modified 2025-02-05 16:08 (230 d)" in f.evidence
    assert "#0 Last-Modified 2017-12-11 16:00" in f.evidence
    assert "#0 data 最後更新時間 2017-10-24" in f.evidence  # YYYYMMDD in the data


def test_fresh_daily_dataset_from_the_data_itself(tmp_path: Path) -> None:
    """WRA: metadata is months old but the data's ObservationTime is from the crawl day."""
    p = Portal(tmp_path, frequency="每1日", modified="2025-02-05T16:08:38")
    p.add("wra_reservoir_utf8bom.csv")
    f = one(p, "freshness", "", crawl="2025-09-23T12:00:00Z")
    assert f.outcome == "pass", f
    assert "newest: #0 data ObservationTime 2025-09-23 18:00" in f.evidence
    # the three rows dated a year ahead are ignored, and said
    assert "3 dates in ObservationTime after the crawl ignored (latest 2026-09-18T00:00:00)" in f.evidence


def test_reference_time_is_the_crawl_time(tmp_path: Path) -> None:
    p = Portal(tmp_path, frequency="每月", modified="2025-09-01T00:00:00")
    assert one(p, "freshness", "", crawl="2025-09-23T00:00:00Z").outcome == "pass"
    assert one(p, "freshness", "", crawl="2025-12-31T00:00:00Z").outcome == "fail"


def test_irregular_static_missing_unknown(tmp_path: Path) -> None:
    assert one(Portal(tmp_path, frequency="不定期"), "freshness", "").outcome == "skip"
    f = one(Portal(tmp_path, frequency="不更新", modified="2012-01-01T00:00:00"), "freshness", "")
    assert f.outcome == "pass" and "never stale" in f.evidence
    assert one(Portal(tmp_path, frequency=""), "freshness", "").outcome == "warn"
    # An 更新頻率 odaudit does not understand is not measured (issue 18): skip, never a silent pass.
    f = one(Portal(tmp_path, frequency="看心情"), "freshness", "")
    assert f.outcome == "skip" and "'看心情' not understood" in f.evidence


def test_no_date_at_all_skips(tmp_path: Path) -> None:
    f = one(Portal(tmp_path, frequency="每日", modified=""), "freshness", "")
    assert f.outcome == "skip" and f.measured == "no date"


def test_future_metadata_date_is_ignored(tmp_path: Path) -> None:
    p = Portal(tmp_path, frequency="每年", modified="2030-01-01T00:00:00")
    p.add("taitung_shelters_utf8bom_slice.csv", declared_modified="2025/06/01 10:00")
    f = one(p, "freshness", "", crawl="2025-09-23T00:00:00Z")
    assert "meta.modified 2030-01-01 is in the future: ignored" in f.evidence
    assert "newest: #0 declared modified 2025-06-01 10:00" in f.evidence
    assert f.outcome == "pass"


def test_v2_frequency_dict(tmp_path: Path) -> None:
    p = Portal(tmp_path, frequency={"regularupdate": "1", "Frequency": "1", "unittime": "日"}, modified="2025-09-22T08:00:00")
    assert one(p, "freshness", "", crawl="2025-09-23T00:00:00Z").outcome == "pass"


def test_cell_date_forms() -> None:
    for text, day in [("2025-09-23", "2025-09-23"), ("2025/09/23", "2025-09-23"), ("20250923", "2025-09-23"),
                      ("2025-09-23T08:00:00", "2025-09-23"), ("2025-09-23 08:00", "2025-09-23"),
                      ("2025-09-23T08:00:00+08:00", "2025-09-23"), ("113/01/05", "2024-01-05"),
                      ("113-1-5", "2024-01-05"), ("民國113年1月5日", "2024-01-05"), ("2024年1月5日", "2024-01-05")]:
        dt = parse_cell_date(text)
        assert dt is not None and dt.strftime("%Y-%m-%d") == day, text
    for text in ("abc", "12345", "2025-13-01", "20251301", "1.5", "3000-01-01", ""):
        assert parse_cell_date(text) is None, text
