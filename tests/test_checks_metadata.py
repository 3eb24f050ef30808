"""metadata: the 100-point completeness scale."""

from __future__ import annotations

from pathlib import Path

from test_checks_helpers import Portal, one


def test_complete_metadata(tmp_path: Path) -> None:
    f = one(Portal(tmp_path, fields=["a"]), "metadata", "")
    assert (f.outcome, f.measured, f.expected) == ("pass", "points=100/100", "points≥80")


def test_points_are_taken_off_and_listed(tmp_path: Path) -> None:
    p = Portal(tmp_path, fields=[], fields_text="", contact_phone="", contact_email="", frequency="看心情")
    f = one(p, "metadata", "")
    assert f.measured == "points=70/100" and f.outcome == "warn"
    assert "主要欄位說明 (-15)" in f.evidence
    assert "contact phone/e-mail (-10)" in f.evidence
    assert "update frequency (-5: not understood)" in f.evidence


def test_boilerplate_description_like_2017(tmp_path: Path) -> None:
    p = Portal(tmp_path, fields=["a"], description="出生及收養: 係指各種新生兒、收養等相關資料集")
    f = one(p, "metadata", "")
    assert f.measured == "points=90/100" and "category boilerplate" in f.evidence


def test_almost_empty_metadata_fails(tmp_path: Path) -> None:
    p = Portal(tmp_path, description="", fields=[], agency="", contact_name="", contact_phone="", published="",
               modified="", licence="", cost="", frequency="", service_category="")
    f = one(p, "metadata", "")
    assert (f.outcome, f.measured) == ("fail", "points=5/100")
