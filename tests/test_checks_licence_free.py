"""licence and free."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_checks_helpers import Portal, one

from odaudit.inspect.licences import normalise_licence


@pytest.mark.parametrize(("text", "ident", "is_open"), [
    ("政府資料開放授權條款-第1版", "OGDL-Taiwan-1.0", True),
    ("依政府資料開放授權條款-第1版", "OGDL-Taiwan-1.0", True),
    ("政府資料開放授權條款第一版", "OGDL-Taiwan-1.0", True),
    ("1", "OGDL-Taiwan-1.0", True),
    ("Open Government Data License, version 1.0", "OGDL-Taiwan-1.0", True),
    ("政府資料開放授權條款", "OGDL-Taiwan", True),
    ("CC0", "CC0-1.0", True),
    ("CC0 1.0", "CC0-1.0", True),
    ("CC BY 4.0", "CC-BY-4.0", True),
    ("CC-BY-SA 3.0", "CC-BY-SA-3.0", True),
    ("創用CC 姓名標示 4.0", "CC-BY-4.0", True),
    ("CC BY-NC 4.0", "CC-BY-NC-4.0", False),
    ("CC BY-ND", "CC-BY-ND", False),
    ("依菸酒管理法相關規定", "unknown", False),
    ("申請介接臺北市即時交通資訊作業說明", "unknown", False),
    ("", "", False),
])
def test_normalise(text: str, ident: str, is_open: bool) -> None:
    lic = normalise_licence(text)
    assert (lic.id, lic.open) == (ident, is_open)


def test_open_licence_passes(tmp_path: Path) -> None:
    f = one(Portal(tmp_path), "licence", "")
    assert (f.outcome, f.measured) == ("pass", "OGDL-Taiwan-1.0")
    assert "CC BY 4.0 compatible" in f.evidence


def test_non_open_licence_fails(tmp_path: Path) -> None:
    f = one(Portal(tmp_path, licence="CC BY-NC 4.0"), "licence", "")
    assert (f.outcome, f.measured) == ("fail", "CC-BY-NC-4.0")



def test_unrecognised_licence_is_not_understood_not_failed(tmp_path: Path) -> None:
    # issue 18: a 授權方式 odaudit does not recognise is coverage, not failure: skipped and named
    f = one(Portal(tmp_path, licence="依菸酒管理法相關規定"), "licence", "")
    assert (f.outcome, f.measured) == ("skip", "unknown")
    assert "'依菸酒管理法相關規定' not understood" in f.evidence


def test_missing_licence_fails(tmp_path: Path) -> None:
    f = one(Portal(tmp_path, licence=""), "licence", "")
    assert (f.outcome, f.measured) == ("fail", "missing")


def test_v2_api_licence_code_when_meta_is_empty(tmp_path: Path) -> None:
    p = Portal(tmp_path, licence="")
    ds = p.dataset()
    ds["raw"]["api"] = {"success": True, "result": {"license": "1"}}
    from odaudit.checks import run_checks

    out = {f.check: f for f in run_checks(ds, [], str(tmp_path), "2025-09-23T00:00:00Z") if not f.resource}
    assert out["licence"].measured == "OGDL-Taiwan-1.0"


@pytest.mark.parametrize(("cost", "outcome"), [
    ("免費", "pass"), ("free", "pass"), (" 免費", "pass"), ("免費索取", "pass"), ("無", "pass"), ("0", "pass"),
    ("收費", "fail"), ("每筆 100 元", "fail"), ("付費", "fail"), ("", "warn"), ("如欲利用請洽華藝數位", "warn"),
])
def test_free(tmp_path: Path, cost: str, outcome: str) -> None:
    assert one(Portal(tmp_path, cost=cost), "free", "").outcome == outcome
