"""Which vocabulary values odaudit understands, in one place: each vocabulary is answered by the
parser the check that reads it uses, so `doctor`, the crawl's probe and the report's "not
understood" list can never disagree with the checks.

* 品質檢測: vocab.py `KNOWN_BADGES` (the levels, 白金, 無, 無(白名單));
* 更新頻率: frequency.py `parse_frequency` (kind ``unknown`` = not understood);
* 授權方式: licences.py `normalise_licence` (id ``unknown`` = not understood);
* 檔案格式: vocab.py `declared_format` (a part outside its aliases and `STARS` = not understood).

An empty value is *missing*, not a vocabulary problem: it is never listed here. A value that is
not understood is never mapped to a near one: the checks skip or warn, and the report lists it
(README "Adding a vocabulary value" says where to teach odaudit a new one).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from .frequency import parse_frequency
from .licences import licence_understood
from .vocab import badge_known, declared_format, normalise_text

#: vocabulary -> the meta key (or resource key) holding it
VOCABULARIES: dict[str, str] = {"品質檢測": "badge", "更新頻率": "frequency", "授權方式": "licence", "檔案格式": "format"}


def understood(vocabulary: str, value: object) -> bool:
    """True when odaudit knows what `value` means in `vocabulary` (empty counts as understood)."""
    if vocabulary not in VOCABULARIES:
        raise KeyError(vocabulary)
    if isinstance(value, dict):  # the v2 API's updateFrequency object
        return parse_frequency(value).kind != "unknown"
    if not normalise_text(value):
        return True
    if vocabulary == "品質檢測":
        return badge_known(value)
    if vocabulary == "更新頻率":
        return parse_frequency(value).kind != "unknown"
    if vocabulary == "授權方式":
        return licence_understood(value)
    return not any(f.startswith("?") for f in declared_format(value).formats)


def not_understood(values: Iterable[tuple[str, object]]) -> list[dict[str, object]]:
    """[(vocabulary, value)] -> [{vocabulary, value, count}] for the values not understood,
    sorted by vocabulary (in VOCABULARIES order), then count (most first), then value."""
    return not_understood_counted((vocabulary, value, 1) for vocabulary, value in values)


def not_understood_counted(counted: Iterable[tuple[str, object, int]]) -> list[dict[str, object]]:
    """As `not_understood`, from (vocabulary, value, how many times) triples: a whole export
    repeats a few dozen values 270,000 times, so callers count them first, and each distinct value
    is normalised and judged once."""
    raw: Counter[tuple[str, object]] = Counter()
    seen: Counter[tuple[str, str]] = Counter()
    dicts: dict[tuple[str, str], object] = {}
    for vocabulary, value, n in counted:
        if isinstance(value, dict):
            key = (vocabulary, json.dumps(value, ensure_ascii=False, sort_keys=True))
            dicts[key] = value
            seen[key] += n
        elif isinstance(value, (str, int, float, type(None))):
            raw[(vocabulary, value)] += n
        else:  # unhashable (a list, say): as text
            seen[(vocabulary, normalise_text(value))] += n
    for (vocabulary, value), n in raw.items():
        seen[(vocabulary, normalise_text(value))] += n
    counts = {k: n for k, n in seen.items() if not understood(k[0], dicts.get(k, k[1]))}
    order = list(VOCABULARIES)
    rows = sorted(counts.items(), key=lambda kv: (order.index(kv[0][0]), -kv[1], kv[0][1]))
    return [{"vocabulary": v, "value": text, "count": n} for (v, text), n in rows]
