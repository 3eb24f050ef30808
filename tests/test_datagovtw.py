"""The data.gov.tw adapter on real records (2017, 2018, 2025) and on broken input.

Pure parsing: nothing here touches the network (the portal's URLs below are only text; the
end-to-end tests serve data.gov.tw from 127.0.0.1 with tests/portal.py).
"""

from __future__ import annotations

import csv
import io
import json
import random
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odaudit.errors import OdauditError
from odaudit.portals import datagovtw as tw
from odaudit.portals import get_adapter

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "portal"
COLS = tw.EXPORT_COLUMNS


def real_rows() -> dict[str, dict[str, str]]:
    data = json.loads((FIXTURES / "datasets.json").read_text(encoding="utf-8"))
    return {d["export"]["資料集識別碼"]: d["export"] for d in data}


def legacy(name: str) -> dict:
    return json.loads((FIXTURES / "legacy" / name).read_text(encoding="utf-8"))


def export_csv(rows: list[dict[str, str]], columns=COLS, bom: bool = True, encoding: str = "utf-8") -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r.get(c, "") for c in columns])
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


@pytest.fixture(scope="module")
def r41568() -> dict[str, str]:
    return real_rows()["41568"]


# ------------------------------------------------------------------ basics


def test_registry_and_urls():
    assert get_adapter("datagovtw") is tw
    with pytest.raises(OdauditError, match="unknown portal adapter"):
        get_adapter("nosuch")
    assert tw.export_url(tw.DEFAULT_PORTAL) == "https://data.gov.tw/api/front/dataset/export?format=csv"
    assert tw.dataset_api_url("https://data.gov.tw/", "41568") == "https://data.gov.tw/api/v2/rest/dataset/41568"
    assert tw.dataset_page_url("https://data.gov.tw", "41568") == "https://data.gov.tw/dataset/41568"


def test_export_columns():
    assert len(COLS) == 22 and COLS[0] == "資料集識別碼" and COLS[-1] == "資料量"
    assert COLS[8] == "資資料集上架方式"


# ------------------------------------------------------------------ the real 2025 record


def test_real_41568(r41568):
    meta, resources, issues = tw.normalise(r41568, None)
    assert issues == []
    assert list(meta) == list(tw.META_KEYS)
    assert meta["title"] == "水庫每日營運狀況"
    assert meta["agency"] == "經濟部水利署"
    assert meta["published"] == "2017-09-12T15:49:25"
    assert meta["modified"] == "2025-02-05T16:08:38"
    assert meta["badge"] == "白金" and meta["frequency"] == "每1日" and meta["cost"] == "免費"
    assert meta["licence"] == "政府資料開放授權條款-第1版"
    assert meta["provision"] == "檔案資料" and meta["upload_method"] == "系統介接程式"
    assert meta["service_category"] == "公共資訊"
    assert meta["fields"] == ["BasinRainfall", "Capacity", "CrossFlow", "DateTime", "DWL", "Inflow", "NWLMax",
                              "Outflow", "OutflowDischarge", "OutflowTotal", "RegulatoryDischarge",
                              "ReservoirIdentifier", "ReservoirName"]
    assert meta["fields_text"].startswith("BasinRainfall(集水區雨量")
    assert "OAS" in meta["notes"]
    assert [r["format"] for r in resources] == ["JSON", "CSV", "XML"]
    assert [r["rows"] for r in resources] == ["56", "56", "56"]
    assert all(r["encoding"] == "UTF-8" and r["url"].startswith("https://opendata.wra.gov.tw/") for r in resources)
    assert set(resources[0]) == set(tw.RESOURCE_KEYS)


def test_real_41568_through_the_export(r41568):
    parsed = tw.parse_export(export_csv([r41568]), "export.csv")
    assert parsed.issues == [] and parsed.encoding == "utf-8-sig"
    row = parsed.rows["41568"]
    assert row.line == 2 and row.raw == r41568  # 備註 keeps its line breaks


def test_with_api(r41568):
    api = {
        "title": "水庫每日營運狀況",
        "publisherOID": "2.16.886.101.20003.20006|經濟部水利署",
        "publisherContactEmail": "someone@example.org",
        "license": "1",
        "modifiedDate": "2025-02-05 16:08:38",
        "distribution": [
            {"resourceFormat": "JSON", "resourceDownloadUrl": u, "resourceCharacterEncoding": "UTF-8",
             "resourceDescription": f"desc {i}", "resourceModifiedDate": "2025-09-01 10:00:00",
             "resourceField": [{"name": "ReservoirName", "description": "水庫名稱"}]}
            for i, u in enumerate(r41568["資料下載網址"].split(";"))
        ],
    }
    api["distribution"][1]["resourceFormat"] = "CSV"
    api["distribution"][2]["resourceFormat"] = "XML"
    meta, resources, issues = tw.normalise(r41568, api)
    assert meta["agency_oid"] == "2.16.886.101.20003.20006" and meta["agency"] == "經濟部水利署"
    assert meta["contact_email"] == "someone@example.org"
    assert meta["licence"] == "政府資料開放授權條款-第1版"  # the export's words win over the code
    assert [r["description"] for r in resources] == ["desc 0", "desc 1", "desc 2"]
    assert resources[0]["modified"] == "2025-09-01T10:00:00"
    assert resources[0]["rows"] == "56"  # kept from the export
    assert resources[0]["fields"] == ["ReservoirName"]
    assert issues == []


def test_api_only_and_coded_values():
    api = {"title": "T", "license": "1", "cost": "free", "publisherOID": "2.16.886.101.20003.20082|數位發展部",
           "updateFrequency": {"regularupdate": "1", "Frequency": "1", "unittime": "月"},
           "publishedDate": "2013-11-01", "modifiedDate": "2023-04-21 15:43:26",
           "distribution": [{"resourceFormat": "CSV", "resourceDownloadUrl": "https://x.example/a.csv",
                             "resourceField": [{"name": "a"}, {"name": "b"}]}]}
    meta, resources, issues = tw.normalise(None, api)
    assert meta["licence"] == "1" and meta["cost"] == "free" and meta["frequency"] == "每1月"
    assert meta["agency"] == "數位發展部" and meta["agency_oid"] == "2.16.886.101.20003.20082"
    assert meta["published"] == "2013-11-01T00:00:00" and meta["modified"] == "2023-04-21T15:43:26"
    assert meta["fields"] == ["a", "b"]
    assert resources[0]["format"] == "CSV"
    coded = {i["field"] for i in issues if i["issue"] == "coded_value"}
    assert {"license", "cost", "updateFrequency"} <= coded


def test_api_count_mismatch_matches_by_url():
    row = dict.fromkeys(COLS, "") | {"資料集識別碼": "1", "檔案格式": "CSV;JSON;XML",
                                   "資料下載網址": "http://a/1;http://a/2;http://a/3", "編碼格式": "UTF-8;UTF-8;UTF-8",
                                   "資料量": "1;2;3"}
    api = {"distribution": [{"resourceFormat": "XML", "resourceDownloadUrl": "http://a/3", "resourceDescription": "x"},
                            {"resourceFormat": "CSV", "resourceDownloadUrl": "http://a/1", "resourceDescription": "c"}]}
    meta, resources, issues = tw.normalise(row, api)
    assert [(r["url"], r["format"], r["rows"], r["description"]) for r in resources] == [
        ("http://a/3", "XML", "3", "x"), ("http://a/1", "CSV", "1", "c"), ("http://a/2", "JSON", "2", "")]
    kinds = [i["issue"] for i in issues]
    assert "resource_count_mismatch" in kinds and "resource_not_in_api" in kinds


def test_api_disagreeing_with_export():
    row = dict.fromkeys(COLS, "") | {"資料集識別碼": "1", "資料集名稱": "舊名", "檔案格式": "CSV",
                                   "資料下載網址": "http://a/1", "提供機關": "甲機關", "詮釋資料更新時間": "2020-01-01 00:00:00"}
    api = {"title": "新名", "publisherOID": "1.2.3|乙機關", "modifiedDate": "2024-01-01 00:00:00",
           "distribution": [{"resourceFormat": "JSON", "resourceDownloadUrl": "http://a/1"}]}
    meta, resources, issues = tw.normalise(row, api)
    assert meta["title"] == "舊名" and meta["agency"] == "甲機關" and meta["modified"] == "2020-01-01T00:00:00"
    assert resources[0]["format"] == "JSON"  # API wins per resource
    differ = {i["field"] for i in issues if i["issue"] == "export_api_differ"}
    assert {"資料集名稱", "提供機關", "詮釋資料更新時間", "resource[0].format"} <= differ


def test_api_without_distribution():
    meta, resources, issues = tw.normalise(None, {"title": "x"})
    assert resources == [] and {"field": "distribution", "issue": "missing_field",
                                "detail": "API result has no distribution"} in issues


# ------------------------------------------------------------------ legacy records


def test_legacy_2017_page():
    row = tw.legacy_2017_to_export(legacy("2017_45672.json"))
    assert list(row)[:22] == list(COLS)
    assert row["資料集識別碼"] == "45672" and row["資資料集上架方式"] == "原始資料"
    assert row["提供機關聯絡人姓名"] == "簡小姐" and row["提供機關聯絡人電話"] == "0224651115#229"
    meta, resources, issues = tw.normalise(row, None)
    assert issues == []
    assert meta["published"] == "2017-05-22T00:00:00" and meta["modified"] == "2017-07-24T17:42:00"
    assert meta["fields"][:3] == ["Country", "City", "Village"] and len(meta["fields"]) == 11
    assert meta["badge"] == "" and meta["frequency"] == "即時"
    assert [r["format"] for r in resources] == ["JSON", "CSV", "XML"]
    assert resources[1]["url"] == "http://opendata.epa.gov.tw/ws/Data/OTH01092/?$skip=0&$top=1000&format=csv"
    assert resources[2]["modified"] == "2017-07-24T17:25:00"
    assert resources[0]["description"] == "基隆市建檔管理公廁名稱位置資料-JSON"


def test_legacy_2017_flat_form():
    row = tw.legacy_2017_to_export(legacy("2017dq_54554.json"))
    meta, resources, issues = tw.normalise(row, None)
    assert issues == []
    assert [r["rows"] for r in resources] == ["200", "238"]
    assert resources[1]["url"] == "http://land.klcg.gov.tw/ReadFile?p=Business&id=3639"
    assert meta["contact_name"] == "蔡小姐" and meta["contact_phone"] == "02-24201122#2406"
    assert len(meta["fields"]) == 28


def test_legacy_2017_shifted_field_is_an_issue():
    """28148: the 2017 scraper put the keyword into 詮釋資料更新時間 (real data)."""
    row = real_rows()["28148"]
    meta, _, issues = tw.normalise(row, None)
    assert meta["modified"] == ""
    assert {"field": "詮釋資料更新時間", "issue": "bad_date", "detail": "'社福'"} in issues


def test_legacy_2018_record():
    row = tw.legacy_2018_to_export(legacy("2018_27431.json"))
    meta, resources, issues = tw.normalise(row, None)
    assert issues == []
    assert meta["fields"] == ["Cno", "DP_NO", "ITEM", "M_year", "M_month", "M_day", "M_time", "M_Val", "Code2"]
    assert "\r\r" in meta["fields_text"]
    assert meta["contact_name"] == "張 小姐" and meta["contact_phone"] == "3272"
    assert meta["upload_method"] == "系統介接程式" and meta["frequency"] == "每小時"
    assert [r["format"] for r in resources] == ["CSV", "JSON"]
    assert resources[0]["modified"] == "2018-03-15T23:20:00"


def test_legacy_2018_semicolon_urls():
    row = tw.legacy_2018_to_export(legacy("2018_35224.json"))
    assert row["資料下載網址"].count(";") == 3
    meta, resources, issues = tw.normalise(row, None)
    assert len(resources) == 2
    assert resources[0]["url"].startswith("http://data.taipei/opendata/datalist/datasetMeta/download;jsessionid=")
    assert resources[0]["url"].endswith("rid=790d0740-4069-42ef-8446-bb66975f178b")
    assert [i["issue"] for i in issues] == ["semicolon_in_url"]


def test_legacy_2018_missing_fields():
    rec = legacy("2018_27431.json")
    del rec["UPDATE_FREQ"], rec["DATE_PUBLISH"]
    rec["SCHEMA"] = ["a", "b"]
    for r in rec["RESOURCE"]:
        r["SCHEMA"] = ""
    meta, _, issues = tw.normalise(tw.legacy_2018_to_export(rec), None)
    assert meta["frequency"] == "" and meta["published"] == "" and meta["fields"] == ["a", "b"]
    assert issues == []


def test_legacy_garbage_does_not_crash():
    for rec in ({}, {"RESOURCE": "x"}, {"資料資源": [1, 2]}, {"RESOURCE": [1, {"RES_URL": None}]}, None, []):
        for conv in (tw.legacy_2017_to_export, tw.legacy_2018_to_export):
            row = conv(rec)  # type: ignore[arg-type]
            assert set(COLS) <= set(row)
            tw.normalise(row, None)


def test_all_real_fixture_rows_normalise():
    for ds_id, row in real_rows().items():
        meta, resources, issues = tw.normalise(row, None)
        assert meta["title"], ds_id
        assert all(r["url"] for r in resources), ds_id
        assert not [i for i in issues if i["issue"] == "list_length_mismatch"], ds_id


# ------------------------------------------------------------------ `;`-joined columns


def _row(**cols: str) -> dict[str, str]:
    return dict.fromkeys(COLS, "") | {"資料集識別碼": "7"} | cols


def test_semicolon_length_mismatch_pads_and_keeps_urls():
    row = _row(檔案格式="CSV;JSON;XML", 資料下載網址="http://a/1;http://a/2", 編碼格式="UTF-8;UTF-8;UTF-8", 資料量="3;3")
    meta, resources, issues = tw.normalise(row, None)
    assert len(resources) == 3
    assert [r["url"] for r in resources] == ["http://a/1", "http://a/2", ""]
    assert [r["rows"] for r in resources] == ["3", "3", ""]
    mism = [i for i in issues if i["issue"] == "list_length_mismatch"]
    assert {i["field"] for i in mism} == {"資料下載網址", "資料量"}
    assert mism[0]["detail"] == "檔案格式 3, 資料下載網址 2, 編碼格式 3, 資料量 2"


def test_more_urls_than_formats_never_drops_a_url():
    row = _row(檔案格式="CSV", 資料下載網址="http://a/1;http://a/2", 編碼格式="UTF-8", 資料量="1")
    _, resources, issues = tw.normalise(row, None)
    assert [r["url"] for r in resources] == ["http://a/1", "http://a/2"]
    assert [r["format"] for r in resources] == ["CSV", ""]
    assert {i["field"] for i in issues if i["issue"] == "list_length_mismatch"} == {"檔案格式", "編碼格式", "資料量"}


def test_semicolon_inside_url_query():
    url = "https://x.gov.tw/get.aspx?a=1;b=2;c=3"
    row = _row(檔案格式="CSV;JSON", 資料下載網址=f"{url};https://x.gov.tw/j?x=1", 編碼格式="UTF-8;UTF-8", 資料量="1;1")
    _, resources, issues = tw.normalise(row, None)
    assert [r["url"] for r in resources] == [url, "https://x.gov.tw/j?x=1"]
    assert issues == [{"field": "資料下載網址", "issue": "semicolon_in_url",
                       "detail": "2 `;` inside URLs re-joined (4 pieces -> 2 URLs)"}]


def test_trailing_semicolon():
    row = _row(檔案格式="CSV;", 資料下載網址="http://a/1;", 編碼格式="UTF-8;", 資料量="1;")
    _, resources, issues = tw.normalise(row, None)
    assert len(resources) == 1 and [i["issue"] for i in issues] == ["empty_resource"]


def test_resource_modified_column():
    row = _row(檔案格式="CSV;CSV", 資料下載網址="http://a/1;http://a/2", 資料資源更新時間="2017/07/24 17:21;bad")
    _, resources, issues = tw.normalise(row, None)
    assert [r["modified"] for r in resources] == ["2017-07-24T17:21:00", ""]
    assert {"field": "資料資源更新時間[1]", "issue": "bad_date", "detail": "'bad'"} in issues


def test_no_resources():
    meta, resources, issues = tw.normalise(_row(), None)
    assert resources == [] and issues == []


def test_missing_columns_in_a_row():
    meta, _, issues = tw.normalise({"資料集識別碼": "1", "資料集名稱": "x"}, None)
    assert meta["title"] == "x"
    missing = {i["field"] for i in issues if i["issue"] == "missing_field"}
    assert "更新頻率" in missing and "資資料集上架方式" in missing and "資料集名稱" not in missing


def test_no_metadata_at_all():
    meta, resources, issues = tw.normalise(None, None)
    assert meta["title"] == "" and meta["fields"] == [] and resources == []
    assert issues[0]["issue"] == "no_metadata"


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(list(COLS) + ["資料資源更新時間", "x"]),
                       st.one_of(st.text(), st.none(), st.integers(), st.lists(st.text(max_size=3), max_size=2))),
       st.one_of(st.none(), st.dictionaries(st.sampled_from(["title", "distribution", "publisherOID", "license",
                                                             "updateFrequency", "modifiedDate"]),
                                            st.one_of(st.text(), st.none(), st.integers(),
                                                      st.lists(st.one_of(st.text(), st.dictionaries(
                                                          st.sampled_from(["resourceFormat", "resourceDownloadUrl",
                                                                           "resourceField"]), st.text())))))))
def test_normalise_never_crashes(export, api):
    meta, resources, issues = tw.normalise(export, api)
    assert list(meta) == list(tw.META_KEYS)
    assert all(set(r) == set(tw.RESOURCE_KEYS) for r in resources)
    assert all(set(i) == {"field", "issue", "detail"} for i in issues)


# ------------------------------------------------------------------ export parsing


def _rows(n: int = 3) -> list[dict[str, str]]:
    return [_row(資料集識別碼=str(100 + i), 資料集名稱=f"資料集{i}", 檔案格式="CSV", 資料下載網址=f"http://a/{i}.csv")
            for i in range(n)]


def test_export_with_and_without_bom():
    rows = _rows()
    a = tw.parse_export(export_csv(rows, bom=True), "a")
    b = tw.parse_export(export_csv(rows, bom=False), "b")
    assert a.encoding == "utf-8-sig" and b.encoding == "utf-8"
    assert {k: v.raw for k, v in a.rows.items()} == {k: v.raw for k, v in b.rows.items()}
    assert a.issues == b.issues == []
    assert a.columns == list(COLS)


def test_export_column_order_shuffled():
    rows = _rows()
    cols = list(COLS) + ["資料資源更新時間", "新欄位"]
    random.Random(1).shuffle(cols)
    rows[0]["新欄位"] = "extra"
    parsed = tw.parse_export(export_csv(rows, columns=cols), "shuffled")
    assert parsed.rows["100"].raw["資料集名稱"] == "資料集0"
    assert parsed.rows["100"].raw["新欄位"] == "extra"
    assert [i["issue"] for i in parsed.issues] == ["unknown_columns"]
    meta, resources, _ = tw.normalise(parsed.rows["101"].raw, None)
    assert meta["title"] == "資料集1" and resources[0]["url"] == "http://a/1.csv"


def test_export_broken_row():
    data = export_csv(_rows(3)).decode("utf-8-sig").split("\r\n")
    data[2] = ",".join(data[2].split(",")[:10])  # the row of id 101, cut short
    parsed = tw.parse_export("\r\n".join(data).encode(), "broken.csv")
    assert set(parsed.rows) == {"100", "102"}
    assert parsed.rows["102"].line == 4
    assert parsed.broken == {"101": 3}
    assert parsed.issues == [{"field": "(row)", "issue": "broken_row",
                              "detail": "line 3: 10 fields, expected 22 (資料集識別碼 '101'?)"}]


def test_export_multiline_cells_keep_line_numbers():
    rows = _rows(3)
    rows[0]["備註"] = "第一行\n第二行\r\n第三行"
    parsed = tw.parse_export(export_csv(rows), "x")
    assert parsed.rows["100"].raw["備註"] == "第一行\n第二行\r\n第三行"
    assert [parsed.rows[i].line for i in ("100", "101", "102")] == [2, 5, 6]


def test_export_row_issues():
    rows = _rows(3) + [_row(資料集識別碼="100", 資料集名稱="dup"), _row(資料集識別碼="", 資料集名稱="無id"), _row(資料集識別碼="A-1")]
    parsed = tw.parse_export(export_csv(rows) + b"\r\n\r\n", "x")
    assert parsed.rows["100"].raw["資料集名稱"] == "資料集0"
    assert [i["issue"] for i in parsed.issues] == ["duplicate_id", "no_id", "bad_id"]
    assert "line 5: id 100 already at line 2" in parsed.issues[0]["detail"]
    assert "A-1" in parsed.rows and parsed.row_count == 6


def test_export_missing_columns():
    cols = [c for c in COLS if c not in ("更新頻率", "資料量")]
    parsed = tw.parse_export(export_csv(_rows(), columns=cols), "x")
    assert len(parsed.rows) == 3
    assert parsed.issues == [{"field": "(header)", "issue": "missing_columns", "detail": "line 1: no column 更新頻率, 資料量"}]


def test_export_only_wanted_ids():
    parsed = tw.parse_export(export_csv(_rows(5)), "x", ids={"101", "999"})
    assert set(parsed.rows) == {"101"}


def test_export_cp950_fallback():
    rows = _rows()
    parsed = tw.parse_export(export_csv(rows, bom=False, encoding="cp950"), "big5.csv")
    assert parsed.encoding == "cp950"
    assert parsed.rows["100"].raw["資料集名稱"] == "資料集0"
    assert parsed.issues[0]["issue"] == "not_utf8" and "cp950" in parsed.issues[0]["detail"]


def test_export_trailing_comma_is_tolerated():
    text = export_csv(_rows(1), bom=False).decode().replace("\r\n", ",\r\n")
    parsed = tw.parse_export(text.encode(), "x")
    assert "100" in parsed.rows and parsed.issues == []


@pytest.mark.parametrize(("data", "kind"), [
    (b"", "empty"),
    (b"   \r\n", "empty"),
    ("<!DOCTYPE html><html><body>維護中</body></html>".encode(), "not_export"),
    ("資料集名稱,提供機關\r\n甲,乙\r\n".encode(), "not_export"),
])
def test_unusable_export(data, kind):
    with pytest.raises(tw.PortalError) as err:
        tw.parse_export(data, "https://data.gov.tw/api/front/dataset/export?format=csv")
    assert err.value.kind == kind
    assert str(err.value).startswith("https://data.gov.tw/api/front/dataset/export?format=csv")
    if kind == "not_export":
        assert str(err.value).startswith("https://data.gov.tw/api/front/dataset/export?format=csv:1: ")
        assert isinstance(err.value, ValueError) and isinstance(err.value, OdauditError)


def test_export_50000_rows_quickly():
    """About the size of the real export (~50,000 datasets, ~14 MB)."""
    row = _row(資料集描述="本資料集" * 40, 主要欄位說明=";".join(f"F{i}(說明{i})" for i in range(12)),
               檔案格式="JSON;CSV;XML", 編碼格式="UTF-8;UTF-8;UTF-8", 資料量="56;56;56")
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLS)
    values = [row[c] for c in COLS]
    for i in range(50_000):
        values[0] = str(i)
        values[6] = f"https://x.gov.tw/{i}.json;https://x.gov.tw/{i}.csv;https://x.gov.tw/{i}.xml"
        w.writerow(values)
    data = b"\xef\xbb\xbf" + buf.getvalue().encode()
    t = time.perf_counter()
    parsed = tw.parse_export(data, "big")
    elapsed = time.perf_counter() - t
    assert len(parsed.rows) == 50_000 and parsed.issues == []
    assert elapsed < 10, f"{elapsed:.1f} s for {len(data) / 1e6:.0f} MB"


# ------------------------------------------------------------------ v2 API


def test_parse_api_ok():
    body = json.dumps({"success": True, "result": {"title": "x", "distribution": []}}).encode("utf-8-sig")
    assert tw.parse_api(body, "api") == {"title": "x", "distribution": []}


@pytest.mark.parametrize(("body", "kind", "text"), [
    (b'{"success": true, "result": {', "invalid_json", "api/41568:1:30: invalid JSON"),
    (b"<html><body>502 Bad Gateway</body></html>", "invalid_json", "api/41568:1:1: invalid JSON"),
    ('{"success":false,"error":{"error_type":"ER0001:API Key錯誤"}}'.encode(), "not_success",
     "api/41568: API answered success: false (ER0001:API Key錯誤)"),
    (b'{"success": "false"}', "not_success", "api/41568: API answered success: false"),
    (b'{"success": true}', "no_result", "api/41568: API answer has no result"),
    (b'{"success": true, "result": []}', "no_result", "api/41568: API answer has a list result"),
    (b"[1, 2]", "not_object", "api/41568: API answer is a JSON list"),
    (b"", "empty", "api/41568: empty API answer"),
    (b"\xff\xfe{", "encoding", "api/41568: API answer is not UTF-8"),
])
def test_parse_api_errors(body, kind, text):
    with pytest.raises(tw.PortalError) as err:
        tw.parse_api(body, "api/41568")
    assert err.value.kind == kind and err.value.source == "api/41568"
    assert str(err.value).startswith(text)


# ------------------------------------------------------------------ small parsers


@pytest.mark.parametrize(("raw", "iso"), [
    ("2017-09-12 15:49:25", "2017-09-12T15:49:25"),
    ("2025-02-05 16:08:38.000000", "2025-02-05T16:08:38"),
    ("2017/07/24 17:21", "2017-07-24T17:21:00"),
    ("2017/05/22", "2017-05-22T00:00:00"),
    ("2013-11-01", "2013-11-01T00:00:00"),
    ("2023-04-21T15:43:26+08:00", "2023-04-21T15:43:26"),
    ("  2017/5/2 ", "2017-05-02T00:00:00"),
    ("", ""),
    (None, ""),
    ("2017/13/45", None),
    ("社福", None),
    ("106/07/24", None),
])
def test_iso_datetime(raw, iso):
    assert tw.iso_datetime(raw) == iso


@pytest.mark.parametrize(("text", "names"), [
    ("BasinRainfall(集水區雨量,前一日[單位、毫米]);Capacity(有效容量)", ["BasinRainfall", "Capacity"]),
    ("Country、City、Village", ["Country", "City", "Village"]),
    ("Cno:中文廠名\r\rDP_NO:煙囪編號\r\rCode2 :中文狀態", ["Cno", "DP_NO", "Code2"]),
    ("年度,原因,補助人次,", ["年度", "原因", "補助人次"]),
    ("year：年度,project_name：專案名稱", ["year", "project_name"]),
    ("Field1:年;Field2: 義消人員-人數 男", ["Field1", "Field2"]),
    ("CASE_ID：災情案件編號。CASE_DT：發生時間。", ["CASE_ID", "CASE_DT"]),
    ("{&quot;time&quot;:&quot;即時&quot;,&quot;schID&quot;:&quot;代碼&quot;}", ["time", "schID"]),
    ("河川名稱、時間、水位(公尺)", ["河川名稱", "時間", "水位(公尺)"]),
    ("颱風路徑預報", ["颱風路徑預報"]),
    ("A(說明;B;C", ["A", "B", "C"]),
    ("", []),
    ([{"name": "a"}, {"name": "b"}, "c"], ["a", "b", "c"]),
])
def test_parse_fields(text, names):
    assert tw.parse_fields(text) == names
