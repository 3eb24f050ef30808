"""Dates as they appear in metadata, HTTP headers and data cells.

Times without a zone are Taiwan time (UTC+8). Data cells accept `YYYY-MM-DD`, `YYYY/MM/DD`,
`YYYY.MM.DD`, `YYYYMMDD` (also with `HHMM[SS]`), ISO 8601 date-times (`T` or space, optional
fraction and zone), `YYYY年M月D日`, and ROC (民國) years: `113/01/05`, `113-1-5`, `113.01.05`,
`民國113年1月5日`, `113年1月5日` (year + 1911). Years outside 1900–2200 are not dates.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

TAIPEI = timezone(timedelta(hours=8), "Asia/Taipei")

_ISO = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:[T ]?(\d{2})(\d{2})(\d{2})?)?")
_ROC = re.compile(r"(?:民國)?(\d{2,3})[-/.](\d{1,2})[-/.](\d{1,2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_CJK = re.compile(r"(?:民國)?(\d{2,4})年(\d{1,2})月(\d{1,2})日(?:\s*(\d{1,2})[:時](\d{2})分?(?::?(\d{2})秒?)?)?")


def _tz(text: str | None) -> timezone:
    if not text:
        return TAIPEI
    if text == "Z":
        return UTC
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def _build(y: int, mo: int, d: int, h: str | None = None, mi: str | None = None, s: str | None = None,
           tz: timezone = TAIPEI) -> datetime | None:
    if not 1900 <= y <= 2200:
        return None
    try:
        return datetime(y, mo, d, int(h or 0), int(mi or 0), int(s or 0), tzinfo=tz)
    except ValueError:
        return None


def parse_cell_date(value: object) -> datetime | None:
    """A date or date-time in a data cell, as an aware datetime; None if it is not one."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=TAIPEI)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=TAIPEI)
    if not isinstance(value, str):
        return None
    s = value.strip()
    if len(s) < 6 or len(s) > 40:
        return None
    m = _ISO.fullmatch(s)
    if m:
        return _build(int(m[1]), int(m[2]), int(m[3]), m[4], m[5], m[6], _tz(m[8]))
    m = _COMPACT.fullmatch(s)
    if m:
        return _build(int(m[1]), int(m[2]), int(m[3]), m[4], m[5], m[6])
    m = _ROC.fullmatch(s)
    if m:
        y = int(m[1])
        if 1 <= y <= 200:
            return _build(y + 1911, int(m[2]), int(m[3]), m[4], m[5], m[6])
        return None
    m = _CJK.fullmatch(s)
    if m:
        y = int(m[1])
        y = y + 1911 if y <= 200 else y
        return _build(y, int(m[2]), int(m[3]), m[4], m[5], m[6])
    return None


def parse_meta_datetime(value: object) -> datetime | None:
    """詮釋資料更新時間 / 上架日期 / ISO strings; naive values are Taiwan time."""
    if not value or not isinstance(value, str):
        return None
    s = value.strip()
    try:
        dt = datetime.fromisoformat(s)
        return dt if dt.tzinfo else dt.replace(tzinfo=TAIPEI)
    except ValueError:
        return parse_cell_date(s)


def parse_http_date(value: object) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        dt = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def parse_crawl_time(value: str) -> datetime:
    """The crawl's reference time (ISO UTC, e.g. 2026-11-26T15:46:42Z)."""
    dt = datetime.fromisoformat(value.strip())
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def age_days(then: datetime, ref: datetime) -> float:
    return (ref - then).total_seconds() / 86400.0


def fmt_days(days: float) -> str:
    if days < 0:
        return f"{days:.1f} d, after the crawl time"
    if days < 100 and round(days, 1) != round(days):
        return f"{days:.1f} d"
    return f"{days:.0f} d"


def fmt_dt(dt: datetime) -> str:
    """Compact, deterministic display in Taiwan time."""
    local = dt.astimezone(TAIPEI)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return local.strftime("%Y-%m-%d")
    return local.strftime("%Y-%m-%d %H:%M")
