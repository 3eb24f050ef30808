#!/usr/bin/env python3
"""Build odaudit/data/rubrics/ocf-2017-published.yaml: the published OCF 2014–2016 assessment as a rubric.

    python tools/build_published_rubric.py [--out odaudit/data/rubrics/ocf-2017-published.yaml]

Inputs (both shipped with odaudit, so the build needs nothing outside the repository):
    odaudit/data/surveys/ocf-2017-weighted-score.csv  the published score table (data/Weighted Score.csv
                                                      of ocftw/OpenGovReport14-16): the researchers' 0-10
                                                      judgments of readiness items C1-C9 and impact items I1-I6
    odaudit/data/rubrics/ocf-2016-survey.yaml         the 89 datasets' survey answers (`odaudit rubric import`)
    odaudit/data/surveys/ocf-2017-platform-survey.csv the platform survey (data/Platform Survey.csv): its
                                                      data.gov.tw row becomes the rubric's `platform:` answers

The result is the survey rubric with every readiness and impact item judged as published, each
judgment citing its line of the score table and the section of the report's chapter 2 that gives
the reasoning. The survey's dataset answers are copied unchanged. Scoring it without a snapshot
(`odaudit score --rubric ocf-2017-published --out DIR`) reproduces the published assessment; see
reports/ocf-2017/README.md for the comparison. The output is deterministic.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from odaudit.scoring.platform_survey import survey_answers  # noqa: E402
from odaudit.scoring.rubric import Judged, Rubric, load_rubric  # noqa: E402
from odaudit.scoring.writer import rubric_yaml  # noqa: E402

DATA = ROOT / "odaudit" / "data"
SCORES = DATA / "surveys" / "ocf-2017-weighted-score.csv"
SURVEY = DATA / "rubrics" / "ocf-2016-survey.yaml"
DEFAULT_OUT = DATA / "rubrics" / "ocf-2017-published.yaml"

COMMIT = "5435124c89c86312e3be348c899cbadacd697483"
REPO = f"https://github.com/ocftw/OpenGovReport14-16/blob/{COMMIT}"
TABLE_URL = f"{REPO}/data/Weighted%20Score.csv"
CH2_ZH = f"{REPO}/src/jade/md/ch-2.md"
CH2_EN = f"{REPO}/src/jade/md/en/ch-2.md"

# The table's Sub-category -> the rubric component it belongs to, and the section of chapter 2
# (zh-TW heading; its one-line findings quoted) where the report reasons about it. The report
# does not justify each item's number separately; these sections are the closest it comes.
SECTIONS = {
    "法規政策": ("policies", "2-2 開放資料政策基礎 › 法規政策",
             "無開放資料法源，而是以行政規範與命令推動；平台與授權已具備，但個別資料集品質參差不齊"),
    "政府執行": ("action", "2-2 開放資料政策基礎 › 政府執行",
             "資料治理的流程未建立，無法改善行政效率；業務單位缺乏相關的概念與技術課程；地方政府皆已提供開放資料，但發展上有嚴重城鄉差異"),
    "公民社會": ("citizens", "2-2 開放資料政策基礎 › 公民社會",
             "有《政府資訊公開法》，但申請政府資料仍有重重阻礙；有《個人資料保護法》，但機關易以去識別化為方法規避；開放資料諮詢小組運作不一，部分成為形式會議"),
    "經濟創新": ("business", "2-2 開放資料政策基礎 › 經濟創新", "過度仰賴短期的活動、黑客松；缺乏資料經濟產業政策"),
    "政治影響": ("political", "2-4 開放資料影響力評估 › 政治面影響",
             "促進部分政府透明，但許多關鍵資料集尚未開放；未能有效提升政府效率與執行力"),
    "社會影響": ("social", "2-4 開放資料影響力評估 › 社會面影響",
             "有助於民眾進一步了解公共事務，並促進公民參與；無實際改善對弱勢群體的公共服務"),
    "經濟影響": ("economic", "2-4 開放資料影響力評估 › 經濟面影響",
             "已促成零星的新興商業模式，但仍無成形的資料經濟產業鏈；政府以資料擁有者的優勢搶占應用市場，扼殺資料經濟的發展"),
}
SUBINDEX = {"政策基礎": "readiness", "影響力": "impact"}

NOTES = [
    "The published assessment of Taiwan's 2014–2016 Open Government Report (Open Culture Foundation, 2017), chapter 2:",
    "the researchers' readiness (C1-C9) and impact (I1-I6) judgments from the published score table, and the",
    "89 datasets' survey answers of ocf-2016-survey. Built by tools/build_published_rubric.py from",
    "odaudit/data/surveys/ocf-2017-weighted-score.csv (data/Weighted Score.csv of ocftw/OpenGovReport14-16 at",
    f"commit {COMMIT}, MIT License) and odaudit/data/rubrics/ocf-2016-survey.yaml; do not edit by hand.",
    "The platform answers are the data.gov.tw row of the 2017 platform survey (reviewer 小克), from",
    "odaudit/data/surveys/ocf-2017-platform-survey.csv (data/Platform Survey.csv of the same commit, CC0 1.0).",
    "Score it without a snapshot: odaudit score --rubric ocf-2017-published --out DIR (every answer is the researchers').",
    "Known differences from the published table (see reports/ocf-2017/README.md): categories 0.3 and 3.2, whose",
    "published scores are the mean of one survey row fewer than the survey holds; weights and weighted scores that",
    "the table rounds to 2 decimals (4.38% for 4.375%).",
]


def read_table(path: Path) -> dict[str, tuple[int, dict[str, str]]]:
    """Readiness and impact rows of the score table by item id, with their line numbers (header = line 1)."""
    rows: dict[str, tuple[int, dict[str, str]]] = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):  # no quoted newlines in this table
            if row["Category"] in SUBINDEX:
                rows[row["Item"]] = (line, row)
    return rows


def judgment(item_id: str, line: int, row: dict[str, str]) -> tuple[float, str, list[str]]:
    raw = float(row["Raw Score"])
    if f"{raw * 10:.2f}" != row["100/100"]:
        raise SystemExit(f"{SCORES}:{line}: {item_id}: raw score {row['Raw Score']} is not 100/100 {row['100/100']} / 10")
    _, section, findings = SECTIONS[row["Sub-category"]]
    # In Chinese, as the report and its readers are: the researchers' text, shown as written in both editions.
    evidence = (f"出處：已發布評分表 Weighted Score.csv 第 {line} 行：{item_id} {row['Display Name']}"
                f"（{row['Category']} › {row['Sub-category']}）{row['Raw Score']} 分（滿分 10；百分制 {row['100/100']}；"
                f"加權 {row['Weighted Score']}，權重 {row['Weight']}）。理由：《2014–2016 開放政府觀察報告》第二章 "
                f"§{section}：{findings}。")
    return raw, evidence, [TABLE_URL, CH2_ZH, CH2_EN]


def judged(tree: Judged, subindex: str, table: dict[str, tuple[int, dict[str, str]]]) -> Judged:
    """`tree` with every item scored from the table; an item missing from the table, or filed under
    another component than the table says, stops the build."""
    components = []
    for comp in tree.components:
        items = []
        for it in comp.items:
            if it.id not in table:
                raise SystemExit(f"{SCORES}: no row for {subindex} item {it.id}")
            line, row = table.pop(it.id)
            if SUBINDEX[row["Category"]] != subindex or SECTIONS[row["Sub-category"]][0] != comp.id:
                raise SystemExit(f"{SCORES}:{line}: {it.id} is under {row['Sub-category']}, the rubric has it in {comp.id}")
            score, evidence, links = judgment(it.id, line, row)
            items.append(it.model_copy(update={"score": score, "evidence": evidence, "links": links}))
        components.append(comp.model_copy(update={"items": items}))
    return tree.model_copy(update={"components": components})


def build() -> str:
    survey: Rubric = load_rubric(SURVEY)
    table = read_table(SCORES)
    assert survey.readiness is not None and survey.impact is not None
    rubric = survey.model_copy(update={
        "name": "ocf-2017-published",
        "title": "OCF 2014–2016 Open Government Report: the published assessment (readiness, 89 datasets, impact)",
        "readiness": judged(survey.readiness, "readiness", table),
        "impact": judged(survey.impact, "impact", table),
        # the platform survey's row for data.gov.tw (reviewer 小克): the report's platform answers
        "platform": survey_answers("http://data.gov.tw/"),
    })
    if table:
        raise SystemExit(f"{SCORES}: items not in the rubric: {', '.join(sorted(table))}")
    # Keep the survey rubric's '# line N: name' comment above each dataset, so a reader finds its row.
    notes = {}
    for ref, entry in rubric.datasets.items():
        m = re.search(r"line (\d+)", next(iter(entry.answers.values())).reason) if entry.answers else None
        if m:
            notes[ref] = [f"line {m.group(1)}: {entry.name}"]
    return rubric_yaml(rubric, notes=NOTES, dataset_notes=notes)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    text = build()
    args.out.write_text(text, encoding="utf-8")
    load_rubric(args.out)  # it must read back as a valid rubric
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
