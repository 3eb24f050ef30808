"""更新頻率 (update frequency) grammar → an expected maximum age.

Forms understood (all observed on data.gov.tw, its v2 API or local portals):

* `每` + optional count + unit, optionally `更新` and `N次`: 每1日, 每日, 每天, 每周, 每週, 每10日, 每月, 每1月,
  每季, 每半年, 每年, 每10年, 每小時, 每5分鐘, 每15分, 每三年 (Chinese numerals), 每年2次 (twice a year),
  每月更新1次; trailing text is kept as a note (每季結束後15日, 每週一); `按月更新`;
* a bare unit or count + unit: 年, 半年, 月, 1年, 6年, 3個月, 月更新;
* 即時 / 即時更新 / realtime → real time (treated as hourly);
* 不定期 / 不定期更新 / 不定時 / 隨時 / 異動時更新 → irregular (no expected age);
* 不更新 / 不需更新 / 無 / 無更新 / 停止更新 / 不再更新 → static (never updated, by declaration);
* v2 API dict `{"regularupdate": "1", "Frequency": "1", "unittime": "日"}` (also as a JSON string):
  regularupdate "0" → irregular; otherwise Frequency × unittime.

And the vocabularies of other portals (CKAN's DCAT extras `frequency` / `accrual_periodicity`):

* the EU frequency authority, as a URI or its bare code (`http://publications.europa.eu/resource/
  authority/frequency/DAILY`, `ANNUAL_2`, `IRREG`, `NEVER`, …) and Dublin Core's
  `http://purl.org/cld/freq/…` (`daily`, `biennial`, …);
* English words: `daily`, `weekly`, `fortnightly`, `monthly`, `quarterly`, `semiannual`, `annual`,
  `yearly`, `hourly`, `continuous`, `irregular`, `as needed`, `never`, … (case-insensitive; a
  trailing `ly`-less form like `annual` too).

Unit lengths in days (generous: the longest month, quarter, year): 分 1/1440, 時 1/24, 日 1,
週 7, 月 31, 季 92, 半年 183, 年 366.

Expected maximum age = period × `GRACE_FACTOR` (1.5) + `SLACK_DAYS` (1): half a period of grace for
publishing schedules, plus one day for time zones, day-granular dates and crawl latency. Daily → 2.5 d,
weekly → 11.5 d, monthly → 47.5 d, quarterly → 139 d, yearly → 550 d, hourly/real time → 1.06 d.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .vocab import normalise_text

GRACE_FACTOR = 1.5
SLACK_DAYS = 1.0

UNIT_DAYS: dict[str, float] = {
    "分鐘": 1 / 1440, "分": 1 / 1440, "小時": 1 / 24, "時": 1 / 24, "日": 1.0, "天": 1.0,
    "週": 7.0, "周": 7.0, "星期": 7.0, "禮拜": 7.0, "月": 31.0, "季": 92.0, "半年": 183.0, "年": 366.0,
}
_UNIT_ALT = "半年|分鐘|小時|星期|禮拜|分|時|日|天|週|周|月|季|年"
_NUM = r"[0-9]+|[一二兩三四五六七八九十]+"
_PERIODIC = re.compile(
    rf"^(?P<each>每|按)?\s*(?P<n>{_NUM})?\s*(?:個)?\s*(?P<unit>{_UNIT_ALT})\s*(?:更新)?\s*(?:(?P<times>{_NUM})\s*次)?(?P<rest>.*)$"
)
REALTIME = {"即時", "即時更新", "實時", "realtime", "real-time", "real time", "即時資料"}
IRREGULAR = {"不定期", "不定期更新", "不定時", "不定時更新", "隨時", "隨時更新", "異動時更新", "有異動時更新", "irregular", "不固定"}
STATIC = {"不更新", "不需更新", "無需更新", "無", "無更新", "停止更新", "不再更新", "none", "never"}
#: EU frequency authority codes and English words → period in days ("irregular" / "static" / "realtime" by kind)
_D, _W, _M, _Q, _H, _Y = 1.0, 7.0, 31.0, 92.0, 183.0, 366.0
WORD_PERIODS: dict[str, float] = {
    "daily": _D, "day": _D, "daily_2": _D / 2, "twice a day": _D / 2, "weekly": _W, "week": _W, "weekly_2": _W / 2,
    "weekly_3": _W / 3, "biweekly": 2 * _W, "fortnightly": 2 * _W, "monthly": _M, "month": _M, "monthly_2": _M / 2,
    "monthly_3": _M / 3, "semimonthly": _M / 2, "bimonthly": 2 * _M, "quarterly": _Q, "quarter": _Q,
    "annual_2": _H, "semiannual": _H, "semi-annual": _H, "semiannually": _H, "biannual": _H, "half-yearly": _H,
    "annual_3": _Y / 3, "threeTimesAYear": _Y / 3, "annual": _Y, "annually": _Y, "yearly": _Y, "year": _Y,
    "biennial": 2 * _Y, "triennial": 3 * _Y, "quadrennial": 4 * _Y, "quinquennial": 5 * _Y, "decennial": 10 * _Y,
    "hourly": 1 / 24, "bihourly": 2 / 24, "trihourly": 3 / 24, "12hrs": 0.5, "1min": 1 / 1440, "5min": 5 / 1440,
    "10min": 10 / 1440, "15min": 15 / 1440, "30min": 30 / 1440,
}
WORD_KINDS: dict[str, str] = {
    "cont": "realtime", "continuous": "realtime", "continual": "realtime", "update_cont": "realtime", "real time": "realtime",
    "irreg": "irregular", "irregular": "irregular", "as needed": "irregular", "as_needed": "irregular", "ad hoc": "irregular",
    "adhoc": "irregular", "never": "static", "not updated": "static", "not_planned": "static",
    "static": "static", "none": "static",
}
_VOCAB_URI = re.compile(r"^https?://(?:publications\.europa\.eu/resource/authority/frequency|purl\.org/cld/freq)/(?P<code>[^/?#]+)/?$",
                        re.IGNORECASE)
_CN = {"一": 1, "二": 2, "兩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class Frequency:
    #: periodic | realtime | irregular | static | missing | unknown
    kind: str
    #: length of one period in days (periodic and realtime), else None
    period_days: float | None
    #: the value as published (dicts rendered as compact JSON)
    text: str
    #: e.g. "trailing text ignored: 結束後15日"
    note: str = ""

    @property
    def max_age_days(self) -> float | None:
        if self.period_days is None:
            return None
        return self.period_days * GRACE_FACTOR + SLACK_DAYS

    def rule(self) -> str:
        if self.period_days is None:
            return ""
        return f"{self.text} = {_fmt_period(self.period_days)} × {GRACE_FACTOR:g} + {SLACK_DAYS:g} d"


def _fmt_period(days: float) -> str:
    if days < 1 / 24 - 1e-9:
        return f"{days * 1440:g} min"
    if days < 1:
        return f"{days * 24:g} h"
    return f"{days:g} d"


#: A count this large is not a frequency anyone publishes; it is treated as unrecognised
#: (and would overflow the float arithmetic of ages).
MAX_COUNT = 100_000


def _cn_number(text: str) -> int | None:
    if text.isdigit():
        return int(text) if len(text) <= 6 and int(text) <= MAX_COUNT else None
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        t = _CN.get(tens, 1) if tens else 1
        o = _CN.get(ones, 0) if ones else 0
        return t * 10 + o
    if len(text) == 1 and text in _CN:
        return _CN[text]
    return None


def _from_dict(d: dict, text: str) -> Frequency:
    low = {str(k).lower(): v for k, v in d.items()}
    regular = str(low.get("regularupdate", "1")).strip()
    if regular in ("0", "false", "False", "N", "n", ""):
        return Frequency("irregular", None, text, "regularupdate=0")
    unit = normalise_text(low.get("unittime", ""))
    n_raw = normalise_text(low.get("frequency", "1")) or "1"
    n = _cn_number(n_raw)
    if unit not in UNIT_DAYS or n is None or n <= 0:
        return Frequency("unknown", None, text, "unrecognised v2 updateFrequency")
    return Frequency("periodic", n * UNIT_DAYS[unit], text)


def _from_vocabulary(text: str) -> Frequency | None:
    """An EU / Dublin Core frequency URI or code, or an English word; None when it is neither."""
    m = _VOCAB_URI.match(text)
    key = (m["code"] if m else text).strip().lower()
    periods = {k.lower(): v for k, v in WORD_PERIODS.items()}
    if key in periods:
        return Frequency("periodic", periods[key], text)
    kind = WORD_KINDS.get(key) or WORD_KINDS.get(key.replace("_", " "))
    if kind == "realtime":
        return Frequency("realtime", UNIT_DAYS["小時"], text, "real time counted as hourly")
    if kind:
        return Frequency(kind, None, text)
    if m:
        return Frequency("unknown", None, text, "unrecognised frequency code")
    return None


def parse_frequency(value: object) -> Frequency:
    if isinstance(value, dict):
        return _from_dict(value, json.dumps(value, ensure_ascii=False, sort_keys=True))
    text = normalise_text(value)
    if not text:
        return Frequency("missing", None, "")
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            return _from_dict(obj, text)
    vocab = _from_vocabulary(text)
    if vocab is not None:
        return vocab
    key = text.lower()
    if key in REALTIME or text.startswith("即時"):
        return Frequency("realtime", UNIT_DAYS["小時"], text, "real time counted as hourly")
    if key in IRREGULAR or text.startswith("不定"):
        return Frequency("irregular", None, text)
    if key in STATIC:
        return Frequency("static", None, text)
    m = _PERIODIC.match(text)
    if m and (m["each"] or m["n"] or m["unit"] in ("年", "月", "半年", "季") or text.endswith("更新")):
        n = _cn_number(m["n"]) if m["n"] else 1
        times = _cn_number(m["times"]) if m["times"] else 1
        if n and times:
            period = n * UNIT_DAYS[m["unit"]] / times
            rest = m["rest"].strip(" ，,、。")
            note = f"trailing text ignored: {rest}" if rest else ""
            return Frequency("periodic", period, text, note)
    return Frequency("unknown", None, text, "unrecognised 更新頻率")
