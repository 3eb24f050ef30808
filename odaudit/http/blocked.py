"""Answers that refuse this client rather than the data: `blocked`, not broken.

Taiwanese agency sites often sit behind web application firewalls that turn away clients they do
not know or that come from abroad. Such an answer measures the client, not the data: the crawl
records it as fetch error kind `blocked`, the checks do not count it as a failure, and the report
suggests running again from another network. What counts as blocked:

* 403 Forbidden whose page is a firewall's or a captcha's (the signatures below, or a header a
  firewall sets), not a plain "Forbidden" (which is the data's own server saying no);
* 429 Too Many Requests whose Retry-After is longer than the crawl is willing to wait;
* 451 Unavailable For Legal Reasons (a refusal by where the client is).

A 401 (login required) is not blocked: data behind a login is not open, and `link` fails.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: Page texts of firewalls, bot walls and captchas (lower-cased body prefix is searched).
SIGNATURES: tuple[tuple[str, str], ...] = (
    ("the requested url was rejected", "F5 BIG-IP web application firewall"),
    ("request rejected", "web application firewall"),
    ("support id", "web application firewall (support ID page)"),
    ("attention required! | cloudflare", "Cloudflare"),
    ("cf-error-details", "Cloudflare"),
    ("incapsula incident", "Imperva Incapsula"),
    ("_incapsula_resource", "Imperva Incapsula"),
    ("access denied | ", "web application firewall"),
    ("web application firewall", "web application firewall"),
    ("fortigate", "FortiGate firewall"),
    ("fortiguard", "FortiGuard web filter"),
    ("captcha", "a captcha"),
    ("驗證碼", "a captcha (驗證碼)"),
    ("網站防火牆", "a website firewall (網站防火牆)"),
    ("防火牆", "a firewall (防火牆)"),
    ("拒絕存取", "an access-denied page (拒絕存取)"),
    ("您的ip", "an IP-based refusal (您的IP)"),
    ("海外", "a refusal of foreign clients (海外)"),
)
#: Response headers only firewalls and bot walls set.
HEADER_SIGNS: tuple[tuple[str, str], ...] = (
    ("cf-ray", "Cloudflare"),
    ("x-iinfo", "Imperva Incapsula"),
    ("x-cdn", "a CDN firewall"),
)
#: How much of a refusal page is read for its signature.
HEAD_BYTES = 16 * 1024

_TAGS = re.compile(rb"\s+")


def blocked_reason(status: int | None, headers: Mapping[str, str], head: bytes) -> str:
    """Why an answer refuses the client ("" when it does not): 451, or a 403 firewall/captcha page.

    (A 429 with a Retry-After beyond the wait limit is decided where the wait is known: fetch.py.)
    """
    if status == 451:
        return "HTTP 451 Unavailable For Legal Reasons: refused where this client is"
    if status != 403:
        return ""
    for name, what in HEADER_SIGNS:
        if name in {k.lower() for k in headers}:
            return f"HTTP 403 from {what} (header {name})"
    raw = _TAGS.sub(b" ", head[:HEAD_BYTES])
    # Agency pages come in UTF-8 or Big5: look for the signatures in both readings.
    texts = [raw.decode(enc, "replace").lower() for enc in ("utf-8", "cp950")]
    for needle, what in SIGNATURES:
        if any(needle in text for text in texts):
            return f"HTTP 403 page of {what} ({needle!r} in the page)"
    return ""
