"""Polite, bounded HTTP fetching: the only module that talks to the network.

Why hand-roll the loop around httpx instead of letting it follow redirects: every hop is
recorded (the redirect chain is evidence), every hop's scheme is checked (a redirect to
`file:` is refused), and each hop takes the per-host slot of the host it goes to.
Retries use stamina (exponential backoff with jitter, capped attempts and total time),
with a backoff hook that honours `Retry-After`.
"""

from __future__ import annotations

import email.utils
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
import stamina

from .. import __version__
from ..model.fetch import FetchResult
from .blocked import HEAD_BYTES, blocked_reason
from .deadline import DeadlineTransport, attempt_deadline
from .decoding import decoded_chunks
from .errors import FetchFailure, NotRecorded
from .limits import HostLimiter
from .probe import ReadPlan, plan_read, range_headers, wants_range
from .urls import check_host, host_of, to_url

USER_AGENT = f"odaudit/{__version__} (+https://github.com/odaudit/odaudit; open-data quality audit)"
REDIRECT_CODES = {301, 302, 303, 307, 308}
RETRY_STATUS = {429, 500, 502, 503, 504}


@dataclass(frozen=True)
class FetchOptions:
    max_bytes: int = 100 * 1024 * 1024
    per_host: int = 4
    concurrency: int = 16
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    #: Wall-clock limit for one response, body included (a trickling server cannot hold us).
    total_timeout: float = 300.0
    attempts: int = 4
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    #: A Retry-After longer than this is not waited for: the attempt ends as an error.
    max_retry_after: float = 120.0
    max_redirects: int = 10
    user_agent: str = USER_AGENT
    #: > 0: fetch only this many first bytes of files declared or announced over max_bytes (probe.py)
    probe_bytes: int = 0

    def as_manifest(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class _Want:
    """What one fetch asks for: the cap on stored bytes, and the size the portal declares."""

    max_bytes: int
    declared: int | None = None
    probe_bytes: int = 0


class BodyWriter(Protocol):
    size: int

    def write(self, chunk: bytes) -> None: ...
    def commit(self) -> tuple[str, str]: ...
    def discard(self) -> None: ...


class _RetryableStatus(Exception):
    """A 429/5xx answer; carries the wait the server asked for, if any."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now_dt = datetime.fromtimestamp(now if now is not None else time.time(), UTC)
    return max(0.0, (when - now_dt).total_seconds())


#: Response extension holding a redirect's unusable Location and why (see _set_aside_bad_location).
_BAD_LOCATION = "odaudit.bad_location"


def _set_aside_bad_location(response: httpx.Response) -> None:
    """Response hook. httpx parses a redirect's Location itself, even with redirects off, and
    raises on a host name its IDNA check refuses (a UnicodeError, which would end the crawl) or
    on an unparsable URL (reported as a broken connection, and retried). Such a Location is
    taken out of httpx's way here; _next_hop records the redirect and refuses it as invalid_url."""
    if not response.has_redirect_location:
        return
    location = response.headers["location"]
    try:
        httpx.URL(location).host  # what httpx's redirect handling does first  # noqa: B018
    except (httpx.InvalidURL, UnicodeError) as exc:
        del response.headers["location"]
        response.extensions[_BAD_LOCATION] = (location, str(exc))


class Fetcher:
    def __init__(
        self,
        options: FetchOptions | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options or FetchOptions()
        o = self.options
        self._limiter = HostLimiter(o.per_host, o.concurrency)
        self._clock = clock
        limits = httpx.Limits(max_connections=o.concurrency * 2, max_keepalive_connections=o.concurrency)
        self.client = httpx.Client(
            transport=transport or DeadlineTransport(limits),
            follow_redirects=False,
            timeout=httpx.Timeout(o.read_timeout, connect=o.connect_timeout),
            headers={"User-Agent": o.user_agent, "Accept-Encoding": "gzip, deflate"},
            event_hooks={"response": [_set_aside_bad_location]},
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------
    def fetch(
        self,
        url: str,
        new_body: Callable[[], BodyWriter],
        *,
        conditional: dict[str, str] | None = None,
        max_bytes: int | None = None,
        declared_bytes: int | None = None,
        probe: bool = False,
    ) -> FetchResult:
        """GET `url` into a body writer; never raises for network trouble, it is recorded.
        `probe`: a resource's file, which --probe-bytes may cut (never an export or API answer);
        `declared_bytes`: its size as the portal declares it, if it does."""
        result = FetchResult(url=url)
        started = self._clock()
        try:
            result.request_url = str(to_url(url))
            want = _Want(max_bytes or self.options.max_bytes, declared_bytes, self.options.probe_bytes if probe else 0)
            self._fetch_with_retries(result, new_body, conditional or {}, want)
        except FetchFailure as exc:
            result.error = {"kind": exc.kind, "message": exc.message}
        except _RetryableStatus as exc:
            result.error = {"kind": "http", "message": f"HTTP {exc.status} after {result.attempts} attempts"}
        finally:
            result.elapsed_ms = int((self._clock() - started) * 1000)
        return result

    def _fetch_with_retries(self, result: FetchResult, new_body: Callable[[], BodyWriter], conditional: dict[str, str], want: _Want) -> None:
        o = self.options

        def backoff_hook(exc: Exception) -> bool | float:
            if isinstance(exc, _RetryableStatus):
                if exc.retry_after is not None:
                    return exc.retry_after  # the server said when; honour it
                return True
            if isinstance(exc, FetchFailure):
                return exc.kind in ("timeout", "connect", "read")
            return False

        for attempt in stamina.retry_context(
            on=backoff_hook,
            attempts=o.attempts,
            timeout=None,
            wait_initial=o.backoff_initial,
            wait_max=o.backoff_max,
        ):
            with attempt:
                result.attempts += 1
                self._one_attempt(result, new_body, conditional, want)

    def _one_attempt(self, result: FetchResult, new_body: Callable[[], BodyWriter], conditional: dict[str, str], want: _Want) -> None:
        deadline = self._clock() + self.options.total_timeout
        with attempt_deadline(self._clock, deadline):
            self._hops(result, new_body, conditional, want, deadline)

    def _hops(self, result: FetchResult, new_body: Callable[[], BodyWriter], conditional: dict[str, str], want: _Want,
              deadline: float) -> None:
        o = self.options
        url = to_url(result.url)
        result.redirects = []
        seen: set[str] = set()
        for _hop in range(o.max_redirects + 1):
            if url.scheme not in ("http", "https"):
                raise FetchFailure("scheme", f"refused non-HTTP URL scheme {url.scheme!r}: {url}")
            check_host(url)  # the declared URL and every redirect Location
            headers = {}
            if not result.redirects and conditional:
                headers.update(conditional)
            ranged = wants_range(want.probe_bytes, want.max_bytes, want.declared)
            if ranged:
                headers.update(range_headers(min(want.probe_bytes, want.max_bytes)))
            with self._limiter.slot(host_of(url)), self._request(url, headers, deadline) as resp:
                nxt = self._next_hop(result, resp, url, seen)
                if nxt is not None:
                    url = nxt
                    continue
                self._fill_headers(result, resp, url)
                if resp.status_code in RETRY_STATUS:
                    retry_after = parse_retry_after(resp.headers.get("retry-after"))
                    if retry_after is not None and retry_after > o.max_retry_after:
                        # "come back tomorrow": a refusal of this client for now, not a fact about the data
                        raise FetchFailure("blocked", f"HTTP {resp.status_code}; the server asked to wait {retry_after:.0f} s, "
                                                      f"more than the {o.max_retry_after:.0f} s limit")
                    raise _RetryableStatus(resp.status_code, retry_after)
                if resp.status_code == 304:
                    result.not_modified = True
                    return
                plan = plan_read(resp.status_code, resp.headers, probe_bytes=want.probe_bytes, max_bytes=want.max_bytes,
                                 declared=want.declared, asked_range=ranged)
                head = self._read_body(result, resp, new_body, deadline, plan)
                refused = blocked_reason(resp.status_code, resp.headers, head)
                if refused:
                    result.error = {"kind": "blocked", "message": refused}
                return
        raise FetchFailure("too_many_redirects", f"more than {o.max_redirects} redirects")

    @staticmethod
    def _next_hop(result: FetchResult, resp: httpx.Response, url: httpx.URL, seen: set[str]) -> httpx.URL | None:
        """Where a redirect answer points (the hop is recorded); None for any other answer."""
        location, why = resp.extensions.get(_BAD_LOCATION) or (resp.headers.get("location"), None)
        if resp.status_code not in REDIRECT_CODES or location is None:
            return None
        resp.close()
        result.redirects.append({"url": str(url), "status": resp.status_code})
        seen.add(str(url))
        nxt = None
        if why is None:
            try:
                nxt = url.join(location)
            except (httpx.InvalidURL, UnicodeError) as exc:
                why = str(exc)
        if nxt is None:
            raise FetchFailure("invalid_url", f"bad redirect Location {location!r}: {why}")
        if str(nxt) in seen:
            raise FetchFailure("too_many_redirects", f"redirect loop back to {nxt}")
        return nxt

    @contextmanager
    def _request(self, url: httpx.URL, headers: dict[str, str], deadline: float) -> Iterator[httpx.Response]:
        answered = False
        try:
            with self.client.stream("GET", url, headers=headers) as resp:
                answered = True
                yield resp
        except UnicodeError as exc:
            if answered:  # raised while handling the answer: not about the URL
                raise
            # The last line of defence: a host name _check_host let through but the resolver's
            # (or httpx's) IDNA codec refuses is a fact about this URL, not a crash of the crawl.
            raise FetchFailure("invalid_url", f"invalid host name: {exc} (requesting {url})") from None
        except NotRecorded as exc:
            raise FetchFailure("not_recorded", str(exc)) from None
        except httpx.TimeoutException as exc:
            if self._clock() >= deadline:
                raise self._too_slow(0) from None
            raise FetchFailure("timeout", f"{type(exc).__name__} after {self.options.read_timeout:g} s: {url}") from None
        except httpx.ConnectError as exc:
            raise FetchFailure("connect", f"cannot connect: {exc or type(exc).__name__}") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise FetchFailure("read", f"connection broken: {exc or type(exc).__name__}") from None
        except httpx.DecodingError as exc:
            raise FetchFailure("read", f"cannot decode body: {exc}") from None
        except httpx.UnsupportedProtocol as exc:
            raise FetchFailure("scheme", str(exc)) from None
        except httpx.InvalidURL as exc:
            raise FetchFailure("invalid_url", str(exc)) from None
        except httpx.TransportError as exc:
            raise FetchFailure("connect", f"{type(exc).__name__}: {exc}") from None

    @staticmethod
    def _fill_headers(result: FetchResult, resp: httpx.Response, url: httpx.URL) -> None:
        h = resp.headers
        result.final_url = str(url)
        result.status = resp.status_code
        result.content_type = h.get("content-type", "")
        result.content_length = h.get("content-length", "")
        result.content_encoding = h.get("content-encoding", "")
        result.content_disposition = h.get("content-disposition", "")
        result.last_modified = h.get("last-modified", "")
        result.etag = h.get("etag", "")

    def _too_slow(self, size: int) -> FetchFailure:
        return FetchFailure("too_slow", f"response not complete within {self.options.total_timeout:g} s ({size} bytes of body read)")

    def _read_body(self, result: FetchResult, resp: httpx.Response, new_body: Callable[[], BodyWriter], deadline: float,
                   plan: ReadPlan) -> bytes:
        """Stream the body into a new body writer, up to the plan's limit (the rest is not read: the
        connection is closed with the response); returns its first bytes (for `blocked_reason`)."""
        o = self.options
        max_bytes = plan.limit
        sink = new_body()
        truncated = False
        head = bytearray()
        try:
            for chunk in decoded_chunks(resp):
                if self._clock() > deadline:
                    raise self._too_slow(sink.size)
                if len(head) < HEAD_BYTES:
                    head += chunk[:HEAD_BYTES - len(head)]
                room = max_bytes - sink.size
                if len(chunk) > room:
                    sink.write(chunk[:room])
                    truncated = True
                    break
                sink.write(chunk)
        except FetchFailure:
            sink.discard()
            raise
        except httpx.TimeoutException:
            sink.discard()
            if self._clock() >= deadline:
                raise self._too_slow(sink.size) from None
            raise FetchFailure("timeout", f"read timed out after {o.read_timeout:g} s ({sink.size} bytes read)") from None
        except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
            sink.discard()
            raise FetchFailure("read", f"connection broken after {sink.size} bytes: {exc or type(exc).__name__}") from None
        except (httpx.DecodingError, zlib.error) as exc:
            sink.discard()
            raise FetchFailure("read", f"cannot decode {result.content_encoding or 'body'}: {exc}") from None
        except BaseException:  # a local failure (disk full, Ctrl-C): no half-written temporary file is left
            sink.discard()
            raise
        result.bytes = sink.size
        result.prefix = plan.prefix(sink.size, truncated)
        result.truncated = truncated or result.prefix is not None
        result.sha256, result.body = sink.commit()
        return bytes(head)

    def get_bytes(self, url: str, *, max_bytes: int | None = None) -> tuple[FetchResult, bytes]:
        """Fetch a small document (export, API answer) into memory with the same rules."""
        holder: list[_MemoryBody] = []

        def new_body() -> _MemoryBody:
            b = _MemoryBody()
            holder.append(b)
            return b

        res = self.fetch(url, new_body, max_bytes=max_bytes)
        data = holder[-1].data() if holder and res.body else b""
        return res, data


class _MemoryBody:
    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self._parts.append(chunk)
        self.size += len(chunk)

    def commit(self) -> tuple[str, str]:
        import hashlib

        return hashlib.sha256(self.data()).hexdigest(), "memory"

    def discard(self) -> None:
        self._parts.clear()

    def data(self) -> bytes:
        return b"".join(self._parts)


