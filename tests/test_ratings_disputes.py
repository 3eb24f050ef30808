"""`score --ratings` (the public's ratings per judged item) and `score --disputes` (publishers'
disputes, accepted ones acting as overrides): in the report, its CSVs and the scores."""

from __future__ import annotations

import csv
import statistics
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


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def scored(tmp_path: Path, capsys) -> tuple[Path, Path]:
    snap = sf.build_snapshot(tmp_path / "snap", [
        sf.dataset("水庫", id=41568, category="1.1", agency="經濟部水利署", checks=sf.DATASET_PASS,
                   resources=[sf.resource("PDF", checks={"link": "pass", "format": ("fail", "PDF", "not machine-readable")})]),
        sf.dataset("雨量", id=9, category="1.1", agency="交通部中央氣象署", checks={**sf.DATASET_PASS, "licence": ("fail", "", "no licence stated")},
                   resources=[sf.resource("CSV", checks=sf.PASS_ALL)]),
    ])
    rubric = tmp_path / "rubric.yaml"
    assert run(capsys, "rubric", "init", snap, "--out", rubric)[0] == 0
    text = rubric.read_text(encoding="utf-8").replace("score: null", "score: 6", 1)
    rubric.write_text(text, encoding="utf-8")
    return snap, rubric


def test_ratings_appear_per_item_with_mean_n_spread_and_groups(scored, tmp_path, capsys):
    snap, rubric = scored
    ratings = [("C2", 7, "citizen"), ("C2", 9, "civil servant"), ("C2", 4, "citizen"), ("I1", 10, ""), ("I1", 2, "citizen")]
    sheet = tmp_path / "ratings.csv"
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Timestamp", "item", "rating", "group"])
        w.writerows([("2026-01-01", *r) for r in ratings] + [("2026-01-02", "C3", "", "citizen")])
    code, err = run(capsys, "score", snap, "--rubric", rubric, "--ratings", sheet, "--out", tmp_path / "r")
    assert code == 0, err
    assert "columns not used: Timestamp" in err and "1 rows without a rating" in err
    got = {r["item"]: r for r in rows(tmp_path / "r" / "ratings.csv")}
    for item in ("C2", "I1"):
        values = [v for i, v, _ in ratings if i == item]
        assert float(got[item]["public_mean"]) == pytest.approx(statistics.mean(values), abs=1e-4)
        assert float(got[item]["sd"]) == pytest.approx(statistics.stdev(values), abs=1e-4)
        assert int(got[item]["n"]) == len(values) and float(got[item]["min"]) == min(values) and float(got[item]["max"]) == max(values)
    assert got["C2"]["groups"] == "citizen 2; civil servant 1" and got["I1"]["groups"] == "citizen 1; unspecified 1"
    assert got["C2"]["researchers"] == "6.0" and got["C3"]["n"] == "0" and got["C3"]["public_mean"] == ""
    report = (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert "## The public's ratings next to the researchers' scores" in report
    assert "| `C2` | 政策 Open data policy or strategy | 6.0 | 6.7 | 3 | 2.5 | 4–9 | citizen 2; civil servant 1 |" in report


@pytest.mark.parametrize(("content", "says"), [
    ("item,rating\nC2,11\n", "ratings.csv:2:2: rating '11': a number from 1 to 10"),
    ("item,rating\nC2,good\n", "ratings.csv:2:2: rating 'good'"),
    ("item,rating\nZ9,5\n", "ratings.csv:2:1: item 'Z9' is not a readiness or impact item"),
    ("question,rating\nC2,5\n", "ratings.csv:1: no item column"),
])
def test_bad_ratings(scored, tmp_path, capsys, content, says):
    snap, rubric = scored
    (tmp_path / "ratings.csv").write_text(content, encoding="utf-8")
    code, err = run(capsys, "score", snap, "--rubric", rubric, "--ratings", tmp_path / "ratings.csv", "--out", tmp_path / "r")
    assert code == 2 and says in err, err
    assert not (tmp_path / "r").exists()


DISPUTES = """\
disputes:
  - id: WRA-1
    dataset: "41568"
    resource: "tw:41568#0"
    check: format
    claim: "The PDF has a text layer"
    evidence: "see our letter"
    links: ["https://wra.example.gov.tw/letter"]
    by: 經濟部水利署
    decision: accepted
    reason: "checked by hand: a table with a text layer"
  - dataset: 雨量
    check: licence
    claim: "the licence is on our website"
    decision: rejected
    reason: "the portal states none"
  - dataset: "9"
    question: findable
    claim: "it is easy to find"
"""


def test_disputes_act_as_overrides_and_are_listed(scored, tmp_path, capsys):
    snap, rubric = scored
    (tmp_path / "d.yaml").write_text(DISPUTES, encoding="utf-8")
    assert run(capsys, "score", snap, "--rubric", rubric, "--out", tmp_path / "before", "-q")[0] == 0
    code, err = run(capsys, "score", snap, "--rubric", rubric, "--disputes", tmp_path / "d.yaml", "--out", tmp_path / "after", "-q")
    assert code == 0, err
    before = {(r["key"], r["question"]): r for r in rows(tmp_path / "before" / "answers.csv")}
    after = {(r["key"], r["question"]): r for r in rows(tmp_path / "after" / "answers.csv")}
    accepted = after["tw:41568", "machine_readable"]
    assert before["tw:41568", "machine_readable"]["answer"] == "no"
    assert (accepted["answer"], accepted["source"]) == ("yes", "manual")
    assert accepted["reason"] == "dispute WRA-1 by 經濟部水利署 accepted: checked by hand: a table with a text layer"
    assert after["tw:9", "open_licence"] == before["tw:9", "open_licence"]  # rejected: no effect
    assert after["tw:9", "findable"] == before["tw:9", "findable"]  # pending: no effect
    changed = {k for k in after if after[k]["answer"] != before[k]["answer"]}
    assert changed == {("tw:41568", "machine_readable")}
    d = rows(tmp_path / "after" / "disputes.csv")
    assert [(r["id"], r["decision"], r["effect"]) for r in d] == [("WRA-1", "accepted", "machine_readable → yes"),
                                                                  ("2", "rejected", ""), ("3", "pending", "")]
    report = (tmp_path / "after" / "report.md").read_text(encoding="utf-8")
    assert "## Disputed by the publisher" in report and "3 disputes: 1 accepted" in report
    assert "| rejected | the portal states none |" in report
    overrides = report.split("## Manual answers that override")[1].split("##")[0]
    assert "dispute WRA-1 by 經濟部水利署 accepted" in overrides
    zh = tmp_path / "zh"
    assert run(capsys, "score", snap, "--rubric", rubric, "--disputes", tmp_path / "d.yaml", "--out", zh, "--lang", "zh-TW", "-q")[0] == 0
    assert "## 機關申覆" in (zh / "report.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("edit", "says"), [
    (lambda t: t.replace('dataset: "41568"', 'dataset: "123"'), "d.yaml:3:14: dataset '123' is neither in the catalog nor in the snapshot"),
    (lambda t: t.replace('reason: "checked by hand: a table with a text layer"', 'reason: ""'), "a dispute accepted needs the researchers' reason"),
    (lambda t: t.replace("check: format", "check: formats"), "unknown check 'formats'"),
    (lambda t: t.replace("check: format", "check: encoding"), "dispute WRA-1 is accepted but changes no question"),
    (lambda t: t.replace('resource: "tw:41568#0"', 'resource: "tw:9#0"'), "resource 'tw:9#0' is not a resource of tw:41568"),
    (lambda t: t.replace("claim: \"The PDF has a text layer\"", "claims: x"), "disputes.0.claim: Field required"),
], ids=["unknown-dataset", "no-reason", "bad-check", "no-question", "other-resource", "bad-key"])
def test_bad_disputes(scored, tmp_path, capsys, edit, says):
    snap, rubric = scored
    (tmp_path / "d.yaml").write_text(edit(DISPUTES), encoding="utf-8")
    code, err = run(capsys, "score", snap, "--rubric", rubric, "--disputes", tmp_path / "d.yaml", "--out", tmp_path / "r")
    assert code == 2 and says in err and "d.yaml:" in err, err
    assert not (tmp_path / "r").exists()
