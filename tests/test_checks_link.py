"""link and downloadable."""

from __future__ import annotations

from pathlib import Path

from test_checks_helpers import Portal, one


def test_link_pass_with_redirects(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("taitung_shelters_utf8bom_slice.csv", url="http://www.taitung.gov.tw/opendata/a.csv",
          redirects=[{"url": "http://www.taitung.gov.tw/opendata/a.csv", "status": 301}],
          final_url="https://www.taitung.gov.tw/opendata/a.csv")
    f = one(p, "link")
    assert (f.outcome, f.measured, f.expected) == ("pass", "200", "2xx")
    assert "1 redirect: 301 http://www.taitung.gov.tw/opendata/a.csv" in f.evidence
    assert "final URL https://www.taitung.gov.tw/opendata/a.csv" in f.evidence


def test_link_fails_on_http_errors_and_transport_errors(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add(None, status=404, error={"kind": "http", "message": "404 Not Found"})
    p.add(None, status=None, error={"kind": "timeout", "message": "read timeout after 30 s"})
    p.add(None, status=503)
    p.add(None, status=None, error={"kind": "too_many_redirects", "message": "more than 10"})
    r = p.results()
    assert r[("link", "0")].outcome == "fail" and r[("link", "0")].measured == "404 http"
    assert r[("link", "1")].outcome == "fail" and r[("link", "1")].measured == "timeout"
    assert "read timeout" in r[("link", "1")].evidence
    assert r[("link", "2")].outcome == "fail" and r[("link", "2")].measured == "503"
    assert r[("link", "3")].outcome == "fail"
    for i in "0123":
        assert r[("downloadable", i)].outcome == "skip"
        assert r[("stars", i)].measured == "0"


def test_304_reuse_counts_as_reachable(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("taitung_shelters_utf8bom_slice.csv", status=304, not_modified=True)
    r = p.results()
    assert r[("link", "0")].outcome == "pass" and r[("link", "0")].measured == "304"
    assert "reused" in r[("link", "0")].evidence
    assert r[("structure", "0")].outcome == "pass"


def test_not_recorded_is_a_skip(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add(None, status=None, error={"kind": "not_recorded", "message": "replay has no entry"})
    assert one(p, "link").outcome == "skip"


def test_html_landing_page_served_as_csv_is_not_downloadable(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("landing_page.html", fmt="CSV", content_type="text/html; charset=utf-8")
    f = one(p, "downloadable")
    assert f.outcome == "fail" and f.measured == "HTML page"
    assert "<title>財團法人基督教兒童福利基金會-基隆家扶中心</title>" in f.evidence
    assert "text/html" in f.evidence


def test_html_with_unknown_declared_format_warns(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("landing_page.html", fmt="其他", content_type="text/html")
    assert one(p, "downloadable").outcome == "warn"


def test_html_for_a_webservice_fails(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("landing_page.html", fmt="WEBSERVICES", content_type="text/html")
    assert one(p, "downloadable").outcome == "fail"


def test_direct_files_are_downloadable(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("taitung_shelters.xls", fmt="XLS", content_type="application/vnd.ms-excel")
    p.add(b"", fmt="CSV")
    r = p.results()
    assert r[("downloadable", "0")].outcome == "pass" and r[("downloadable", "0")].measured == "XLS file"
    assert r[("downloadable", "1")].outcome == "fail" and r[("downloadable", "1")].measured == "empty body"


def test_body_missing_from_disk_skips(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    rec = p.add("taitung_shelters_utf8bom_slice.csv")
    (tmp_path / rec["body"]).unlink()
    f = one(p, "downloadable")
    assert f.outcome == "skip" and "missing" in f.evidence
