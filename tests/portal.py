"""A fake data.gov.tw on real loopback sockets, for end-to-end tests and benchmarks.

    from portal import FakePortal, real_portal_fixture   # or: from tests.portal import ...

    with FakePortal(agency_hosts=2) as portal:           # data.gov.tw on 127.0.0.1, agencies on 127.0.0.2..3
        url = portal.hosts[1].serve("/files/a.csv", b"a,b\\n1,2\\n", content_type="text/csv")
        portal.add_dataset({"資料集識別碼": "1", "資料集名稱": "A", "檔案格式": "CSV", "資料下載網址": url, ...})
        portal.base_url        # pass as the crawler's --portal
        portal.hosts[1].count("/files/a.csv"), portal.hosts[1].max_in_flight

    with FakePortal.from_spec(real_portal_fixture()) as portal:   # ~47 real datasets, resources spread over 4 hosts
        portal.url_map[original_url] -> local URL

Every host is a stdlib ThreadingHTTPServer in a daemon thread. Routes are matched on the
percent-decoded request target (path + query), so a URL with raw Chinese characters and its
percent-encoded form reach the same route. Per route, `Route` options select a behaviour:
slow answers, N failures (500, 429 + Retry-After) before success, redirects (chains and
loops), gzip, truncated bodies, ETag / Last-Modified with 304 handling. Each host counts the
requests per route, logs them, and records the most requests it had in flight at once.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip as gzip_mod
import hashlib
import io
import json
import random
import re
import socket
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

from odaudit.portals import datagovtw

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "portal"
EXPORT_PATH = "/api/front/dataset/export?format=csv"
API_PREFIX = "/api/v2/rest/dataset/"
PAGE_PREFIX = "/dataset/"
#: Loopback addresses used for agency hosts (Linux routes all of 127.0.0.0/8 to lo).
AGENCY_ADDRESSES = ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")


# --------------------------------------------------------------------------- routes and hosts


@dataclass
class Route:
    """What one path answers. Options combine (e.g. fail twice, then answer slowly with gzip)."""

    #: the body, or a function called per request that returns it
    body: bytes | Callable[[], bytes] = b""
    status: int = 200
    content_type: str | None = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)
    #: seconds to wait before answering (a slow server; a timeout test)
    delay: float = 0.0
    #: answer `fail_status` to the first `fail_times` requests, then normally ("500 then 200")
    fail_times: int = 0
    fail_status: int = 500
    #: Retry-After header sent with those failures ("429 with Retry-After: 1 then 200")
    retry_after: str | None = None
    #: redirect target (absolute URL or path); status is `status` when 3xx, else 302
    redirect: str | None = None
    #: gzip the body and send Content-Encoding: gzip
    gzip: bool = False
    #: send only this many bytes of the body, announce the full Content-Length, then close
    truncate: int | None = None
    #: validators: If-None-Match / If-Modified-Since get 304 Not Modified when they match
    etag: str | None = None
    last_modified: str | None = None
    #: seconds to sleep between 1 KiB chunks of the body (a trickle)
    chunk_delay: float = 0.0


@dataclass
class RequestRecord:
    method: str
    target: str          # raw request target as received
    key: str             # percent-decoded route key
    headers: dict[str, str]
    status: int
    time: float


def route_key(path_or_url: str) -> str:
    """Route key: the percent-decoded path + query of a URL or request target."""
    if "://" in path_or_url:
        parts = urlsplit(path_or_url)
        path_or_url = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    path_or_url = path_or_url.split("#", 1)[0]
    if not path_or_url.startswith("/"):
        path_or_url = "/" + path_or_url
    path, sep, query = path_or_url.partition("?")
    return unquote(_remove_dot_segments(path) + sep + query, errors="replace")


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, as clients apply it before sending (`/a/./b/../c` -> `/a/c`)."""
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        if seg == ".":
            if i == len(segments) - 1:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if i == len(segments) - 1:
                out.append("")
        else:
            out.append(seg)
    return "/".join(out) or "/"


def http_date(ts: float) -> str:
    """An HTTP date (Last-Modified) for a POSIX timestamp."""
    return format_datetime(datetime.fromtimestamp(ts, UTC), usegmt=True)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128


class FakeHost:
    """One HTTP server on `address` (port 0 = any free port)."""

    def __init__(self, address: str = "127.0.0.1", *, port: int = 0, latency: float = 0.0, name: str = "") -> None:
        self.address = address
        self.name = name or address
        self.latency = latency
        self.routes: dict[str, Route] = {}
        #: dynamic routes: called with the route key when no static route matches
        self.fallback: Callable[[str], Route | None] | None = None
        self.counts: dict[str, int] = {}
        self.requests: list[RequestRecord] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server = _Server((address, port), _make_handler(self))
        self.port = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    # lifecycle
    def start(self) -> FakeHost:
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name=f"fake-{self.name}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and drop open (keep-alive) connections, so the host is really gone."""
        self._stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(5)
            self._thread = None
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> FakeHost:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.address}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # routes
    def serve(self, path: str, body: bytes | str | Callable[[], bytes] = b"", **options: Any) -> str:
        """Answer `path` (may include a query) with `body`; `options` are Route fields. Returns the URL."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[route_key(path)] = Route(body=body, **options)
        return self.url(path)

    def configure(self, path: str, **changes: Any) -> Route:
        """Change options of an existing route (e.g. add a failure mode to the export)."""
        key = route_key(path)
        route = self.routes.get(key) or (self.fallback(key) if self.fallback else None)
        if route is None:
            raise KeyError(f"no route {path!r} on {self.name}")
        self.routes[key] = dataclasses.replace(route, **changes)
        return self.routes[key]

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        return self.serve(path, b"", status=status, redirect=to, content_type=None)

    def redirect_chain(self, path: str, to: str, hops: int = 3, status: int = 301) -> str:
        """`path` -> `path~hop1` -> … -> `to`: `hops` redirects in all."""
        names = [path] + [f"{path}~hop{i}" for i in range(1, hops)]
        for i, name in enumerate(names):
            self.redirect(name, names[i + 1] if i + 1 < len(names) else to, status)
        return self.url(path)

    def redirect_loop(self, path: str, length: int = 2, status: int = 302) -> str:
        """`path` -> `path~loop1` -> … -> `path` again, forever."""
        names = [path] + [f"{path}~loop{i}" for i in range(1, length)]
        for i, name in enumerate(names):
            self.redirect(name, names[(i + 1) % len(names)], status)
        return self.url(path)

    # readings
    def count(self, path: str) -> int:
        """Requests received for `path` (any method, any answer)."""
        return self.counts.get(route_key(path), 0)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no request is being handled (the handler finishes its bookkeeping just
        after the client has its answer). True when idle."""
        deadline = time.monotonic() + timeout
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.005)
        return self.in_flight == 0

    @property
    def total_requests(self) -> int:
        return sum(self.counts.values())

    def reset_counters(self) -> None:
        with self._lock:
            self.counts.clear()
            self.requests.clear()
            self.max_in_flight = self.in_flight

    # internals
    def _enter(self, key: str) -> int:
        with self._lock:
            n = self.counts.get(key, 0) + 1
            self.counts[key] = n
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            return n

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless the host is stopping; False when interrupted."""
        return not self._stopping.wait(seconds) if seconds > 0 else True

    def _lookup(self, key: str) -> Route | None:
        route = self.routes.get(key)
        if route is None and self.fallback is not None:
            route = self.fallback(key)
        return route


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    strip = lambda t: t.strip().removeprefix("W/")  # noqa: E731 - weak comparison
    return strip(etag) in {strip(t) for t in header.split(",")}


def _not_modified(route: Route, headers: Any) -> bool:
    inm = headers.get("If-None-Match")
    if inm is not None and route.etag:
        return _etag_matches(inm, route.etag)
    ims = headers.get("If-Modified-Since")
    if inm is None and ims and route.last_modified:
        try:
            return parsedate_to_datetime(route.last_modified) <= parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
    return False


def _make_handler(host: FakeHost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeDataGovTw/1.0"
        sys_version = ""
        timeout = 30  # idle keep-alive connections

        def setup(self) -> None:
            super().setup()
            with host._lock:
                host._connections.add(self.connection)

        def finish(self) -> None:
            try:
                super().finish()
            except OSError:  # the peer or a truncated answer closed the socket
                pass
            with host._lock:
                host._connections.discard(self.connection)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence
            pass

        def do_GET(self) -> None:
            self._handle(head=False)

        def do_HEAD(self) -> None:
            self._handle(head=True)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            self._handle(head=False)

        def _handle(self, head: bool) -> None:
            key = route_key(self.path)
            n = host._enter(key)
            status = 0
            try:
                if host.latency and not host._sleep(host.latency):
                    return
                route = host._lookup(key)
                status = self._answer(route, n, head)
            except (TimeoutError, BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            finally:
                with host._lock:
                    host.requests.append(RequestRecord(self.command, self.path, key, dict(self.headers.items()),
                                                       status, time.time()))
                host._leave()

        def _send(self, status: int, body: bytes, headers: dict[str, str], head: bool, *,
                  truncate: int | None = None, chunk_delay: float = 0.0) -> int:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            if truncate is not None:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if head or status == 304:
                return status
            data = body[:truncate] if truncate is not None else body
            if chunk_delay:
                for i in range(0, len(data), 1024):
                    self.wfile.write(data[i:i + 1024])
                    self.wfile.flush()
                    if not host._sleep(chunk_delay):
                        break
            else:
                self.wfile.write(data)
            self.wfile.flush()
            if truncate is not None:
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            return status

        def _answer(self, route: Route | None, n: int, head: bool) -> int:
            if route is None:
                return self._send(404, b"<html><body><h1>404 Not Found</h1></body></html>",
                                  {"Content-Type": "text/html; charset=utf-8"}, head)
            if route.delay and not host._sleep(route.delay):
                return 0
            if n <= route.fail_times:
                headers = {"Content-Type": "text/html; charset=utf-8"}
                if route.retry_after is not None:
                    headers["Retry-After"] = route.retry_after
                return self._send(route.fail_status, f"<html><body>error {route.fail_status}</body></html>".encode(),
                                  headers, head)
            headers = dict(route.headers)
            if route.etag:
                headers["ETag"] = route.etag
            if route.last_modified:
                headers["Last-Modified"] = route.last_modified
            if route.redirect is not None:
                status = route.status if 300 <= route.status < 400 else 302
                headers["Location"] = route.redirect
                return self._send(status, b"", headers, head)
            if _not_modified(route, self.headers):
                return self._send(304, b"", headers, head)
            try:
                body = route.body() if callable(route.body) else route.body
            except Exception as exc:  # noqa: BLE001 - a broken generator is a 500, not a hang
                return self._send(500, f"fake portal error: {exc}".encode(), {"Content-Type": "text/plain"}, head)
            if route.content_type:
                headers.setdefault("Content-Type", route.content_type)
            if route.gzip:
                body = gzip_mod.compress(body, mtime=0)
                headers["Content-Encoding"] = "gzip"
            return self._send(route.status, body, headers, head, truncate=route.truncate, chunk_delay=route.chunk_delay)

    return Handler


# --------------------------------------------------------------------------- the portal


def _csv_bytes(rows: Iterable[dict[str, str]], columns: list[str]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    for row in rows:
        w.writerow([row.get(c, "") for c in columns])
    return buf.getvalue().encode("utf-8-sig")


def _api_date(value: str) -> str:
    iso = datagovtw.iso_datetime(value)
    return iso.replace("T", " ") if iso else value


def export_row_to_api(row: dict[str, str], *, publisher_oid: str = "") -> dict:
    """A plausible v2 `result` for an export row (the real API's shape is only partly known)."""
    _, resources, _ = datagovtw.normalise(row, None)
    fields = datagovtw.parse_fields(row.get("主要欄位說明", ""))
    freq = row.get("更新頻率", "")
    m = re.fullmatch(r"每(\d+)(\D+)", freq)
    result: dict[str, Any] = {
        "title": row.get("資料集名稱", ""),
        "description": row.get("資料集描述", ""),
        "publisherContactName": row.get("提供機關聯絡人姓名", ""),
        "publisherContactPhone": row.get("提供機關聯絡人電話", ""),
        "updateFrequency": {"regularupdate": "1", "Frequency": m.group(1), "unittime": m.group(2)} if m else freq,
        "license": "1" if "政府資料開放授權條款" in row.get("授權方式", "") else row.get("授權方式", ""),
        "cost": "free" if row.get("計費方式") == "免費" else row.get("計費方式", ""),
        "publishedDate": _api_date(row.get("上架日期", "")),
        "modifiedDate": _api_date(row.get("詮釋資料更新時間", "")),
        "dataQuality": row.get("品質檢測", ""),
        "relatedUrl": row.get("相關網址", ""),
        "notes": row.get("備註", ""),
        "distribution": [
            {
                "resourceFormat": r["format"],
                "resourceDownloadUrl": r["url"],
                "resourceCharacterEncoding": r["encoding"],
                "resourceDescription": r["description"],
                "resourceModifiedDate": r["modified"].replace("T", " "),
                "resourceField": [{"name": f, "description": ""} for f in fields],
            }
            for r in resources
        ],
    }
    if publisher_oid:
        result["publisherOID"] = f"{publisher_oid}|{row.get('提供機關', '')}"
    return result


def ckan_style(result: dict) -> dict:
    """A v2 result whose `distribution` became CKAN-style `resources` (format, url, name,
    encoding, last_modified): the shape third-party scripts report (tests/fixtures/drift)."""
    out = {k: v for k, v in result.items() if k != "distribution"}
    out["resources"] = [{"name": d.get("resourceDescription", ""), "format": d.get("resourceFormat", ""),
                         "url": d.get("resourceDownloadUrl", ""), "encoding": d.get("resourceCharacterEncoding", ""),
                         "last_modified": d.get("resourceModifiedDate", "")} for d in result.get("distribution", [])]
    return out


@dataclass
class DatasetSpec:
    export: dict[str, str]
    #: full v2 result to serve; None = derived from the export row
    api: dict | None = None
    origin: str = ""
    platform_check: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.export.get("資料集識別碼", "")).strip()


@dataclass
class ResourceBody:
    body: bytes
    content_type: str = "application/octet-stream"
    note: str = ""


@dataclass
class PortalSpec:
    """Datasets (with their original resource URLs) and the bodies known for some URLs."""

    datasets: list[DatasetSpec]
    bodies: dict[str, ResourceBody] = field(default_factory=dict)

    def ids(self) -> list[str]:
        return [d.id for d in self.datasets]

    def dataset(self, ds_id: str) -> DatasetSpec:
        return next(d for d in self.datasets if d.id == ds_id)


class FakePortal:
    """data.gov.tw on 127.0.0.1 plus `agency_hosts` agency servers on 127.0.0.2…

    * ``GET /api/front/dataset/export?format=csv``: the 22-column export of the datasets
      (UTF-8 with BOM, Content-Type text/html like the real one), built per request.
    * ``GET /api/v2/rest/dataset/{id}``: ``{"success": true, "result": …}``; unknown ids get
      ``{"success": false, …}`` with status 200, or 404 with ``unknown_api="404"``.
    * ``GET /dataset/{id}``: a small HTML page for known ids (404 otherwise).

    A portal that has drifted (`odaudit doctor`): `rename_columns` ({old: new}) writes a column
    of the export under another name, `export_columns` may list extra columns (their values come
    from the rows' keys of the same name), `ckan_style(result)` turns a v2 result into the
    CKAN-style shape, and `serve_ckan_status` makes the host answer CKAN's status_show.
    """

    def __init__(self, datasets: Iterable[DatasetSpec | dict] = (), *, agency_hosts: int = 0, latency: float = 0.0,
                 unknown_api: str = "200", export_columns: Iterable[str] = datagovtw.EXPORT_COLUMNS,
                 address: str = "127.0.0.1", rename_columns: dict[str, str] | None = None) -> None:
        if not 0 <= agency_hosts <= len(AGENCY_ADDRESSES):
            raise ValueError(f"agency_hosts must be 0..{len(AGENCY_ADDRESSES)}")
        self.portal = FakeHost(address, latency=latency, name="data.gov.tw")
        self.hosts: list[FakeHost] = [self.portal]
        try:
            for addr in AGENCY_ADDRESSES[:agency_hosts]:
                self.hosts.append(FakeHost(addr, latency=latency, name=f"agency-{addr}"))
        except OSError:
            for h in self.hosts:
                h.stop()
            raise
        self.unknown_api = unknown_api
        self.export_columns = list(export_columns)
        self.rename_columns = dict(rename_columns or {})
        self.datasets: dict[str, DatasetSpec] = {}
        #: original resource URL -> local URL (filled by from_spec)
        self.url_map: dict[str, str] = {}
        self.portal.serve(EXPORT_PATH, self.export_bytes, content_type="text/html; charset=UTF-8")
        self.portal.fallback = self._api_route
        for d in datasets:
            self.add_dataset(d)

    # lifecycle
    def start(self) -> FakePortal:
        for h in self.hosts:
            h.start()
        return self

    def stop(self) -> None:
        for h in self.hosts:
            h.stop()

    def __enter__(self) -> FakePortal:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # addresses
    @property
    def base_url(self) -> str:
        return self.portal.base_url

    @property
    def export_url(self) -> str:
        return datagovtw.export_url(self.base_url)

    def api_url(self, ds_id: str) -> str:
        return datagovtw.dataset_api_url(self.base_url, ds_id)

    @property
    def agency_hosts(self) -> list[FakeHost]:
        return self.hosts[1:]

    # datasets
    def add_dataset(self, dataset: DatasetSpec | dict, api: dict | None = None) -> DatasetSpec:
        """Add (or replace) a dataset: an export-row dict or a DatasetSpec."""
        spec = dataset if isinstance(dataset, DatasetSpec) else DatasetSpec(export=dict(dataset), api=api)
        self.datasets[spec.id] = spec
        return spec

    def remove_dataset(self, ds_id: str) -> None:
        self.datasets.pop(ds_id, None)

    def export_bytes(self) -> bytes:
        ren = self.rename_columns
        rows = ({ren.get(k, k): v for k, v in d.export.items()} for d in self.datasets.values())
        return _csv_bytes(rows, [ren.get(c, c) for c in self.export_columns])

    def serve_ckan_status(self, version: str = "2.10.4", *, search: bool = True) -> None:
        """Answer CKAN's status_show (and package_search when `search`) as a CKAN portal does."""
        status = {"help": f"{self.base_url}/api/3/action/help_show?name=status_show", "success": True,
                  "result": {"ckan_version": version, "site_title": "Fake CKAN", "site_url": self.base_url,
                             "site_description": "", "locale_default": "zh_Hant_TW", "extensions": ["datastore"]}}
        self.portal.serve("/api/3/action/status_show", json.dumps(status).encode(), content_type="application/json")
        if search:
            found = {"help": "", "success": True, "result": {"count": len(self.datasets), "results": [], "facets": {}}}
            self.portal.serve("/api/3/action/package_search?rows=0", json.dumps(found).encode(), content_type="application/json")

    def api_result(self, ds_id: str) -> dict:
        spec = self.datasets[ds_id]
        return spec.api if spec.api is not None else export_row_to_api(spec.export)

    def _api_route(self, key: str) -> Route | None:
        if key.startswith(PAGE_PREFIX) and key[len(PAGE_PREFIX):] in self.datasets:
            title = self.datasets[key[len(PAGE_PREFIX):]].export.get("資料集名稱", "")
            page = f'<!DOCTYPE html><html lang="zh-Hant"><head><meta charset="utf-8"><title>{escape(title)}</title></head></html>'
            return Route(body=page.encode(), content_type="text/html; charset=utf-8")
        if not key.startswith(API_PREFIX):
            return None
        ds_id = key[len(API_PREFIX):].split("?", 1)[0].strip("/")
        if ds_id in self.datasets:
            body = lambda: json.dumps({"success": True, "result": self.api_result(ds_id)},  # noqa: E731
                                      ensure_ascii=False).encode("utf-8")
            return Route(body=body, content_type="application/json; charset=utf-8")
        err = json.dumps({"success": False, "error": {"error_type": f"dataset {ds_id} not found (fake portal)"}}).encode()
        return Route(body=err, status=404 if self.unknown_api == "404" else 200,
                     content_type="application/json; charset=utf-8")

    def configure_api(self, ds_id: str, **changes: Any) -> Route:
        """Failure modes for one dataset's API answer (e.g. fail_times=1)."""
        return self.portal.configure(API_PREFIX + ds_id, **changes)

    def configure_export(self, **changes: Any) -> Route:
        return self.portal.configure(EXPORT_PATH, **changes)

    # real datasets
    @classmethod
    def from_spec(cls, spec: PortalSpec, *, agency_hosts: int = 4, latency: float = 0.0, validators: bool = False,
                  **kwargs: Any) -> FakePortal:
        """Start a portal serving `spec`: every resource URL is rewritten onto the local hosts
        (``http://127.0.0.x:PORT/res/<original host><original path and query>``, raw text
        kept); real bodies where the spec has them, generated ones elsewhere. With
        `validators`, every resource also gets an ETag and a Last-Modified (304 handling)."""
        portal = cls(agency_hosts=agency_hosts, latency=latency, **kwargs).start()
        try:
            portal._load_spec(spec, validators=validators)
        except BaseException:
            portal.stop()
            raise
        return portal

    def _load_spec(self, spec: PortalSpec, *, validators: bool = False) -> None:
        targets = self.agency_hosts or [self.portal]
        netlocs = sorted({urlsplit(u).netloc for d in spec.datasets for u in _urls(d.export) if u})
        host_of = {n: targets[i % len(targets)] for i, n in enumerate(netlocs)}
        for d in spec.datasets:
            row = dict(d.export)
            _, resources, _ = datagovtw.normalise(row, None)
            fields = datagovtw.parse_fields(row.get("主要欄位說明", ""))
            cell = row.get("資料下載網址", "")
            for index, r in enumerate(resources):
                original = r["url"]
                if not original:
                    continue
                if original not in self.url_map:
                    parts = urlsplit(original)
                    host = host_of.get(parts.netloc, targets[0])
                    local_path = f"/res/{parts.netloc or '_'}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
                    local = host.base_url + local_path
                    self.url_map[original] = local
                    known = spec.bodies.get(original)
                    if known is not None:
                        body, ctype = known.body, known.content_type
                    else:
                        fmt = r["format"]
                        if _ZIP_URL.search(original) and fmt.upper() not in ("ZIP", "壓縮檔", "KMZ"):
                            fmt = "ZIP"  # the link names a zip whatever the declaration says (27431)
                        body, ctype = generate_body(fmt, r["encoding"], fields, r["rows"],
                                                    seed=f"{d.id}#{index}", title=row.get("資料集名稱", ""))
                    extra: dict[str, Any] = {}
                    if validators:
                        extra = {"etag": f'"{hashlib.sha256(body).hexdigest()[:16]}"',
                                 "last_modified": http_date(1_500_000_000)}
                    host.serve(local_path, body, content_type=ctype, **extra)
            for original in sorted(self.url_map, key=len, reverse=True):
                cell = cell.replace(original, self.url_map[original])
            row["資料下載網址"] = cell
            api = d.api
            if api is not None:  # a given API result names the same URLs
                text = json.dumps(api, ensure_ascii=False)
                for original in sorted(self.url_map, key=len, reverse=True):
                    text = text.replace(json.dumps(original, ensure_ascii=False)[1:-1],
                                        json.dumps(self.url_map[original], ensure_ascii=False)[1:-1])
                api = json.loads(text)
            self.add_dataset(DatasetSpec(export=row, api=api, origin=d.origin, platform_check=d.platform_check))

    def local_url(self, original: str) -> str:
        return self.url_map[original]

    def host_of(self, url: str) -> FakeHost:
        netloc = urlsplit(url).netloc
        return next(h for h in self.hosts if f"{h.address}:{h.port}" == netloc)

    def count(self, url: str) -> int:
        """Requests received for a local URL (on whichever host serves it)."""
        return self.host_of(url).count(url)

    @property
    def max_in_flight(self) -> dict[str, int]:
        """host name -> most simultaneous requests seen."""
        return {h.name: h.max_in_flight for h in self.hosts}

    def reset_counters(self) -> None:
        for h in self.hosts:
            h.reset_counters()


_ZIP_URL = re.compile(r"(?:[?&]ft=zip\b|\.zip(?:$|\?))", re.I)


def _urls(row: dict[str, str]) -> list[str]:
    _, resources, _ = datagovtw.normalise(row, None)
    return [r["url"] for r in resources]


def real_portal_fixture(fixtures: Path = FIXTURES) -> PortalSpec:
    """The real datasets of tests/fixtures/portal/ (see its README.md), original URLs."""
    raw = json.loads((fixtures / "datasets.json").read_text(encoding="utf-8"))
    datasets = [DatasetSpec(export=d["export"], api=d.get("api"), origin=d.get("origin", ""),
                            platform_check=d.get("platform_check") or {}) for d in raw]
    mapping = json.loads((fixtures / "bodies.json").read_text(encoding="utf-8"))
    bodies = {url: ResourceBody((fixtures / m["file"]).read_bytes(), m.get("content_type", "application/octet-stream"),
                                m.get("note", "")) for url, m in mapping.items()}
    return PortalSpec(datasets=datasets, bodies=bodies)


# --------------------------------------------------------------------------- generated bodies

CONTENT_TYPES = {
    "CSV": "text/csv", "JSON": "application/json", "XML": "application/xml", "KML": "application/vnd.google-earth.kml+xml",
    "KMZ": "application/vnd.google-earth.kmz", "PDF": "application/pdf", "ZIP": "application/zip",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ODS": "application/vnd.oasis.opendocument.spreadsheet", "XLS": "application/vnd.ms-excel",
    "GEOJSON": "application/geo+json", "RSS": "application/rss+xml", "CAP": "application/xml", "PNG": "image/png",
    "HTML": "text/html; charset=utf-8",
}
_FORMAT_ALIASES = {"壓縮檔": "ZIP", "WEBSERVICES": "JSON", "API": "JSON", "JSONP": "JSON", "TXT": "CSV"}


def _value(name: str, i: int, rng: random.Random) -> str:
    n = name.lower()
    if any(k in n for k in ("date", "time", "日期", "時間")):
        return f"2017-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:00:00"
    if any(k in n for k in ("經度", "longitude", "lon", "x坐標", "twd97x")):
        return f"{rng.uniform(120.1, 121.9):.6f}"
    if any(k in n for k in ("緯度", "latitude", "lat", "y坐標", "twd97y")):
        return f"{rng.uniform(22.0, 25.2):.6f}"
    if any(k in n for k in ("電話", "phone", "tel")):
        return f"0{rng.randint(2, 8)}-{rng.randint(2000000, 29999999)}"
    if any(k in n for k in ("數", "量", "count", "amount", "value", "val", "金額", "元", "率", "rain", "flow")):
        return str(rng.randint(0, 5000))
    if any(k in n for k in ("年", "year")):
        return str(rng.randint(100, 106))
    return f"{name}{i + 1}"


def _table(fields: list[str], rows: str, seed: str) -> tuple[list[str], list[list[str]]]:
    header = fields or ["項目", "數值"]
    try:
        declared = int(rows)
    except ValueError:
        declared = 0
    n = min(declared, 200) if declared > 0 else 30
    rng = random.Random(seed)
    return header, [[_value(h, i, rng) for h in header] for i in range(n)]


def _encode(text: str, encoding: str) -> bytes:
    enc = encoding.strip().upper().replace("-", "")
    if enc in ("BIG5", "CP950"):
        return text.encode("cp950", errors="replace")
    return text.encode("utf-8")


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2017, 10, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def _xlsx(header: list[str], rows: list[list[str]]) -> bytes:
    def cell(v: str) -> str:
        return f'<c t="inlineStr"><is><t>{escape(v)}</t></is></c>'
    sheet_rows = "".join(f'<row r="{i + 1}">' + "".join(cell(v) for v in r) + "</row>"
                         for i, r in enumerate([header, *rows]))
    ns = "http://schemas.openxmlformats.org"
    return _zip({
        "[Content_Types].xml": (f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types">'
                                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                                '<Default Extension="xml" ContentType="application/xml"/>'
                                '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                                '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                                "</Types>").encode(),
        "_rels/.rels": (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
                        f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                        "</Relationships>").encode(),
        "xl/workbook.xml": (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" '
                            f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>'
                            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>').encode(),
        "xl/_rels/workbook.xml.rels": (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships">'
                                       f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" '
                                       'Target="worksheets/sheet1.xml"/></Relationships>').encode(),
        "xl/worksheets/sheet1.xml": (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}/spreadsheetml/2006/main">'
                                     f"<sheetData>{sheet_rows}</sheetData></worksheet>").encode(),
    })


def _ods(header: list[str], rows: list[list[str]]) -> bytes:
    body = "".join("<table:table-row>" + "".join(
        f'<table:table-cell office:value-type="string"><text:p>{escape(v)}</text:p></table:table-cell>' for v in r)
        + "</table:table-row>" for r in [header, *rows])
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="Sheet1">{body}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:  # the mimetype entry comes first, stored
        z.writestr(zipfile.ZipInfo("mimetype", date_time=(2017, 10, 1, 0, 0, 0)),
                   "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        for name, data in (("content.xml", content), ("META-INF/manifest.xml", manifest)):
            z.writestr(zipfile.ZipInfo(name, date_time=(2017, 10, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _pdf(title: str) -> bytes:
    text = "odaudit fake portal document"
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    raw = b"".join(b"\x00" + b"\x80\x80\x80" * 8 for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", (8).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00")
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _kml(header: list[str], rows: list[list[str]], title: str) -> str:
    marks = []
    for i, r in enumerate(rows):
        data = "".join(f'<Data name="{escape(h)}"><value>{escape(v)}</value></Data>' for h, v in zip(header, r, strict=True))
        marks.append(f"<Placemark><name>{escape(title)} {i + 1}</name><ExtendedData>{data}</ExtendedData>"
                     f"<Point><coordinates>{121 + i / 1000:.4f},{24 + i / 1000:.4f},0</coordinates></Point></Placemark>")
    return ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"<name>{escape(title)}</name>{''.join(marks)}</Document></kml>")


def _xml_tag(name: str) -> str:
    tag = re.sub(r"[^\w.-]", "_", name)
    return tag if re.match(r"[^\W\d]", tag) else "f_" + tag


def generate_body(fmt: str, encoding: str, fields: list[str], rows: str, *, seed: str, title: str = "") -> tuple[bytes, str]:
    """A realistic body for a resource we have no real file for: (bytes, Content-Type).

    Consistent with the declaration: CSV with the declared fields as header in the declared
    encoding (BIG5 -> cp950), JSON/XML records with those fields, KML placemarks, a real
    zip/xlsx/ods/pdf/png container. XLS gets an HTML table (what many "XLS" links really
    serve); 其他, WMS and unknown formats get an HTML landing page.
    """
    kind = fmt.strip().upper()
    kind = _FORMAT_ALIASES.get(fmt.strip(), _FORMAT_ALIASES.get(kind, kind))
    header, table = _table(fields, rows, seed)
    records = [dict(zip(header, r, strict=True)) for r in table]
    if kind == "CSV":
        buf = io.StringIO(newline="")
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(table)
        return _encode(buf.getvalue(), encoding), CONTENT_TYPES["CSV"]
    if kind == "JSON":
        return _encode(json.dumps(records, ensure_ascii=False, indent=1), encoding), CONTENT_TYPES["JSON"]
    if kind == "GEOJSON":
        feats = [{"type": "Feature", "properties": rec,
                  "geometry": {"type": "Point", "coordinates": [121 + i / 1000, 24 + i / 1000]}} for i, rec in enumerate(records)]
        return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False).encode(), CONTENT_TYPES["GEOJSON"]
    if kind == "XML":
        items = "".join("<Row>" + "".join(f"<{_xml_tag(h)}>{escape(v)}</{_xml_tag(h)}>" for h, v in rec.items())
                        + "</Row>\n" for rec in records)
        return _encode(f'<?xml version="1.0" encoding="utf-8"?>\n<Data>\n{items}</Data>\n', encoding), CONTENT_TYPES["XML"]
    if kind == "RSS":
        items = "".join(f"<item><title>{escape(title)} {i + 1}</title><description>{escape(' '.join(r))}</description>"
                        f"<pubDate>{http_date(1506816000 + i * 3600)}</pubDate></item>" for i, r in enumerate(table))
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
                f"{items}</channel></rss>").encode(), CONTENT_TYPES["RSS"]
    if kind == "CAP":
        return ('<?xml version="1.0" encoding="utf-8"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
                f"<identifier>{escape(seed)}</identifier><sender>fake</sender><sent>2018-03-15T08:00:00+08:00</sent>"
                f"<status>Actual</status><msgType>Alert</msgType><scope>Public</scope><info><event>{escape(title)}</event>"
                "</info></alert>").encode(), CONTENT_TYPES["CAP"]
    if kind == "KML":
        return _kml(header, table, title).encode(), CONTENT_TYPES["KML"]
    if kind == "KMZ":
        return _zip({"doc.kml": _kml(header, table, title).encode()}), CONTENT_TYPES["KMZ"]
    if kind == "ZIP":
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator="\r\n").writerows([header, *table])
        return _zip({"data.csv": _encode(buf.getvalue(), encoding)}), CONTENT_TYPES["ZIP"]
    if kind == "XLSX":
        return _xlsx(header, table), CONTENT_TYPES["XLSX"]
    if kind == "ODS":
        return _ods(header, table), CONTENT_TYPES["ODS"]
    if kind == "XLS":
        cells = "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in r) + "</tr>" for r in [header, *table])
        return f"<html><body><table>{cells}</table></body></html>".encode(), CONTENT_TYPES["XLS"]
    if kind == "PDF":
        return _pdf(title), CONTENT_TYPES["PDF"]
    if kind in ("PNG", "JPG", "JPEG"):
        return _png(), CONTENT_TYPES["PNG"]
    return (f'<!DOCTYPE html><html lang="zh-Hant"><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
            f"<body><h1>{escape(title)}</h1><p>本網站提供相關資訊。</p></body></html>").encode(), CONTENT_TYPES["HTML"]


# --------------------------------------------------------------------------- pytest fixtures

try:
    import pytest
except ImportError:  # pragma: no cover - usable without pytest (benchmarks)
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture
    def fake_portal():
        """An empty FakePortal with 4 agency hosts (127.0.0.2-5)."""
        with FakePortal(agency_hosts=4) as portal:
            yield portal

    @pytest.fixture
    def real_portal():
        """A FakePortal serving the real fixture datasets over 4 agency hosts."""
        with FakePortal.from_spec(real_portal_fixture()) as portal:
            yield portal
