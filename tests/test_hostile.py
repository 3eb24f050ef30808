"""Hostile and broken servers, on real loopback sockets: every one ends as a recorded error (or
a truncated body) for that resource, and the rest of the crawl completes.

One crawl (module fixture) fetches all the hostile resources at once, each from its own
loopback address (the per-host limit would otherwise queue them), with small limits: 1 s read
timeout, 3 s total per response, 2 attempts, 1 MiB per body. The tests then read its records.
Answers no well-behaved server gives (silence, trickles, resets, lying Content-Length) come
from `RawServer`, a bare TCP server; the rest from the fake portal's hosts.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import socket
import struct
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from portal import EXPORT_PATH, FakePortal

from odaudit.crawl import CrawlOptions, run_crawl
from odaudit.http import Fetcher, FetchOptions
from odaudit.portals import datagovtw
from odaudit.store import Snapshot, SnapshotWriter

READ_TIMEOUT = 1.0
TOTAL_TIMEOUT = 3.0
MAX_BYTES = 1024 * 1024
HOSTILE = FetchOptions(attempts=2, backoff_initial=0.01, backoff_max=0.05, read_timeout=READ_TIMEOUT,
                       connect_timeout=READ_TIMEOUT, total_timeout=TOTAL_TIMEOUT, max_bytes=MAX_BYTES,
                       per_host=4, concurrency=32)
#: How long any one hostile resource may take: two attempts that each hit a limit, plus slack.
BOUND_S = 2 * (TOTAL_TIMEOUT + READ_TIMEOUT) + 2


# --------------------------------------------------------------------------- a bare TCP server


class RawServer:
    """Accepts connections on a loopback address and runs `handler(conn, request, server)` for
    each request read. Every loop in a handler is bounded (by count, and by `stop` at teardown)."""

    def __init__(self, handler: Callable[[socket.socket, bytes, RawServer], bool | None], address: str) -> None:
        self.handler = handler
        self.sock = socket.create_server((address, 0))
        self.sock.settimeout(0.1)
        self.address, self.port = self.sock.getsockname()[:2]
        self.stop = threading.Event()
        self.connections = 0
        self.requests: list[bytes] = []
        self._conns: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept, daemon=True)
        self._accepter.start()

    def url(self, path: str) -> str:
        return f"http://{self.address}:{self.port}{path}"

    def sleep(self, seconds: float) -> bool:
        """False once the server is stopping."""
        return not self.stop.wait(seconds)

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(10)
            self.connections += 1
            self._conns.append(conn)
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            for _ in range(20):  # keep-alive: a few requests per connection at most
                request = read_request(conn)
                if not request:
                    break
                self.requests.append(request)
                if not self.handler(conn, request, self):
                    break
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        for c in self._conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in [self._accepter, *self._threads]:
            t.join(2)


def read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            return b""
        data += chunk
    return data


def path_of(request: bytes) -> str:
    return request.split(b" ", 2)[1].decode()


def send(conn: socket.socket, data: bytes) -> bool:
    try:
        conn.sendall(data)
        return True
    except OSError:
        return False


# Handlers: True keeps the connection for another request, anything else closes it.

def silent(conn: socket.socket, request: bytes, srv: RawServer) -> None:
    """Accepts and reads the request, then never answers."""
    srv.stop.wait(60)


def trickle_body(conn: socket.socket, request: bytes, srv: RawServer) -> None:
    send(conn, b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\n")
    for _ in range(100000):  # one byte every 0.2 s: each read succeeds, the whole never ends
        if not srv.sleep(0.2) or not send(conn, b"x"):
            return


def trickle_headers(conn: socket.socket, request: bytes, srv: RawServer) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 50000:
        if not srv.sleep(0.2) or not send(conn, bytes([byte])):
            return


def endless(conn: socket.socket, request: bytes, srv: RawServer) -> None:
    send(conn, b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nConnection: close\r\n\r\n")
    block = b"a,b\n" * 16384
    for _ in range(16384):  # up to 1 GiB, unless the client hangs up first
        if srv.stop.is_set() or not send(conn, block):
            return


def reset_mid_body(conn: socket.socket, request: bytes, srv: RawServer) -> None:
    send(conn, b"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\n" + b"a,b\n" * 250)
    time.sleep(0.05)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
    conn.close()


def lying_lengths(conn: socket.socket, request: bytes, srv: RawServer) -> bool | None:
    path = path_of(request)
    head = "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\n"
    if path == "/short":  # announces 8 bytes, sends more on a kept-alive connection
        return send(conn, (head + "Content-Length: 8\r\n\r\na,b\n1,2\nSTRAY BYTES ON THE CONNECTION\n").encode())
    if path == "/after":  # the next request on that host must not read the stray bytes
        return send(conn, (head + "Content-Length: 8\r\n\r\nc,d\n3,4\n").encode())
    if path == "/none":  # no Content-Length: the body ends when the connection closes
        send(conn, (head + "Connection: close\r\n\r\n" + "x,y\n" * 100).encode())
        return None
    if path == "/nonsense":
        send(conn, (head + "Content-Length: lots\r\n\r\na,b\n").encode())
        return None
    if path == "/conflicting":
        send(conn, (head + "Content-Length: 4\r\nContent-Length: 9\r\n\r\na,b\n1,2,3\n").encode())
        return None
    send(conn, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    return True


# --------------------------------------------------------------------------- the hostile crawl

CSV = b"a,b\n1,2\n"
ROW = {"檔案格式": "CSV", "編碼格式": "UTF-8", "授權方式": "政府資料開放授權條款-第1版", "計費方式": "免費",
       "提供機關": "測試機關", "更新頻率": "每1日"}


def gzip_bomb(size: int) -> bytes:
    """`size` zero bytes, gzipped (about 1000:1), built without holding them in memory."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    return b"".join([*(c.compress(zeros) for _ in range(size >> 20)), c.flush()])


def write_catalog(path: Path, ids: list[str]) -> Path:
    lines = ["name: hostile", "title: hostile servers", "method: one dataset per failure mode", "categories:",
             "- id: '1'", "  name: one", "  datasets:", *(f"  - {{name: 'dataset {i}', id: '{i}'}}" for i in ids)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def all_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


SNAPSHOT_FILE = re.compile(r"^(manifest\.json|catalog\.yaml|datasets\.jsonl|resources\.jsonl|findings\.csv"
                           r"|bodies/([0-9a-f]{2})/\2[0-9a-f]{62})$")


class Hostile:
    """The crawl's outcome: resource record and request counts per scenario name."""

    def __init__(self, snap: Snapshot, scenario_ids: dict[str, str], servers: dict[str, RawServer],
                 counts: dict[str, int], took: float, tmp: Path, before: set[str], result: Any) -> None:
        self.snap, self.servers, self.counts, self.took, self.tmp, self.before = snap, servers, counts, took, tmp, before
        self.result = result
        self.datasets = {d["id"]: d for d in snap.datasets()}
        by_ds = snap.resources_by_dataset()
        self.ids = scenario_ids
        self.resources = {name: by_ds[f"tw:{i}"] for name, i in scenario_ids.items()}

    def res(self, name: str, index: int = 0) -> dict[str, Any]:
        return self.resources[name][index]

    def dataset(self, name: str) -> dict[str, Any]:
        return self.datasets[self.ids[name]]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("hostile")
    servers: dict[str, RawServer] = {}
    next_addr = iter(range(20, 60))
    raw = lambda name, handler: servers.setdefault(name, RawServer(handler, f"127.0.0.{next(next_addr)}"))  # noqa: E731
    try:
        with FakePortal(agency_hosts=3) as portal:
            h, h2, h3 = portal.agency_hosts
            bomb = gzip_bomb(200 * 1024 * 1024)
            lies = raw("lies", lying_lengths)
            scenarios: dict[str, list[str]] = {
                "ok": [h.serve("/ok.csv", CSV, content_type="text/csv")],
                "silent": [raw("silent", silent).url("/x.csv")],
                "trickle_body": [raw("trickle_body", trickle_body).url("/x.csv")],
                "trickle_headers": [raw("trickle_headers", trickle_headers).url("/x.csv")],
                "endless": [raw("endless", endless).url("/x.csv")],
                "gzip_bomb": [h2.serve("/bomb.csv", bomb, content_type="text/csv", headers={"Content-Encoding": "gzip"})],
                "reset": [raw("reset", reset_mid_body).url("/x.csv")],
                "loop": [h.redirect_loop("/loop.csv", length=3)],
                "chain_10": [h3.redirect_chain("/chain10.csv", "/ok10.csv", hops=10)],
                "chain_11": [h3.redirect_chain("/chain11.csv", "/ok11.csv", hops=11)],
                "to_file": [h2.redirect("/file.csv", "file:///etc/passwd")],
                "to_ftp": [h2.redirect("/ftp.csv", "ftp://127.0.0.1/x.csv")],
                "to_data": [h2.redirect("/data.csv", "data:text/csv,a%2Cb")],
                "to_no_host": [h2.redirect("/nohost.csv", "http:///etc/passwd")],
                "cut": [h.serve("/cut.csv", b"a,b\n" + b"1,2\n" * 5000, content_type="text/csv", truncate=100)],
                "lies": [lies.url("/short"), lies.url("/after"), lies.url("/none"), lies.url("/nonsense"),
                         lies.url("/conflicting")],
                "disposition": [h3.serve("/download", b"evil,body\n1,2\n", content_type="text/csv", headers={
                    "Content-Disposition": "attachment; filename=\"../../x\"; filename*=UTF-8''..%2F..%2F..%2Fevil.csv"})],
                "api_not_json": [h.serve("/a1.csv", b"c\n1\n", content_type="text/csv")],
                "api_deep": [h.serve("/a2.csv", b"c\n2\n", content_type="text/csv")],
                "api_html": [h.serve("/a3.csv", b"c\n3\n", content_type="text/csv")],
                "api_silent": [h.serve("/a4.csv", b"c\n4\n", content_type="text/csv")],
            }
            h3.serve("/ok10.csv", CSV, content_type="text/csv")
            h3.serve("/ok11.csv", CSV, content_type="text/csv")
            ids = {name: str(n) for n, name in enumerate(scenarios, 1)}
            for name, urls in scenarios.items():
                portal.add_dataset({**ROW, "資料集識別碼": ids[name], "資料集名稱": name,
                                    "檔案格式": ";".join(["CSV"] * len(urls)), "資料下載網址": ";".join(urls),
                                    "編碼格式": ";".join(["UTF-8"] * len(urls))})
            portal.configure_api(ids["api_not_json"], body=b'{"success": true, "result": {"title": ')
            portal.configure_api(ids["api_deep"], body=b'{"success": true, "result": ' + b"[" * 100000)
            portal.configure_api(ids["api_html"], body=b"<html><body>\xe7\xb6\xad\xe8\xad\xb7\xe4\xb8\xad</body></html>",
                                 content_type="text/html")
            portal.configure_api(ids["api_silent"], delay=30)
            cat = write_catalog(tmp / "cat.yaml", list(ids.values()))
            before = all_files(tmp)
            t0 = time.monotonic()
            result = run_crawl(CrawlOptions(out=tmp / "snap", portal=portal.base_url, catalog_path=cat, check_workers=0,
                                            fetch=HOSTILE))
            took = time.monotonic() - t0
            counts = {"loop": sum(h.count(p) for p in ("/loop.csv", "/loop.csv~loop1", "/loop.csv~loop2")),
                      "chain_11": sum(n for k, n in h3.counts.items() if k.startswith("/chain11") or k == "/ok11.csv"),
                      "file": h2.count("/file.csv")}
        yield Hostile(Snapshot.open(tmp / "snap"), ids, servers, counts, took, tmp, before, result)
    finally:
        for s in servers.values():
            s.close()


def test_the_crawl_completes_with_every_dataset_and_resource_recorded(hostile: Hostile) -> None:
    m = hostile.snap.manifest
    assert m["status"] == "complete" and not hostile.result.interrupted
    assert set(hostile.datasets) == set(hostile.ids.values())
    declared = sum(len(d["resources"]) for d in hostile.datasets.values())
    assert m["counts"]["resources"] == declared == len(hostile.snap.resources())
    assert hostile.res("ok")["status"] == 200 and hostile.res("ok")["error"] is None
    # checks ran for every dataset, hostile or not, and every failed fetch is a failed `link` finding
    findings = hostile.snap.findings()
    assert {f.dataset for f in findings} == {d["key"] for d in hostile.datasets.values()}
    link = {f.resource: f.outcome for f in findings if f.check == "link" and f.resource}
    failed = [r["key"] for r in hostile.snap.resources() if r["error"]]
    assert len(failed) == 12 and all(link[k] == "fail" for k in failed)
    # all at once: the slowest hostile resource bounds the whole crawl
    assert hostile.took < BOUND_S + 5, hostile.took


def test_a_server_that_never_answers_is_cut_by_the_read_timeout(hostile: Hostile) -> None:
    r = hostile.res("silent")
    assert r["error"]["kind"] == "timeout" and r["status"] is None and r["body"] is None
    assert r["attempts"] == 2 and hostile.servers["silent"].connections == 2  # a timeout is retried
    assert r["elapsed_ms"] < 2 * READ_TIMEOUT * 1000 + 1500


@pytest.mark.parametrize("name", ["trickle_body", "trickle_headers"])
def test_a_trickling_server_is_cut_by_the_total_timeout(hostile: Hostile, name: str) -> None:
    r = hostile.res(name)
    assert r["error"]["kind"] == "too_slow", r["error"]
    assert r["body"] is None and r["attempts"] == 1  # not retried: it would only trickle again
    assert TOTAL_TIMEOUT * 1000 - 100 <= r["elapsed_ms"] < (TOTAL_TIMEOUT + READ_TIMEOUT) * 1000 + 500


def test_an_endless_body_is_capped_and_kept_truncated(hostile: Hostile) -> None:
    r = hostile.res("endless")
    assert r["status"] == 200 and r["error"] is None
    assert r["truncated"] is True and r["bytes"] == MAX_BYTES
    body = hostile.snap.body_path(r["body"])
    assert body is not None and body.stat().st_size == MAX_BYTES


def test_a_gzip_bomb_is_capped_on_decoded_bytes(hostile: Hostile) -> None:
    r = hostile.res("gzip_bomb")
    assert r["content_encoding"] == "gzip" and r["truncated"] is True and r["bytes"] == MAX_BYTES
    assert hostile.snap.body_path(r["body"]).read_bytes() == bytes(MAX_BYTES)


def test_a_layered_gzip_bomb_stays_in_bounded_memory(tmp_path: Path) -> None:
    """`Content-Encoding: gzip, gzip`: 300 MB of zeros in about 1 KB. Each layer is inflated
    in 64 KiB steps, so memory stays flat (httpx's own decoder would inflate it in one call)."""
    inner = gzip_bomb(300 * 1024 * 1024)
    outer = gzip.compress(inner)
    del inner

    def handler(conn: socket.socket, request: bytes, srv: RawServer) -> None:
        send(conn, b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip, gzip\r\nContent-Length: %d\r\n\r\n" % len(outer) + outer)

    srv = RawServer(handler, "127.0.0.60")
    try:
        writer = SnapshotWriter(tmp_path / "snap")
        with Fetcher(FetchOptions(attempts=1, read_timeout=5, max_bytes=MAX_BYTES)) as f:
            tracemalloc.start()
            try:
                r = f.fetch(srv.url("/bomb"), writer.new_body)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    finally:
        srv.close()
    assert r.error is None and r.truncated and r.bytes == MAX_BYTES
    assert (writer.root / r.body).read_bytes() == bytes(MAX_BYTES)
    assert peak < 16 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"


def test_an_unknown_content_coding_is_stored_as_received(tmp_path: Path) -> None:
    """br (or zstd) cannot be undone here: the body is kept as it came, never decoded unbounded."""
    body = b"\x8b\x02\x80hello\x03"

    def handler(conn: socket.socket, request: bytes, srv: RawServer) -> None:
        send(conn, b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: %d\r\n\r\n" % len(body) + body)

    srv = RawServer(handler, "127.0.0.61")
    try:
        writer = SnapshotWriter(tmp_path / "snap")
        with Fetcher(FetchOptions(attempts=1, read_timeout=5)) as f:
            r = f.fetch(srv.url("/br"), writer.new_body)
    finally:
        srv.close()
    assert r.error is None and r.content_encoding == "br" and (writer.root / r.body).read_bytes() == body


def test_a_connection_reset_mid_body_is_retried_then_recorded(hostile: Hostile) -> None:
    r = hostile.res("reset")
    assert r["error"]["kind"] == "read" and r["body"] is None and r["bytes"] == 0
    assert r["attempts"] == 2 and hostile.servers["reset"].connections == 2
    assert not (hostile.snap.root / "bodies" / "tmp").exists()  # the partial bodies were discarded


def test_a_body_shorter_than_its_content_length_is_an_error(hostile: Hostile) -> None:
    r = hostile.res("cut")
    assert r["error"]["kind"] == "read" and r["attempts"] == 2 and r["body"] is None


def test_lying_or_missing_content_lengths(hostile: Hostile) -> None:
    short, after, none, nonsense, conflicting = hostile.resources["lies"]
    # announced 8, sent more: the 8 announced bytes are the body ...
    assert short["status"] == 200 and short["bytes"] == 8 and short["content_length"] == "8"
    assert hostile.snap.body_path(short["body"]).read_bytes() == b"a,b\n1,2\n"
    # ... and the stray bytes did not leak into the next answer from that host
    assert after["status"] == 200 and hostile.snap.body_path(after["body"]).read_bytes() == b"c,d\n3,4\n"
    # no Content-Length: read until the server closes
    assert none["status"] == 200 and none["content_length"] == "" and none["bytes"] == 400
    # unparsable or conflicting Content-Length: a protocol error, recorded after the retries
    for r in (nonsense, conflicting):
        assert r["error"]["kind"] == "read" and r["status"] is None and r["attempts"] == 2, r


def test_a_redirect_loop_is_stopped(hostile: Hostile) -> None:
    r = hostile.res("loop")
    assert r["error"]["kind"] == "too_many_redirects" and "loop" in r["error"]["message"]
    assert hostile.counts["loop"] == 3 and r["attempts"] == 1  # once round the loop, no retry


def test_ten_redirects_are_followed_eleven_are_not(hostile: Hostile) -> None:
    ten, eleven = hostile.res("chain_10"), hostile.res("chain_11")
    assert ten["status"] == 200 and len(ten["redirects"]) == 10 and ten["final_url"].endswith("/ok10.csv")
    assert eleven["error"]["kind"] == "too_many_redirects" and eleven["body"] is None
    assert hostile.counts["chain_11"] == 11  # the 11th Location is never requested


@pytest.mark.parametrize("name", ["to_file", "to_ftp", "to_data"])
def test_a_redirect_off_http_is_refused(hostile: Hostile, name: str) -> None:
    r = hostile.res(name)
    assert r["body"] is None and r["bytes"] == 0 and r["attempts"] == 1
    if name == "to_data":  # httpx cannot even parse it as a redirect target: refused as an invalid URL
        assert r["error"]["kind"] == "invalid_url", r["error"]
    else:
        assert r["error"]["kind"] == "scheme" and len(r["redirects"]) == 1, r["error"]
    assert hostile.counts["file"] == 1


def test_a_redirect_without_a_host_stays_on_the_same_http_host(hostile: Hostile) -> None:
    """`Location: http:///etc/passwd` resolves against the current host: an HTTP request, never a file."""
    r = hostile.res("to_no_host")
    assert r["final_url"].startswith(r["url"].rsplit("/", 1)[0] + "/") and r["final_url"].endswith("/etc/passwd")
    assert r["status"] == 404 and b"root:" not in hostile.snap.body_path(r["body"]).read_bytes()


def test_content_disposition_never_names_a_file(hostile: Hostile) -> None:
    r = hostile.res("disposition")
    assert "../../x" in r["content_disposition"]  # recorded as sent ...
    digest = hashlib.sha256(b"evil,body\n1,2\n").hexdigest()
    assert r["sha256"] == digest and r["body"] == f"bodies/{digest[:2]}/{digest}"  # ... stored by content only
    # nothing was written outside the snapshot, and inside it only the known files and hashed bodies
    outside = all_files(hostile.tmp) - {f"snap/{p}" for p in all_files(hostile.snap.root)}
    assert outside - {".snap.lock"} == hostile.before  # the crawl's lock file sits beside its folder
    strays = [p for p in all_files(hostile.snap.root) if not SNAPSHOT_FILE.match(p)]
    assert strays == []
    for p in all_files(hostile.snap.root):
        if p.startswith("bodies/"):
            assert hashlib.sha256((hostile.snap.root / p).read_bytes()).hexdigest() == p.rsplit("/", 1)[1]
    assert not any(p.name in ("x", "evil.csv") for p in hostile.tmp.parent.rglob("*"))


@pytest.mark.parametrize("name", ["api_not_json", "api_deep", "api_html", "api_silent"])
def test_a_broken_dataset_api_answer_is_recorded_and_the_export_used(hostile: Hostile, name: str) -> None:
    d = hostile.dataset(name)
    assert d["fetch"]["status"] == "ok" and d["fetch"]["sources"] == ["export"]
    assert d["fetch"]["error"] and d["raw"]["api"] is None
    if name != "api_silent":
        assert "JSON" in d["fetch"]["error"] or "UTF-8" in d["fetch"]["error"], d["fetch"]["error"]
    else:
        assert "timed out" in d["fetch"]["error"] or "Timeout" in d["fetch"]["error"]
    assert d["meta"]["agency"] == "測試機關"  # the export row still describes it
    (r,) = hostile.resources[name]
    assert r["status"] == 200 and r["error"] is None  # and its resource was fetched


# --------------------------------------------------------------------------- the bulk export


def broken_export(portal: FakePortal, columns: list[str], broken_id: str) -> bytes:
    """The portal's export in `columns` order, with the row of `broken_id` cut short."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    for spec in portal.datasets.values():
        row = [spec.export.get(c, "") for c in columns]
        if spec.id == broken_id:
            row = row[: len(columns) // 2]
        w.writerow(row)
    return buf.getvalue().encode("utf-8-sig")


def test_an_export_with_a_broken_row_and_another_column_order(tmp_path: Path) -> None:
    columns = list(reversed(datagovtw.EXPORT_COLUMNS)) + ["新欄位"]
    with FakePortal(agency_hosts=1) as portal:
        h = portal.hosts[1]
        for i in range(1, 5):
            url = h.serve(f"/{i}.csv", f"a,b\n{i},2\n".encode(), content_type="text/csv")
            portal.add_dataset({**ROW, "資料集識別碼": str(i), "資料集名稱": f"名稱{i}", "資料下載網址": url,
                                "提供機關": f"機關{i}"})
        portal.portal.serve(EXPORT_PATH, lambda: broken_export(portal, columns, "3"), content_type="text/csv")
        cat = write_catalog(tmp_path / "cat.yaml", ["1", "2", "3", "4"])
        result = run_crawl(CrawlOptions(out=tmp_path / "snap", portal=portal.base_url, catalog_path=cat,
                                        check_workers=0, fetch=HOSTILE))
    assert result.manifest["status"] == "complete"
    assert any("broken_row" in w for w in result.warnings), result.warnings
    assert any("unknown_columns" in w and "新欄位" in w for w in result.warnings)
    snap = Snapshot.open(tmp_path / "snap")
    datasets = {d["id"]: d for d in snap.datasets()}
    for i in ("1", "2", "4"):  # columns matched by name, whatever their order
        d = datasets[i]
        assert d["fetch"]["sources"] == ["export", "api"]
        assert d["meta"]["title"] == f"名稱{i}" and d["meta"]["agency"] == f"機關{i}"
        assert d["meta"]["frequency"] == "每1日" and d["raw"]["export"]["新欄位"] == ""
    # the broken row's dataset is described by its API answer alone, and still crawled
    assert datasets["3"]["fetch"]["sources"] == ["api"] and datasets["3"]["meta"]["title"] == "名稱3"
    assert all(r["status"] == 200 for r in snap.resources())


def test_an_export_that_is_not_an_export(tmp_path: Path) -> None:
    """An HTML error page (or garbage) instead of the CSV: a warning, the API alone describes."""
    with FakePortal(agency_hosts=1) as portal:
        url = portal.hosts[1].serve("/1.csv", CSV, content_type="text/csv")
        portal.add_dataset({**ROW, "資料集識別碼": "1", "資料集名稱": "名稱", "資料下載網址": url})
        portal.configure_export(body=b"<!DOCTYPE html><html><body>\x00\xff maintenance</body></html>")
        cat = write_catalog(tmp_path / "cat.yaml", ["1"])
        result = run_crawl(CrawlOptions(out=tmp_path / "snap", portal=portal.base_url, catalog_path=cat,
                                        check_workers=0, fetch=HOSTILE))
    assert result.manifest["status"] == "complete"
    assert any("export unreadable" in w for w in result.warnings), result.warnings
    (d,) = Snapshot.open(tmp_path / "snap").datasets()
    assert d["fetch"]["sources"] == ["api"] and d["meta"]["title"] == "名稱"
    assert json.dumps(d, ensure_ascii=False)  # a plain, serialisable record
