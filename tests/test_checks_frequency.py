"""The 更新頻率 grammar: every observed form."""

from __future__ import annotations

import pytest

from odaudit.inspect.frequency import GRACE_FACTOR, SLACK_DAYS, parse_frequency

H = 1 / 24
M = 1 / 1440


@pytest.mark.parametrize(("text", "kind", "period"), [
    ("每1日", "periodic", 1), ("每日", "periodic", 1), ("每天", "periodic", 1), ("每周", "periodic", 7),
    ("每週", "periodic", 7), ("每10日", "periodic", 10), ("每月", "periodic", 31), ("每1月", "periodic", 31),
    ("每季", "periodic", 92), ("每半年", "periodic", 183), ("每年", "periodic", 366), ("每10年", "periodic", 3660),
    ("每小時", "periodic", H), ("每1小時", "periodic", H), ("每5分鐘", "periodic", 5 * M), ("每15分", "periodic", 15 * M),
    ("每分鐘", "periodic", M), ("每三年", "periodic", 3 * 366), ("每年2次", "periodic", 183), ("每年1次", "periodic", 366),
    ("每月更新1次", "periodic", 31), ("按月更新", "periodic", 31), ("年", "periodic", 366), ("半年", "periodic", 183),
    ("1年", "periodic", 366), ("6年", "periodic", 6 * 366), ("3個月", "periodic", 93), ("月", "periodic", 31),
    ("每周一次", "periodic", 7), ("每季結束後15日", "periodic", 92), ("每季，至104年12月為止", "periodic", 92),
    ("每月、年", "periodic", 31), ("每 1 日", "periodic", 1), ("每十日", "periodic", 10), ("每2年", "periodic", 732),
    ("即時", "realtime", H), ("即時更新", "realtime", H),
    ("不定期", "irregular", None), ("不定期更新", "irregular", None), ("不定時", "irregular", None),
    ("隨時", "irregular", None), ("異動時更新", "irregular", None),
    ("不更新", "static", None), ("不需更新", "static", None), ("無", "static", None),
    ("", "missing", None), (None, "missing", None),
    ("俟有新年度檢討報告完成後更新", "unknown", None), ("看心情", "unknown", None),
])
def test_forms(text: str | None, kind: str, period: float | None) -> None:
    f = parse_frequency(text)
    assert f.kind == kind, f
    if period is None:
        assert f.period_days is None and f.max_age_days is None
    else:
        assert f.period_days == pytest.approx(period)
        assert f.max_age_days == pytest.approx(period * GRACE_FACTOR + SLACK_DAYS)


@pytest.mark.parametrize(("value", "kind", "period"), [
    ({"regularupdate": "1", "Frequency": "1", "unittime": "日"}, "periodic", 1),
    ({"regularupdate": "1", "Frequency": "3", "unittime": "月"}, "periodic", 93),
    ({"regularupdate": "1", "frequency": "2", "unittime": "週"}, "periodic", 14),
    ({"regularupdate": "0", "Frequency": "", "unittime": ""}, "irregular", None),
    ({"regularupdate": "1", "Frequency": "1", "unittime": "光年"}, "unknown", None),
    ('{"regularupdate": "1", "Frequency": "1", "unittime": "年"}', "periodic", 366),
])
def test_v2_dict(value: object, kind: str, period: float | None) -> None:
    f = parse_frequency(value)
    assert f.kind == kind
    assert f.period_days == (pytest.approx(period) if period is not None else None)


def test_documented_grace() -> None:
    assert parse_frequency("每1日").max_age_days == 2.5
    assert parse_frequency("每月").max_age_days == 47.5
    assert parse_frequency("每年").max_age_days == 550
    assert parse_frequency("每季結束後15日").note == "trailing text ignored: 結束後15日"
    assert parse_frequency("每1日").rule() == "每1日 = 1 d × 1.5 + 1 d"
