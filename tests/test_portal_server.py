"""The fake data.gov.tw (tests/portal.py) behaves like the real one, and its failure modes work."""

from __future__ import annotations

import gzip
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from odaudit.portals import datagovtw

try:
    from portal import (
        EXPORT_PATH,
        FakeHost,
        FakePortal,
        fake_portal,  # noqa: F401 - pytest fixture
        generate_body,
        http_date,
        real_portal,  # noqa: F401 - pytest fixture
        real_portal_fixture,
    )
except ImportError:  # tests/ imported as a package
    from tests.portal import (  # type: ignore[no-redef]
        EXPORT_PATH,
        FakeHost,
        FakePortal,
        fake_portal,  # noqa: F401
        generate_body,
        http_date,
        real_portal,  # noqa: F401
        real_portal_fixture,
    )

ROW = dict.fromkeys(datagovtw.EXPORT_COLUMNS, "") | {
    "資料集識別碼": "900001",
    "資料集名稱": "測試資料集",
    "檔案格式": "CSV",
    "編碼格式": "UTF-8",
    "資料量": "2",
    "提供機關": "測試機關",
    "上架日期": "2025-01-02 03:04:05",
}


@pytest.fixture
def host():
    with FakeHost() as h:
        yield h


def test_export_looks_like_the_real_one(fake_portal):
    url = fake_portal.hosts[1].serve("/files/a.csv", "a,b\r\n1,2\r\n", content_type="text/csv")
    fake_portal.add_dataset(ROW | {"資料下載網址": url})
    r = httpx.get(fake_portal.export_url)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.content.startswith(b"\xef\xbb\xbf")
    header = r.content.decode("utf-8-sig").splitlines()[0].split(",")
    assert tuple(header) == datagovtw.EXPORT_COLUMNS
    parsed = datagovtw.parse_export(r.content, fake_portal.export_url)
    assert parsed.issues == [] and parsed.encoding == "utf-8-sig"
    assert parsed.rows["900001"].raw["資料下載網址"] == url
    assert fake_portal.export_url == f"{fake_portal.base_url}{EXPORT_PATH}"


def test_api_known_and_unknown(fake_portal):
    fake_portal.add_dataset(ROW | {"資料下載網址": "http://127.0.0.2:1/x.csv"})
    r = httpx.get(fake_portal.api_url("900001"))
    result = datagovtw.parse_api(r.content, "api")
    assert result["title"] == "測試資料集"
    assert result["distribution"][0]["resourceDownloadUrl"] == "http://127.0.0.2:1/x.csv"
    r = httpx.get(fake_portal.api_url("123"))
    assert r.status_code == 200 and r.json()["success"] is False
    with pytest.raises(datagovtw.PortalError) as err:
        datagovtw.parse_api(r.content, "api/123")
    assert err.value.kind == "not_success"


def test_api_unknown_as_404():
    with FakePortal(unknown_api="404") as portal:
        assert httpx.get(portal.api_url("5")).status_code == 404


def test_api_override_and_failure(fake_portal):
    fake_portal.add_dataset(ROW, api={"title": "override", "distribution": []})
    fake_portal.configure_api("900001", fail_times=1, fail_status=503)
    assert httpx.get(fake_portal.api_url("900001")).status_code == 503
    assert httpx.get(fake_portal.api_url("900001")).json()["result"]["title"] == "override"
    assert fake_portal.portal.count("/api/v2/rest/dataset/900001") == 2


def test_agency_hosts_are_other_addresses(fake_portal):
    addresses = [h.address for h in fake_portal.hosts]
    assert addresses == ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"]
    for h in fake_portal.agency_hosts:
        url = h.serve("/ping", b"pong")
        assert url.startswith(f"http://{h.address}:")
        assert httpx.get(url).text == "pong"


def test_unknown_path_is_404(host):
    r = httpx.get(host.url("/nothing"))
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert host.count("/nothing") == 1


def test_slow_route_times_out(host):
    url = host.serve("/slow", b"late", delay=1.0)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(url, timeout=0.2)


def test_fixed_latency():
    with FakeHost(latency=0.2) as h:
        url = h.serve("/x", b"x")
        t = time.monotonic()
        httpx.get(url)
        assert time.monotonic() - t >= 0.2


def test_500_then_200(host):
    url = host.serve("/flaky", b"ok", fail_times=2, fail_status=500)
    assert [httpx.get(url).status_code for _ in range(3)] == [500, 500, 200]
    assert host.count("/flaky") == 3


def test_429_with_retry_after_then_200(host):
    url = host.serve("/busy", b"ok", fail_times=1, fail_status=429, retry_after="1")
    r = httpx.get(url)
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    assert httpx.get(url).status_code == 200


def test_redirect_chain(host):
    final = host.serve("/final.csv", b"a\n1\n", content_type="text/csv")
    url = host.redirect_chain("/start", final, hops=3, status=301)
    r = httpx.get(url, follow_redirects=True)
    assert r.status_code == 200 and r.text == "a\n1\n"
    assert [h.status_code for h in r.history] == [301, 301, 301]
    r = httpx.get(host.url("/start"))
    assert r.status_code == 301 and r.headers["location"] == "/start~hop1"


def test_redirect_to_another_host(fake_portal):
    target = fake_portal.hosts[2].serve("/data.csv", b"x")
    url = fake_portal.hosts[1].redirect("/moved", target, status=302)
    r = httpx.get(url, follow_redirects=True)
    assert r.text == "x" and str(r.url) == target


def test_redirect_loop(host):
    url = host.redirect_loop("/loop")
    with pytest.raises(httpx.TooManyRedirects):
        with httpx.Client(max_redirects=5) as client:
            client.get(url, follow_redirects=True)


def test_html_served_as_csv(host):
    url = host.serve("/data.csv", "<!DOCTYPE html><html><body>首頁</body></html>", content_type="text/html; charset=utf-8")
    r = httpx.get(url)
    assert r.headers["content-type"].startswith("text/html") and r.text.startswith("<!DOCTYPE html>")


def test_gzip(host):
    body = "欄位\n值\n".encode() * 100
    url = host.serve("/gz.csv", body, gzip=True, content_type="text/csv")
    r = httpx.get(url)
    assert r.headers["content-encoding"] == "gzip"
    assert r.content == body
    assert int(r.headers["content-length"]) == len(gzip.compress(body, mtime=0))


def test_truncated_body(host):
    url = host.serve("/cut.csv", b"x" * 10_000, truncate=1000)
    received = bytearray()
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        with httpx.stream("GET", url) as r:
            assert r.headers["content-length"] == "10000"
            for chunk in r.iter_bytes():
                received += chunk
    assert len(received) <= 1000


def test_etag_304(host):
    url = host.serve("/e.csv", b"data", etag='"v1"')
    r = httpx.get(url)
    assert r.status_code == 200 and r.headers["etag"] == '"v1"'
    r = httpx.get(url, headers={"If-None-Match": '"v1"'})
    assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == '"v1"'
    assert httpx.get(url, headers={"If-None-Match": 'W/"v1", "v0"'}).status_code == 304
    assert httpx.get(url, headers={"If-None-Match": '"v0"'}).status_code == 200
    host.configure("/e.csv", body=b"new", etag='"v2"')
    r = httpx.get(url, headers={"If-None-Match": '"v1"'})
    assert r.status_code == 200 and r.content == b"new"


def test_last_modified_304(host):
    lm = http_date(1_700_000_000)
    url = host.serve("/m.csv", b"data", last_modified=lm)
    assert httpx.get(url).headers["last-modified"] == lm
    assert httpx.get(url, headers={"If-Modified-Since": lm}).status_code == 304
    assert httpx.get(url, headers={"If-Modified-Since": http_date(1_700_000_100)}).status_code == 304
    assert httpx.get(url, headers={"If-Modified-Since": http_date(1_600_000_000)}).status_code == 200


def test_if_none_match_wins_over_if_modified_since(host):
    lm = http_date(1_700_000_000)
    url = host.serve("/b.csv", b"data", etag='"v1"', last_modified=lm)
    r = httpx.get(url, headers={"If-None-Match": '"other"', "If-Modified-Since": lm})
    assert r.status_code == 200


def test_head(host):
    url = host.serve("/h.csv", b"12345", content_type="text/csv")
    r = httpx.head(url)
    assert r.status_code == 200 and r.headers["content-length"] == "5" and r.content == b""


def test_counters_and_max_in_flight(host):
    url = host.serve("/wait", b"ok", delay=0.4)
    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(lambda _: httpx.get(url).status_code, range(6)))
    assert codes == [200] * 6
    assert host.count("/wait") == 6
    assert host.max_in_flight == 6
    assert host.wait_idle() and host.in_flight == 0
    assert [r.status for r in host.requests] == [200] * 6
    host.reset_counters()
    assert host.count("/wait") == 0 and host.max_in_flight == 0


def test_requests_are_logged_with_headers(host):
    url = host.serve("/ua", b"ok")
    httpx.get(url, headers={"User-Agent": "odaudit-test"})
    assert host.wait_idle()
    assert host.requests[-1].headers["User-Agent"] == "odaudit-test"


def test_raw_and_percent_encoded_paths_are_one_route(host):
    url = host.serve("/檔案/資料 1.csv?名稱=值", b"ok")
    assert httpx.get(url).text == "ok"  # httpx percent-encodes
    assert httpx.get(host.url("/%E6%AA%94%E6%A1%88/%E8%B3%87%E6%96%99%201.csv?%E5%90%8D%E7%A8%B1=%E5%80%BC")).text == "ok"
    assert host.count("/檔案/資料 1.csv?名稱=值") == 2


def test_stop_does_not_wait_for_slow_requests():
    h = FakeHost().start()
    url = h.serve("/slow", b"x", delay=30)
    t = threading.Thread(target=_quiet_get, args=(url,), daemon=True)
    t.start()
    time.sleep(0.2)
    start = time.monotonic()
    h.stop()
    assert time.monotonic() - start < 3


def _quiet_get(url: str) -> None:
    try:
        httpx.get(url, timeout=60)
    except httpx.HTTPError:
        pass


def test_real_portal_serves_real_datasets(real_portal):
    spec = real_portal_fixture()
    r = httpx.get(real_portal.export_url)
    parsed = datagovtw.parse_export(r.content, "export")
    assert parsed.issues == []
    assert set(parsed.rows) == set(spec.ids()) and len(parsed.rows) >= 45
    # every resource URL is local; originals are kept in url_map
    local_hosts = {f"{h.address}:{h.port}" for h in real_portal.hosts}
    for row in parsed.rows.values():
        _, resources, _ = datagovtw.normalise(row.raw, None)
        for res in resources:
            assert httpx.URL(res["url"]).netloc.decode() in local_hosts
    used = {httpx.URL(u).host for u in real_portal.url_map.values()}
    assert len(used) >= 3  # spread over agency hosts


def test_real_portal_bodies(real_portal):
    spec = real_portal_fixture()
    # 41568's CSV is the real WRA reservoir file
    wra = next(u for u in spec.bodies if "format=csv" in u)
    r = httpx.get(real_portal.url_map[wra])
    assert r.content == spec.bodies[wra].body and r.content.startswith(b"\xef\xbb\xbf")
    # 46448: declared UTF-8, served the real Big5 file; the local URL keeps the Chinese path
    original = next(u for u in real_portal.url_map if "基隆市嬰幼兒公費常規疫苗接種單位.csv" in u)
    local = real_portal.url_map[original]
    assert "基隆市嬰幼兒公費常規疫苗接種單位.csv" in local
    row = datagovtw.parse_export(httpx.get(real_portal.export_url).content, "export").rows["46448"]
    assert local in row.raw["資料下載網址"] and row.raw["編碼格式"] == "UTF-8"
    body = httpx.get(local).content
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert body.decode("cp950").startswith("資料集名稱,")
    # 35224: the `;jsessionid=` URLs survive the rewrite
    meta, resources, issues = datagovtw.normalise(
        datagovtw.parse_export(httpx.get(real_portal.export_url).content, "export").rows["35224"].raw, None)
    assert len(resources) == 2 and all(";jsessionid=" in r["url"] for r in resources)
    assert all(httpx.get(r["url"]).status_code == 200 for r in resources)


def test_real_portal_api_matches_export(real_portal):
    export = datagovtw.parse_export(httpx.get(real_portal.export_url).content, "export")
    for ds_id in ("41568", "45672", "27431"):
        api = datagovtw.parse_api(httpx.get(real_portal.api_url(ds_id)).content, ds_id)
        meta, resources, issues = datagovtw.normalise(export.rows[ds_id].raw, api)
        assert [i for i in issues if i["issue"] in ("export_api_differ", "resource_count_mismatch")] == []
        assert all(r["url"] for r in resources)


@pytest.mark.parametrize(("fmt", "magic"), [
    ("CSV", b"a,"), ("JSON", b"["), ("XML", b"<?xml"), ("KML", b"<?xml"), ("KMZ", b"PK"), ("壓縮檔", b"PK"),
    ("XLSX", b"PK"), ("ODS", b"PK"), ("PDF", b"%PDF"), ("PNG", b"\x89PNG"), ("GEOJSON", b"{"), ("其他", b"<!DOCTYPE html>"),
])
def test_generated_bodies(fmt, magic):
    body, ctype = generate_body(fmt, "UTF-8", ["a", "b"], "3", seed="x", title="t")
    assert body.startswith(magic) and ctype


def test_generated_big5_csv():
    body, _ = generate_body("CSV", "BIG5", ["名稱", "數量"], "2", seed="x")
    assert body.decode("cp950").splitlines()[0] == "名稱,數量"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_stopped_host_drops_keep_alive_connections():
    h = FakeHost().start()
    url = h.serve("/k", b"ok")
    with httpx.Client() as client:
        assert client.get(url).text == "ok"
        h.stop()
        with pytest.raises(httpx.TransportError):
            client.get(url)


def test_real_portal_with_validators():
    with FakePortal.from_spec(real_portal_fixture(), agency_hosts=2, validators=True) as portal:
        url = next(iter(portal.url_map.values()))
        r = httpx.get(url)
        assert r.headers["etag"] and r.headers["last-modified"]
        assert httpx.get(url, headers={"If-None-Match": r.headers["etag"]}).status_code == 304
        assert httpx.get(url, headers={"If-Modified-Since": r.headers["last-modified"]}).status_code == 304
        assert portal.count(url) == 3


def test_zip_link_declared_csv_serves_a_zip(real_portal):
    original = next(u for u in real_portal.url_map if "zipfiledl" in u and "ft=zip" in u)
    assert httpx.get(real_portal.url_map[original]).content.startswith(b"PK")


def test_dot_segments_are_removed_like_clients_do(host):
    url = host.serve("/a/./files/../b.csv", b"ok")
    assert httpx.get(url).text == "ok"
    assert host.count("/a/b.csv") == 1


SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


@pytest.mark.skipif(not (SHARED / "datagovtw").is_dir(), reason="needs the shared reference folder")
def test_build_fixtures_reproduces_the_fixtures(tmp_path):
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, str(root / "tools" / "build_fixtures.py"), "--shared", str(SHARED),
                    "--out", str(tmp_path / "portal")], check=True, capture_output=True)
    fixtures = root / "tests" / "fixtures" / "portal"
    built = sorted(p.relative_to(tmp_path / "portal") for p in (tmp_path / "portal").rglob("*") if p.is_file())
    kept = sorted(p.relative_to(fixtures) for p in fixtures.rglob("*") if p.is_file())
    assert built == kept
    for rel in built:
        assert (tmp_path / "portal" / rel).read_bytes() == (fixtures / rel).read_bytes(), rel
    assert sum((fixtures / rel).stat().st_size for rel in kept) < 2_000_000
