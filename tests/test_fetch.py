"""Fetcher unit tests through an injected httpx transport (no sockets, no internet)."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import httpx
import pytest

from odaudit.http import Fetcher, FetchOptions, parse_retry_after
from odaudit.store import SnapshotWriter

FAST = FetchOptions(attempts=3, backoff_initial=0.01, backoff_max=0.02, max_bytes=1000)


class Script:
    """A transport that answers each URL from a list of responses, in order, and counts calls."""

    def __init__(self, routes: dict[str, list[httpx.Response]]) -> None:
        self.routes = routes
        self.calls: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        queue = self.routes[str(request.url)]
        return queue.pop(0) if len(queue) > 1 else queue[0]


def fetcher(routes: dict[str, list[httpx.Response]], opts: FetchOptions = FAST) -> tuple[Fetcher, Script]:
    script = Script(routes)
    return Fetcher(opts, transport=httpx.MockTransport(script)), script


@pytest.fixture
def writer(tmp_path: Path) -> SnapshotWriter:
    return SnapshotWriter(tmp_path / "snap")


def test_success_records_facts_and_stores_body(writer: SnapshotWriter) -> None:
    f, _ = fetcher({"http://a.test/x.csv": [httpx.Response(200, content=b"a,b\n1,2\n", headers={"ETag": '"v1"', "Content-Type": "text/csv"})]})
    r = f.fetch("http://a.test/x.csv", writer.new_body)
    assert (r.status, r.bytes, r.etag, r.content_type, r.truncated, r.error) == (200, 8, '"v1"', "text/csv", False, None)
    assert (writer.root / r.body).read_bytes() == b"a,b\n1,2\n"
    assert r.body.endswith(r.sha256)


def test_5xx_is_retried_then_succeeds(writer: SnapshotWriter) -> None:
    f, s = fetcher({"http://a.test/x": [httpx.Response(500), httpx.Response(503), httpx.Response(200, content=b"ok")]})
    r = f.fetch("http://a.test/x", writer.new_body)
    assert r.status == 200 and r.attempts == 3 and len(s.calls) == 3


def test_404_is_not_retried(writer: SnapshotWriter) -> None:
    f, s = fetcher({"http://a.test/x": [httpx.Response(404, content=b"nope")]})
    r = f.fetch("http://a.test/x", writer.new_body)
    assert r.status == 404 and r.attempts == 1 and len(s.calls) == 1


def test_persistent_500_ends_as_recorded_error(writer: SnapshotWriter) -> None:
    f, s = fetcher({"http://a.test/x": [httpx.Response(500)]})
    r = f.fetch("http://a.test/x", writer.new_body)
    assert r.status == 500 and r.error["kind"] == "http" and len(s.calls) == 3


def test_429_retry_after_is_honoured(writer: SnapshotWriter) -> None:
    f, _ = fetcher({"http://a.test/x": [httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(200, content=b"ok")]})
    t0 = time.monotonic()
    r = f.fetch("http://a.test/x", writer.new_body)
    assert r.status == 200 and time.monotonic() - t0 >= 0.95


def test_retry_after_beyond_limit_is_not_waited_for(writer: SnapshotWriter) -> None:
    opts = FetchOptions(attempts=3, backoff_initial=0.01, max_retry_after=5)
    f, s = fetcher({"http://a.test/x": [httpx.Response(429, headers={"Retry-After": "3600"})]}, opts)
    r = f.fetch("http://a.test/x", writer.new_body)
    # "come back in an hour" refuses this client for now: blocked, not a broken link (odaudit/blocked.py)
    assert r.error["kind"] == "blocked" and "3600" in r.error["message"] and len(s.calls) == 1 and r.status == 429


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == pytest.approx(10.0)
    assert parse_retry_after("soon") is None


def test_redirect_chain_is_recorded(writer: SnapshotWriter) -> None:
    f, _ = fetcher({
        "http://a.test/old": [httpx.Response(301, headers={"Location": "https://b.test/mid"})],
        "https://b.test/mid": [httpx.Response(302, headers={"Location": "/final.csv"})],
        "https://b.test/final.csv": [httpx.Response(200, content=b"x")],
    })
    r = f.fetch("http://a.test/old", writer.new_body)
    assert r.final_url == "https://b.test/final.csv"
    assert r.redirects == [{"url": "http://a.test/old", "status": 301}, {"url": "https://b.test/mid", "status": 302}]


def test_redirect_to_file_scheme_is_refused(writer: SnapshotWriter) -> None:
    f, _ = fetcher({"http://a.test/x": [httpx.Response(302, headers={"Location": "file:///etc/passwd"})]})
    r = f.fetch("http://a.test/x", writer.new_body)
    assert r.error["kind"] == "scheme" and r.body is None


def test_redirect_loop_is_detected(writer: SnapshotWriter) -> None:
    f, _ = fetcher({
        "http://a.test/1": [httpx.Response(302, headers={"Location": "/2"})],
        "http://a.test/2": [httpx.Response(302, headers={"Location": "/1"})],
    })
    r = f.fetch("http://a.test/1", writer.new_body)
    assert r.error["kind"] == "too_many_redirects"


def test_non_http_url_is_refused_without_request(writer: SnapshotWriter) -> None:
    f, s = fetcher({})
    r = f.fetch("ftp://a.test/x.csv", writer.new_body)
    assert r.error["kind"] == "scheme" and s.calls == []


def test_raw_chinese_url_is_percent_encoded(writer: SnapshotWriter) -> None:
    target = "http://a.test/%E5%9F%BA%E9%9A%86.csv"
    f, s = fetcher({target: [httpx.Response(200, content=b"x")]})
    r = f.fetch("http://a.test/基隆.csv", writer.new_body)
    assert r.status == 200 and r.request_url == target and r.url == "http://a.test/基隆.csv"


def test_body_over_cap_is_kept_truncated(writer: SnapshotWriter) -> None:
    f, _ = fetcher({"http://a.test/x": [httpx.Response(200, content=b"y" * 5000)]})
    r = f.fetch("http://a.test/x", writer.new_body)
    assert r.truncated and r.bytes == 1000 and (writer.root / r.body).stat().st_size == 1000


def test_gzip_bomb_is_capped_on_decoded_bytes(writer: SnapshotWriter) -> None:
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024))  # 50 MB of zeros, ~50 KB on the wire
    f, _ = fetcher({"http://a.test/x": [httpx.Response(200, stream=httpx.ByteStream(bomb), headers={"Content-Encoding": "gzip"})]},
                   FetchOptions(max_bytes=1_000_000))
    r = f.fetch("http://a.test/x", writer.new_body)
    assert r.truncated and r.bytes == 1_000_000


def test_gzip_body_is_decoded(writer: SnapshotWriter) -> None:
    f, _ = fetcher({"http://a.test/x": [httpx.Response(200, stream=httpx.ByteStream(gzip.compress(b"a,b\n")), headers={"Content-Encoding": "gzip"})]})
    r = f.fetch("http://a.test/x", writer.new_body)
    assert (writer.root / r.body).read_bytes() == b"a,b\n"


def test_conditional_request_304(writer: SnapshotWriter) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, content=b"x", headers={"ETag": '"v1"'})

    f = Fetcher(FAST, transport=httpx.MockTransport(handler))
    r = f.fetch("http://a.test/x", writer.new_body, conditional={"If-None-Match": '"v1"'})
    assert r.not_modified and r.status == 304 and r.body is None


def test_connect_error_is_retried_and_recorded(writer: SnapshotWriter) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ConnectError("refused", request=request)

    f = Fetcher(FAST, transport=httpx.MockTransport(handler))
    r = f.fetch("http://a.test/x", writer.new_body)
    assert r.error["kind"] == "connect" and len(calls) == 3 and r.status is None


def test_user_agent_is_descriptive(writer: SnapshotWriter) -> None:
    f, s = fetcher({"http://a.test/x": [httpx.Response(200)]})
    f.fetch("http://a.test/x", writer.new_body)
    assert s.calls[0].headers["user-agent"].startswith("odaudit/")


@pytest.mark.parametrize(("url", "why"), [
    ("http://opendata..example.gov.tw/x.csv", "empty label"),
    ("http://.example.gov.tw/x.csv", "empty label"),
    (f"http://{'a' * 64}.gov.tw/x.csv", "more than the 63"),
    ("http://" + ".".join(["a" * 60] * 5) + "/x.csv", "more than the 253"),
    ("http://xn--/x.csv", "xn--"),
    ("http://xn--zz.gov.tw/x.csv", "not valid punycode"),
    ("https://xn--abc-.gov.tw/x.csv", "not valid punycode"),
])
def test_a_malformed_host_name_is_refused_before_any_request(writer: SnapshotWriter, url: str, why: str) -> None:
    """The resolver would raise UnicodeError on these (not a network error): refused as invalid_url."""
    f, s = fetcher({})
    r = f.fetch(url, writer.new_body)
    assert r.error["kind"] == "invalid_url" and why in r.error["message"], r.error
    assert s.calls == [] and r.attempts == 0


def test_a_redirect_to_a_malformed_host_is_recorded_and_refused(writer: SnapshotWriter) -> None:
    f, s = fetcher({
        "http://a.test/1": [httpx.Response(302, headers={"Location": "http://xn--/x.csv"})],
        "http://a.test/2": [httpx.Response(301, headers={"Location": "//b..test/x.csv"})],
    })
    for path, why in (("1", "Punycode"), ("2", "empty label")):
        r = f.fetch(f"http://a.test/{path}", writer.new_body)
        assert r.error["kind"] == "invalid_url" and why in r.error["message"], r.error
        assert r.redirects == [{"url": f"http://a.test/{path}", "status": 302 if path == "1" else 301}]
        assert r.attempts == 1
    assert len(s.calls) == 2


def test_a_unicode_error_inside_httpx_is_an_invalid_url_not_a_crash(writer: SnapshotWriter) -> None:
    """The last line of defence. `xn--ls8h` (an emoji) is valid IDNA 2003, the rules of Python's
    resolver, so it passes the host check; httpx decodes it with IDNA 2008 on the way out, and raises."""
    f, s = fetcher({})
    r = f.fetch("http://xn--ls8h.test/x", writer.new_body)
    assert r.error["kind"] == "invalid_url" and "invalid host name" in r.error["message"], r.error
    assert s.calls == []


@pytest.mark.parametrize("url", ["http://中文.tw/x", "http://xn--fiq228c.tw/x", "http://XN--FIQ228C.TW/x",
                                 "http://example.gov.tw./x", "http://[::1]:8080/x", "http://127.0.0.1/x",
                                 f"http://{'a' * 63}.gov.tw/x"])
def test_well_formed_host_names_are_fetched(writer: SnapshotWriter, url: str) -> None:
    f, _ = fetcher({str(httpx.URL(url)): [httpx.Response(200, content=b"x")]})
    r = f.fetch(url, writer.new_body)
    assert r.error is None and r.status == 200
