"""A notice's text (Traditional Chinese, then English) and its RFC 5322 message (never sent)."""

from __future__ import annotations

import email.policy
import hashlib
import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from ..report.safe import code, md, md_link
from .source import Agency, Failure, Source

#: What would make each check pass (zh-TW, en); the finding's own `expected` is shown beside it.
REMEDY: dict[str, tuple[str, str]] = {
    "link": ("讓資源網址直接回應 HTTP 200 並提供檔案", "make the resource URL answer HTTP 200 with the file"),
    "downloadable": ("提供可直接下載整份檔案的連結，而非網頁或查詢介面", "link the whole file for direct download, not a web page or a query form"),
    "format": ("以開放、機器可讀的格式（CSV、JSON、XML 等）提供，並與宣告格式一致", "publish it in an open machine-readable format (CSV, JSON, XML, …) matching the declared format"),
    "encoding": ("以 UTF-8 編碼提供文字檔", "encode text files in UTF-8"),
    "structure": ("一列標題、每列一筆紀錄，不合併儲存格、不加註解列", "one header row, one record per row, no merged cells or note rows"),
    "fields": ("讓欄位與詮釋資料所列欄位一致", "make the columns match the fields listed in the metadata"),
    "machine_readable": ("提供可由程式直接讀取的資料（非掃描圖檔或排版文件）", "publish data a program can read (not a scan or a layout document)"),
    "stars": ("提供開放格式，並為主要項目提供 URI（鏈結資料）", "use an open format and give URIs for key elements (linked data)"),
    "licence": ("在詮釋資料中標明開放授權（如政府資料開放授權條款）", "state an open licence in the metadata (e.g. the Open Government Data License)"),
    "free": ("免費提供", "make it free of charge"),
    "freshness": ("依宣告的更新頻率更新資料", "update it as often as the declared update frequency says"),
    "metadata": ("補齊必要的詮釋資料（說明、聯絡人、更新頻率等）", "fill in the required metadata (description, contact, update frequency, …)"),
    "badge": ("讓平臺的品質標章與實際檢測結果一致", "make the portal's quality badge match what the data is"),
    "consistency": ("讓詮釋資料與資源內容一致", "make the metadata agree with the resources"),
}

_T: dict[str, tuple[str, str]] = {
    "title": ("{agency}：開放資料檢測結果通知", "Notice to {agency}: open data findings"),
    "intro": ("odaudit（開放原始碼的政府開放資料稽核工具）於 {date} 檢測了 {portal} 上「{catalog}」的資料集。貴機關有 {r} 個資源、{n} 項檢測未通過，以下逐一列出實測結果、證據與改善方式。此通知由研究者寄出，odaudit 不會自動寄信。",
              "odaudit, an open-source audit of open government data, checked the datasets of \"{catalog}\" on {portal} on {date}. {r} resources of yours, and {n} checks in all, failed. Each is listed below with what was measured, the evidence, and what would make it pass. The researchers send this notice; odaudit sends nothing itself."),
    "resource": ("資源 {index}（{format}）", "Resource {index} ({format})"),
    "record": ("資料集詮釋資料", "Dataset record"),
    "failed": ("`{check}` 未通過：實測 {measured}；應為 {expected}。證據：{evidence}。改善：{remedy}。",
               "`{check}` failed: measured {measured}; expected {expected}. Evidence: {evidence}. To pass: {remedy}."),
    "page": ("平臺頁面", "portal page"),
    "dispute_h": ("如何申覆", "How to dispute"),
    "dispute": ("若您認為某項結果有誤，請於 {days} 日內回覆此信，並為每一項附上以下格式的申覆（YAML）。研究者會逐項接受或駁回並說明理由；接受的申覆會改變答案，所有申覆與決定都會隨報告公開。",
                "If a finding is wrong, reply to this message within {days} days with a dispute for each (YAML, as below). The researchers accept or reject each with a reason; an accepted dispute changes the answer, and every dispute and decision is published with the report."),
    "none": ("（無）", "(none)"),
}


def _t(key: str, lang: int, **kw: object) -> str:
    return _T[key][lang].format(**kw)


def _failure(f: Failure, lang: int) -> str:
    remedy = REMEDY.get(f.check, ("", ""))[lang] or f.expected
    none = _T["none"][lang]
    return _t("failed", lang, check=code(f.check), measured=md(f.measured) or none, expected=md(f.expected) or none,
              evidence=md(f.evidence) or none, remedy=remedy)


def _section(agency: Agency, src: Source, lang: int, days: int) -> list[str]:
    snap = src.snapshot_manifest
    catalog = (snap.get("catalog") or {}).get("title") or (snap.get("catalog") or {}).get("name", "")
    lines = [f"# {_t('title', lang, agency=md(agency.name) or '—')}", "",
             _t("intro", lang, date=md(str(snap.get("started_at", ""))[:10]), portal=md(str(snap.get("portal", ""))),
                catalog=md(catalog), r=agency.resources, n=agency.findings), ""]
    for d in agency.datasets:
        head = md_link(d.name, d.page) if d.page else md(d.name)
        lines += [f"## {head}", "", f"- `{code(d.key)}`" + (f" · {_T['page'][lang]}: {md(d.page)}" if d.page else ""), ""]
        for r in d.resources:
            lines.append(f"- {_t('resource', lang, index=md(r.index), format=md(r.format) or '—')}: `{code(r.key)}` {md(r.url)}")
            lines += [f"  - {_failure(f, lang)}" for f in r.failures]
        if d.record:
            lines.append(f"- {_T['record'][lang]}")
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
        lines += [f"## {_T['dispute_h'][lang]}", "", _t("dispute", lang, days=days), "", *_example(agency)]
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
