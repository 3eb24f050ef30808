"""A notice's text (Traditional Chinese, then English) and its RFC 5322 message (never sent)."""

from __future__ import annotations

import email.policy
import hashlib
import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from ..report.i18n import localise, t
from ..report.safe import code, md, md_link
from .source import Agency, Failure, Source

#: the checks a notice can name a remedy for (the catalog's `remedy_<check>`, odaudit/report/i18n.py)
REMEDIES = ("link", "downloadable", "format", "encoding", "structure", "fields", "machine_readable", "stars", "licence", "free",
            "freshness", "metadata", "badge", "consistency")
#: a notice is written in both languages, zh-TW first: it goes to Taiwan's agencies
LANG_ORDER = ("zh-TW", "en")


def _t(key: str, lang: int, **kw: object) -> str:
    return t(f"notice_{key}", LANG_ORDER[lang], **kw)


def _failure(f: Failure, lang: int) -> str:
    remedy = t(f"remedy_{f.check}", LANG_ORDER[lang]) if f.check in REMEDIES else f.expected
    none = _t("none", lang)
    return _t("failed", lang, check=code(f.check), measured=md(f.measured) or none, expected=md(f.expected) or none,
              evidence=md(localise(f.evidence, LANG_ORDER[lang])) or none, remedy=remedy)


def _section(agency: Agency, src: Source, lang: int, days: int) -> list[str]:
    snap = src.snapshot_manifest
    catalog = (snap.get("catalog") or {}).get("title") or (snap.get("catalog") or {}).get("name", "")
    lines = [f"# {_t('title', lang, agency=md(agency.name) or '—')}", "",
             _t("intro", lang, date=md(str(snap.get("started_at", ""))[:10]), portal=md(str(snap.get("portal", ""))),
                catalog=md(catalog), r=agency.resources, n=agency.findings), ""]
    for d in agency.datasets:
        head = md_link(d.name, d.page) if d.page else md(d.name)
        lines += [f"## {head}", "", f"- `{code(d.key)}`" + (f" · {_t('page', lang)}: {md(d.page)}" if d.page else ""), ""]
        for r in d.resources:
            lines.append(f"- {_t('resource', lang, index=md(r.index), format=md(r.format) or '—')}: `{code(r.key)}` {md(r.url)}")
            lines += [f"  - {_failure(f, lang)}" for f in r.failures]
        if d.record:
            lines.append(f"- {_t('record', lang)}")
            lines += [f"  - {_failure(f, lang)}" for f in d.record]
        lines.append("")
    return lines


def _example(agency: Agency) -> list[str]:
    d = agency.datasets[0]
    target = f'    resource: "{d.resources[0].key}"' if d.resources else f"    check: {d.record[0].check}"
    return ["```yaml", "disputes:", f'  - dataset: "{d.key}"', target, '    claim: "…"', '    evidence: "…"',
            '    links: ["https://…"]', f'    by: "{agency.name}"' if agency.name else '    by: "…"', "```", ""]


def notice_markdown(agency: Agency, src: Source, *, days: int) -> str:
    lines: list[str] = []
    for lang in (0, 1):  # zh-TW first: the notices go to Taiwan's agencies
        lines += _section(agency, src, lang, days)
        lines += [f"## {_t('dispute_h', lang)}", "", _t("dispute", lang, days=days), "", *_example(agency)]
        if lang == 0:
            lines += ["---", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


def header_text(text: str, limit: int = 200) -> str:
    """Portal text made safe for a header: one line, no controls (a CR/LF would start a new header)."""
    clean = _HEADER_UNSAFE.sub(" ", text).strip()
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def valid_email(addr: str) -> bool:
    return bool(_EMAIL.match(addr.strip())) and len(addr) <= 254


def recipients(agency: Agency) -> tuple[list[Address], list[str]]:
    """The distinct contacts of the agency's datasets (metadata 提供機關聯絡人), and the unusable ones."""
    seen, out, bad = set(), [], []
    for d in agency.datasets:
        addr = d.contact_email.strip()
        if not addr:
            continue
        if not valid_email(addr):
            bad.append(f"{d.key}: {header_text(addr, 80)!r}")
            continue
        if addr.lower() in seen:
            continue
        seen.add(addr.lower())
        user, domain = addr.rsplit("@", 1)
        out.append(Address(display_name=header_text(d.contact_name or agency.name, 80), username=user, domain=domain))
    return out, bad


def sender(text: str) -> Address:
    name, addr = parseaddr(text)
    if not valid_email(addr):
        raise ValueError(text)
    user, domain = addr.rsplit("@", 1)
    return Address(display_name=header_text(name, 80), username=user, domain=domain)


def notice_message(agency: Agency, src: Source, body: str, *, sender_addr: Address, to: list[Address]) -> bytes:
    msg = EmailMessage(policy=email.policy.SMTP)
    who = header_text(agency.name) or "—"
    msg["Subject"] = (f"[odaudit] {who}: {agency.findings} 項檢測未通過（{agency.resources} 個資源）/ "
                      f"{agency.findings} failing checks ({agency.resources} resources)")
    msg["From"] = sender_addr
    if to:
        msg["To"] = to
    msg["Date"] = format_datetime(_when(src.snapshot_manifest))
    digest = hashlib.sha256(f"{src.manifest.get('inputs')}\n{agency.name}".encode()).hexdigest()[:32]
    msg["Message-ID"] = f"<{digest}@{sender_addr.domain}>"
    msg["X-Odaudit-Report"] = header_text(str(src.report))
    msg.set_content(body, subtype="plain", charset="utf-8")
    return msg.as_bytes()


def _when(manifest: dict[str, Any]):  # -> datetime (the crawl's start: the notices say what was measured then)
    import datetime as dt

    text = str(manifest.get("finished_at") or manifest.get("started_at") or "2000-01-01T00:00:00Z")
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        when = dt.datetime(2000, 1, 1)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
