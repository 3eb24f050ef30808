"""The platform section of `odaudit score` (issue 13, part 2): the portal assessed with the 2017
platform survey's questions. Field shares measured from the snapshot's records, with records whose
metadata was not read counted apart (unmeasured is not failed); judged questions answered in the
rubric's `platform:` block, kept by `rubric init --update`; platform.csv, summary.json, report.md
and the site's platform page. Everything through the CLI in a subprocess or `odaudit.cli.main`."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import snapfactory as sf

from odaudit.cli import main

REPO = Path(__file__).resolve().parent.parent
FULL = {"description": "說明", "fields_text": "a、b", "contact_name": "王小明", "contact_phone": "02-1234",
        "notes": "授權說明網址: http://data.gov.tw/license"}
EMPTY = {k: ("" if not isinstance(v, list) else []) for k, v in sf.DEFAULT_META.items()}


def odaudit(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odaudit", *map(str, args)], capture_output=True, text=True, timeout=300, cwd=REPO)


def ok(*args: object) -> None:
    """The CLI in-process (`odaudit.cli.main`): it must succeed."""
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        assert exc.code in (0, None), args


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {r["question"]: r for r in csv.DictReader(fh)}


def planted(root: Path, **kw: object) -> Path:
    """Portal datasets A–E (D's metadata could not be fetched; E came from the API alone, which has
    no 主要欄位說明), a dataset the portal does not know (F), an external and a missing one."""
    ds = [
        sf.dataset("A", id=1, resources=[sf.resource("CSV")], **FULL),
        sf.dataset("B", id=2, **{**FULL, "contact_phone": "", "notes": ""}),
        sf.dataset("C", id=3, resources=[sf.resource("")], **FULL),
        sf.dataset("D", id=4, fetch_status="error", resources=[sf.resource("CSV")], **{**EMPTY, "title": "", "agency": ""}),
        sf.dataset("E", id=5, sources=["api"], resources=[sf.resource("JSON")], **{**FULL, "fields_text": "", "notes": ""}),
        sf.dataset("F", id=6, fetch_status="not_found", **{**EMPTY, "title": "", "agency": ""}),
        sf.dataset("外部", url="https://other.example.gov.tw/x"),
        sf.dataset("未上線"),
    ]
    return sf.build_snapshot(root, ds, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return planted(tmp_path_factory.mktemp("platform") / "snap")


def init(snapshot: Path, rubric: Path) -> Path:
    ok("rubric", "init", snapshot, "--out", rubric)
    return rubric


def answer(rubric: Path, question: str, text: str) -> None:
    """Replace the question's line of the `platform:` block, as a researcher edits it."""
    lines = rubric.read_text(encoding="utf-8").split("\n")
    at = [i for i, ln in enumerate(lines) if ln.startswith(f"  {question}: {{")]
    assert len(at) == 1, question
    lines[at[0]] = f"  {question}: {text}"
    rubric.write_text("\n".join(lines), encoding="utf-8")


def test_field_shares_count_datasets_whose_metadata_was_not_read_as_unmeasured_not_missing(snap: Path, tmp_path: Path) -> None:
    rubric = init(snap, tmp_path / "r.yaml")
    ok("score", snap, "--rubric", rubric, "--out", tmp_path / "out", "-q")
    p = rows(tmp_path / "out" / "platform.csv")
    got = {q: (p[q]["basis"], p[q]["n"], p[q]["measured"], p[q]["not_measured"]) for q in p if q.startswith("field_")}
    # portal datasets A B C D E; D's metadata was not fetched (not measured, never "missing"); F is not the portal's
    assert got["field_title"] == ("measured", "4", "4", "1")
    assert got["field_phone"] == ("measured", "3", "4", "1")  # B has no phone
    assert got["field_columns"] == ("measured", "3", "3", "2")  # E came from the API, which has no 主要欄位說明
    assert got["field_licence_url"] == ("measured", "2", "4", "1")  # data.gov.tw states it in 備註: A and C
    assert got["field_format"] == ("measured", "2", "4", "1")  # B declares no resource, C's format is blank
    assert p["field_phone"]["value"] == "0.7500" and float(p["field_phone"]["score"]) == 75.0
    assert p["licence_terms"]["basis"] == "unanswered" and p["licence_terms"]["answer"] == ""  # never answered by odaudit
    assert "4 of 4 datasets name a licence" in p["licence_terms"]["evidence"]
    assert p["dataset_count"]["basis"] == "not_measured" and "selection" in p["dataset_count"]["evidence"]
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "| `field_phone` Field: contact phone | — | measured | 75.0 % (3 of 4 datasets) | 1 datasets not measured" in report
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["platform"]
    assert summary["questions"]["field_phone"] == {"basis": "measured", "answer": None, "value": 0.75, "n": 3, "measured": 4,
                                                   "not_measured": 1}
    assert summary["score"] is None  # the judged questions are unanswered: no platform score is made up


def test_the_rubric_answers_the_judged_questions_and_they_are_scored_apart(snap: Path, tmp_path: Path) -> None:
    rubric = init(snap, tmp_path / "r.yaml")
    before = tmp_path / "before"
    ok("score", snap, "--rubric", rubric, "--out", before, "-q")
    for q in ("licence_terms", "declaration", "request_channel", "showcases", "search"):
        answer(rubric, q, '{answer: yes, reason: "seen on the portal", reviewer: "研究者甲", source: "https://data.gov.tw/ 2026-12-01"}')
    answer(rubric, "feedback", '{answer: no, reason: "no feedback form", reviewer: "研究者甲"}')
    answer(rubric, "dataset_count", '{value: 51234, source: "the portal home page"}')
    after = tmp_path / "after"
    ok("score", snap, "--rubric", rubric, "--out", after, "-q")
    p = rows(after / "platform.csv")
    assert (p["search"]["basis"], p["search"]["answer"], p["search"]["score"]) == ("judged", "yes", "100.0")
    assert (p["feedback"]["answer"], p["feedback"]["score"]) == ("no", "0.0")
    assert "reviewer: 研究者甲" in p["search"]["source"] and "reason: seen on the portal" in p["search"]["source"]
    assert (p["dataset_count"]["basis"], p["dataset_count"]["value"]) == ("judged", "51234")  # a selection cannot measure it
    scores = [float(r["score"]) for r in p.values() if r["kind"] != "count"]
    summary = json.loads((after / "summary.json").read_text(encoding="utf-8"))
    assert len(scores) == 16 and summary["platform"]["score"] == round(sum(scores) / 16, 2)
    # kept apart: the dataset barometer and every dataset score are what they were without the answers
    old = json.loads((before / "summary.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in summary.items() if k != "platform"} == {k: v for k, v in old.items() if k != "platform"}
    assert (after / "scores.csv").read_bytes() == (before / "scores.csv").read_bytes()


def test_a_platform_answer_without_a_reason_is_refused_naming_the_line(snap: Path, tmp_path: Path) -> None:
    rubric = init(snap, tmp_path / "r.yaml")
    answer(rubric, "search", "{answer: yes}")
    line = 1 + rubric.read_text(encoding="utf-8").split("\n").index("  search: {answer: yes}")
    proc = odaudit("score", snap, "--rubric", rubric, "--out", tmp_path / "out", "-q")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{rubric}:{line}:" in proc.stderr and "reason or a source" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_rubric_init_update_keeps_the_platform_answers_a_researcher_wrote(snap: Path, tmp_path: Path) -> None:
    rubric = init(snap, tmp_path / "r.yaml")
    mine = '{answer: no, value: "", reason: "搜尋只找得到標題", reviewer: "研究者乙", source: "https://data.gov.tw/ 2026-12-02"}'
    answer(rubric, "search", mine)
    before = rubric.read_text(encoding="utf-8")
    ok("rubric", "init", snap, "--out", rubric, "--update")
    text = rubric.read_text(encoding="utf-8")
    assert f"  search: {mine}" in text.split("\n")
    assert text[:text.index("# odaudit:automated-answers:begin")] == before[:before.index("# odaudit:automated-answers:begin")]
    assert "# platform field_phone (measured): 3 of 4 datasets carry it" in text  # the snapshot's evidence, refreshed
    ok("score", snap, "--rubric", rubric, "--out", tmp_path / "out", "-q")
    assert rows(tmp_path / "out" / "platform.csv")["search"]["answer"] == "no"


def test_a_whole_portal_crawl_measures_the_dataset_count(tmp_path: Path) -> None:
    snapshot = planted(tmp_path / "all", catalog_name="all", options={"all": True})
    rubric = init(snapshot, tmp_path / "r.yaml")
    assert 'catalog: "all"' in rubric.read_text(encoding="utf-8")
    answer(rubric, "dataset_count", '{value: "25708", reason: "2017 survey"}')
    ok("score", snapshot, "--rubric", rubric, "--out", tmp_path / "out", "-q")
    row = rows(tmp_path / "out" / "platform.csv")["dataset_count"]
    assert (row["basis"], row["value"], row["n"]) == ("measured", "5", "5")  # A–E; F is not the portal's; measured beats the rubric
    assert "whole-portal crawl" in row["evidence"] and "rubric value: 25708" in row["source"]


def test_replay_of_real_records_field_shares_match_their_export_rows(tmp_path: Path) -> None:
    """The demo replay (real data.gov.tw export rows): each share equals a count made here from the raw rows."""
    ok("crawl", "--catalog", "demo-datagovtw", "--replay", "demo", "--out", tmp_path / "snap", "--check-workers", "0", "-q")
    ok("score", tmp_path / "snap", "--rubric", "demo-datagovtw", "--out", tmp_path / "out", "-q")
    records = [json.loads(ln) for ln in (tmp_path / "snap" / "datasets.jsonl").read_text(encoding="utf-8").splitlines()]
    portal = [r for r in records if r["kind"] == "portal" and r["fetch"]["status"] == "ok" and r["raw"]["export"]]
    assert len(portal) == len(records) > 40
    columns = {"field_title": "資料集名稱", "field_description": "資料集描述", "field_columns": "主要欄位說明", "field_licence": "授權方式",
               "field_cost": "計費方式", "field_agency": "提供機關", "field_contact": "提供機關聯絡人姓名", "field_phone": "提供機關聯絡人電話"}
    p = rows(tmp_path / "out" / "platform.csv")
    for q, col in columns.items():
        n = sum(1 for r in portal if (r["raw"]["export"].get(col) or "").strip())
        assert (p[q]["n"], p[q]["measured"], p[q]["not_measured"]) == (str(n), str(len(portal)), "0"), q
    url = sum(1 for r in portal if "授權說明網址: http" in (r["raw"]["export"].get("備註") or ""))
    assert p["field_licence_url"]["n"] == str(url) and 0 < url < len(portal)
    fmt = sum(1 for r in portal if all(f.strip() for f in (r["raw"]["export"].get("檔案格式") or "").split(";")) and r["resources"])
    assert p["field_format"]["n"] == str(fmt)


def test_the_site_has_a_platform_page_in_both_editions_linked_from_the_overview(snap: Path, tmp_path: Path) -> None:
    rubric = init(snap, tmp_path / "r.yaml")
    ok("score", snap, "--rubric", rubric, "--out", tmp_path / "out", "-q", "--lang", "zh-TW")
    site = tmp_path / "out" / "site"
    for top, page in ((site, "platform.html"), (site / "en", "platform.html")):
        html = (top / page).read_text(encoding="utf-8")
        assert 'id="pq-field_phone"' in html
        assert 'href="platform.html"' in (top / "index.html").read_text(encoding="utf-8")
    assert "75.0 %（4 個資料集中 3 個）" in (site / "platform.html").read_text(encoding="utf-8")
    assert 'href="en/platform.html" hreflang="en"' in (site / "platform.html").read_text(encoding="utf-8")  # the language switch
    assert 'href="../platform.html" hreflang="zh-TW"' in (site / "en" / "platform.html").read_text(encoding="utf-8")
    assert "75.0 % (3 of 4 datasets)" in (site / "en" / "platform.html").read_text(encoding="utf-8")


def test_the_showcase_shows_the_2017_platform_survey_answers_with_their_source() -> None:
    with (REPO / "odaudit" / "data" / "surveys" / "ocf-2017-platform-survey.csv").open(encoding="utf-8", newline="") as fh:
        survey = list(csv.reader(fh))
    header = [h.strip() for h in survey[0]]
    row = dict(zip(header, survey[1], strict=True))
    assert row["連結"] == "http://data.gov.tw/"  # line 2 is data.gov.tw's
    p = rows(REPO / "reports" / "ocf-2017" / "platform.csv")
    assert len(p) == 17
    for q in p.values():
        cell = row[q["survey"]]
        if q["kind"] == "count":
            assert q["value"] == cell == "25708"
        else:
            assert q["answer"] == {"Y": "yes", "N": "no"}[cell] and q["basis"] == "judged"
        assert "reviewer: 小克" in q["source"] and "ocf-2017-platform-survey.csv:2" in q["source"]
    assert p["licence_terms"]["value"] == row["資料授權條款名稱"] and p["request_channel"]["value"] == row["提資料需求連結"]


def test_a_snapshot_without_portal_datasets_has_nothing_measured_and_no_error(tmp_path: Path) -> None:
    """Found by tests/test_rubric_roundtrip.py's property test: only an off-portal and an offline dataset."""
    snapshot = sf.build_snapshot(tmp_path / "snap", [sf.dataset("外部", url="https://other.example.gov.tw/x"), sf.dataset("未上線")])
    rubric = init(snapshot, tmp_path / "r.yaml")
    ok("score", snapshot, "--rubric", rubric, "--out", tmp_path / "out", "-q")
    p = rows(tmp_path / "out" / "platform.csv")
    assert {p[q]["basis"] for q in p if q.startswith("field_")} == {"not_measured"}
    assert p["field_title"]["measured"] == "0" and p["field_title"]["score"] == ""
