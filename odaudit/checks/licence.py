"""licence: 授權方式 normalised to an id, open or not.

* `政府資料開放授權條款-第1版`, `依政府資料開放授權條款-第1版` (data.taipei), 第一版 / 1.0 variants, the English
  name, and the v2 API code `"1"` → `OGDL-Taiwan-1.0`: open (compatible with CC BY 4.0, as the
  licence itself states);
* `CC0` → `CC0-1.0`, `CC BY x` / `CC BY-SA x` / 創用CC 姓名標示 → `CC-BY-x` / `CC-BY-SA-x`, ODC-BY, ODbL,
  PDDL, 公眾領域 / public domain: open;
* CC licences with NC (非商業) or ND (禁止改作): not open.

* pass: an open licence;
* fail: missing, or a recognised licence that is not open (NC / ND terms);
* skip: a 授權方式 odaudit does not recognise (e.g. `依菸酒管理法相關規定`): not understood, so not
  judged; the report lists it under "not understood" and a researcher answers by hand (or adds
  the wording here, README "Adding a vocabulary value").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model.findings import Finding
from .base import Context
from ..inspect.vocab import normalise_text

CHECK_ID = "licence"
EXPECTED = "an open licence (OGDL-Taiwan-1.0, CC0, CC BY, …)"


@dataclass(frozen=True)
class Licence:
    id: str          # "" when missing, "unknown" when unrecognised
    open: bool
    text: str
    note: str = ""


_OGDL = re.compile(r"政府資料開放授權條款[-－—‐]?(第?(1|一|1\.0)版|v?1(\.0)?)$")
_CC = re.compile(r"^(?:CREATIVECOMMONS|CC|創用CC)[-_ ]?(?P<terms>(?:BY|姓名標示)(?:[-_ ]?(?:SA|NC|ND|相同方式分享|非商業性?|禁止改作))*)[-_ ]?(?P<ver>\d\.\d)?(?:國際|TW|台灣|臺灣)?(?:授權條款)?$", re.IGNORECASE)


def normalise_licence(value: object) -> Licence:
    text = normalise_text(value)
    if not text:
        return Licence("", False, "")
    t = re.sub(r"\s+", "", text)
    t = re.sub(r"^(依|依據|採用|適用|採)", "", t)
    t = re.sub(r"(辦理|規定|授權)$", "", t)
    up = t.upper()
    if up in ("1", "OGDL", "OGDL-TAIWAN-1.0", "OGDL-TW-1.0") or "OPENGOVERNMENTDATALICENSE" in up.replace(",", ""):
        return Licence("OGDL-Taiwan-1.0", True, text, "CC BY 4.0 compatible")
    if _OGDL.search(t):
        return Licence("OGDL-Taiwan-1.0", True, text, "CC BY 4.0 compatible")
    if t.startswith("政府資料開放授權條款"):
        return Licence("OGDL-Taiwan", True, text, "version not stated")
    if up in ("CC0", "CC0-1.0", "CC01.0", "CCZERO") or up.startswith("CC0"):
        return Licence("CC0-1.0", True, text)
    if "公眾領域" in t or up in ("PUBLICDOMAIN", "PDDL", "PDDL-1.0"):
        return Licence("PDDL-1.0" if "PDDL" in up else "public-domain", True, text)
    if up in ("ODC-BY", "ODC-BY-1.0", "ODBL", "ODBL-1.0"):
        return Licence(up.replace("ODBL", "ODbL"), True, text)
    m = _CC.match(up)
    if m:
        terms = m.group("terms").replace("姓名標示", "BY").replace("相同方式分享", "SA")
        terms = re.sub("非商業性?", "NC", terms).replace("禁止改作", "ND")
        parts = [p for p in re.split(r"[-_ ]", terms) if p] if "-" in terms or "_" in terms or " " in terms else re.findall(r"BY|SA|NC|ND", terms)
        ident = "CC-" + "-".join(parts) + (f"-{m.group('ver')}" if m.group("ver") else "")
        is_open = "NC" not in parts and "ND" not in parts
        return Licence(ident, is_open, text, "" if is_open else "NC/ND terms are not open (Open Definition)")
    return Licence("unknown", False, text, "not a recognised open licence")


def licence_understood(value: object) -> bool:
    """True when a 授權方式 value (or v2 code) is recognised; "" (missing) counts as understood."""
    return normalise_licence(value).id != "unknown"


def licence_of(ctx: Context) -> Licence:
    value = ctx.meta.get("licence") or ""
    if not value:
        raw = (ctx.dataset.get("raw") or {})
        api = raw.get("api") or {}
        if isinstance(api, dict):
            result = api.get("result") if isinstance(api.get("result"), dict) else api
            value = (result or {}).get("license") or ""
    return normalise_licence(value)


def check(ctx: Context) -> list[Finding]:
    lic = licence_of(ctx)
    if not lic.text:
        return [ctx.finding(CHECK_ID, "fail", "missing", EXPECTED, "授權方式 is empty")]
    if lic.id == "unknown":
        return [ctx.finding(CHECK_ID, "skip", "unknown", EXPECTED,
                            f"授權方式 {lic.text!r} not understood: judge by hand, or add it (README: adding a vocabulary value)")]
    evidence = f"授權方式 {lic.text!r} → {lic.id}" + (f" ({lic.note})" if lic.note else "")
    return [ctx.finding(CHECK_ID, "pass" if lic.open else "fail", lic.id, EXPECTED, evidence)]
