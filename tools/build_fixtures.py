#!/usr/bin/env python3
"""Build tests/fixtures/portal/ from the real data.gov.tw files in shared/datagovtw/.

    python tools/build_fixtures.py [--shared ../shared] [--out tests/fixtures/portal]

Writes
    datasets.json   [{"origin", "export": {export row}, "api": null, "platform_check": {...}}]
                    real dataset metadata converted to bulk-export rows (the 22 columns, plus
                    資料資源更新時間 / 資源描述 where the source had them): every 2017 page of
                    DGTW/ and DGTW_with_DQ/, the 2025 row of dataset 41568, and a chosen set of
                    the 2018 民生公共物聯網 records (SELECTED_2018 says why each one).
    legacy/         a few source records as they were, for the converter tests
    bodies/         real resource files, and bodies.json: original resource URL -> file served
                    there by the fake portal (tests/portal.py); the rest are generated
    README.md       provenance and licence

The output is deterministic: running it twice gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import sys
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from odaudit.portals import datagovtw  # noqa: E402

DEFAULT_SHARED = ROOT.parent / "shared"
DEFAULT_OUT = ROOT / "tests" / "fixtures" / "portal"

# 2018 records chosen for variety (NODE -> what it exercises).
SELECTED_2018: dict[str, str] = {
    "6943": "national shelter list, CSV on Google Drive; served with the real Taitung shelters file",
    "42176": "Yilan shelters, CSV/XML/JSON on a county host, empty SCHEMA",
    "27431": "SCHEMA `Cno:中文廠名\\r\\rDP_NO:…`, zip download declared CSV",
    "35223": "`;jsessionid=` inside the download URL (XLS)",
    "35224": "two URLs each with `;jsessionid=`",
    "18233": "壓縮檔 (zip) resource, 資料量 0",
    "34810": "EPA hourly air quality JSON/XML/CSV, declared 10546 rows",
    "6644": "16 resources, one declared BIG5 among UTF-8",
    "6816": "CSV declared BIG5",
    "26061": "CSV declared BIG5, comma-separated SCHEMA",
    "27461": "8 CSV resources declared BIG5, 相關網址",
    "29443": "no UPDATE_FREQ",
    "38775": "no DATE_PUBLISH, format 其他",
    "21725": "GEOJSON resource",
    "26662": "KML resource",
    "45969": "RSS resource",
    "47083": "PDF and CSV",
    "10467": "PDF only, encoding 其他 (listed in two topic folders)",
    "36354": "SCHEMA `Field1:年;Field2: …`",
    "12851": "SCHEMA `A：說明。B：說明。`",
    "37304": "SCHEMA is HTML-escaped JSON",
    "35963": "SCHEMA `year：年度,project_name：專案名稱`",
    "9281": "XML and PDF, no UPDATE_FREQ",
    "43833": "XML only, daily",
    "24854": "format 其他",
    "34522": "13 resources (ODS and CSV)",
    "12730": "WEBSERVICES, encoding 其他",
    "6068": "XML and PDF with 相關網址",
    "10237": "XLSX, encoding 其他",
    "6159": "PNG image, no UPDATE_FREQ",
    "10059": "KMZ",
    "20457": "CAP alerts",
}

# Source records copied verbatim into legacy/ (for the converter tests).
LEGACY_COPIES = {
    "2017-10_DataPackage-DGTW/DGTW/45672-基隆市環境保護局_基隆市建檔管理公廁.json": "2017_45672.json",
    "2017-10_DataPackage-DGTW/DGTW_with_DQ/54554 - 基隆市政府地政處.基隆市不動產買賣實價登錄Open Data(106年7月買賣登記案件).json": "2017dq_54554.json",
    "2018-03_DataPackage-DGTW_minsheng-iot/2. 空污/27431. 新北市政府環境保護局_新北市轄內固定污染源空氣污染物監測數據-即時.json": "2018_27431.json",
    "2018-03_DataPackage-DGTW_minsheng-iot/2. 空污/35224. 行政院環境保護署_臺北市空氣污染稽查處分概況年報表.json": "2018_35224.json",
}

# The console log wrapped lines at a fixed width and dropped one character at each wrap
# (shared/reference/datagovtw.md §6 lists the first three; the three in 資料集描述 are read
# from the same sentence elsewhere in the record: 集水區雨量, 營運相關資料, 每日營運狀況).
_WRAP_FIXES = ["公", "務", "資", "集", "關", "營"]
_TEXT_FIXES = {"水每日營運狀況": "水庫每日營運狀況"}
_LOG_FILE = "samples/export_record_41568_2025_verbatim_from_terminal_log.txt"


def reconstruct_41568(shared: Path) -> dict[str, str]:
    lines = (shared / "datagovtw" / _LOG_FILE).read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("Agent: {"))
    end = next(i for i in range(start, len(lines)) if lines[i].rstrip().endswith("}"))
    parts = [lines[start][len("Agent: "):]] + [line[2:] for line in lines[start + 1: end + 1]]
    assert all(line.startswith("  ") for line in lines[start + 1: end + 1]), "unexpected wrap"
    assert len(parts) - 1 == len(_WRAP_FIXES), f"{len(parts) - 1} wraps, expected {len(_WRAP_FIXES)}"
    text = parts[0]
    for fix, part in zip(_WRAP_FIXES, parts[1:], strict=True):
        text += fix + part
    for bad, good in _TEXT_FIXES.items():
        assert text.count(bad) == 1, bad
        text = text.replace(bad, good)
    record = json.loads(text)
    assert set(datagovtw.EXPORT_COLUMNS) == set(record), set(record) ^ set(datagovtw.EXPORT_COLUMNS)
    assert "單位為公尺" in record["主要欄位說明"] and record["服務分類"] == "公共資訊"
    return {c: record[c] for c in datagovtw.EXPORT_COLUMNS}


def _checks_2017(record: dict) -> dict:
    """The platform's 2017 quality-check result per resource URL (DGTW page form)."""
    out = {}
    block = record.get("資料資源")
    if isinstance(block, dict):
        for res in block.values():
            if isinstance(res, dict) and res.get("資源網址"):
                out[res["資源網址"]] = {k: res.get(k) for k in
                                      ("linkable", "downloadable", "structure", "encoding_match", "desc_match", "csv",
                                       "encoding", "file_type", "amount", "fields", "messages")}
    return out


def _checks_dq(dq: dict) -> dict:
    out = {}
    for url, item in (dq.get("resources") or {}).items():
        res = item.get("resource", {}) if isinstance(item, dict) else {}
        out[url] = {k: res.get(k) for k in
                    ("linkable", "downloadable", "structure", "encoding_match", "desc_match", "csv",
                     "encoding", "file_type", "amount", "fields", "messages")}
    return out


def collect(shared: Path) -> list[dict]:
    base = shared / "datagovtw"
    datasets: list[dict] = []
    for f in sorted((base / "2017-10_DataPackage-DGTW" / "DGTW").glob("*.json")):
        if f.name.endswith("[r].json"):
            continue
        rec = json.loads(f.read_text(encoding="utf-8"))
        datasets.append({"origin": str(f.relative_to(base)), "export": datagovtw.legacy_2017_to_export(rec),
                         "api": None, "platform_check": _checks_2017(rec)})
    dq_dir = base / "2017-10_DataPackage-DGTW" / "DGTW_with_DQ"
    for f in sorted(dq_dir.glob("*.json")):
        if f.name.endswith(" - DQ.json"):
            continue
        rec = json.loads(f.read_text(encoding="utf-8"))
        node = str(rec.get("node"))
        dq_file = dq_dir / f"{node} - DQ.json"
        checks = _checks_dq(json.loads(dq_file.read_text(encoding="utf-8"))) if dq_file.exists() else {}
        datasets.append({"origin": str(f.relative_to(base)), "export": datagovtw.legacy_2017_to_export(rec),
                         "api": None, "platform_check": checks})
    datasets.append({"origin": _LOG_FILE + " (lines 2-8, wrapped characters restored)",
                     "export": reconstruct_41568(shared), "api": None, "platform_check": {}})
    found: dict[str, Path] = {}
    for f in sorted((base / "2018-03_DataPackage-DGTW_minsheng-iot").glob("*/*.json")):
        node = f.name.split(".", 1)[0].lstrip("0")
        if node in SELECTED_2018 and node not in found:
            found[node] = f
    missing = set(SELECTED_2018) - set(found)
    assert not missing, f"2018 records not found: {sorted(missing)}"
    for node in SELECTED_2018:
        f = found[node]
        rec = json.loads(f.read_text(encoding="utf-8"))
        assert str(rec["NODE"]) == node, (f, rec["NODE"])
        datasets.append({"origin": str(f.relative_to(base)), "export": datagovtw.legacy_2018_to_export(rec),
                         "api": None, "platform_check": {}})
    ids = [d["export"]["資料集識別碼"] for d in datasets]
    assert len(ids) == len(set(ids)), "duplicate dataset id"
    return datasets


def _resource_urls(row: dict) -> list[tuple[str, str]]:
    _, resources, _ = datagovtw.normalise(row, None)
    return [(r["format"], r["url"]) for r in resources]


def _wra_rows(path: Path) -> list[dict]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _json_body(rows: list[dict]) -> bytes:
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _xml_body(rows: list[dict], root: str, item: str) -> bytes:
    out = ['<?xml version="1.0" encoding="utf-8"?>', f"<{root}>"]
    for row in rows:
        out.append(f"<{item}>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in row.items()) + f"</{item}>")
    out.append(f"</{root}>")
    return "\n".join(out).encode("utf-8")


def bodies(shared: Path, datasets: list[dict], out: Path) -> dict[str, dict]:
    """Real resource files mapped to the dataset resources they stand in for.

    `provenance` says what each is: `stand_in`, a real file standing in for one that was never
    archived (another resource, another portal), or `converted`, real rows converted to the
    declared format here. None is the agency's file as published at that URL, and reports say so."""
    samples = shared / "datagovtw" / "samples"
    by_id = {d["export"]["資料集識別碼"]: d for d in datasets}
    (out / "bodies").mkdir(parents=True, exist_ok=True)
    mapping: dict[str, dict] = {}

    def url_of(ds_id: str, fmt: str) -> str:
        urls = [u for f, u in _resource_urls(by_id[ds_id]["export"]) if f.upper() == fmt]
        assert urls, (ds_id, fmt)
        return urls[0]

    wra = samples / "wra_reservoir_hourly_resource_utf8bom_2025-09-22.csv"
    shutil.copyfile(wra, out / "bodies" / "wra_reservoir_2025-09-22.csv")
    mapping[url_of("41568", "CSV")] = {
        "file": "bodies/wra_reservoir_2025-09-22.csv", "content_type": "text/csv",
        "note": "real WRA reservoir file (UTF-8 BOM, CRLF, 3 rows dated 2026-09); hourly, not the daily fields declared",
        "provenance": "stand_in"}
    rows = _wra_rows(wra)
    (out / "bodies" / "wra_reservoir_2025-09-22.json").write_bytes(_json_body(rows))
    mapping[url_of("41568", "JSON")] = {
        "file": "bodies/wra_reservoir_2025-09-22.json", "content_type": "application/json",
        "note": "the same real rows as JSON (converted by build_fixtures)", "provenance": "converted"}
    (out / "bodies" / "wra_reservoir_2025-09-22.xml").write_bytes(_xml_body(rows, "ReservoirConditions", "ReservoirCondition"))
    mapping[url_of("41568", "XML")] = {
        "file": "bodies/wra_reservoir_2025-09-22.xml", "content_type": "application/xml",
        "note": "the same real rows as XML (converted by build_fixtures)", "provenance": "converted"}

    shutil.copyfile(samples / "taitung_shelters_resource_utf8bom_2017.csv", out / "bodies" / "taitung_shelters_2017.csv")
    mapping[url_of("6943", "CSV")] = {
        "file": "bodies/taitung_shelters_2017.csv", "content_type": "application/octet-stream",
        "note": "real Taitung County shelter list (UTF-8 BOM, LF) standing in for the national list",
        "provenance": "stand_in"}

    shutil.copyfile(samples / "yilan_portal_catalog_big5_2018-03-20.csv", out / "bodies" / "yilan_catalog_big5_2018.csv")
    mapping[url_of("46448", "CSV")] = {
        "file": "bodies/yilan_catalog_big5_2018.csv", "content_type": "text/csv",
        "note": "real Big5 (cp950) file served for a resource declared UTF-8, as the 2017 checker found for 46448",
        "provenance": "stand_in"}
    return mapping


README = """# Fake data.gov.tw fixtures (generated)

Generated by `tools/build_fixtures.py` from `shared/datagovtw/` (see its README.txt and
MANIFEST.tsv for the source repository, commit and path of every file). Do not edit by hand.

* `datasets.json`: {n} real datasets as bulk-export rows (`export`, the 22 columns plus
  資料資源更新時間 / 資源描述 where the source had them), with `origin` (file in
  shared/datagovtw/) and, for 2017 records, `platform_check`: the platform's own 2017
  quality-check result per resource URL.
  {n2017} from the 2017 DataPackage-DGTW pages, 1 from the 2025 export (41568, with the six
  characters the console log dropped restored), {n2018} from the 2018 民生公共物聯網 scrape.
* `legacy/`: source records as published, for the converter tests.
* `bodies/` + `bodies.json`: real resource files and the original resource URL each one is
  served at by `tests/portal.py`; other resources get generated bodies.

Data: 政府資料開放授權條款-第1版 (Open Government Data License, version 1.0),
https://data.gov.tw/license. The Yilan catalog is a Yilan County portal file (no licence
stated). Source repositories (OpenData-TW/DataPackage-DGTW, wuulong/gov_openapi_agent) are MIT.
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    datasets = collect(args.shared)
    (out / "datasets.json").write_text(json.dumps(datasets, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    mapping = bodies(args.shared, datasets, out)
    (out / "bodies.json").write_text(json.dumps(mapping, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    (out / "legacy").mkdir()
    for src, name in LEGACY_COPIES.items():
        shutil.copyfile(args.shared / "datagovtw" / src, out / "legacy" / name)
    n2017 = sum(1 for d in datasets if d["origin"].startswith("2017"))
    n2018 = sum(1 for d in datasets if d["origin"].startswith("2018"))
    (out / "README.md").write_text(README.format(n=len(datasets), n2017=n2017, n2018=n2018), encoding="utf-8")
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"{out}: {len(datasets)} datasets ({n2017} from 2017, 1 from 2025, {n2018} from 2018), "
          f"{len(mapping)} real bodies, {total / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
