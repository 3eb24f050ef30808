"""`rubric export` → a reviewer's sheet → `rubric import`: lossless, protected, strict about bad cells."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest
import snapfactory as sf

from odaudit.cli import main
from odaudit.scoring.rubric import load_rubric


def run(capsys, *args: str) -> tuple[int, str]:
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def ok(capsys, *args: str) -> str:
    code, err = run(capsys, *args)
    assert code == 0, err
    return err


@pytest.fixture
def reviewed(tmp_path: Path, capsys) -> tuple[Path, Path]:
    """A snapshot, and a rubric with manual answers (one overriding a finding), judged scores and links."""
    snap = sf.build_snapshot(tmp_path / "snap", [
        sf.dataset("水庫", id=41568, category="1.1", checks=sf.DATASET_PASS,
                   resources=[sf.resource("CSV", checks=sf.PASS_ALL), sf.resource("PDF", checks={"link": "pass", "format": ("fail", "PDF", "not machine-readable")})]),
        sf.dataset("雨量", id=9, category="1.2", checks={**sf.DATASET_PASS, "licence": ("fail", "", "no licence stated")},
                   resources=[sf.resource("XML", checks=sf.PASS_ALL)]),
        sf.dataset("外部", url="https://x.example.gov.tw/a", category="1.2"),
    ])
    rubric = tmp_path / "rubric.yaml"
    ok(capsys, "rubric", "init", snap, "--out", rubric)
    text = rubric.read_text(encoding="utf-8")
    text = text.replace("score: null", "score: 6.5", 3).replace("score: null", "score: 10", 1)
    text = text.replace('evidence: ""', 'evidence: "=1+1 is text, \'quoted\'"', 1).replace("links: []", 'links: ["https://a.example/x", "https://b.example/y"]', 1)
    text = re.sub(r'exists: \{answer: null, reason: ""\}', 'exists: {answer: yes, reason: "found it", evidence: ["https://x.example.gov.tw/a"]}', text)
    text = re.sub(r'online: \{answer: null, reason: ""\}', 'online: {answer: no, reason: "- login needed\\n(second line)"}', text)
    text = text.replace("datasets:\n", 'datasets:\n  "9":\n    name: 雨量\n    note: "checked by hand"\n'
                        '    answers:\n      open_licence: {answer: yes, reason: "licence page exists"}\n', 1)
    rubric.write_text(text, encoding="utf-8")
    load_rubric(rubric)
    return snap, rubric


def score_files(capsys, rubric: Path, snap: Path, out: Path) -> dict[str, bytes]:
    ok(capsys, "score", snap, "--rubric", rubric, "--out", out, "-q")
    return {f: (out / f).read_bytes() for f in ("datasets.csv", "scores.csv", "answers.csv")}


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_then_import_scores_the_same(reviewed, tmp_path, capsys, suffix):
    snap, rubric = reviewed
    sheet = tmp_path / "sheets" / f"reviewer{suffix}"
    ok(capsys, "rubric", "export", rubric, "--snapshot", snap, "--out", sheet)
    back = tmp_path / "back" / "rubric.yaml"
    ok(capsys, "rubric", "import", sheet, "--out", back)
    before = score_files(capsys, rubric, snap, tmp_path / "r1")
    after = score_files(capsys, back, snap, tmp_path / "r2")
    assert before == after
    a, b = load_rubric(rubric), load_rubric(back)
    assert a.readiness == b.readiness and a.impact == b.impact and a.points == b.points
    assert b.datasets["9"].note == "checked by hand"
    assert b.resolve_catalog() == a.resolve_catalog()  # the catalog path is re-pointed from the new folder


def test_the_xlsx_protects_prefilled_columns_and_validates_answers(reviewed, tmp_path, capsys):
    snap, rubric = reviewed
    sheet = tmp_path / "r.xlsx"
    ok(capsys, "rubric", "export", rubric, "--snapshot", snap, "--out", sheet)
    wb = openpyxl.load_workbook(sheet)
    ws = wb["datasets"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "41568")
    cells = dict(zip(header, row, strict=True))
    assert ws.protection.sheet and wb["judged"].protection.sheet and wb["rubric"].protection.sheet
    assert cells["machine_readable.auto"].value == "yes" and "format" in cells["machine_readable.evidence"].value
    assert cells["machine_readable.auto"].protection.locked and cells["key"].protection.locked
    assert not cells["machine_readable.answer"].protection.locked and not cells["machine_readable.reason"].protection.locked
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists and all(dv.formula1 == '"yes,no"' for dv in lists)
    assert {str(r).split(":")[0][:-1] for dv in lists for r in dv.sqref.ranges} == {
        openpyxl.utils.get_column_letter(header.index(f"{q}.answer") + 1) for q in ("exists", "online", "machine_readable", "bulk", "free",
                                                                                      "open_licence", "up_to_date", "sustained", "findable", "linked")}
    judged = wb["judged"].data_validations.dataValidation
    assert [(dv.type, dv.formula1, dv.formula2) for dv in judged] == [("decimal", "0", "10")]
    # The reviewer answers and judges; import brings it back.
    cells["machine_readable.answer"].value = "no"
    cells["machine_readable.reason"].value = "the CSV is a scanned table"
    wb["judged"]["G2"].value = 3
    wb.save(sheet)
    back = tmp_path / "back.yaml"
    ok(capsys, "rubric", "import", sheet, "--out", back)
    r = load_rubric(back)
    ans = r.datasets["41568"].answers["machine_readable"]
    assert (ans.answer, ans.reason) == (False, "the CSV is a scanned table")
    assert r.readiness.components[0].items[0].score == 3


def _xlsx(tmp_path: Path, capsys, rubric: Path, snap: Path) -> Path:
    sheet = tmp_path / "bad.xlsx"
    ok(capsys, "rubric", "export", rubric, "--snapshot", snap, "--out", sheet, "--force")
    return sheet


def _col(ws, name: str) -> int:
    return [c.value for c in ws[1]].index(name) + 1


def _edit_rename(ws):
    ws.cell(1, _col(ws, "online.reason")).value = "online reason"


def _edit_missing(ws):
    ws.delete_cols(_col(ws, "linked.links"))


def _edit_extra(ws):
    ws.cell(1, ws.max_column + 1).value = "my notes"


def _edit_merged(ws):
    ws.merge_cells(start_row=2, start_column=_col(ws, "exists.reason"), end_row=3, end_column=_col(ws, "exists.reason"))


def _edit_formula(ws):
    ws.cell(2, _col(ws, "free.reason")).value = "=A1"


def _edit_date(ws):
    ws.cell(3, _col(ws, "bulk.answer")).value = dt.datetime(2017, 3, 1)


def _edit_maybe(ws):
    ws.cell(2, _col(ws, "bulk.answer")).value = "maybe"
    ws.cell(2, _col(ws, "bulk.reason")).value = "why"


def _edit_no_reason(ws):
    ws.cell(3, _col(ws, "free.answer")).value = "yes"


@pytest.mark.parametrize(("edit", "where", "says"), [
    (_edit_rename, "sheet datasets, row 1, column", "'online reason' where 'online.reason' was written"),
    (_edit_missing, "sheet datasets, row 1, column", "missing column 'linked.links'"),
    (_edit_extra, "sheet datasets, row 1, column", "extra column 'my notes'"),
    (_edit_merged, "sheet datasets, row 2, column", "merged cells"),
    (_edit_formula, "sheet datasets, row 2, column", "a formula"),
    (_edit_date, "sheet datasets, row 3, column", "a date or time"),
    (_edit_maybe, "sheet datasets, row 2, column", "answer 'maybe'"),
    (_edit_no_reason, "sheet datasets, row 3, column", "an answer needs a reason"),
], ids=["renamed", "missing", "extra", "merged", "formula", "date", "maybe", "no-reason"])
def test_bad_cells_are_refused_naming_sheet_row_and_column(reviewed, tmp_path, capsys, edit, where, says):
    snap, rubric = reviewed
    sheet = _xlsx(tmp_path, capsys, rubric, snap)
    wb = openpyxl.load_workbook(sheet)
    edit(wb["datasets"])
    wb.save(sheet)
    code, err = run(capsys, "rubric", "import", sheet, "--out", tmp_path / "x.yaml")
    assert code == 2, err
    assert where in err and says in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.yaml").exists()


def test_a_judged_score_outside_0_10_is_refused(reviewed, tmp_path, capsys):
    snap, rubric = reviewed
    sheet = _xlsx(tmp_path, capsys, rubric, snap)
    wb = openpyxl.load_workbook(sheet)
    wb["judged"]["G3"].value = 11
    wb.save(sheet)
    code, err = run(capsys, "rubric", "import", sheet)
    assert code == 2 and "sheet judged, row 3, column G (score): score '11' is outside 0-10" in err


def test_csv_sheet_bad_cells(reviewed, tmp_path, capsys):
    snap, rubric = reviewed
    sheet = tmp_path / "r.csv"
    ok(capsys, "rubric", "export", rubric, "--snapshot", snap, "--out", sheet)
    rows = list(csv.reader(sheet.open(encoding="utf-8-sig")))
    rows[1][rows[0].index("up_to_date.answer")] = "2017-03-01"
    rows[1][rows[0].index("up_to_date.reason")] = "typed a date"
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    code, err = run(capsys, "rubric", "import", sheet)
    assert code == 2 and f"sheet {sheet.name}, row 2, column" in err and "'2017-03-01'" in err
    rows[1][rows[0].index("up_to_date.answer")] = "=1"
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    code, err = run(capsys, "rubric", "import", sheet)
    assert code == 2 and "looks like a formula" in err
    (tmp_path / "r.judged.csv").unlink()
    code, err = run(capsys, "rubric", "import", sheet)
    assert code == 2 and "r.judged.csv: no such file" in err


def test_export_refuses_an_existing_sheet(reviewed, tmp_path, capsys):
    _snap, rubric = reviewed
    (tmp_path / "s.rubric.csv").write_text("mine", encoding="utf-8")
    code, err = run(capsys, "rubric", "export", rubric, "--out", tmp_path / "s.csv")
    assert code == 2 and "s.rubric.csv: exists" in err
    assert (tmp_path / "s.rubric.csv").read_text(encoding="utf-8") == "mine"


def test_the_xlsx_is_byte_identical_run_to_run(tmp_path, capsys):
    ok(capsys, "rubric", "export", "ocf-2016-survey", "--out", tmp_path / "a.xlsx")
    ok(capsys, "rubric", "export", "ocf-2016-survey", "--out", tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
