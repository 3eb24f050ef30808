"""metadata: completeness of the dataset's metadata, on a 100-point scale in the spirit of the EU MQA.

MQA (methodology §4) gives points per DCAT property present and drawn from a controlled vocabulary;
odaudit scores the fields data.gov.tw publishes:

| item (portal field)                    | points | rule                                                      |
|----------------------------------------|-------:|-----------------------------------------------------------|
| title (資料集名稱)                       |      5 | present                                                   |
| description (資料集描述)                 |     15 | ≥ 20 characters and not category boilerplate; else 5 if present |
| field description (主要欄位說明)          |     15 | present                                                   |
| publisher (提供機關)                     |     10 | present                                                   |
| contact name (提供機關聯絡人姓名)          |      5 | present                                                   |
| contact phone or e-mail                |     10 | either present                                            |
| published (上架日期)                     |      5 | a readable date                                           |
| modified (詮釋資料更新時間)                |      5 | a readable date                                           |
| licence (授權方式)                       |     10 | 5 if present, +5 if a recognised licence id               |
| cost (計費方式)                          |      5 | present                                                   |
| update frequency (更新頻率)              |     10 | 10 if understood by frequency.py, 5 if present but not    |
| service category (服務分類)              |      5 | present                                                   |

Category boilerplate: 2017 descriptions such as 「出生及收養: 係指各種新生兒、收養等相關資料集」.

* pass ≥ 80 points; warn 50–79; fail < 50. measured: `points=70/100`; evidence lists what is missing.
* An item whose field the portal's software does not have at all (`meta.not_offered`: CKAN has no
  主要欄位說明 and no 計費方式) is left out, and the points are scaled to 100 over the items that remain;
  the evidence says so (`scored over 80 points: the portal has no …`).
"""

from __future__ import annotations

import re

from ..inspect.dates import parse_meta_datetime
from ..inspect.frequency import parse_frequency
from ..inspect.vocab import normalise_text
from ..model.findings import Finding
from .base import Context
from .licence import licence_of

CHECK_ID = "metadata"
PASS_AT = 80
WARN_AT = 50
BOILERPLATE = re.compile(r"^[^:：]{1,12}[:：]\s*係指.*相關資料集$")


#: metadata items → the meta key whose field a portal may not offer at all
OFFERED_BY: dict[str, str] = {"主要欄位說明": "fields_text", "cost": "cost"}


def score(ctx: Context) -> tuple[int, list[str]]:
    """Points out of 100 (scaled over the items the portal offers) and what was missing or weak;
    the last entry names the items left out, if any."""
    m = ctx.meta
    got = 0
    missing: list[str] = []
    left_out: dict[str, int] = {}

    def item(ok: bool, pts: int, label: str, partial: int = 0, why: str = "") -> None:
        nonlocal got
        key = OFFERED_BY.get(label)
        if key and not ok and ctx.not_offered(key):
            left_out[label] = pts
            return
        if ok:
            got += pts
        else:
            got += partial
            missing.append(f"{label} (-{pts - partial}{': ' + why if why else ''})")

    def present(key: str) -> bool:
        v = m.get(key)
        return bool(normalise_text(v)) if not isinstance(v, list) else bool(v)

    item(present("title"), 5, "title")
    desc = normalise_text(m.get("description"))
    good_desc = len(desc) >= 20 and not BOILERPLATE.match(desc)
    item(good_desc, 15, "description", 5 if desc else 0,
         "" if not desc else ("category boilerplate" if BOILERPLATE.match(desc) else f"only {len(desc)} characters"))
    item(present("fields") or present("fields_text"), 15, "主要欄位說明")
    item(present("agency"), 10, "publisher")
    item(present("contact_name"), 5, "contact name")
    item(present("contact_phone") or present("contact_email"), 10, "contact phone/e-mail")
    item(parse_meta_datetime(m.get("published")) is not None, 5, "published date")
    item(parse_meta_datetime(m.get("modified")) is not None, 5, "modified date")
    lic = licence_of(ctx)
    item(bool(lic.text) and lic.id != "unknown", 10, "licence", 5 if lic.text else 0, "not a recognised licence" if lic.text else "")
    item(present("cost"), 5, "cost")
    freq = parse_frequency(m.get("frequency") or "")
    item(freq.kind not in ("missing", "unknown"), 10, "update frequency", 5 if freq.kind == "unknown" else 0,
         "not understood" if freq.kind == "unknown" else "")
    item(present("service_category"), 5, "service category")
    if left_out:
        total = 100 - sum(left_out.values())
        got = round(got * 100 / total)
        missing.append(f"scored over {total} points: the portal has no {', '.join(left_out)} field")
    return got, missing


def check(ctx: Context) -> list[Finding]:
    points, missing = score(ctx)
    outcome = "pass" if points >= PASS_AT else "warn" if points >= WARN_AT else "fail"
    note = missing.pop() if missing and missing[-1].startswith("scored over") else ""
    evidence = "missing or weak: " + "; ".join(missing) if missing else "all scored fields present"
    evidence += f" ({note})" if note else ""
    return [ctx.finding(CHECK_ID, outcome, f"points={points}/100", f"points≥{PASS_AT}", evidence)]
