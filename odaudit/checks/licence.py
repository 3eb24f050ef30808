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

from ..inspect.licences import Licence, licence_understood, normalise_licence  # noqa: F401 (the rule's vocabulary)
from ..model.findings import Finding
from .base import Context

CHECK_ID = "licence"
EXPECTED = "an open licence (OGDL-Taiwan-1.0, CC0, CC BY, …)"


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
