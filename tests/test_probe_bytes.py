"""`crawl --probe-bytes N`: only the first N bytes of files declared or announced over --max-bytes,
on real loopback servers: one that honours Range (206), one that ignores it (200, the read stops
and the connection is closed), one whose HEAD lies (never asked); the fetch record says the body is
a prefix; link/format/encoding say they are full results, structure/freshness that they are partial."""

from __future__ import annotations

import csv
import json
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from portal import FakePortal
from test_hostile import ROW, RawServer, path_of, send, write_catalog

from odaudit.crawl import CrawlOptions, run_crawl
from odaudit.http import Fetcher, FetchOptions
from odaudit.store import Snapshot, SnapshotWriter

MAX = 1024 * 1024
PROBE = 64 * 1024
HUGE = 1 << 30  # announced by the server that ignores Range: 1 GiB, generated, never stored
LINE = b"2025-12-01,\xe8\x87\xba\xe5\x8c\x97\xe5\xb8\x82,12345\n"  # 2025-12-01,臺北市,12345


def csv_body(size: int) -> bytes:
    body = b"date,city,count\n" + LINE * (size // len(LINE) + 1)
    return body[:size]


class Counting(httpx.BaseTransport):
    """The client side of the wire: bytes httpx pulled from the socket, per response."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.read = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        resp = self.inner.handle_request(request)
        stream, outer = resp.stream, self

        class Counted(httpx.SyncByteStream):
            def __iter__(self):  # type: ignore[override]
                for chunk in stream:  # type: ignore[union-attr]
                    outer.read += len(chunk)
                    yield chunk

            def close(self) -> None:
                stream.close()  # type: ignore[union-attr]

        return httpx.Response(resp.status_code, headers=resp.headers, stream=Counted(), extensions=resp.extensions)

    def close(self) -> None:
        self.inner.close()


class Servers:
    """Three loopback servers of one big CSV file; each logs the methods and Range headers asked."""

    def __init__(self) -> None:
        self.body = csv_body(5 * MAX)
        self.log: list[tuple[str, str]] = []
        self.sent_huge = 0
        self.huge_closed = threading.Event()
        self.ranged = RawServer(self.honour_range, "127.0.0.61")
        self.ignoring = RawServer(self.ignore_range, "127.0.0.62")
        self.lying = RawServer(self.lying_head, "127.0.0.63")

    def _note(self, request: bytes) -> str:
        text = request.decode("latin-1")
        m = re.search(r"(?im)^range:\s*(.+?)\s*$", text)
        self.log.append((text.split(" ", 1)[0], m.group(1) if m else ""))
        return m.group(1) if m else ""

    def honour_range(self, conn: socket.socket, request: bytes, srv: RawServer) -> bool:
        asked = re.match(r"bytes=0-(\d+)$", self._note(request))
        if asked:
            part = self.body[: int(asked.group(1)) + 1]
            head = (f"HTTP/1.1 206 Partial Content\r\nContent-Type: text/csv\r\nContent-Length: {len(part)}\r\n"
                    f"Content-Range: bytes 0-{len(part) - 1}/{len(self.body)}\r\n\r\n")
            return send(conn, head.encode() + part)
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {len(self.body)}\r\n\r\n"
        return send(conn, head.encode() + self.body)

    def ignore_range(self, conn: socket.socket, request: bytes, srv: RawServer) -> None:
        """200 and the whole (1 GiB) file whatever was asked, until the client hangs up."""
        self._note(request)
        send(conn, f"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {HUGE}\r\n\r\n".encode())
        block = csv_body(1 << 16)
        while self.sent_huge < HUGE and not srv.stop.is_set():
            if not send(conn, block):
                self.huge_closed.set()
                return
            self.sent_huge += len(block)

    def lying_head(self, conn: socket.socket, request: bytes, srv: RawServer) -> bool:
        """HEAD says 1 GiB for /small and 10 bytes for /big; GET tells the truth."""
        method = request.split(b" ", 1)[0].decode()
        self._note(request)
        path = path_of(request)
        real = csv_body(2 * MAX) if path == "/big" else csv_body(1000)
        said = 10 if path == "/big" else HUGE
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: {said if method == 'HEAD' else len(real)}\r\n\r\n"
        return send(conn, head.encode() + (b"" if method == "HEAD" else real))

    def close(self) -> None:
        for s in (self.ranged, self.ignoring, self.lying):
            s.close()


@pytest.fixture
def servers() -> Any:
    s = Servers()
    yield s
    s.close()


def fetch(tmp: Path, url: str, *, probe: int = PROBE, declared: int | None = None,
          transport: httpx.BaseTransport | None = None) -> tuple[dict[str, Any], bytes]:
    writer = SnapshotWriter(tmp / "snap")
    opts = FetchOptions(max_bytes=MAX, probe_bytes=probe, attempts=1, read_timeout=5, total_timeout=20)
    with Fetcher(opts, transport=transport) as f:
        res = f.fetch(url, writer.new_body, declared_bytes=declared, probe=True)
    rec = res.record()
    body = (tmp / "snap" / rec["body"]).read_bytes() if rec.get("body") else b""
    return rec, body


def test_a_server_that_honours_range_sends_the_prefix(tmp_path: Path, servers: Servers) -> None:
    rec, body = fetch(tmp_path, servers.ranged.url("/x.csv"), declared=len(servers.body))
    assert servers.log == [("GET", f"bytes=0-{PROBE - 1}")]  # one GET with a Range, no HEAD
    assert rec["status"] == 206 and rec["error"] is None
    assert rec["prefix"] == {"bytes": PROBE, "how": "range", "total": len(servers.body)}
    assert rec["truncated"] is True and rec["bytes"] == PROBE and body == servers.body[:PROBE]


def test_a_server_that_ignores_range_is_read_only_up_to_n(tmp_path: Path, servers: Servers) -> None:
    counting = Counting()
    rec, body = fetch(tmp_path, servers.ignoring.url("/x.csv"), declared=HUGE, transport=counting)
    assert servers.log == [("GET", f"bytes=0-{PROBE - 1}")]
    assert rec["status"] == 200 and rec["error"] is None
    assert rec["prefix"] == {"bytes": PROBE, "how": "stopped-early", "total": HUGE}
    assert body == csv_body(1 << 16)[:PROBE]
    assert counting.read <= PROBE + (1 << 16), counting.read  # N and at most one more chunk off the socket
    assert servers.huge_closed.wait(10), "the connection was not closed"
    assert servers.sent_huge < 64 * MAX  # the server stopped far short of its 1 GiB (kernel buffers aside)


def test_the_announced_size_decides_without_a_declared_one(tmp_path: Path, servers: Servers) -> None:
    rec, _ = fetch(tmp_path, servers.ignoring.url("/x.csv"))
    assert servers.log == [("GET", "")]  # no size declared: a plain GET, cut by its Content-Length
    assert rec["prefix"] == {"bytes": PROBE, "how": "stopped-early", "total": HUGE}


def test_head_is_never_asked_so_a_lying_head_changes_nothing(tmp_path: Path, servers: Servers) -> None:
    big, _ = fetch(tmp_path / "a", servers.lying.url("/big"))
    small, body = fetch(tmp_path / "b", servers.lying.url("/small"))
    assert [m for m, _ in servers.log] == ["GET", "GET"]
    assert big["prefix"] == {"bytes": PROBE, "how": "stopped-early", "total": 2 * MAX}
    assert "prefix" not in small and small["truncated"] is False and body == csv_body(1000)


def test_off_the_body_is_cut_at_max_bytes_as_before(tmp_path: Path, servers: Servers) -> None:
    rec, body = fetch(tmp_path, servers.ranged.url("/x.csv"), probe=0, declared=len(servers.body))
    assert servers.log == [("GET", "")]
    assert "prefix" not in rec and rec["truncated"] is True and rec["bytes"] == MAX and body == servers.body[:MAX]


def test_a_small_file_declared_huge_is_fetched_whole(tmp_path: Path, servers: Servers) -> None:
    rec, body = fetch(tmp_path, servers.lying.url("/small"), declared=HUGE)  # Range asked, 200 with 1000 bytes
    assert "prefix" not in rec and rec["truncated"] is False and body == csv_body(1000)


# --------------------------------------------------------------------------- a crawl

FRESH = {**ROW, "更新頻率": "每1日"}


def crawl(tmp: Path, portal: FakePortal, probe: int, out: str) -> tuple[Snapshot, dict[str, dict[str, str]]]:
    cat = write_catalog(tmp / "cat.yaml", ["1", "2"])
    opts = CrawlOptions(out=tmp / out, portal=portal.base_url, catalog_path=cat, check_workers=0,
                        fetch=FetchOptions(max_bytes=MAX, probe_bytes=probe, attempts=1))
    assert run_crawl(opts).manifest["status"] == "complete"
    snap = Snapshot.open(tmp / out)
    with open(tmp / out / "findings.csv", encoding="utf-8-sig", newline="") as fh:
        found = {(r["resource"] or r["dataset"]) + " " + r["check"]: r for r in csv.DictReader(fh)}
    return snap, found


def big_portal(portal: FakePortal) -> None:
    h = portal.hosts[1]
    ragged = b"date,city,count\n2025-12-01,x\n" + csv_body(3 * MAX)[16:]  # a missing cell in data row 1
    portal.add_dataset({**FRESH, "資料集識別碼": "1", "資料集名稱": "big",
                        "資料下載網址": h.serve("/big.csv", csv_body(3 * MAX), content_type="text/csv")})
    portal.add_dataset({**FRESH, "資料集識別碼": "2", "資料集名稱": "ragged",
                        "資料下載網址": h.serve("/ragged.csv", ragged, content_type="text/csv")})


def test_a_crawl_marks_each_check_on_a_prefix(tmp_path: Path) -> None:
    with FakePortal(agency_hosts=1) as portal:
        big_portal(portal)
        snap, found = crawl(tmp_path, portal, PROBE, "snap")
    assert snap.manifest["options"]["probe_bytes"] == PROBE
    recs = {r["key"]: r for r in snap.resources()}
    assert recs["tw:1#0"]["prefix"] == {"bytes": PROBE, "how": "stopped-early", "total": 3 * MAX}
    for check in ("link", "format", "encoding"):
        f = found[f"tw:1#0 {check}"]
        assert f["outcome"] == "pass" and "a full result for this check" in f["evidence"], f
    s = found["tw:1#0 structure"]
    assert s["outcome"] == "pass" and s["evidence"].startswith(f"partial: measured on the first {PROBE} bytes of {3 * MAX}")
    assert "missing-cell" not in s["evidence"]  # the last, cut row is not a missing cell
    r = found["tw:2#0 structure"]  # an error before the cut is real
    assert (r["outcome"], r["measured"].endswith("errors=1")) == ("fail", True) and "missing-cell 1" in r["evidence"]
    fresh = found["tw:1 freshness"]
    assert fresh["evidence"].startswith("partial: data dates of #0 from the first") and fresh["outcome"] == "skip"


def test_a_prefix_reused_by_since_stays_a_prefix(tmp_path: Path) -> None:
    with FakePortal(agency_hosts=1) as portal:
        big_portal(portal)
        portal.hosts[1].configure("/big.csv", etag='"v1"')
        first, _ = crawl(tmp_path, portal, PROBE, "first")
        cat = tmp_path / "cat.yaml"
        opts = CrawlOptions(out=tmp_path / "second", portal=portal.base_url, catalog_path=cat, check_workers=0,
                            since=tmp_path / "first", fetch=FetchOptions(max_bytes=MAX, probe_bytes=PROBE, attempts=1))
        assert run_crawl(opts).manifest["status"] == "complete"
    (before,) = [r for r in first.resources() if r["key"] == "tw:1#0"]
    (after,) = [r for r in Snapshot.open(tmp_path / "second").resources() if r["key"] == "tw:1#0"]
    assert after["not_modified"] is True and after["sha256"] == before["sha256"]
    assert after["prefix"] == before["prefix"] == {"bytes": PROBE, "how": "stopped-early", "total": 3 * MAX}


def test_off_the_findings_are_those_of_the_max_bytes_cut(tmp_path: Path) -> None:
    with FakePortal(agency_hosts=1) as portal:
        big_portal(portal)
        off, found_off = crawl(tmp_path, portal, 0, "off")
        # a probe no file triggers: small files are fetched and checked exactly as without one
        portal.hosts[1].serve("/big.csv", csv_body(MAX // 2), content_type="text/csv")
        portal.hosts[1].serve("/ragged.csv", b"date,city,count\n2025-12-01,x\n", content_type="text/csv")
        _, small_on = crawl(tmp_path, portal, PROBE, "small-on")
        _, small_off = crawl(tmp_path, portal, 0, "small-off")
    assert all("prefix" not in r for r in off.resources())
    assert not any("--probe-bytes" in f["evidence"] for f in found_off.values())
    assert "body truncated" in found_off["tw:1#0 structure"]["evidence"]
    assert small_on == small_off


def test_the_cli_takes_the_option_and_refuses_one_over_max_bytes(tmp_path: Path) -> None:
    run = [sys.executable, "-m", "odaudit", "crawl", "--catalog", "demo-datagovtw", "--replay", "demo", "-q"]
    bad = subprocess.run([*run, "--out", str(tmp_path / "a"), "--max-bytes", "1M", "--probe-bytes", "2M"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--probe-bytes 2M must be smaller than --max-bytes 1M" in bad.stderr
    assert "Traceback" not in bad.stderr
    ok = subprocess.run([*run, "--out", str(tmp_path / "b"), "--probe-bytes", "64K"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"]["probe_bytes"] == PROBE
    for lang, words in (("en", "Huge files were probed (`--probe-bytes 65,536`)"),):
        out = tmp_path / f"report-{lang}"
        score = subprocess.run([sys.executable, "-m", "odaudit", "score", str(tmp_path / "b"), "--rubric", "demo-datagovtw",
                                "--out", str(out), "--lang", lang, "-q"], capture_output=True, text=True)
        assert score.returncode == 0, score.stderr
        method = "".join(p.read_text(encoding="utf-8") for p in sorted(out.glob("*.md")))
        assert words in method, lang
