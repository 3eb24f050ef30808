"""Long survey sheets (one row per answer, as the Open Data Barometer publishes its raw data): imported
per place, they give exactly the dataset scores of the Barometer's reference scoring, `dataScore()` in
the Web Foundation's odb2014.r, computed here independently from the formula as published."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from odaudit.cli import main

SHEET = Path(__file__).parent / "fixtures" / "surveys" / "odb-long-sample.csv"
PLACES = ("Arcadia", "Borduria", "Carpania", "Dorne", "Elbonia")


def run(capsys, *args: object) -> tuple[int, str]:
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def data_score(a, b, c, d, e, f, g, h, i, j) -> int:
    """dataScore() of odb2014.r (TheWebFoundation/odb2014-analysis), transcribed branch for branch."""
    score = 0
    if a:
        score = 5
        if b:
            score += 10
            if not g:  # lose five points for not being timely
                score -= 5
            if c:
                score += 15
                if d:
                    score += 15
                if e:
                    score += 15
                if f:
                    score += 15
                if g:
                    score += 10
                if h:
                    score += 5
                if i:
                    score += 5
                if j:
                    score += 5
    return score


def expected_scores(place: str) -> dict[str, int]:
    """D-code → dataScore() from the sheet's raw rows (R reads 0/1 responses; a question it never reaches may be absent)."""
    answers: dict[str, dict[str, int]] = {}
    with SHEET.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            qid = row["Question ID"].split(".")
            if row["Country"] == place and len(qid) == 4 and qid[2].startswith("D"):
                answers.setdefault(qid[2], {})[qid[3]] = int(row["Response"])
    return {code: data_score(*(a.get(x, 0) for x in "abcdefghij")) for code, a in answers.items()}


@pytest.mark.parametrize("place", PLACES)
def test_imported_place_scores_as_data_score(tmp_path, capsys, place):
    rubric = tmp_path / "r.yaml"
    code, err = run(capsys, "rubric", "import", SHEET, "--place", place, "--out", rubric)
    assert code == 0, err
    assert "not dataset checklist answers and were not imported (ODB.2013.C1, ODB.2013.I1)" in err
    code, err = run(capsys, "score", "--rubric", rubric, "--out", tmp_path / "report", "-q")
    assert code == 0, err
    with (tmp_path / "report" / "datasets.csv").open(encoding="utf-8-sig") as fh:
        got = {row["name"].split()[0]: float(row["score"]) for row in csv.DictReader(fh)}
    want = expected_scores(place)
    assert len(want) == 15 and got == {k: float(v) for k, v in want.items()}
    assert len(set(want.values())) > 3  # the sample exercises many branches, not one


def test_a_sheet_of_several_places_needs_place(tmp_path, capsys):
    code, err = run(capsys, "rubric", "import", SHEET)
    assert code == 2 and "holds 5 places (Arcadia, Borduria" in err and "--place" in err
    code, err = run(capsys, "rubric", "import", SHEET, "--place", "Atlantis")
    assert code == 2 and "--place Atlantis: no row of that place" in err


@pytest.mark.parametrize(("change", "says"), [
    (lambda rows: rows[0].append("Comment"), "row 1, column 7: column 'Comment' is not a column of a long sheet"),
    (lambda rows: rows[3].__setitem__(2, "maybe"), "row 4, column 3: ODB.2013.D1.a: answer 'maybe'"),
    (lambda rows: rows[3].__setitem__(1, "ODB.2013.D1.k"), "row 4, column 2: question 'ODB.2013.D1.k': the checklist letters are a-j"),
    (lambda rows: rows[3].__setitem__(1, "ODB.2013.D3.a"), "row 4, column 2: dataset D3 is not in catalog odb-2014"),
    (lambda rows: rows.append(list(rows[3])), "ODB.2013.D1.a for Arcadia is also on row 4"),
], ids=["extra-column", "bad-response", "bad-letter", "unknown-dataset", "duplicate"])
def test_bad_long_sheets(tmp_path, capsys, change, says):
    rows = list(csv.reader(SHEET.open(encoding="utf-8", newline="")))
    change(rows)
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    code, err = run(capsys, "rubric", "import", bad, "--place", "Arcadia", "--out", tmp_path / "x.yaml")
    assert code == 2 and says in err, err
    assert not (tmp_path / "x.yaml").exists()


def test_a_question_data_score_reads_but_the_sheet_lacks_is_warned(tmp_path, capsys):
    rows = [r for r in csv.reader(SHEET.open(encoding="utf-8", newline=""))
            if not (r[0] == "Arcadia" and r[1] == "ODB.2013.D12.g")]
    bad = tmp_path / "gap.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    code, err = run(capsys, "rubric", "import", bad, "--place", "Arcadia", "--out", tmp_path / "x.yaml")
    assert code == 0 and "Arcadia, D12 Primary and secondary education performance: up_to_date unanswered where dataScore() reads them; counted as no" in err
