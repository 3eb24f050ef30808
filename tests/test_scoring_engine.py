"""score_snapshot on snapfactory snapshots: automated answers, manual overrides, the weight tree."""

from __future__ import annotations

from pathlib import Path

import pytest
import snapfactory as sf

from odaudit.catalog import load_catalog
from odaudit.errors import InputError
from odaudit.scoring import load_inputs, score_snapshot
from odaudit.scoring.rubric import load_rubric
from odaudit.store import Snapshot

CATS = {"1.1": "選舉與罷免", "3.3": "環境", "0.3": "司法與判決"}


def mixed_datasets() -> list[dict]:
    return [
        sf.dataset("全都好", id=100, category="1.1", agency="中央選舉委員會", checks=sf.DATASET_PASS,
                   resources=[sf.resource("CSV", checks={**sf.PASS_ALL, "stars": ("pass", "4", "URIs for key elements")})]),
        sf.dataset("一半", id=200, category="1.1", agency="中央選舉委員會", frequency="不定期",
                   checks={"licence": ("fail", "自訂授權", "not an open licence"), "free": "pass",
                           "freshness": ("fail", "412 days", "last modified 412 days ago"), "metadata": "pass",
                           "badge": ("fail", "金", "badge says 金 but the data is not machine-readable")},
                   resources=[sf.resource("CSV", checks={"link": "pass", "format": "pass", "structure": ("fail", "ragged", "rows of 3 and 4 fields"),
                                                         "downloadable": "fail"}),
                              sf.resource("PDF", checks={"link": "pass", "format": ("fail", "PDF", "PDF is not machine-readable"),
                                                         "structure": "pass", "downloadable": "pass"})]),
        sf.dataset("連不上", id=300, category="3.3", agency="環境部",
                   resources=[sf.resource("CSV", status=None, checks={"link": ("error", "timeout", "no response in 30 s"), "format": "skip"})]),
        sf.dataset("外部網站", url="https://law.example.gov.tw/data", category="0.3",
                   resources=[sf.resource("HTML", checks={"link": ("pass", "200", "HTTP 200")})]),
        sf.dataset("起訴書", category="0.3"),
        sf.dataset("還沒抓", id=400, category="3.3", in_snapshot=False),
    ]


MANUAL = """\
datasets:
  "100":
    answers:
      open_licence: {answer: no, reason: "the licence page adds a non-commercial clause", evidence: ["https://example.gov.tw/licence"]}
  外部網站:
    answers:
      exists: {answer: yes, reason: "law site"}
      online: {answer: no, reason: "behind a login"}
  起訴書:
    answers:
      exists: {answer: yes, reason: "prosecutors keep them"}
"""


def rubric_text(method: str = "flat", impact: str = "5", extra: str = MANUAL) -> str:
    return f"""\
name: test
catalog: test
method: {method}
readiness:
  components:
    - {{id: policies, name: Policies, items: [{{id: C2, name: 政策, score: 7}}]}}
impact:
  components:
    - {{id: political, name: Political, items: [{{id: I1, name: 效率, score: {impact}}}]}}
{extra}"""


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    return sf.build_snapshot(tmp_path / "snap", mixed_datasets(), categories=CATS)


def run(snap: Path, tmp_path: Path, text: str):
    p = tmp_path / "r.yaml"
    p.write_text(text, encoding="utf-8")
    s, r, c = load_inputs(str(snap), str(p))
    return score_snapshot(s, r, c)


def test_automated_answers(snap, tmp_path):
    res = run(snap, tmp_path, rubric_text(extra=""))
    a = res.answers_of("tw:100")
    assert set(a.values()) == {"yes"}
    b = res.answers_of("tw:200")
    assert b == {"exists": "yes", "online": "yes", "machine_readable": "no", "bulk": "yes", "free": "yes", "open_licence": "no",
                 "up_to_date": "no", "sustained": "no", "findable": "yes", "linked": ""}
    c = res.answers_of("tw:300")
    assert c["exists"] == "yes" and c["online"] == "" and c["machine_readable"] == ""
    scores = res.dataset_scores()
    assert scores["tw:100"] == 100 and scores["tw:200"] == 50 and scores["tw:300"] == 5


def test_machine_readable_needs_format_and_structure_on_one_resource(snap, tmp_path):
    res = run(snap, tmp_path, rubric_text(extra=""))
    ev = res.evidence[(res.evidence["key"] == "tw:200") & (res.evidence["question"] == "machine_readable")]
    assert sorted(zip(ev["check"], ev["resource"], ev["outcome"], strict=True)) == [
        ("format", "tw:200#0", "pass"), ("format", "tw:200#1", "fail"), ("structure", "tw:200#0", "fail"), ("structure", "tw:200#1", "pass")]
    row = res.answers[(res.answers["key"] == "tw:200") & (res.answers["question"] == "machine_readable")].iloc[0]
    assert "format fail #1" in row["cites"] and "structure fail #0" in row["cites"]


def test_off_portal_and_missing_datasets_use_manual_answers(snap, tmp_path):
    res = run(snap, tmp_path, rubric_text())
    ext = res.datasets[res.datasets["name"] == "外部網站"].iloc[0]
    assert ext["kind"] == "external" and not ext["automated"] and ext["score"] == 5
    a = res.answers[res.answers["key"] == ext["key"]].set_index("question")
    assert a.at["online", "measured"] == "yes" and a.at["online", "answer"] == "no" and a.at["online", "source"] == "manual"
    assert a.at["bulk", "source"] == "unanswered"
    none = res.datasets[res.datasets["name"] == "起訴書"].iloc[0]
    assert none["key"].startswith("none:") and none["score"] == 5 and none["unanswered"] == 9
    later = res.datasets[res.datasets["key"] == "tw:400"].iloc[0]
    assert not later["in_snapshot"] and later["score"] == 0 and later["unanswered"] == 10


def test_overrides_and_disagreements_are_listed(snap, tmp_path):
    res = run(snap, tmp_path, rubric_text())
    o = res.overrides.set_index(["key", "question"])
    assert o.loc[("tw:100", "open_licence")].tolist()[:3] == ["yes", "no", "the licence page adds a non-commercial clause"]
    assert bool(o.loc[("tw:100", "open_licence"), "override"]) and bool(o.loc[("tw:100", "open_licence"), "disagrees"])
    ext_key = res.datasets.loc[res.datasets["name"] == "外部網站", "key"].iloc[0]
    assert not o.loc[(ext_key, "online"), "override"] and o.loc[(ext_key, "online"), "disagrees"]
    assert (ext_key, "exists") not in o.index  # measured yes, manual yes: no disagreement, not an override
    assert res.dataset_scores()["tw:100"] == 85


def test_weight_tree_hand_computed(snap, tmp_path):
    res = run(snap, tmp_path, rubric_text())
    cats = {n.id: n.score for n in res.nodes if n.level == "category"}
    assert cats == {"implementation/1.1": 67.5, "implementation/3.3": 2.5, "implementation/0.3": 5.0}
    assert res.node("readiness").score == 70 and res.node("impact").score == 50
    assert res.node("implementation").score == pytest.approx(25.0)
    assert res.barometer.score == pytest.approx(0.35 * 70 + 0.35 * 25 + 0.30 * 50)
    assert res.node("implementation/1.1").total_weight == pytest.approx(0.35 / 3)


def test_odb_method(snap, tmp_path):
    res = run(snap, tmp_path, rubric_text(method="odb", extra=""))
    s = res.dataset_scores()
    assert s["tw:100"] == 100 and s["tw:200"] == 5 + 10 - 5 and s["tw:300"] == 5


def test_unanswered_item_makes_the_barometer_incomplete(snap, tmp_path):
    res = run(snap, tmp_path, rubric_text(impact="null"))
    assert res.barometer.score is None and "impact" in res.barometer.note
    assert res.node("impact/political/I1").note == "unanswered"
    assert res.node("implementation").score is not None


def test_custom_category_weights(snap, tmp_path):
    extra = MANUAL + 'implementation:\n  category_weights: {"1.1": 0.5, "3.3": 0.25, "0.3": 0.25}\n'
    res = run(snap, tmp_path, rubric_text(extra=extra))
    assert res.node("implementation").score == pytest.approx(0.5 * 67.5 + 0.25 * 2.5 + 0.25 * 5)


def test_quality_agencies_badges(snap, tmp_path):
    res = run(snap, tmp_path, rubric_text(extra=""))
    assert res.quality_adjusted == {"datasets": 5, "quality": 1, "measured": 2, "not_measured": 3}
    q = res.quality.set_index("check")
    assert q.at["format", "resources_evaluated"] == 3 and q.at["format", "resources_passing"] == 2
    assert q.at["format", "datasets_passing"] == 1 and q.at["link", "error"] == 1
    ag = res.agencies.set_index("agency")
    assert ag.at["中央選舉委員會", "datasets"] == 2 and ag.at["中央選舉委員會", "mean_score"] == 75 and ag.at["中央選舉委員會", "stars"] == 4
    assert ag.at["環境部", "stars"] == 1
    b = res.badges.set_index("badge")
    assert b.at["金", "badge_fail"] == 1


def test_manual_answer_for_unknown_dataset(snap, tmp_path):
    with pytest.raises(InputError, match=r"r\.yaml:\d+:\d+: dataset '999' is not in the catalog"):
        run(snap, tmp_path, rubric_text(extra='datasets:\n  "999":\n    answers: {}\n'))


def test_without_snapshot(tmp_path):
    sf.write_catalog(tmp_path / "cat.yaml", sf.catalog_dict(mixed_datasets(), categories=CATS))
    text = rubric_text().replace("catalog: test", "catalog: cat.yaml")
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    s, r, c = load_inputs(None, str(tmp_path / "r.yaml"))
    assert s is None and c.name == "test"
    # 一半, 連不上 and 還沒抓 have no manual answer: without a snapshot they would be a silent 0.
    with pytest.raises(InputError, match=r"r\.yaml: without a snapshot .* 3 of 6 datasets have none.*tw:200 一半; tw:300 連不上; tw:400 還沒抓"):
        score_snapshot(None, r, c)
    more = "".join(f'  "{i}":\n    answers:\n      exists: {{answer: yes, reason: "listed in the 2016 survey"}}\n' for i in (200, 300, 400))
    (tmp_path / "r.yaml").write_text(text.replace("datasets:\n", "datasets:\n" + more, 1), encoding="utf-8")
    s, r, c = load_inputs(None, str(tmp_path / "r.yaml"))
    res = score_snapshot(None, r, c)
    assert res.dataset_scores()["tw:100"] == 0  # only the manual open_licence=no: the rest is unanswered
    assert res.dataset_scores()["tw:200"] == 5  # exists: yes
    assert not res.has_snapshot and res.findings.empty


def test_whole_portal_snapshot(tmp_path):
    ds = [sf.dataset(f"資料{i}", id=1000 + i, category="", agency=f"機關{i % 2}", checks=sf.DATASET_PASS,
                     resources=[sf.resource(checks=sf.PASS_ALL)]) for i in range(4)]
    cat = {"name": "all", "title": "Whole portal", "method": "every dataset on the portal",
           "categories": [{"id": "all", "name": "all datasets", "datasets": []}]}
    snap = sf.build_snapshot(tmp_path / "s", ds, catalog=cat, catalog_name="all")
    r = load_rubric("ocf-2017")  # the bundled rubric
    s = Snapshot.open(snap)
    res = score_snapshot(s, r, load_catalog(s.catalog_path()))
    assert res.whole_portal and len(res.datasets) == 4
    assert res.node("implementation").score == 95
    assert not res.warnings
