"""Records of the 2017 and 2018 scrapes, in the export's shape (fixtures and old snapshots)."""

from __future__ import annotations

import re
from typing import Any

from .schema import _CONTACT_RE, EXPORT_COLUMNS
from .text import _text


def _split_contact(value: Any) -> tuple[str, str]:
    """"陳先生 (24201122)" -> ("陳先生", "24201122")."""
    s = _text(value).strip()
    m = _CONTACT_RE.match(s)
    if m:
        return m.group(1).strip(), m.group(2).strip()
    return s, ""


def _export_row(values: dict[str, Any], resources: list[dict[str, str]]) -> dict[str, str]:
    """A 22-column export row (plus 資料資源更新時間 / 資源描述 when the source has them)."""
    row = {c: _text(values.get(c)).strip() if c != "備註" else _text(values.get(c)) for c in EXPORT_COLUMNS}
    per = {"檔案格式": "format", "資料下載網址": "url", "編碼格式": "encoding", "資料量": "rows"}
    for col, key in per.items():
        row[col] = ";".join(r.get(key, "").strip() for r in resources)
    dates = [r.get("modified", "").strip() for r in resources]
    if any(dates):
        row["資料資源更新時間"] = ";".join(dates)
    descs = [r.get("description", "").strip() for r in resources]
    if any(descs) and not any(";" in d for d in descs):
        row["資源描述"] = ";".join(descs)
    return row


_LEGACY_2017_RES = {"檔案格式": "format", "編碼": "encoding", "資料量": "rows", "資源網址": "url",
                    "資源描述": "description", "資料資源更新時間": "modified"}


_LEGACY_2017_FLAT = re.compile(r"^(檔案格式|編碼|資料量|資源網址|資源描述|資料資源更新時間)(?:_(\d+))?$")


def legacy_2017_to_export(record: dict) -> dict[str, str]:
    """A 2017 data.gov.tw page as JSON (OpenData-TW/DataPackage-DGTW) -> an export row.

    Handles both scraper shapes: a 資料資源 block of ``resource_N`` objects, and the flat
    form with ``檔案格式``, ``檔案格式_1`` … keys.
    """
    r = record if isinstance(record, dict) else {}
    resources: list[dict[str, str]] = []
    block = r.get("資料資源")
    if isinstance(block, dict) and block:
        def order(k: str) -> tuple[int, str]:
            m = re.search(r"(\d+)$", k)
            return (int(m.group(1)) if m else 0, k)
        for k in sorted(block, key=order):
            res = block[k] if isinstance(block[k], dict) else {}
            resources.append({key: _text(res.get(col)) for col, key in _LEGACY_2017_RES.items()})
    else:
        by_index: dict[int, dict[str, str]] = {}
        for k, v in r.items():
            m = _LEGACY_2017_FLAT.match(str(k))
            if m:
                by_index.setdefault(int(m.group(2) or 0), {})[_LEGACY_2017_RES[m.group(1)]] = _text(v)
        resources = [by_index[i] for i in sorted(by_index)]
    name, phone = _split_contact(r.get("提供機關聯絡人"))
    values = {
        "資料集識別碼": r.get("node"),
        "資料集名稱": r.get("title"),
        "服務分類": r.get("服務分類"),
        "資資料集上架方式": r.get("資料集類型"),
        "資料集描述": r.get("資料集描述"),
        "主要欄位說明": r.get("主要欄位說明"),
        "提供機關": r.get("提供機關"),
        "更新頻率": r.get("更新頻率"),
        "授權方式": r.get("授權方式"),
        "相關網址": r.get("相關網址"),
        "計費方式": r.get("計費方式"),
        "提供機關聯絡人姓名": name,
        "提供機關聯絡人電話": phone,
        "上架日期": r.get("上架日期"),
        "詮釋資料更新時間": r.get("詮釋資料更新時間"),
        "備註": r.get("備註"),
    }
    return _export_row(values, resources)


def legacy_2018_to_export(record: dict) -> dict[str, str]:
    """A 2018 scraper record (TITLE, NODE, RESOURCE[...], OpenData-TW/DataPackage-DGTW) -> an export row.

    主要欄位說明 is taken from the resources' SCHEMA when they all carry the same text (it
    keeps the line breaks the dataset-level SCHEMA lost), else from SCHEMA (a list is
    joined with 、, as the page showed it).
    """
    r = record if isinstance(record, dict) else {}
    res_in = r.get("RESOURCE") if isinstance(r.get("RESOURCE"), list) else []
    resources = [
        {
            "format": _text(x.get("RES_FILETYPE")),
            "encoding": _text(x.get("RES_ENCODE")),
            "rows": _text(x.get("REC_COUNT")),
            "url": _text(x.get("RES_URL")),
            "description": _text(x.get("RES_DESC")),
            "modified": _text(x.get("RES_DATE_UPDATE_META")),
        }
        for x in res_in if isinstance(x, dict)
    ]
    schema = r.get("SCHEMA")
    res_schemas = {_text(x.get("SCHEMA")) for x in res_in if isinstance(x, dict)}
    if len(res_schemas) == 1 and next(iter(res_schemas)).strip():
        fields_text = next(iter(res_schemas))
    elif isinstance(schema, list):
        fields_text = "、".join(_text(s) for s in schema)
    else:
        fields_text = _text(schema)
    name, phone = _split_contact(r.get("AGENCY_CONTACT"))
    values = {
        "資料集識別碼": r.get("NODE"),
        "資料集名稱": r.get("TITLE"),
        "服務分類": r.get("SERVICE_TYPE"),
        "資資料集上架方式": r.get("DATA_TYPE"),
        "資料集描述": r.get("DESC"),
        "主要欄位說明": fields_text,
        "提供機關": r.get("AGENCY"),
        "更新頻率": r.get("UPDATE_FREQ"),
        "授權方式": r.get("LICENCE"),
        "相關網址": r.get("相關網址"),
        "計費方式": r.get("CHARGE"),
        "提供機關聯絡人姓名": name,
        "提供機關聯絡人電話": phone,
        "上架日期": r.get("DATE_PUBLISH"),
        "詮釋資料更新時間": r.get("DATE_UPDATE_META"),
        "備註": r.get("NOTES"),
    }
    return _export_row(values, resources)
