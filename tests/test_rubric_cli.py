"""`odaudit rubric import|init|check`, and a published survey sheet scored end to end without a snapshot."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import snapfactory as sf
from typer.testing import CliRunner

from odaudit.catalog import load_catalog
from odaudit.cli import app, main
from odaudit.errors import InputError
from odaudit.scoring.importer import import_survey
from odaudit.scoring.rubric import load_rubric

FIX = Path(__file__).parent / "fixtures" / "surveys"
SHEET = FIX / "ocf-2016-dataset-survey-sample.csv"
CATALOG = FIX / "ocf-2017-catalog.yaml"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def run_main(capsys, *args: str) -> tuple[int, str]:
    """Through odaudit.cli.main, which maps errors to exit codes and one-line messages."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err.replace("\n", "")


@pytest.fixture
def work(tmp_path: Path) -> Path:
    shutil.copy(CATALOG, tmp_path / "catalog.yaml")
    return tmp_path


def restrict_catalog(path: Path, refs: set[str]) -> None:
    """Keep only the catalog entries a rubric answers (by key or portal id)."""
    cat = load_catalog(path)
    keep = {id(d) for _c, d, _p, key in cat.keyed_entries() if key in refs or (d.id and d.id in refs)}
    doc = cat.model_dump(mode="json", exclude_none=True)
    for c_doc, c in zip(doc["categories"], cat.categories, strict=True):
        c_doc["datasets"] = [dd for dd, d in zip(c_doc["datasets"], c.datasets, strict=True) if id(d) in keep]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")  # JSON is YAML 1.2


def test_import_published_sheet_and_score_without_snapshot(work, capsys):
    res = invoke("rubric", "import", str(SHEET), "--catalog", str(work / "catalog.yaml"), "--out", str(work / "survey.yaml"))
    assert res.exit_code == 0, res.output
    assert "column 6 '1.資料是否存在 YES=1; NO=0' -> exists" in res.stderr
    assert "column 15 '10.是否是關聯性資料(linked data)' -> linked" in res.stderr
    assert "41 of 41 rows matched" in res.stderr
    text = (work / "survey.yaml").read_text(encoding="utf-8")
    assert 'catalog: "catalog.yaml"' in text
    check = invoke("rubric", "check", str(work / "survey.yaml"))
    assert check.exit_code == 0 and "ok:" in check.stdout and "0 of 15 judged items answered" in check.stdout

    # The sample answers 41 of the catalog's 89 datasets: without a snapshot the other 48 would score
    # a silent 0, so scoring is refused and they are named.
    code, err = run_main(capsys, "score", "--rubric", str(work / "survey.yaml"), "--out", str(work / "out"), "-q")
    assert code == 2 and "48 of 89 datasets have none" in err and "(ext:" in err and not (work / "out").exists()
    restrict_catalog(work / "catalog.yaml", set(load_rubric(work / "survey.yaml").datasets))
    res = invoke("score", "--rubric", str(work / "survey.yaml"), "--out", str(work / "out"), "-q")
    assert res.exit_code == 0, res.output
    rows = {r["id"]: r for r in csv.DictReader(open(work / "out" / "scores.csv", encoding="utf-8-sig"))}
    # 0.1 法律: 法律/命令資料檔 (one URL, two datasets) 1,1,1,1,1,0,1,1,1,0 = 80 each; 法規草案 1,0,0,0,1,0,1,1,0,0 = 35
    assert float(rows["implementation/0.1"]["score"]) == pytest.approx((80 + 80 + 35) / 3)
    assert float(rows["tw:13119"]["score"]) == 95  # 中選會選舉資料庫: all yes but linked
    assert rows["barometer"]["score"] == ""  # readiness and impact are not judged in a dataset survey
    report = (work / "out" / "report.md").read_text(encoding="utf-8")
    assert "no snapshot: every answer is from the rubric" in report and "## Quantity" not in report
    answers = list(csv.DictReader(open(work / "out" / "answers.csv", encoding="utf-8-sig")))
    law = [a for a in answers if a["name"] == "法規草案" and a["question"] == "online"][0]
    assert law["answer"] == "no" and law["source"] == "manual" and "line 5, reviewer 克" in law["reason"]
    assert not (work / "out" / "chart-quality.svg").exists()


def test_import_variants(work):
    res = import_survey(FIX / "variants.csv", load_catalog(CATALOG), catalog_ref="catalog.yaml")
    roles = [c.role for c in res.columns]
    assert roles[:3] == ["name", "url", "category"] and roles[3:13] == [
        "exists", "online", "machine_readable", "bulk", "free", "open_licence", "up_to_date", "sustained", "findable", "linked"]
    assert res.rows == 4 and res.matched == 3
    assert len(res.unmatched) == 1 and "variants.csv:5:" in res.unmatched[0]
    assert any("variants.csv:2: the sheet's 分數 85 differs from the flat score of its answers (80)" in w for w in res.warnings)
    assert not any(":3:" in w for w in res.warnings)  # 95 is right
    (work / "v.yaml").write_text(res.text, encoding="utf-8")
    r = load_rubric(work / "v.yaml")
    assert r.datasets["13119"].answers["open_licence"].answer is False
    assert r.datasets["8411"].answers["linked"].answer is False
    none_key = [k for k in r.datasets if k.startswith("none:")][0]
    prosecution = r.datasets[none_key]
    assert prosecution.answers["exists"].answer is True and prosecution.answers["online"].answer is False
    assert "bulk" not in prosecution.answers  # blank: left unanswered
    assert "checked by hand, 2026" in r.datasets["13119"].answers["free"].reason
    assert "unanswered: machine_readable, bulk" in res.text


def test_import_bad_answer(tmp_path):
    sheet = tmp_path / "bad.csv"
    sheet.write_text("資料集名稱,1. 存在,2. 線上\n中選會選舉資料庫,1,maybe\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.csv:2:3: online: answer 'maybe'"):
        import_survey(sheet, load_catalog(CATALOG), catalog_ref="x")


def test_import_needs_columns(tmp_path, capsys):
    sheet = tmp_path / "bad.csv"
    sheet.write_text("foo,bar\n1,2\n", encoding="utf-8")
    code, err = run_main(capsys, "rubric", "import", str(sheet), "--catalog", str(CATALOG))
    assert code == 2 and "bad.csv:1:1: no dataset column" in err


def test_init_prefills_and_checks(tmp_path):
    ds = [sf.dataset("好", id=100, category="1.1", checks=sf.DATASET_PASS, resources=[sf.resource(checks=sf.PASS_ALL)]),
          sf.dataset("外", url="https://x.example.gov.tw/a", category="1.1")]
    snap = sf.build_snapshot(tmp_path / "snap", ds)
    out = tmp_path / "init.yaml"
    res = invoke("rubric", "init", str(snap), "--out", str(out), "--catalog", str(snap / "catalog.yaml"))
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert "#   machine_readable: yes (format pass #0; machine_readable pass #0; structure pass #0)" in text
    assert "off the portal: scored from manual answers only" in text
    check = invoke("rubric", "check", str(out))
    assert check.exit_code == 0, check.output
    r = load_rubric(out)
    ext = [k for k in r.datasets if k.startswith("ext:")]
    assert len(ext) == 1 and all(a.answer is None for a in r.datasets[ext[0]].answers.values())
    scored = invoke("score", str(snap), "--rubric", str(out), "--out", str(tmp_path / "o"), "-q")
    assert scored.exit_code == 0, scored.output


def test_init_with_only_portal_datasets(tmp_path):
    snap = sf.build_snapshot(tmp_path / "snap", [sf.dataset("好", id=100, checks=sf.DATASET_PASS, resources=[sf.resource(checks=sf.PASS_ALL)])])
    out = tmp_path / "init.yaml"
    assert invoke("rubric", "init", str(snap), "--out", str(out), "--catalog", str(snap / "catalog.yaml")).exit_code == 0
    assert "datasets: {}" in out.read_text(encoding="utf-8")
    assert invoke("rubric", "check", str(out)).exit_code == 0


def test_check_reports_errors_with_position(tmp_path, capsys):
    p = tmp_path / "r.yaml"
    p.write_text(f'name: x\ncatalog: "{CATALOG}"\nmethod: flat\nweights: {{readiness: 0, implementation: 1, impact: 0}}\n'
                 'datasets:\n  "13119":\n    answers:\n      free: {answer: no}\n', encoding="utf-8")
    code, err = run_main(capsys, "rubric", "check", str(p))
    assert code == 2 and f"{p}:8:7: datasets.13119.answers.free: a manual answer needs a reason" in err


def test_the_shipped_ocf_2016_survey_rubric_is_what_import_writes(tmp_path):
    """odaudit/data/rubrics/ocf-2016-survey.yaml is the bundled OCF survey sheet, imported as its README says."""
    data = Path(__file__).resolve().parent.parent / "odaudit" / "data"
    out = tmp_path / "ocf-2016-survey.yaml"
    res = invoke("rubric", "import", str(data / "surveys" / "ocf-2016-dataset-survey.csv"), "--catalog", "ocf-2017",
                 "--name", "ocf-2016-survey", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "89 of 89 rows matched" in res.stderr
    assert out.read_bytes() == (data / "rubrics" / "ocf-2016-survey.yaml").read_bytes()
