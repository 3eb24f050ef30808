"""`rubric merge`: agreement as an independent computation (the `krippendorff` package) gives it,
disagreements listed with who said what, resolution rules, refusals, and the score report's section."""

from __future__ import annotations

import csv
import json
import math
import random
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from odaudit.cli import main
from odaudit.scoring.questions import QUESTION_IDS
from odaudit.scoring.rubric import load_rubric

DATASETS = [str(i) for i in range(1, 9)]
ITEMS = ["i1", "i2", "i3", "i4", "i5"]


def run(capsys, *args: object) -> tuple[int, str]:
    try:
        main([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


def rubric_doc(answers: dict[str, dict[str, bool]], scores: dict[str, float | None], **over) -> dict:
    doc = {"version": 1, "name": "mini", "catalog": "catalog.yaml", "method": "flat",
           "weights": {"readiness": 0.3, "implementation": 0.5, "impact": 0.2},
           "readiness": {"components": [{"id": "r", "name": "R", "items": [{"id": i, "name": i.upper(), "score": scores.get(i)} for i in ITEMS[:3]]}]},
           "impact": {"components": [{"id": "m", "name": "M", "items": [{"id": i, "name": i.upper(), "score": scores.get(i)} for i in ITEMS[3:]]}]},
           "datasets": {k: {"answers": {q: {"answer": "yes" if v else "no", "reason": f"because {q} {k}"} for q, v in a.items()}}
                        for k, a in answers.items()}}
    doc.update(over)
    return doc


@pytest.fixture
def panel(tmp_path: Path):
    """Three reviewers' rubrics with seeded, partly missing, partly disagreeing answers; and what each said."""
    cat = {"name": "mini", "title": "Mini", "portal": "https://data.gov.tw", "method": "test",
           "categories": [{"id": "1", "name": "One", "datasets": [{"name": f"資料{k}", "id": k} for k in DATASETS]}]}
    (tmp_path / "catalog.yaml").write_text(json.dumps(cat, ensure_ascii=False), encoding="utf-8")
    rng = random.Random(12)
    said: dict[str, tuple[dict, dict]] = {}
    truth = {(k, q): rng.random() < 0.6 for k in DATASETS for q in QUESTION_IDS}
    for name in ("ann", "bo", "chen"):
        answers = {k: {q: (truth[k, q] if rng.random() < 0.8 else not truth[k, q]) for q in QUESTION_IDS if rng.random() < 0.85}
                   for k in DATASETS}
        scores = {i: float(rng.choice([5, 6, 7, 7.5, 8])) if rng.random() < 0.9 else None for i in ITEMS}
        said[name] = (answers, scores)
        (tmp_path / f"{name}.yaml").write_text(json.dumps(rubric_doc(answers, scores), ensure_ascii=False), encoding="utf-8")
    return tmp_path, said


def expected(said, units, value_of, level) -> tuple[int, float | None, float | None]:
    """(pairable units, percent on which all agree, alpha from the krippendorff package)."""
    names = list(said)
    matrix = np.array([[value_of(said[n], u) for u in units] for n in names], dtype=float)
    cols = [c for c in range(len(units)) if np.sum(~np.isnan(matrix[:, c])) >= 2]
    if not cols:
        return 0, None, None
    agree = sum(1 for c in cols if len(set(matrix[~np.isnan(matrix[:, c]), c])) == 1)
    try:
        a = float(krippendorff.alpha(reliability_data=matrix[:, cols], level_of_measurement=level))
    except ValueError:  # one value in the whole domain: alpha is undefined
        a = math.nan
    return len(cols), 100 * agree / len(cols), None if math.isnan(a) else a


def answer_of(s, unit):
    k, q = unit
    v = s[0].get(k, {}).get(q)
    return np.nan if v is None else float(v)


def test_agreement_matches_an_independent_computation(panel, capsys):
    tmp, said = panel
    code, err = run(capsys, "rubric", "merge", tmp / "ann.yaml", tmp / "bo.yaml", tmp / "chen.yaml", "--out", tmp / "m" / "merged.yaml")
    assert code == 0, err
    with (tmp / "m" / "merged.agreement.csv").open(encoding="utf-8-sig") as fh:
        rows = {r["question"]: r for r in csv.DictReader(fh)}
    assert list(rows) == [*QUESTION_IDS, "judged", "all"]
    cases = {q: ([(k, q) for k in DATASETS], answer_of, "nominal") for q in QUESTION_IDS}
    cases["judged"] = (ITEMS, lambda s, i: np.nan if s[1].get(i) is None else s[1][i], "interval")
    cases["all"] = ([(k, q) for k in DATASETS for q in QUESTION_IDS], answer_of, "nominal")
    defined = 0
    for q, (units, value_of, level) in cases.items():
        n, pa, a = expected(said, units, value_of, level)
        row = rows[q]
        assert int(row["items"]) == n, q
        assert (row["percent_agreement"] == "") == (pa is None) and (pa is None or abs(float(row["percent_agreement"]) - pa) < 1e-5), q
        assert (row["alpha"] == "") == (a is None), (q, row, a)
        if a is not None:
            assert abs(float(row["alpha"]) - a) < 1e-5, (q, row["alpha"], a)
            defined += 1
        assert int(row["reviewers"]) == 3
    assert defined >= 10  # the panel disagrees enough for alpha to be defined almost everywhere
    merged = load_rubric(tmp / "m" / "merged.yaml")
    assert merged.merged.reviewers == ["ann", "bo", "chen"] and merged.merged.resolve == "unresolved"
    assert [a.question for a in merged.merged.agreement] == list(rows)


def test_disagreements_are_listed_and_resolved_by_the_rule(panel, capsys):
    tmp, said = panel
    files = [tmp / f"{n}.yaml" for n in said]
    code, err = run(capsys, "rubric", "merge", *files, "--resolve", "majority", "--out", tmp / "maj.yaml")
    assert code == 0, err
    merged = load_rubric(tmp / "maj.yaml")
    with (tmp / "maj.disagreements.csv").open(encoding="utf-8-sig") as fh:
        dis = list(csv.DictReader(fh))
    n_unresolved = 0
    for k in DATASETS:
        for q in QUESTION_IDS:
            votes = [(n, s[0][k][q]) for n, s in said.items() if q in s[0].get(k, {})]
            if not votes:
                continue
            got = merged.datasets[k].answers[q]
            for n, v in votes:  # who said what is recorded in the merged rubric
                assert f"{n}: {'yes' if v else 'no'} (because {q} {k})" in got.reason
            values = [v for _, v in votes]
            if len(set(values)) == 1:
                assert got.answer == values[0]
                continue
            rows = [r for r in dis if (r["unit"], r["question"]) == (k, q)]
            assert {(r["reviewer"], r["answer"], r["reason"]) for r in rows} == {(n, "yes" if v else "no", f"because {q} {k}") for n, v in votes}
            if values.count(True) == values.count(False):
                assert got.answer is None and rows[0]["resolution"] == "unresolved"
                n_unresolved += 1
                assert f"unresolved, left unanswered: {k} {q}:" in err
            else:
                assert got.answer == (values.count(True) > values.count(False)) and rows[0]["resolution"] == "majority"
    assert merged.merged.unresolved >= n_unresolved > 0
    assert "disagreement: " in err


def test_first_and_adjudicator(panel, capsys):
    tmp, said = panel
    files = [tmp / f"{n}.yaml" for n in said]
    adj = rubric_doc({"1": dict.fromkeys(QUESTION_IDS, True)}, {"i1": 10.0})
    (tmp / "judge.yaml").write_text(json.dumps(adj), encoding="utf-8")
    assert run(capsys, "rubric", "merge", *files, "--resolve", "first", "--adjudicator", tmp / "judge.yaml", "--out", tmp / "f.yaml")[0] == 0
    m = load_rubric(tmp / "f.yaml")
    for q in QUESTION_IDS:
        votes = [s[0]["1"][q] for s in said.values() if q in s[0].get("1", {})]
        if len(set(votes)) > 1:
            assert m.datasets["1"].answers[q].answer is True and "adjudicator judge" in m.datasets["1"].answers[q].reason
    for k in DATASETS[1:]:
        for q in QUESTION_IDS:
            votes = [(n, s[0][k][q]) for n, s in said.items() if q in s[0].get(k, {})]
            if votes:
                assert m.datasets[k].answers[q].answer == votes[0][1]
    assert m.merged.resolve == "adjudicator judge, else first"


def test_different_catalogs_or_question_sets_are_refused(panel, capsys):
    tmp, _said = panel
    other = json.loads((tmp / "bo.yaml").read_text(encoding="utf-8"))
    other["points"] = {"exists": 10, "online": 5}
    (tmp / "pts.yaml").write_text(json.dumps(other), encoding="utf-8")
    code, err = run(capsys, "rubric", "merge", tmp / "ann.yaml", tmp / "pts.yaml", "--out", tmp / "x.yaml")
    assert code == 2 and "pts.yaml: points differ from" in err and not (tmp / "x.yaml").exists()
    other = json.loads((tmp / "bo.yaml").read_text(encoding="utf-8"))
    other["impact"]["components"][0]["items"].pop()
    (tmp / "items.yaml").write_text(json.dumps(other), encoding="utf-8")
    code, err = run(capsys, "rubric", "merge", tmp / "ann.yaml", tmp / "items.yaml", "--out", tmp / "x.yaml")
    assert code == 2 and "items.yaml: impact items differ" in err
    other = json.loads((tmp / "bo.yaml").read_text(encoding="utf-8"))
    other["catalog"] = "ocf-2017"
    other["datasets"] = {}
    (tmp / "cat.yaml").write_text(json.dumps(other), encoding="utf-8")
    code, err = run(capsys, "rubric", "merge", tmp / "ann.yaml", tmp / "cat.yaml", "--out", tmp / "x.yaml")
    assert code == 2 and "cat.yaml: catalog 'ocf-2017' is not the catalog of" in err
    code, err = run(capsys, "rubric", "merge", tmp / "ann.yaml", tmp / "bo.yaml", "--resolve", "vote", "--out", tmp / "x.yaml")
    assert code == 2 and "--resolve vote" in err


def test_the_score_report_shows_agreement_and_what_it_means(panel, capsys):
    tmp, said = panel
    assert run(capsys, "rubric", "merge", *[tmp / f"{n}.yaml" for n in said], "--resolve", "majority", "--out", tmp / "m.yaml")[0] == 0
    # Every dataset needs an answer to score without a snapshot; the panel answers them all.
    for lang, title, means in (("en", "## Agreement between reviewers", "**What it means.**"), ("zh-TW", "## 評閱者之間的一致性", "**代表什麼。**")):
        code, err = run(capsys, "score", "--rubric", tmp / "m.yaml", "--out", tmp / f"r-{lang}", "--lang", lang, "-q")
        assert code == 0, err
        report = (tmp / f"r-{lang}" / "report.md").read_text(encoding="utf-8")
        assert title in report and means in report and "ann, bo, chen" in report
        assert (tmp / f"r-{lang}" / "agreement.csv").read_text(encoding="utf-8") == (tmp / "m.agreement.csv").read_text(encoding="utf-8")
