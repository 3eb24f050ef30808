"""link: the resource URL answers with a 2xx (or 304, reusing the previous body).

* pass: final status 2xx, or 304 Not Modified on a conditional re-crawl (`not_modified`);
* fail: a transport error (timeout, connect, read, too_many_redirects, scheme, invalid_url, too_slow),
  a final 3xx that was not followed, 4xx or 5xx (401: login required, so not open);
* skip: the crawl did not fetch this URL on purpose (`error.kind` `not_recorded` in a replay, `not_sampled` in `--all --sample`),
  or the server refused this client rather than the data (`blocked`: a firewall or captcha page, a 429
  asking to come back after the wait limit, a 451); not measured, and not a failure.

Evidence: status, the redirect chain and the final URL when it differs from the declared one.
"""

from __future__ import annotations

from typing import Any

from ..model.findings import Finding
from . import partial
from .base import Context, not_fetched, reachability, short

CHECK_ID = "link"


def _chain(res: dict[str, Any]) -> str:
    hops = res.get("redirects") or []
    if not hops:
        return ""
    parts = [f"{h.get('status')} {h.get('url')}" for h in hops[:5]]
    more = f" … (+{len(hops) - 5})" if len(hops) > 5 else ""
    return f"{len(hops)} redirect{'s' if len(hops) != 1 else ''}: " + " → ".join(parts) + more


def check(ctx: Context, res: dict[str, Any]) -> list[Finding]:
    return partial.sound(res, _check(ctx, res))  # a probed prefix says so (checks/partial.py)


def _check(ctx: Context, res: dict[str, Any]) -> list[Finding]:
    why = not_fetched(res)
    if why:
        err = res.get("error") or {}
        return [ctx.skip(CHECK_ID, why + (f": {err.get('message')}" if err.get("message") else ""), res)]
    ok, measured, why = reachability(res)
    bits = []
    status = res.get("status")
    if ok and status and status != 304:
        bits.append(f"HTTP {status}")
    if why:
        bits.append(why)
    chain = _chain(res)
    if chain:
        bits.append(chain)
    final = res.get("final_url") or ""
    if final and final not in (res.get("url"), res.get("request_url")):
        bits.append(f"final URL {final}")
    if res.get("elapsed_ms") is not None and not ok:
        bits.append(f"after {res.get('attempts', 1)} attempt(s)")
    return [ctx.finding(CHECK_ID, "pass" if ok else "fail", measured, "2xx", short("; ".join(bits)), res)]
