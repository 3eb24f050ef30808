"""free: 計費方式 says the data costs nothing.

* pass: 免費, free (v2 `cost`), 免費索取, 不收費, 無償, `0`, `無` (data.taipei's "no charge");
* fail: 收費, 付費, paid/fee, or any text naming a price (元);
* warn: missing (the portal publishes 計費方式 for every dataset, so an empty value is a metadata gap,
  not evidence of a fee) or not understood;
* skip: the portal has no such field at all (`meta.not_offered`, e.g. CKAN).
"""

from __future__ import annotations

import re

from ..inspect.vocab import normalise_text
from ..model.findings import Finding
from .base import Context

CHECK_ID = "free"
FREE = {"免費", "FREE", "免費索取", "不收費", "無償", "0", "無", "免付費", "NONE", "無須付費", "無需付費"}
PAID = re.compile(r"收費|付費|計費|有償|PAID|FEE|CHARGE|\d+\s*元", re.IGNORECASE)


def check(ctx: Context) -> list[Finding]:
    text = normalise_text(ctx.meta.get("cost"))
    if not text and ctx.not_offered("cost"):
        return [ctx.skip(CHECK_ID, "the portal has no cost field (計費方式): not measured", expected="免費")]
    if not text:
        return [ctx.finding(CHECK_ID, "warn", "missing", "免費", "計費方式 is empty: cost unknown")]
    key = text.upper().replace(" ", "")
    if key in FREE or key.startswith("免費"):
        return [ctx.finding(CHECK_ID, "pass", "free", "免費", f"計費方式 {text!r}")]
    if PAID.search(text) and not text.startswith(("免", "不")):
        return [ctx.finding(CHECK_ID, "fail", "charged", "免費", f"計費方式 {text!r}")]
    return [ctx.finding(CHECK_ID, "warn", "unclear", "免費", f"計費方式 {text!r} not understood")]
