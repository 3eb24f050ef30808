"""Politeness: at most so many requests in flight per host, and overall."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class HostLimiter:
    """At most `per_host` requests in flight to one host, `total` overall."""

    def __init__(self, per_host: int, total: int) -> None:
        self._per_host = per_host
        self._total = threading.BoundedSemaphore(total)
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._lock:
            sem = self._hosts.setdefault(host, threading.BoundedSemaphore(self._per_host))
        with sem, self._total:
            yield
