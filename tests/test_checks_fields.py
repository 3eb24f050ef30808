"""fields: declared 主要欄位說明 ⊆ the real header (the portal's desc_match)."""

from __future__ import annotations

import json
from pathlib import Path

from test_checks_helpers import Portal, one

from odaudit.checks.fields import declared_fields

TAITUNG = ["主管機關", "收容所編號", "收容所名稱", "收容所鄉鎮市區", "收容所村里", "地址", "管理人", "連絡電話",
           "收容人數", "X坐標", "Y坐標", "備註", "最後更新時間"]


def test_all_declared_fields_present(tmp_path: Path) -> None:
    p = Portal(tmp_path, fields=TAITUNG)
    p.add("taitung_shelters_utf8bom_slice.csv")
    f = one(p, "fields")
    assert (f.outcome, f.measured) == ("pass", "13/13 declared fields in header")
    assert f.evidence == "header and 主要欄位說明 agree"


def test_extra_column_still_passes_like_45672(tmp_path: Path) -> None:
    p = Portal(tmp_path, fields=TAITUNG[:-1])
    p.add("taitung_shelters_utf8bom_slice.csv")
    f = one(p, "fields")
    assert f.outcome == "pass" and "extra columns: 最後更新時間" in f.evidence


def test_missing_declared_field_fails(tmp_path: Path) -> None:
    p = Portal(tmp_path, fields=[*TAITUNG, "經度", "緯度"])
    p.add("taitung_shelters_utf8bom_slice.csv")
    f = one(p, "fields")
    assert (f.outcome, f.measured) == ("fail", "13/15 declared fields in header")
    assert "missing from header: 經度, 緯度" in f.evidence


def test_fields_text_fallback_and_descriptions(tmp_path: Path) -> None:
    text = "ReservoirIdentifier(水庫代碼);ObservationTime(觀測時間);集水區降雨量(AccumulateRainfallInCatchment)"
    assert declared_fields({"fields": [], "fields_text": text}) == [
        ("ReservoirIdentifier", "水庫代碼"), ("ObservationTime", "觀測時間"), ("集水區降雨量", "AccumulateRainfallInCatchment"),
    ]
    p = Portal(tmp_path, fields=[], fields_text=text)
    p.add("wra_reservoir_utf8bom.csv")
    assert one(p, "fields").outcome == "pass"


def test_2017_style_list_joined_by_enumeration_comma() -> None:
    got = declared_fields({"fields": ["Country、City、Village、Number"], "fields_text": ""})
    assert [n for n, _ in got] == ["Country", "City", "Village", "Number"]


def test_case_width_and_space_insensitive(tmp_path: Path) -> None:
    p = Portal(tmp_path, fields=["ｉｄ", "Station Name"])
    p.add(b"ID,StationName\n1,a\n")
    assert one(p, "fields").outcome == "pass"


def test_no_declared_fields_warns(tmp_path: Path) -> None:
    p = Portal(tmp_path, fields=[], fields_text="")
    p.add("taitung_shelters_utf8bom_slice.csv")
    assert one(p, "fields").outcome == "warn"


def test_json_keys_are_the_header(tmp_path: Path) -> None:
    p = Portal(tmp_path, fields=["Name", "Type"])
    p.add(json.dumps([{"Name": "a", "Type": "b", "Type2": "c"}]).encode(), fmt="JSON")
    f = one(p, "fields")
    assert f.outcome == "pass" and "Type2" in f.evidence


def test_non_tabular_skips(tmp_path: Path) -> None:
    p = Portal(tmp_path, fields=TAITUNG)
    p.add(b"%PDF-1.4\n", fmt="PDF")
    p.add(json.dumps({"a": {"b": 1}}).encode(), fmt="JSON")
    r = p.results()
    assert r[("fields", "0")].outcome == "skip"
    assert r[("fields", "1")].outcome == "skip"
