"""findings.jsonld: the score report's findings as W3C Data Quality Vocabulary, checked by expanding
it with a JSON-LD processor (pyld; the context is inline, so nothing is fetched)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import snapfactory as sf
from pyld import jsonld

from odaudit.checks import CHECK_IDS
from odaudit.cli import main
from odaudit.report.jsonld import METRICS

DQV = "http://www.w3.org/ns/dqv#"
TYPE = "@type"


def ok(capsys, *args: object) -> None:
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        assert not exc.code, capsys.readouterr().err


def scored(tmp_path: Path, capsys, name: str = "out") -> Path:
    snap = tmp_path / "snap"
    if not snap.exists():
        sf.build_snapshot(snap, [
            sf.dataset("水庫每日營運狀況", id=41568, category="3.3", agency="經濟部水利署", checks=sf.DATASET_PASS,
                       resources=[sf.resource("CSV", checks=sf.PASS_ALL),
                                  sf.resource("PDF", url="https://example.gov.tw/報告 2025.pdf",
                                              checks={"link": "pass", "format": ("fail", "PDF", "not machine-readable")})]),
            sf.dataset("空氣品質", id=40448, category="3.3", agency="環境部",
                       checks={**sf.DATASET_PASS, "licence": ("skip", "", "no licence field: not measured")},
                       resources=[sf.resource("CSV", status=404, checks={"link": ("fail", "404", "HTTP 404")})]),
        ])
        ok(capsys, "rubric", "init", snap, "--out", tmp_path / "rubric.yaml")
    ok(capsys, "score", snap, "--rubric", tmp_path / "rubric.yaml", "--out", tmp_path / name, "-q")
    return tmp_path / name


def nodes_of(expanded: list[dict], kind: str) -> list[dict]:
    return [n for n in expanded if kind in n.get(TYPE, [])]


def one(node: dict, prop: str):
    (v,) = node[prop]
    return v.get("@id", v.get("@value"))


def test_every_finding_is_one_dqv_measurement_of_a_defined_metric(tmp_path, capsys):
    out = scored(tmp_path, capsys)
    doc = json.loads((out / "findings.jsonld").read_text(encoding="utf-8"))
    expanded = jsonld.expand(doc)
    with (out / "findings.csv").open(encoding="utf-8-sig", newline="") as fh:
        findings = list(csv.DictReader(fh))
    measurements = nodes_of(expanded, DQV + "QualityMeasurement")
    assert len(measurements) == len(findings) > 0
    metrics = {n["@id"]: n for n in nodes_of(expanded, DQV + "Metric")}
    assert len(metrics) == len({f["check"] for f in findings})  # each check's metric defined once
    for m in metrics.values():
        assert one(m, DQV + "inDimension").startswith("http://www.w3.org/2016/05/ldqd#")
        assert m["http://www.w3.org/2004/02/skos/core#prefLabel"] and m["http://www.w3.org/2004/02/skos/core#definition"]
    pages = {"tw:41568": "https://data.gov.tw/dataset/41568", "tw:40448": "https://data.gov.tw/dataset/40448"}
    for f, m in zip(findings, measurements, strict=True):  # same order as findings.csv
        metric = one(m, DQV + "isMeasurementOf")
        assert metric in metrics and metric.endswith("check/" + f["check"])
        target = one(m, DQV + "computedOn")
        if f["resource"]:
            assert target == f["url"].replace(" ", "%20").replace("報告", "%E5%A0%B1%E5%91%8A")
        else:
            assert target == pages[f["dataset"]]
        assert one(m, DQV + "value") == (f["measured"] or f["outcome"])
        assert one(m, "urn:odaudit:outcome") == f["outcome"]
        assert one(m, "urn:odaudit:evidence") == f["evidence"]
    # unmeasured stays unmeasured: the skipped licence check says skip, not fail
    skipped = [m for m in measurements if one(m, DQV + "isMeasurementOf").endswith("/licence") and one(m, DQV + "computedOn").endswith("40448")]
    assert [one(m, "urn:odaudit:outcome") for m in skipped] == ["skip"]
    # RDF: every distribution is tied to its dataset
    quads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    assert "<https://data.gov.tw/dataset/40448> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Dataset>" in quads
    # deterministic: a second run writes the same bytes
    assert (scored(tmp_path, capsys, "again") / "findings.jsonld").read_bytes() == (out / "findings.jsonld").read_bytes()


def test_every_check_has_a_metric_definition():
    assert tuple(METRICS) == CHECK_IDS


def test_without_a_snapshot_the_graph_is_empty(tmp_path, capsys):
    ok(capsys, "score", "--rubric", "ocf-2016-survey", "--out", tmp_path / "r", "-q")
    doc = json.loads((tmp_path / "r" / "findings.jsonld").read_text(encoding="utf-8"))
    assert doc["@graph"] == [] and jsonld.expand(doc) == []
