"""Rubric YAML: schema, weights and reasons, each error as file:line:col."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from odaudit.catalog import BUNDLED_DIR, load_catalog
from odaudit.errors import InputError
from odaudit.scoring.lint import check_rubric
from odaudit.scoring.rubric import load_rubric, parse_answer
from odaudit.yamlsrc import load_yaml

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "surveys"
CATALOG = FIXTURES / "ocf-2017-catalog.yaml"

BASE = """\
name: t
catalog: "@CATALOG@"
method: flat
weights:
  readiness: 0.35
  implementation: 0.35
  impact: 0.30
readiness:
  components:
    - id: policies
      name: Policies
      items:
        - {id: C2, name: 政策, score: 7}
impact:
  components:
    - id: political
      name: Political
      items:
        - {id: I1, name: 效率, score: null}
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "rubric.yaml"
    p.write_text(text.replace("@CATALOG@", str(CATALOG)), encoding="utf-8")
    return p


def error_of(path: Path) -> str:
    with pytest.raises(InputError) as exc:
        r = load_rubric(path)
        check_rubric(r, load_catalog(r.catalog_path()))
    return exc.value.message


def test_valid_base(tmp_path):
    r = load_rubric(write(tmp_path, BASE))
    assert r.method == "flat" and r.weights.readiness == 0.35
    summary = check_rubric(r, load_catalog(r.catalog_path()))
    assert summary.items_answered == 1 and summary.items_total == 2


def test_subindex_weights_must_sum_to_one(tmp_path):
    p = write(tmp_path, BASE.replace("impact: 0.30", "impact: 0.40"))
    msg = error_of(p)
    assert re.match(rf"{re.escape(str(p))}:4:\d+: weights: sub-index weights must sum to 1 \(they sum to 1.1\)", msg), msg


def test_component_weights_all_or_none(tmp_path):
    text = BASE.replace("      name: Policies\n", "      name: Policies\n      weight: 0.5\n").replace(
        "        - {id: C2, name: 政策, score: 7}\n",
        "        - {id: C2, name: 政策, score: 7}\n    - id: action\n      name: Action\n      items:\n        - {id: C1, name: 資源}\n")
    msg = error_of(write(tmp_path, text))
    assert "rubric.yaml:8:1: readiness: give a weight to every component or to none" in msg


def test_component_weights_must_sum_to_one(tmp_path):
    text = BASE.replace("      name: Policies\n", "      name: Policies\n      weight: 0.5\n")
    msg = error_of(write(tmp_path, text))
    assert "rubric.yaml:8:1: readiness: component weights must sum to 1 (they sum to 0.5)" in msg


def test_points_must_sum_to_100(tmp_path):
    msg = error_of(write(tmp_path, BASE + "points:\n  linked: 10\n"))
    assert re.search(r"rubric\.yaml:\d+:\d+: points: question points must sum to 100", msg), msg


def test_item_score_range(tmp_path):
    msg = error_of(write(tmp_path, BASE.replace("score: 7", "score: 11")))
    assert re.search(r"rubric\.yaml:13:\d+: readiness\.components\.0\.items\.0\.score", msg), msg


def test_unknown_field_is_an_error(tmp_path):
    msg = error_of(write(tmp_path, BASE + "weigths: {}\n"))
    assert "rubric.yaml:20:1: weigths: Extra inputs are not permitted" in msg


def test_manual_answer_needs_a_reason(tmp_path):
    text = BASE + 'datasets:\n  "13119":\n    answers:\n      open_licence: {answer: no}\n'
    msg = error_of(write(tmp_path, text))
    assert "rubric.yaml:23:" in msg and "needs a reason" in msg


def test_manual_answer_shorthand_explains(tmp_path):
    msg = error_of(write(tmp_path, BASE + 'datasets:\n  "13119":\n    answers:\n      online: no\n'))
    assert "rubric.yaml:23:" in msg and "reason" in msg


def test_bad_answer_value(tmp_path):
    msg = error_of(write(tmp_path, BASE + 'datasets:\n  "13119":\n    answers:\n      online: {answer: maybe, reason: x}\n'))
    assert "answer 'maybe'" in msg and "rubric.yaml:23:" in msg


def test_unknown_question(tmp_path):
    msg = error_of(write(tmp_path, BASE + 'datasets:\n  "13119":\n    answers:\n      opne: {answer: no, reason: x}\n'))
    assert "rubric.yaml:23:" in msg and "opne" in msg


def test_unknown_dataset_key(tmp_path):
    msg = error_of(write(tmp_path, BASE + 'datasets:\n  "99999999":\n    answers:\n      online: {answer: no, reason: x}\n'))
    assert "rubric.yaml:21:3: dataset '99999999' is not in the catalog" in msg


def test_dataset_keys_by_id_key_and_name(tmp_path):
    text = BASE + textwrap.dedent("""\
        datasets:
          "13119":
            answers: {online: {answer: no, reason: by id}}
          tw:8411:
            answers: {online: {answer: no, reason: by key}}
          起訴書:
            answers: {exists: {answer: yes, reason: by name}}
        """)
    r = load_rubric(write(tmp_path, text))
    assert check_rubric(r, load_catalog(r.catalog_path())).datasets_answered == 3


def test_same_dataset_twice(tmp_path):
    text = BASE + 'datasets:\n  "13119":\n    answers: {}\n  tw:13119:\n    answers: {}\n'
    assert "already answered" in error_of(write(tmp_path, text))


def test_category_weights(tmp_path):
    msg = error_of(write(tmp_path, BASE + 'implementation:\n  category_weights: {"0.1": 1.0}\n'))
    assert "no weight for catalog categories" in msg and "rubric.yaml:21:" in msg
    msg = error_of(write(tmp_path, BASE + 'implementation:\n  category_weights: {"0.1": 0.5, "9.9": 0.5}\n'))
    assert "category '9.9' is not in the catalog" in msg


def test_yaml12_no_stays_a_string(tmp_path):
    text = BASE.replace("name: Policies", "name: NO").replace("name: 政策", "name: NO") + \
        'datasets:\n  "13119":\n    answers:\n      online: {answer: NO, reason: Off}\n'
    p = write(tmp_path, text)
    tree = load_yaml(p)
    assert tree["readiness"]["components"][0]["name"] == "NO"
    assert tree["datasets"]["13119"]["answers"]["online"]["answer"] == "NO"
    r = load_rubric(p)
    assert r.readiness.components[0].name == "NO" and r.readiness.components[0].items[0].name == "NO"
    ans = r.datasets["13119"].answers["online"]
    assert ans.answer is False and ans.reason == "Off"  # "Off" is text in YAML 1.2, not false


@pytest.mark.parametrize("value,expected", [
    (1, True), (0, False), ("1", True), ("0", False), ("yes", True), ("NO", False), ("是", True), ("否", False),
    (" Y ", True), ("", None), (None, None), (True, True), ("1.0", True),
])
def test_parse_answer(value, expected):
    assert parse_answer(value) is expected


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_rubric(tmp_path / "nope.yaml")


def test_shipped_rubric_is_valid():
    r = load_rubric(REPO / "odaudit" / "data" / "rubrics" / "ocf-2017.yaml")
    assert r.method == "flat" and r.datasets == {}
    assert (r.weights.readiness, r.weights.implementation, r.weights.impact) == (0.35, 0.35, 0.30)
    ids = [it.id for j in (r.readiness, r.impact) for c in j.components for it in c.items]
    assert sorted(ids) == sorted([f"C{i}" for i in range(1, 10)] + [f"I{i}" for i in range(1, 7)])
    assert all(it.score is None for j in (r.readiness, r.impact) for c in j.components for it in c.items)
    if (BUNDLED_DIR / "ocf-2017.yaml").exists():
        check_rubric(r, load_catalog(r.catalog_path()))
