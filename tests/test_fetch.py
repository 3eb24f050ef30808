"""Fetcher unit tests through an injected httpx transport (no sockets, no internet)."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import httpx
import pytest

from odaudit.fetch import Fetcher, FetchOptions, parse_retry_after
from odaudit.snapshot import SnapshotWriter

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
    assert r.error["kind"] == "http" and "3600" in r.error["message"] and len(s.calls) == 1


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
