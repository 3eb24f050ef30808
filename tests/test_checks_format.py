"""format: sniffing real formats from bytes, and the declared 檔案格式 vocabulary."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from test_checks_helpers import FIXTURES, Portal, fixture

from odaudit.checks.format import verdict
from odaudit.inspect.sniff import sniff_file
from odaudit.inspect.vocab import declared_format, format_from_url


class _Big5Name(zipfile.ZipInfo):
    """A member name stored as raw Big5 bytes without the UTF-8 flag, as Windows zip tools do."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("cp950"), self.flag_bits & ~0x800


def _zip(members: dict[str, bytes], *, utf8_names: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            cls = zipfile.ZipInfo if utf8_names else _Big5Name
            zf.writestr(cls(name, (2020, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
BODIES = {
    "pdf": (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "PDF"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20, "PNG"),
    "jpeg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20, "JPEG"),
    "gif": (b"GIF89a\x01\x00\x01\x00" + b"\x00" * 10, "GIF"),
    "doc": (OLE + "WordDocument".encode("utf-16-le") + b"\x00" * 64, "DOC"),
    "xls-ole": (OLE + "Workbook".encode("utf-16-le") + b"\x00" * 64, "XLS"),
    "json": (json.dumps([{"a": 1}, {"a": 2}]).encode(), "JSON"),
    "geojson": (json.dumps({"type": "FeatureCollection", "features": []}).encode(), "GEOJSON"),
    "xml": (b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- c -->\n<root><row><a>1</a></row></root>', "XML"),
    "kml": (b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>', "KML"),
    "rss": (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>', "RSS"),
    "atom": (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>', "ATOM"),
    "rdf": (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "RDF"),
    "cap": (b'<?xml version="1.0"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>1</identifier></alert>', "CAP"),
    "xhtml": (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>Error</title></head></html>', "HTML"),
    "tsv": ("名稱\t地址\t電話\n甲\t乙\t丙\n丁\t戊\t己\n".encode(), "TSV"),
    "txt": ("這是一段說明文字，沒有欄位。\n第二行。\n".encode(), "TXT"),
    "bin": (b"\x00\x01\x02\x03" * 100, "BIN"),
    "docx": (_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}), "DOCX"),
    "xlsx-min": (_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>"}), "XLSX"),
    "pptx": (_zip({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}), "PPTX"),
    "ods": (_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}), "ODS"),
    "odt": (_zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}), "ODT"),
    "kmz": (_zip({"doc.kml": b"<kml/>", "files/icon.png": b"\x89PNG\r\n\x1a\n"}), "KMZ"),
    "shp": (_zip({"a.shp": b"\x00\x00\x27\x0a", "a.dbf": b"\x03", "a.shx": b"\x00", "a.prj": b"GEOGCS"}), "SHP"),
    "zip": (_zip({"a.csv": b"a,b\n1,2\n", "b.csv": b"a,b\n3,4\n"}), "ZIP"),
}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_sniff_real_formats(tmp_path: Path, name: str) -> None:
    data, expected = BODIES[name]
    path = tmp_path / "body"
    path.write_bytes(data)
    assert sniff_file(path).format == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("taitung_shelters.xls", "XLS"), ("taitung_shelters.xlsx", "XLSX"), ("taitung_shelters_csv.zip", "ZIP"),
    ("landing_page.html", "HTML"), ("yilan_catalog_big5_slice.csv", "CSV"), ("wra_reservoir_utf8bom.csv", "CSV"),
    ("keelung_broken.csv", "CSV"), ("taitung_shelters_utf8bom_slice.csv", "CSV"),
])
def test_sniff_fixtures(name: str, expected: str) -> None:
    assert sniff_file(FIXTURES / name).format == expected


def test_zip_members_and_inner_format(tmp_path: Path) -> None:
    path = tmp_path / "z"
    path.write_bytes(_zip({"收容所.csv": "名稱,地址\n".encode("cp950")}, utf8_names=False))
    sn = sniff_file(path)
    assert sn.format == "ZIP" and sn.inner == "CSV"
    assert sn.members == ("收容所.csv",)
    path.write_bytes(fixture("taitung_shelters_csv.zip"))
    assert sniff_file(path).inner == "CSV"


def test_truncated_zip_is_still_zip(tmp_path: Path) -> None:
    path = tmp_path / "z"
    path.write_bytes(fixture("taitung_shelters_csv.zip")[:500])
    sn = sniff_file(path, truncated=True)
    assert sn.format == "ZIP" and "truncated" in sn.detail


def test_declared_vocabulary() -> None:
    assert declared_format("壓縮檔").formats == ("ZIP",)
    assert declared_format("WEBSERVICES").formats == ("SERVICE",)
    assert declared_format("API").formats == ("SERVICE",)
    assert declared_format("其他").unknown and declared_format("").unknown
    assert declared_format("csv").formats == ("CSV",)  # 2017 lower case
    assert declared_format("ＣＳＶ").formats == ("CSV",)  # full width
    assert declared_format("CSV,ods").formats == ("CSV", "ODS")
    assert declared_format("utf-8").formats == ("?utf-8",) and declared_format("utf-8").unknown
    assert format_from_url("https://x/a/b.XLSX?x=1") == "XLSX"
    assert format_from_url("https://x/api/v1/data") == ""


@pytest.mark.parametrize(("declared", "real", "outcome"), [
    ("CSV", "CSV", "pass"), ("csv", "CSV", "pass"), ("XML", "KML", "pass"), ("XML", "RSS", "pass"),
    ("JSON", "GEOJSON", "pass"), ("壓縮檔", "ZIP", "pass"), ("ZIP", "SHP", "pass"), ("SHP", "SHP", "pass"),
    ("WEBSERVICES", "JSON", "pass"), ("WEBSERVICES", "XML", "pass"), ("API", "CSV", "pass"),
    ("WEBSERVICES", "HTML", "fail"), ("WEBSERVICES", "PDF", "fail"),
    ("CSV", "ZIP", "fail"), ("CSV", "XLS", "fail"), ("CSV", "HTML", "fail"), ("CSV", "PDF", "fail"),
    ("XLS", "XLSX", "warn"), ("DOC", "DOCX", "warn"), ("KML", "KMZ", "warn"), ("GEOJSON", "JSON", "warn"),
    ("CSV", "TXT", "warn"), ("其他", "CSV", "warn"), ("", "PDF", "warn"), ("CSV", "BIN", "warn"),
    ("CSV", "EMPTY", "fail"), ("CSV,ods", "ODS", "pass"), ("RSS", "ATOM", "pass"),
])
def test_verdict_table(declared: str, real: str, outcome: str) -> None:
    assert verdict(declared_format(declared).formats, real)[0] == outcome


def test_format_check_on_real_bodies(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("landing_page.html", fmt="CSV", content_type="text/html")
    p.add("taitung_shelters_csv.zip", fmt="CSV", content_type="application/zip")
    p.add("taitung_shelters.xls", fmt="CSV", content_type="application/octet-stream")
    p.add("taitung_shelters_csv.zip", fmt="壓縮檔", content_type="application/zip")
    p.add("taitung_shelters.xlsx", fmt="xlsx")
    p.add("taitung_shelters_utf8bom_slice.csv", fmt="其他")
    r = p.results()
    html = r[("format", "0")]
    assert (html.outcome, html.measured, html.expected) == ("fail", "HTML", "CSV")
    z = r[("format", "1")]
    assert (z.outcome, z.measured) == ("fail", "ZIP")
    assert "taitung_shelters.csv" in z.evidence
    x = r[("format", "2")]
    assert (x.outcome, x.measured) == ("fail", "XLS")
    assert r[("format", "3")].outcome == "pass"
    assert r[("format", "4")].outcome == "pass"
    other = r[("format", "5")]
    assert other.outcome == "warn" and "CSV" in other.evidence


def test_2017_lowercase_and_service(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add(json.dumps({"success": True, "result": {"records": [{"a": 1}]}}).encode(), fmt="WEBSERVICES",
          content_type="application/json")
    p.add("taitung_shelters_utf8bom_slice.csv", fmt="csv", encoding="utf-8")
    r = p.results()
    assert r[("format", "0")].outcome == "pass" and "service response" in r[("format", "0")].evidence
    assert r[("format", "1")].outcome == "pass"


def _doctype(entity: str, root: str = "<root><a>1</a></root>") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE root [\n  <!ENTITY big "{entity}">\n'
            f"  <!-- a ] and a > in a comment -->\n]>\n{root}\n").encode()


@pytest.mark.parametrize(("body", "expected"), [
    (_doctype("x" * 100_000), "XML"),  # longer than the 64 KiB head the sniffer first reads
    (_doctype("說明" * 2_000_000), "XML"),  # 12 MB of entity
    (_doctype("x" * 100_000, '<kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>'), "KML"),
    (_doctype("y" * 100_000, '<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>'), "ATOM"),
    (_doctype("a>b<html>c]d"), "XML"),  # a > and a ] inside the entity value end neither the entity nor the DOCTYPE
    (b"<!DOCTYPE r SYSTEM 'a>b.dtd'><r/>", "XML"),
])
def test_sniff_past_a_long_or_tricky_doctype(tmp_path: Path, body: bytes, expected: str) -> None:
    path = tmp_path / "body"
    path.write_bytes(body)
    assert sniff_file(path).format == expected


def test_declared_xml_with_a_100_kb_doctype_entity_is_xml(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add(_doctype("實體" * 50_000), fmt="XML", content_type="application/xml")
    f = p.results()[("format", "0")]
    assert (f.outcome, f.measured) == ("pass", "XML"), f


def test_a_doctype_longer_than_the_scan_limit_is_still_xml(tmp_path: Path) -> None:
    from odaudit.inspect import sniff

    path = tmp_path / "body"
    path.write_bytes(_doctype("x" * (sniff.MARKUP_SCAN_LIMIT + 10)))
    sn = sniff_file(path)
    assert sn.format == "XML" and "root element not found" in sn.detail
