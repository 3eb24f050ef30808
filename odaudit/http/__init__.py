"""HTTP: the only package that talks to the network, and the only one that imports httpx.

    from odaudit.http import Fetcher, FetchOptions

    with Fetcher(FetchOptions(per_host=4)) as fetcher:
        result = fetcher.fetch(url, new_body)      # never raises for network trouble: it is recorded
        result, data = fetcher.get_bytes(api_url)  # a small document, in memory

Modules: `client` (hops, retries, the body read), `deadline` (the total time limit of one
attempt, on httpcore's public pool API), `decoding` (bounded gzip/deflate), `limits` (per-host
politeness), `urls` (what may be requested), `blocked` (refusals of this client), `replay`
(recordings served instead of the network), `errors`.
"""

from __future__ import annotations

import httpx

from .client import (
           USER_AGENT,
           BodyWriter,
           Fetcher,
           FetchOptions,
           FetchResult,
           parse_retry_after,
)
from .errors import FetchFailure, NotRecorded
from .replay import ReplayTransport

#: What `Fetcher(transport=…)` takes (tests, recordings); callers need not import httpx for it.
Transport = httpx.BaseTransport

__all__ = ["USER_AGENT", "BodyWriter", "FetchFailure", "FetchOptions", "FetchResult", "Fetcher", "NotRecorded",
           "ReplayTransport", "Transport", "parse_retry_after"]
