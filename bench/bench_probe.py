"""What `--probe-bytes` saves on a huge resource: bytes pulled off the socket and time.

    python bench/bench_probe.py                    # a 2 GiB CSV, probe 1 MiB
    python bench/bench_probe.py --gb 1 --probe 4M

A loopback server generates the file on the fly (nothing is stored on disk on either side: the
client's body writer only counts). It answers 200 with the whole file and ignores Range (`ignore`)
or honours it with a 206 (`range`). The same odaudit Fetcher then fetches it four ways:

* `whole`: --max-bytes above the file size, no probe (what reading everything costs);
* `max-bytes`: today's default cap (100M), no probe: the read stops at the cap;
* `probe, server ignores Range`: no declared size, the GET's Content-Length decides, the read stops at N;
* `probe, server honours Range`: a declared size, `Range: bytes=0-(N-1)`, a 206 of N bytes.

"pulled" counts the bytes httpx read from the socket (a counting transport); "sent" the bytes the
server got into the kernel before the client hung up (the difference is socket buffers).
"""

from __future__ import annotations

import argparse
import re
import socket
import sys
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

from odaudit.http import Fetcher, FetchOptions  # noqa: E402

BLOCK = (b"2025-12-01,\xe8\x87\xba\xe5\x8c\x97\xe5\xb8\x82,12345\n" * 4000)[: 1 << 16]


class Server:
    def __init__(self, size: int) -> None:
        self.size = size
        self.sent = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            req = b""
            while b"\r\n\r\n" not in req:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                req += chunk
            m = re.search(rb"(?im)^range:\s*bytes=0-(\d+)", req)
            honour = b"/range" in req.split(b"\r\n", 1)[0]
            n = int(m.group(1)) + 1 if m and honour else self.size
            head = (f"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-{n - 1}/{self.size}\r\n" if n < self.size
                    else "HTTP/1.1 200 OK\r\n") + f"Content-Type: text/csv\r\nContent-Length: {n}\r\nConnection: close\r\n\r\n"
            try:
                conn.sendall(head.encode())
                left = n
                while left > 0:
                    block = BLOCK[:left]
                    conn.sendall(block)
                    self.sent += len(block)
                    left -= len(block)
            except OSError:
                return


class Counting(httpx.BaseTransport):
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


class Sink:
    size = 0

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)

    def commit(self) -> tuple[str, str]:
        return "-", "-"

    def discard(self) -> None:
        pass


def run(srv: Server, path: str, what: str, *, max_bytes: int, probe: int, declared: int | None) -> None:
    srv.sent = 0
    counting = Counting()
    opts = FetchOptions(max_bytes=max_bytes, probe_bytes=probe, attempts=1, total_timeout=3600)
    t = time.perf_counter()
    with Fetcher(opts, transport=counting) as f:
        res = f.fetch(f"http://127.0.0.1:{srv.port}{path}", Sink, declared_bytes=declared, probe=True)
    took = time.perf_counter() - t
    time.sleep(0.2)  # let the server notice the hang-up
    print(f"{what:34} status={res.status} stored={res.bytes:>13,} pulled={counting.read:>13,} "
          f"sent={srv.sent:>13,} prefix={res.prefix} {took:.2f} s", flush=True)


def size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gb", type=float, default=2.0)
    ap.add_argument("--probe", default="1M")
    args = ap.parse_args()
    total, probe = int(args.gb * (1 << 30)), size(args.probe)
    srv = Server(total)
    run(srv, "/ignore", "whole (no probe, max-bytes > size)", max_bytes=total + 1, probe=0, declared=None)
    run(srv, "/ignore", "max-bytes 100M, no probe", max_bytes=100 << 20, probe=0, declared=None)
    run(srv, "/ignore", "probe, server ignores Range", max_bytes=100 << 20, probe=probe, declared=None)
    run(srv, "/range", "probe, server honours Range", max_bytes=100 << 20, probe=probe, declared=total)


if __name__ == "__main__":
    main()
