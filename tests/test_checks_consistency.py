"""consistency: parse issues and declared 資料量 against the real row count."""

from __future__ import annotations

from pathlib import Path

from test_checks_helpers import Portal, one


def test_parse_issues(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    assert one(p, "consistency", "").outcome == "pass"
    p.parse_issues.append({"field": "資料量", "issue": "list_length_mismatch", "detail": "3 formats, 2 URLs"})
    f = one(p, "consistency", "")
    assert (f.outcome, f.measured) == ("fail", "1 issue")
    assert f.evidence == "資料量: list_length_mismatch (3 formats, 2 URLs)"
    p.parse_issues[:] = [{"field": "上架日期", "issue": "unparsable_date", "detail": "2017/13/01"}]
    assert one(p, "consistency", "").outcome == "warn"


def test_declared_rows(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("taitung_shelters_utf8bom_slice.csv", rows="40")
    p.add("taitung_shelters_utf8bom_slice.csv", rows="9")   # the 2017 habit: 資料量 9
    p.add("taitung_shelters_utf8bom_slice.csv", rows="38")
    p.add("taitung_shelters_utf8bom_slice.csv", rows="")
    p.add("taitung_shelters_utf8bom_slice.csv", rows="很多")
    p.add(b"%PDF-1.4\n", fmt="PDF", rows="0")
    r = p.results()
    assert (r[("consistency", "0")].outcome, r[("consistency", "0")].measured, r[("consistency", "0")].expected) == ("pass", "rows=40", "rows=40")
    assert r[("consistency", "1")].outcome == "fail" and r[("consistency", "1")].evidence == "資料量 9, data has 40 rows"
    assert r[("consistency", "2")].outcome == "warn"
    assert r[("consistency", "3")].outcome == "skip"
    assert r[("consistency", "4")].outcome == "fail"
    assert r[("consistency", "5")].outcome == "skip"
