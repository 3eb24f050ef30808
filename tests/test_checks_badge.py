"""badge: the portal's 品質檢測 against what was measured."""

from __future__ import annotations

from pathlib import Path

from test_checks_helpers import Portal, one

FIELDS = ["主管機關", "收容所編號", "收容所名稱"]


def test_no_badge_or_exempt_skips(tmp_path: Path) -> None:
    for badge in ("", "無", "無(白名單)"):
        f = one(Portal(tmp_path, badge=badge), "badge", "")
        assert f.outcome == "skip"
    assert "exempt" in one(Portal(tmp_path, badge="無(白名單)"), "badge", "").evidence


def test_gold_holds(tmp_path: Path) -> None:
    p = Portal(tmp_path, badge="金", fields=FIELDS)
    p.add("taitung_shelters_utf8bom_slice.csv", encoding="UTF-8")
    p.add("taitung_shelters.xls", fmt="XLS", encoding="UTF-8")  # binary: encoding n/a
    f = one(p, "badge", "")
    assert (f.outcome, f.measured, f.expected) == ("pass", "金", "金")


def test_gold_disputed_by_big5_declared_utf8(tmp_path: Path) -> None:
    """46448 in 2017: declared UTF-8, real Big5 → encoding_match 0, so no 金."""
    p = Portal(tmp_path, badge="金", fields=["資料集名稱", "資料來源"])
    p.add("yilan_catalog_big5_slice.csv", encoding="UTF-8")
    f = one(p, "badge", "")
    assert (f.outcome, f.measured, f.expected) == ("fail", "銀", "金")
    assert "encoding fail on tw:1#0 (cp950)" in f.evidence


def test_bronze_disputed_by_landing_page(tmp_path: Path) -> None:
    p = Portal(tmp_path, badge="銅")
    p.add("landing_page.html", fmt="CSV")
    f = one(p, "badge", "")
    assert f.outcome == "fail" and f.measured == "below 銅"
    assert "downloadable fail on tw:1#0" in f.evidence


def test_silver_holds_even_without_field_list(tmp_path: Path) -> None:
    p = Portal(tmp_path, badge="銀", fields=[])
    p.add("taitung_shelters_utf8bom_slice.csv")
    f = one(p, "badge", "")
    assert (f.outcome, f.measured) == ("pass", "銀")


def test_platinum_is_judged_as_gold(tmp_path: Path) -> None:
    p = Portal(tmp_path, badge="白金", fields=FIELDS)
    p.add("taitung_shelters_utf8bom_slice.csv")
    f = one(p, "badge", "")
    assert f.outcome == "pass" and "OAS requirement not verified" in f.evidence


def test_unverifiable_requirement_warns(tmp_path: Path) -> None:
    p = Portal(tmp_path, badge="金", fields=FIELDS)
    p.add(b'<?xml version="1.0"?><a><b>text</b></a>', fmt="XML", content_type="application/xml")
    f = one(p, "badge", "")
    assert f.outcome == "warn" and "fields skip" in f.evidence
