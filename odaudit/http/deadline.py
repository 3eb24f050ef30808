"""The wall-clock limit of one attempt (--total-timeout), enforced on every socket operation.

httpx has per-read timeouts only: a server that sends a byte a second, in the headers or the body,
never trips them. Each fetching thread sets the deadline of its current attempt (`attempt_deadline`),
and the network streams of our connection pool cap every connect, read and write at the time left;
past the deadline they raise a timeout, which the client reports as `too_slow`.

The pool is httpcore's own `ConnectionPool` (or `HTTPProxy` for a proxy from the environment),
built with a `network_backend` that wraps httpcore's sync backend: public httpcore API only, no
reaching into httpx's private attributes. `DeadlineTransport` is the small httpx transport on top,
translating requests, responses and httpcore's exceptions as httpx's own HTTPTransport does.
"""

from __future__ import annotations

import contextlib
import threading
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpcore
import httpx

_attempt = threading.local()


@contextlib.contextmanager
def attempt_deadline(clock: Callable[[], float], deadline: float) -> Iterator[None]:
    """Within the block, this thread's socket operations end by `deadline` (on `clock`)."""
    _attempt.limit = (clock, deadline)
    try:
        yield
    finally:
        _attempt.limit = None


def _time_left(timeout: float | None, exc: type[Exception]) -> float | None:
    limit = getattr(_attempt, "limit", None)
    if limit is None:
        return timeout
    clock, deadline = limit
    left = deadline - clock()
    if left <= 0:
        raise exc("total time limit of the response reached")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> httpcore.NetworkStream:
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _time_left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        return DeadlineStream(self._inner.connect_tcp(host, port, _time_left(timeout, httpcore.ConnectTimeout),
                                                      local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> httpcore.NetworkStream:
        return DeadlineStream(self._inner.connect_unix_socket(path, _time_left(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


#: httpcore's exceptions → httpx's (the most specific match wins, as in httpx's own transport).
_EXCEPTIONS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout), (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout), (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError), (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError), (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError), (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError), (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _mapped() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        target = next((b for a, b in _EXCEPTIONS if isinstance(exc, a)), None)  # specific classes come first
        if target is None:
            raise
        raise target(str(exc)) from exc


class _Body(httpx.SyncByteStream):
    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        with _mapped():
            yield from self._inner

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


class DeadlineTransport(httpx.BaseTransport):
    """HTTP(S) over httpcore pools whose sockets keep to the attempt's deadline. Proxies come from
    the environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY), as httpx's default transport takes them."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._ssl = httpx.create_ssl_context()
        self._direct = self._new_pool(None)
        self._proxies: dict[str, httpcore.ConnectionInterface] = {}
        for scheme, url in urllib.request.getproxies().items():
            if scheme in ("http", "https") and url:
                self._proxies[scheme] = self._new_pool(httpx.URL(url))

    def _new_pool(self, proxy: httpx.URL | None) -> httpcore.ConnectionInterface:
        common: dict[str, Any] = {
            "ssl_context": self._ssl, "max_connections": self._limits.max_connections,
            "max_keepalive_connections": self._limits.max_keepalive_connections,
            "keepalive_expiry": self._limits.keepalive_expiry, "network_backend": DeadlineBackend(),
        }
        if proxy is None:
            return httpcore.ConnectionPool(**common)
        return httpcore.HTTPProxy(proxy_url=httpcore.URL(scheme=proxy.raw_scheme, host=proxy.raw_host, port=proxy.port,
                                                         target=proxy.raw_path), **common)

    def _route(self, url: httpx.URL) -> httpcore.ConnectionInterface:
        proxy = self._proxies.get(url.scheme)
        if proxy is None or urllib.request.proxy_bypass(url.raw_host.decode("ascii", "replace")):
            return self._direct
        return proxy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        url = request.url
        req = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw, content=request.stream, extensions=request.extensions,
        )
        with _mapped():
            resp = self._route(url).handle_request(req)
        assert isinstance(resp.stream, Iterable)
        return httpx.Response(status_code=resp.status, headers=resp.headers, stream=_Body(resp.stream),
                              extensions=resp.extensions)

    def close(self) -> None:
        self._direct.close()
        for pool in self._proxies.values():
            pool.close()
