"""machine_readable and stars (ckanext-qa's table, by the real format)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from test_checks_helpers import Portal, one


def _zip(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


@pytest.mark.parametrize(("body", "fmt", "stars", "mr"), [
    ("taitung_shelters_utf8bom_slice.csv", "CSV", "3", "pass"),
    ("taitung_shelters.xls", "XLS", "2", "pass"),
    ("taitung_shelters.xlsx", "XLSX", "2", "pass"),
    (b"%PDF-1.4\n", "PDF", "1", "fail"),
    ("landing_page.html", "CSV", "0", "fail"),
    (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "RDF", "5", "pass"),
    (b'[{"a": 1}]', "JSON", "3", "pass"),
    (_zip("a.pdf", b"%PDF-1.4\n"), "ZIP", "1", "fail"),
])
def test_stars_by_real_format(tmp_path: Path, body: bytes | str, fmt: str, stars: str, mr: str) -> None:
    p = Portal(tmp_path)
    p.add(body, fmt=fmt)
    r = p.results()
    assert r[("stars", "0")].measured == stars, r[("stars", "0")]
    assert r[("machine_readable", "0")].outcome == mr
    expected = "pass" if int(stars) >= 3 else "warn" if stars == "2" else "fail"
    assert r[("stars", "0")].outcome == expected


def test_zipped_csv_scores_as_csv(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("taitung_shelters_csv.zip", fmt="壓縮檔")
    f = one(p, "stars")
    assert f.measured == "3" and "ZIP of CSV" in f.evidence


def test_declared_format_does_not_matter(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add(b"%PDF-1.4\n", fmt="CSV")
    assert one(p, "stars").measured == "1"
    assert "PDF" in one(p, "machine_readable").measured


def test_broken_link_is_zero(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add(None, status=500, error={"kind": "http", "message": "500"})
    r = p.results()
    assert r[("stars", "0")].measured == "0" and "score_if_link_broken" in r[("stars", "0")].evidence
    assert r[("machine_readable", "0")].outcome == "skip"


def test_not_open_licence_is_zero_like_ckanext_qa(tmp_path: Path) -> None:
    p = Portal(tmp_path, licence="依菸酒管理法相關規定")
    p.add("taitung_shelters_utf8bom_slice.csv")
    f = one(p, "stars")
    assert f.measured == "0" and f.outcome == "fail"
    assert "not open → 0" in f.evidence
    assert one(p, "machine_readable").outcome == "pass"


def test_no_body_falls_back_to_url_then_declared(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add(None, fmt="CSV", url="https://x.gov.tw/files/data.xlsx")
    p.add(None, fmt="JSON", url="https://x.gov.tw/api/data")
    r = p.results()
    assert r[("stars", "0")].measured == "2" and "URL extension" in r[("stars", "0")].evidence
    assert r[("stars", "1")].measured == "3" and "declared" in r[("stars", "1")].evidence


def test_non_proprietary_is_said(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("taitung_shelters.xls", fmt="XLS")
    p.add("taitung_shelters_utf8bom_slice.csv")
    r = p.results()
    assert "; proprietary format" in r[("machine_readable", "0")].evidence
    assert "non-proprietary" in r[("machine_readable", "1")].evidence
