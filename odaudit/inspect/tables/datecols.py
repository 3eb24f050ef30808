"""Date columns of a table: which columns hold dates, and the newest date in each (for freshness)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from ..dates import TAIPEI, parse_cell_date
from .common import MEMO_MAX, DateStat

DATE_SHARE = 0.9


DATE_WORDS = re.compile(r"日期|時間|年月日|更新|date|time|updated|modified", re.IGNORECASE)


_LEX_PATTERNS = [re.compile(p) for p in (r"\d{4}-\d{2}-\d{2}(?:[T ].*)?", r"\d{4}/\d{2}/\d{2}(?: .*)?", r"\d{8}(?:\d{4,6})?")]


class _DateTracker:
    """Newest date (≤ the reference time + 1 day) and future dates in one column."""

    def __init__(self, name: str, sample: list[str], ref: datetime) -> None:
        self.stat = DateStat(name)
        self.limit = ref + timedelta(days=1)
        self.memo: dict[str, datetime | None] = {}
        self.lex: re.Pattern[str] | None = None
        values = [v for v in sample if isinstance(v, str) and v.strip()]
        for pat in _LEX_PATTERNS:
            if values and all(pat.fullmatch(v) for v in values):
                self.lex = pat
                break
        self.key = ""
        if self.lex is not None:
            local = self.limit.astimezone(TAIPEI)
            fmt = {0: "%Y-%m-%d", 1: "%Y/%m/%d", 2: "%Y%m%d"}[_LEX_PATTERNS.index(self.lex)]
            self.key = (local + timedelta(days=1)).strftime(fmt)

    def _parse(self, v: object) -> datetime | None:
        if not isinstance(v, str):
            return parse_cell_date(v)
        got = self.memo.get(v, False)
        if got is False:
            got = parse_cell_date(v)
            if len(self.memo) < MEMO_MAX:
                self.memo[v] = got
        return got  # type: ignore[return-value]

    def consider(self, v: object) -> None:
        dt = self._parse(v)
        if dt is None:
            return
        st = self.stat
        if dt > self.limit:
            st.future += 1
            if st.future_max is None or dt > st.future_max:
                st.future_max, st.future_text = dt, str(v)
        elif st.newest is None or dt > st.newest:
            st.newest, st.newest_text = dt, str(v)

    def feed(self, values: Iterable[object]) -> None:
        if self.lex is None:
            for v in values:
                if v is not None and v != "":
                    self.consider(v)
            return
        key = self.key
        vals = values if isinstance(values, (list, tuple)) else list(values)
        # candidates beyond the limit day (or not date-like at all): few, check each
        for v in [v for v in vals if v >= key]:
            self.consider(v)
        cands = [v for v in vals if v and v < key]
        while cands:
            top = max(cands)  # usually a valid date: one pass at C speed
            if self.stat.newest_text and top <= self.stat.newest_text:
                return
            dt = self._parse(top)
            if dt is not None and dt <= self.limit:
                self.stat.newest, self.stat.newest_text = dt, top
                return
            if dt is not None:  # later on the limit day itself
                for _ in range(cands.count(top)):
                    self.consider(top)
            cands = [v for v in cands if v != top]


    def feed_arrow(self, arr: Any) -> None:
        """`feed` on a pyarrow string array (no nulls) of the columnar path, with the same result:
        values are considered in order of first appearance, each with its number of occurrences."""
        import pyarrow.compute as pc

        if self.lex is None:
            counts = pc.value_counts(arr)
            for v, c in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True):
                if v:
                    self._consider_times(v, c)
            return
        key = self.key
        # strings compare by code point in Python and by UTF-8 byte in Arrow: the same order
        for v in arr.filter(pc.greater_equal(arr, key)).to_pylist():
            self.consider(v)
        cands = arr.filter(pc.and_(pc.not_equal(arr, ""), pc.less(arr, key)))
        while len(cands):
            top = pc.max(cands).as_py()
            if self.stat.newest_text and top <= self.stat.newest_text:
                return
            dt = self._parse(top)
            if dt is not None and dt <= self.limit:
                self.stat.newest, self.stat.newest_text = dt, top
                return
            same = pc.equal(cands, top)
            if dt is not None:  # later on the limit day itself
                self._consider_times(top, pc.sum(same).as_py() or 0)
            cands = cands.filter(pc.invert(same))

    def _consider_times(self, v: str, times: int) -> None:
        """`consider(v)` done `times` times: only the count of future dates grows after the first."""
        before = self.stat.future
        self.consider(v)
        if self.stat.future > before:
            self.stat.future += times - 1


def _date_columns(labels: list[str], sample_rows: list[list[Any]], ref: datetime) -> dict[int, _DateTracker]:
    out: dict[int, _DateTracker] = {}
    for i, label in enumerate(labels):
        values = [r[i] for r in sample_rows if i < len(r) and r[i] not in (None, "")]
        values = [v.strip() if isinstance(v, str) else v for v in values]
        if not values:
            continue
        parsed = sum(1 for v in values if parse_cell_date(v) is not None)
        if parsed == 0 or parsed < DATE_SHARE * len(values):
            continue
        # bare 8-digit numbers are dates only under a date-like header
        if all(isinstance(v, str) and v.isdigit() for v in values) and not DATE_WORDS.search(str(label)):
            continue
        out[i] = _DateTracker(str(label) or f"field{i + 1}", [v for v in values if isinstance(v, str)], ref)
    return out
