"""`odaudit notices`: one notice per agency, both languages, markdown and .eml addressed to the
metadata contact, every failing resource of the agency in it; the folder owned and replaced whole."""

from __future__ import annotations

import csv
import email
import email.policy
import json
import shutil
from pathlib import Path

import pytest
import snapfactory as sf

from odaudit.cli import main


def run(capsys, *args: object) -> tuple[int, str]:
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


BAD_PDF = {"link": "pass", "format": ("fail", "PDF", "not machine-readable"), "structure": ("fail", "", "no table")}


@pytest.fixture
def report(tmp_path: Path, capsys) -> Path:
    snap = sf.build_snapshot(tmp_path / "snap", [
        sf.dataset("水庫", id=41568, agency="經濟部水利署", contact_name="王小明", contact_email="wang@wra.example.gov.tw",
                   checks=sf.DATASET_PASS, resources=[sf.resource("CSV", checks=sf.PASS_ALL), sf.resource("PDF", checks=BAD_PDF),
                                                      sf.resource("XLS", checks={"link": ("fail", "404", "HTTP 404")})]),
        sf.dataset("河川", id=41569, agency="經濟部水利署", contact_name="李大華", contact_email="lee@wra.example.gov.tw",
                   checks={**sf.DATASET_PASS, "licence": ("fail", "", "no licence stated")}, resources=[sf.resource("CSV", checks=sf.PASS_ALL)]),
        sf.dataset("雨量", id=9, agency="交通部中央氣象署\nBcc: spy@example.com", contact_email="not an address",
                   checks=sf.DATASET_PASS, resources=[sf.resource("PDF", checks=BAD_PDF)]),
        sf.dataset("好", id=10, agency="內政部", contact_email="ok@moi.example.gov.tw", checks=sf.DATASET_PASS,
                   resources=[sf.resource("CSV", checks=sf.PASS_ALL)]),
    ])
    rubric = tmp_path / "rubric.yaml"
    assert run(capsys, "rubric", "init", snap, "--out", rubric)[0] == 0
    assert run(capsys, "score", snap, "--rubric", rubric, "--out", tmp_path / "report", "-q")[0] == 0
    return tmp_path / "report"


def failing_resources(report: Path) -> dict[str, set[str]]:
    """agency → keys of its failing resources, from the report's own CSVs."""
    agency = {r["key"]: r["agency"] for r in csv.DictReader((report / "datasets.csv").open(encoding="utf-8-sig", newline=""))}
    out: dict[str, set[str]] = {}
    for f in csv.DictReader((report / "findings.csv").open(encoding="utf-8-sig", newline="")):
        if f["outcome"] == "fail" and f["resource"]:
            out.setdefault(agency[f["dataset"]], set()).add(f["resource"])
    return out


def test_one_notice_per_agency_parses_as_email_and_lists_every_failing_resource(report, tmp_path, capsys):
    out = tmp_path / "notices"
    code, err = run(capsys, "notices", report, "--from", "OCF 研究團隊 <odaudit@example.org>", "--out", out)
    assert code == 0, err
    index = list(csv.DictReader((out / "index.csv").open(encoding="utf-8-sig", newline="")))
    by_agency = {r["agency"]: r for r in index}
    assert by_agency["內政部"]["notice"] == "" and by_agency["內政部"]["note"] == "nothing failing"
    expected = failing_resources(report)
    assert set(expected) == {"經濟部水利署", "交通部中央氣象署\nBcc: spy@example.com"}
    for agency, keys in expected.items():
        row = by_agency[agency]
        md = (out / row["notice"]).read_text(encoding="utf-8")
        raw = (out / row["notice"].replace(".md", ".eml")).read_bytes()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert msg.get_content() .replace("\r\n", "\n") == md
        assert msg["From"].addresses[0].addr_spec == "odaudit@example.org"
        assert msg["Bcc"] is None and msg.get_content_charset() == "utf-8" and msg["Date"] and msg["Message-ID"]
        for key in keys:
            assert md.count(f"`{key}`") == 2, key  # in the Chinese and the English part
        assert "## 如何申覆" in md and "## How to dispute" in md and "disputes:" in md
        assert "To pass:" in md and "改善：" in md
    wra = by_agency["經濟部水利署"]
    msg = email.message_from_bytes((out / wra["notice"].replace(".md", ".eml")).read_bytes(), policy=email.policy.default)
    assert sorted(a.addr_spec for a in msg["To"].addresses) == ["lee@wra.example.gov.tw", "wang@wra.example.gov.tw"]
    assert {a.display_name for a in msg["To"].addresses} == {"王小明", "李大華"}
    text = (out / wra["notice"]).read_text(encoding="utf-8")
    assert "https://data.gov.tw/dataset/41568" in text and "HTTP 404" in text and "no licence stated" in text
    assert "`licence`" in text  # a failing dataset-level check is listed too
    cwb = by_agency["交通部中央氣象署\nBcc: spy@example.com"]
    msg = email.message_from_bytes((out / cwb["notice"].replace(".md", ".eml")).read_bytes(), policy=email.policy.default)
    assert msg["To"] is None and "unusable addresses" in cwb["note"] and "unusable addresses" in err
    assert "\n" not in msg["Subject"] and "Bcc" in msg["Subject"]  # the name stays text in the subject, never a header
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"] == "notices" and manifest["inputs"]["report"]["path"] == str(report)
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert run(capsys, "notices", report, "--from", "OCF 研究團隊 <odaudit@example.org>", "--out", out)[0] == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first  # deterministic, and replaced whole


def test_notices_refuse_what_is_not_a_score_report(report, tmp_path, capsys):
    code, err = run(capsys, "notices", tmp_path / "snap", "--from", "a@example.org", "--out", tmp_path / "n")
    assert code == 2 and "not a report of `odaudit score`" in err
    code, err = run(capsys, "notices", report, "--from", "a@example.org", "--out", report)
    assert code == 2 and "is the report folder itself" in err
    code, err = run(capsys, "notices", report, "--from", "nobody", "--out", tmp_path / "n")
    assert code == 2 and "--from 'nobody': give an e-mail address" in err
    code, err = run(capsys, "notices", report, "--from", "a@example.org", "--out", tmp_path / "snap")
    assert code == 2 and "is an odaudit snapshot" in err
    with (report / "findings.csv").open("a", encoding="utf-8") as fh:
        fh.write("tw:9,雨量,,,link,fail,,,,\n")
    code, err = run(capsys, "notices", report, "--from", "a@example.org", "--out", tmp_path / "n")
    assert code == 2 and "findings.csv: not the file `odaudit score` wrote" in err
    assert not (tmp_path / "n").exists()


def test_a_moved_snapshot_is_found_with_snapshot(report, tmp_path, capsys):
    shutil.move(tmp_path / "snap", tmp_path / "moved")
    code, err = run(capsys, "notices", report, "--from", "a@example.org", "--out", tmp_path / "n")
    assert code == 2 and "give it with --snapshot" in err
    code, err = run(capsys, "notices", report, "--from", "a@example.org", "--snapshot", tmp_path / "moved", "--out", tmp_path / "n")
    assert code == 0, err
