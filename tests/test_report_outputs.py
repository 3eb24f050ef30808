"""`odaudit score` end to end: every file, byte-identical reruns, zh-TW, CSV and markdown safety."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import snapfactory as sf
from typer.testing import CliRunner

from odaudit.cli import app, main
from odaudit.report import markdown as md_mod
from odaudit.report.safe import csv_cell, md, md_link

EVIL = '=HYPERLINK("http://evil.example/x","click")|<script>alert(1)</script> ![p](http://evil.example/p.png)\nline2'
FILES = {"report.md", "appendix.md", "datasets.csv", "resources.csv", "findings.csv", "findings.jsonld", "scores.csv", "agencies.csv", "answers.csv",
         "platform.csv", "chart-categories.svg", "chart-quality.svg", "chart-agencies.svg", "manifest.json", "summary.json", "site"}
RUBRIC = """\
name: report-test
catalog: test
method: odb
readiness:
  components:
    - {id: policies, name: Policies, items: [{id: C2, name: 政策, score: 6, evidence: "policy adopted", links: ["https://example.gov.tw/policy"]}]}
impact:
  components:
    - {id: political, name: Political, items: [{id: I1, name: 效率, score: null}]}
datasets:
  "100":
    answers:
      linked: {answer: yes, reason: "uses 統一編號 as identifiers"}
"""


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    ds = [
        sf.dataset("好資料", id=100, category="1.1", agency="-2+3", checks=sf.DATASET_PASS, published="2015-03-01T00:00:00",
                   resources=[sf.resource("CSV", checks=sf.PASS_ALL), sf.resource("PDF", checks={"link": "pass", "format": "fail"})]),
        sf.dataset(EVIL, id=200, category="1.1", agency="@evil", published="2019-05-05T00:00:00",
                   checks={"licence": "pass", "free": "pass", "freshness": ("fail", "900 days", "=cmd|' /C calc'!A0"), "badge": ("fail", "金", "badge 金, measured not machine-readable")},
                   resources=[sf.resource("XLS", checks={"link": "pass", "format": "pass", "structure": ("fail", "merged cells", "\tmerged <b>cells</b>")})]),
        sf.dataset("機關外", url="https://other.example.gov.tw/x", category="2.1"),
    ]
    return sf.build_snapshot(tmp_path / "snap", ds, categories={"1.1": "選舉與罷免", "2.1": {"name": "普查資料", "rationale": "census | <i>basics</i>"}})


def score(snap: Path, tmp_path: Path, out: str, *extra: str) -> Path:
    rub = tmp_path / "rubric.yaml"
    rub.write_text(RUBRIC, encoding="utf-8")
    res = CliRunner().invoke(app, ["score", str(snap), "--rubric", str(rub), "--out", str(tmp_path / out), "-q", *extra])
    assert res.exit_code == 0, res.output + str(res.exception)
    return tmp_path / out


def test_all_files_and_byte_identical(snap, tmp_path):
    a = score(snap, tmp_path, "a")
    b = score(snap, tmp_path, "b")
    assert {p.name for p in a.iterdir()} == FILES
    for name in FILES - {"site"}:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert not [p for p in a.iterdir() if p.name.startswith(".")]  # no temporary files left
    # nor staging folders beside it: only the lock files of the two report folders
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [".a.lock", ".b.lock"]


def test_no_site_leaves_out_only_the_site(snap, tmp_path):
    full = score(snap, tmp_path, "full")
    bare = score(snap, tmp_path, "bare", "--no-site")
    assert {p.name for p in bare.iterdir()} == FILES - {"site"}
    for name in FILES - {"site", "manifest.json"}:  # the same report, less the site
        assert (full / name).read_bytes() == (bare / name).read_bytes(), name
    import json

    manifest = json.loads((bare / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"]["site"] is False and not any(f.startswith("site/") for f in manifest["files"])
    # the manifest's hashes (taken as the files were written) are the files' hashes
    import hashlib

    for rel, digest in json.loads((full / "manifest.json").read_text(encoding="utf-8"))["files"].items():
        assert hashlib.sha256((full / rel).read_bytes()).hexdigest() == digest, rel


def test_report_content(snap, tmp_path):
    out = score(snap, tmp_path, "en")
    text = (out / "report.md").read_text(encoding="utf-8")
    for heading in ("## In one minute", "## Method", "## Quantity", "## Quality", "## Scores", "## Agencies",
                    "## Platform quality badges vs what was measured", "## Manual answers", "## Unanswered"):
        assert heading in text
    assert "https://data.gov.tw/dataset/100" in text
    assert "**Barometer: not computed**" in text and "`impact/political/I1` 效率" in text
    assert "The −5 applies only when the data exists and is online" in text
    assert "(chart-categories.svg)" in text and "(appendix.md)" in text
    assert "uses 統一編號 as identifiers" in text  # the override is listed
    appendix = (out / "appendix.md").read_text(encoding="utf-8")
    assert "`structure` fail #0: \\tmerged" not in appendix
    assert "merged &lt;b&gt;cells&lt;/b&gt;" in appendix
    assert "uses 統一編號 as identifiers" in appendix


def test_markdown_is_escaped(snap, tmp_path):
    out = score(snap, tmp_path, "esc")
    for name in ("report.md", "appendix.md"):
        text = (out / name).read_text(encoding="utf-8")
        assert "<script>" not in text and "<b>" not in text and "<i>" not in text
        assert not re.search(r"(?<!\\)\]\(http://evil", text)  # no link or image to the portal text's URLs
        images = re.findall(r"!\[[^\]]*\]\(([^)]*)\)", text)
        assert all(i.endswith(".svg") and "/" not in i for i in images)
        assert "line2" not in [ln.strip() for ln in text.splitlines()]


def test_tables_have_consistent_columns(snap, tmp_path):
    out = score(snap, tmp_path, "cols")
    for name in ("report.md", "appendix.md"):
        lines = (out / name).read_text(encoding="utf-8").splitlines()
        i = 0
        while i < len(lines):
            if lines[i].startswith("| ") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
                width = len(re.findall(r"(?<!\\)\|", lines[i]))
                j = i + 2
                while j < len(lines) and lines[j].startswith("|"):
                    assert len(re.findall(r"(?<!\\)\|", lines[j])) == width, lines[j]
                    j += 1
                i = j
            else:
                i += 1


def test_csv_injection_neutralised(snap, tmp_path):
    out = score(snap, tmp_path, "csv")
    rows = list(csv.DictReader(open(out / "datasets.csv", encoding="utf-8-sig", newline="")))
    evil = [r for r in rows if r["key"] == "tw:200"][0]
    assert evil["name"].startswith("'=HYPERLINK") and evil["agency"] == "'@evil"
    assert [r for r in rows if r["key"] == "tw:100"][0]["agency"] == "'-2+3"
    for name in ("datasets.csv", "resources.csv", "findings.csv", "scores.csv", "agencies.csv", "answers.csv", "platform.csv"):
        with open(out / name, encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not re.match(r"^[=+@\t\r]", cell), (name, cell)
                    assert not (cell.startswith("-") and not re.fullmatch(r"-\d+(\.\d+)?", cell)), (name, cell)
    findings = list(csv.DictReader(open(out / "findings.csv", encoding="utf-8-sig", newline="")))
    assert any(f["evidence"] == "'=cmd|' /C calc'!A0" for f in findings)


def test_csv_columns(snap, tmp_path):
    out = score(snap, tmp_path, "columns")
    header = {name: next(csv.reader(open(out / name, encoding="utf-8-sig"))) for name in
              ("datasets.csv", "resources.csv", "findings.csv", "scores.csv", "agencies.csv", "answers.csv", "platform.csv")}
    assert header["platform.csv"] == ["question", "label", "survey", "kind", "basis", "answer", "value", "n", "measured", "not_measured",
                                      "score", "evidence", "source"]
    assert header["scores.csv"] == ["level", "id", "name", "parent", "method", "weight", "total_weight", "score", "answered", "leaves", "note"]
    assert header["findings.csv"][:3] == ["dataset", "name", "resource"]
    assert "check_link" in header["resources.csv"] and "check_format" in header["resources.csv"]
    scores = list(csv.DictReader(open(out / "scores.csv", encoding="utf-8-sig")))
    levels = {r["level"] for r in scores}
    assert levels == {"barometer", "subindex", "component", "item", "category", "dataset"}
    assert all(r["method"] == "odb" for r in scores)


def test_zh_tw(snap, tmp_path):
    out = score(snap, tmp_path, "zh", "--lang", "zh-TW")
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "## 一分鐘摘要" in text and "## 方法" in text and "晴雨表總分：無法計算" in text
    assert "好資料" in text  # portal text stays as published
    svg = (out / "chart-categories.svg").read_text(encoding="utf-8")
    assert "各類別分數" in svg and "<dc:date>" not in svg


def test_bad_language_and_bad_rubric_exit_2(snap, tmp_path, capsys):
    rub = tmp_path / "bad.yaml"
    rub.write_text("name: x\ncatalog: test\nmethod: flat\nweights: {readiness: 0.5, implementation: 0.5, impact: 0.5}\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["score", str(snap), "--rubric", str(rub), "--out", str(tmp_path / "o")])
    assert exc.value.code == 2
    assert f"{rub}:4:1: weights: sub-index weights must sum to 1" in capsys.readouterr().err.replace("\n", "")
    (tmp_path / "ok.yaml").write_text(RUBRIC, encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["score", str(snap), "--rubric", str(tmp_path / "ok.yaml"), "--out", str(tmp_path / "o"), "--lang", "fr"])
    assert exc.value.code == 2


def test_appendix_capped(snap, tmp_path, monkeypatch):
    monkeypatch.setattr(md_mod, "APPENDIX_LIMIT", 1)
    monkeypatch.setattr(md_mod, "TABLE_LIMIT", 1)
    out = score(snap, tmp_path, "capped")
    appendix = (out / "appendix.md").read_text(encoding="utf-8")
    assert "lists the first 1 of 3 datasets" in appendix and "(answers.csv)" in appendix
    assert appendix.count("\n## ") == 1
    assert "more rows in [datasets.csv](datasets.csv)" in (out / "report.md").read_text(encoding="utf-8")


def test_safe_helpers():
    assert csv_cell("=1+1") == "'=1+1" and csv_cell("-x") == "'-x" and csv_cell("\tx") == "'\tx" and csv_cell("\rx") == "'\rx"
    assert csv_cell("@a") == "'@a" and csv_cell("+a") == "'+a" and csv_cell("ok=") == "ok="
    assert md("a|b") == "a\\|b" and md("x\ny\r\nz") == "x y z" and md("<b>&") == "&lt;b&gt;&amp;"
    assert md("[t](http://x)") == "\\[t\\](http://x)" and md("*a_b*") == "\\*a\\_b\\*"
    assert md_link("x", "javascript:alert(1)") == "x"
    assert md_link("x", "https://data.gov.tw/dataset/1 (a)") == "x"
    assert md_link("y", "https://a.example/p(1)") == "[y](https://a.example/p%281%29)"
