"""Tolerant reading of the dataset API's resource list: `distribution` (documented), and the
`distributions`, `resources` and `resource` shapes with CKAN-style keys that third-party scripts
report (fixtures: tests/fixtures/drift/README.md). The shape used is named, and where the API
and the export disagree about a dataset's resources the adapter says so (the consistency check
turns that into a finding)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from odaudit.checks import run_checks
from odaudit.portals import datagovtw as tw

DRIFT = Path(__file__).resolve().parent / "fixtures" / "drift"
COLS = tw.EXPORT_COLUMNS
URL = "https://ws.ndc.gov.tw/Download.ashx?u=LzAwMS9hZG1pbmlzdHJhdG9yLzEwL3JlbGZpbGUvNTc4MS82MzkxL2JmOGE0ZW"


def answer(name: str) -> dict:
    return tw.parse_api((DRIFT / name).read_bytes(), name)


def test_the_real_v2_distribution_item_is_read_whole() -> None:
    result = answer("api_6100_distribution.json")
    meta, resources, issues = tw.normalise(None, result)
    assert tw.api_shape(result) == "distribution"
    assert [(r["format"], r["url"], r["encoding"], r["rows"], r["description"]) for r in resources] == [
        ("CSV", URL, "UTF-8", "170", "製造業採購經理人指數")]
    assert resources[0]["fields"] == ["Date", "PMI", "NMI"]  # resourceField as a comma string
    assert not [i for i in issues if i["field"].startswith("distribution")]


def test_ckan_style_resources_give_the_same_resource() -> None:
    result = answer("api_resources_ckan.json")
    assert tw.api_shape(result) == "resources"
    _, resources, issues = tw.normalise(None, result)
    assert [(r["format"], r["url"], r["encoding"], r["description"], r["modified"]) for r in resources] == [
        ("CSV", URL, "UTF-8", "製造業採購經理人指數", "2026-08-01T00:00:00")]
    assert not any(i["issue"] == "missing_field" and i["field"] == "distribution" for i in issues)


@pytest.mark.parametrize("shape", ["distributions", "resource"])
def test_other_shapes(shape: str) -> None:
    item = {"format": "json", "url": "http://a.example/x.json"}
    result = {"title": "t", shape: [item] if shape == "distributions" else item}  # `resource` may be one object
    assert tw.api_shape(result) == shape
    _, resources, _ = tw.normalise(None, result)
    assert [(r["format"], r["url"]) for r in resources] == [("json", "http://a.example/x.json")]


def test_shape_of_no_list_and_of_no_answer() -> None:
    assert tw.api_shape({"title": "x"}) == "none"
    assert tw.api_shape(None) is None
    # the documented distribution wins over any other list, unless it is empty and another is not
    assert tw.api_shape({"distribution": [{"resourceDownloadUrl": "v"}], "resources": [{"url": "u"}]}) == "distribution"
    assert tw.api_shape({"distribution": [], "resources": [{"url": "u"}]}) == "resources"
    assert tw.api_shape({"distribution": [], "resources": []}) == "distribution"


def _row(**cells: str) -> dict[str, str]:
    return dict.fromkeys(COLS, "") | {"資料集識別碼": "1", "資料集名稱": "A", "授權方式": "政府資料開放授權條款-第1版"} | cells


def _consistency(record_issues: list[dict]) -> list:
    ds = {"key": "tw:1", "kind": "portal", "id": "1", "name": "A", "url": "", "category": "",
          "fetch": {"status": "ok", "sources": ["export", "api"], "error": ""}, "raw": {"export": {}, "api": {}},
          "meta": tw.normalise(_row(), None)[0], "parse_issues": record_issues, "resources": []}
    return [f for f in run_checks(ds, [], None, "2026-01-01T00:00:00Z") if f.check == "consistency" and not f.resource]


def test_api_and_export_disagreeing_about_resources_is_a_consistency_finding() -> None:
    row = _row(檔案格式="CSV", 資料下載網址="http://a.example/old.csv", 編碼格式="UTF-8", 資料量="1")
    api = {"resources": [{"format": "CSV", "url": "http://a.example/new.csv"},
                         {"format": "JSON", "url": "http://a.example/new.json"}]}
    _, resources, issues = tw.normalise(row, api)
    assert {r["url"] for r in resources} == {"http://a.example/old.csv", "http://a.example/new.csv", "http://a.example/new.json"}
    assert {"field": "resources", "issue": "resource_count_mismatch",
            "detail": "export 1 resources, API 2; matched by URL"} in issues
    [f] = _consistency(issues)
    assert f.outcome == "warn" and "resources: resource_count_mismatch" in f.evidence
    assert "not in the API resources" in f.evidence


def test_an_export_row_without_resources_but_an_api_with_some_is_noted() -> None:
    _, resources, issues = tw.normalise(_row(), {"resources": [{"format": "CSV", "url": "http://a.example/x.csv"}]})
    assert [r["url"] for r in resources] == ["http://a.example/x.csv"]
    assert [i["issue"] for i in issues if i["field"] == "資料下載網址"] == ["resources_only_in_api"]
    [f] = _consistency(issues)
    assert f.outcome == "warn" and "resources_only_in_api" in f.evidence


def test_fixture_files_are_valid_json() -> None:
    for p in DRIFT.glob("*.json"):
        json.loads(p.read_text(encoding="utf-8"))


def test_vocabulary_understood_is_each_checks_own_reading() -> None:
    from odaudit.inspect.understood import not_understood, understood

    assert understood("品質檢測", "白金") and understood("品質檢測", "無(白名單)") and not understood("品質檢測", "鑽石")
    assert understood("更新頻率", "每1日") and understood("更新頻率", {"regularupdate": "1", "Frequency": "1", "unittime": "日"})
    assert not understood("更新頻率", "依實際需求")
    assert understood("授權方式", "政府資料開放授權條款-第1版") and understood("授權方式", "1")
    assert not understood("授權方式", "機關自訂授權")
    assert understood("檔案格式", "JSON;CSV;XML") and understood("檔案格式", "壓縮檔") and not understood("檔案格式", "PARQUET")
    assert understood("更新頻率", "")  # missing is not a vocabulary problem
    rows = not_understood([("檔案格式", "PARQUET"), ("更新頻率", "依實際需求"), ("更新頻率", "依實際需求"), ("授權方式", "1")])
    assert rows == [{"vocabulary": "更新頻率", "value": "依實際需求", "count": 2},
                    {"vocabulary": "檔案格式", "value": "PARQUET", "count": 1}]
