"""downloadable: the URL serves the file itself, not an HTML landing page or error page.

Mirrors the portal's 直接下載 check (`[001] download_file(): cannot download directly.`).

* pass: the body is not HTML (or HTML was declared);
* fail: an HTML page was served while a data format (anything but 其他 / nothing) was declared, or the
  body is empty;
* warn: an HTML page was served and the declared 檔案格式 says nothing (其他 or empty);
* skip: the link is not reachable or no body was stored.

Evidence: the sniffed format, the page `<title>`, Content-Type and Content-Disposition.
"""

from __future__ import annotations

from typing import Any

from ..model.findings import Finding
from .base import Context

CHECK_ID = "downloadable"


def check(ctx: Context, res: dict[str, Any]) -> list[Finding]:
    why = ctx.body_skip(res)
    if why:
        return [ctx.skip(CHECK_ID, why, res)]
    facts = ctx.facts(res)
    sn = facts.sniffed()
    assert sn is not None
    decl = facts.declared()
    headers = []
    if res.get("content_type"):
        headers.append(f"Content-Type {res['content_type']}")
    if res.get("content_disposition"):
        headers.append(f"Content-Disposition {res['content_disposition']}")
    size = res.get("bytes")
    size_text = f"{size:,} bytes" if isinstance(size, int) else ""
    expected = f"{decl.label} file" if not decl.unknown else "a data file"
    if sn.format == "EMPTY":
        return [ctx.finding(CHECK_ID, "fail", "empty body", expected, "; ".join(["0 bytes", *headers]), res)]
    if sn.format == "HTML" and "HTML" not in decl.formats:
        title = f"<title>{sn.title}</title>" if sn.title else "HTML without a title"
        evidence = "; ".join([f"an HTML page ({title})", size_text, *headers, f"declared 檔案格式 {decl.label}"])
        outcome = "warn" if decl.unknown else "fail"
        return [ctx.finding(CHECK_ID, outcome, "HTML page", expected, evidence, res)]
    evidence = "; ".join(x for x in [f"direct {sn.describe()} file", size_text, *headers] if x)
    return [ctx.finding(CHECK_ID, "pass", f"{sn.format} file", expected, evidence, res)]
