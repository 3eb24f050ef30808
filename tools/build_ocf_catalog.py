#!/usr/bin/env python3
"""Build odaudit/data/catalogs/ocf-2017.yaml: the datasets of OCF's 2014-2016 Open Government Report.

    python tools/build_ocf_catalog.py [--shared ../shared] [--out odaudit/data/catalogs/ocf-2017.yaml]

Inputs (in the shared reference folder, not shipped with odaudit):
    catalog-seeds/ocf-2017-dataset-selection.csv  tier, category, dataset_name, url (89 rows)
    reference/methodology.md §2.1                 the 20 categories with English and Chinese names

data.gov.tw/node/N links become `id: "N"`; other links become `url:`; rows without a link stay
as datasets with neither, and a note. The output is deterministic and checked by loading it
with odaudit.catalog.load_catalog.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import FoldedScalarString

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from odaudit.catalog import load_catalog  # noqa: E402

DEFAULT_SHARED = ROOT.parent / "shared"
DEFAULT_OUT = ROOT / "odaudit" / "data" / "catalogs" / "ocf-2017.yaml"

NODE_RE = re.compile(r"^https?://(?:www\.)?data\.gov\.tw/(?:node|dataset)/(\d+)/?$")

# What each category covers, read off the datasets OCF chose for it. Short and factual.
RATIONALE = {
    "0.1": "The laws and regulations in force and the drafts under consultation: the rules that bind government, citizens and businesses.",
    "0.2": "How government is organised and staffed: agency structures, civil-service statistics and administrative boundaries.",
    "0.3": "Court judgments, indictments and case statistics, which show how the law is applied.",
    "1.1": "Election and recall results and related court cases: how representatives are chosen and removed.",
    "1.2": "Budgets, final accounts and spending reports: how public money is planned and spent.",
    "1.3": "Political donations, officials' asset declarations and fines published under Taiwan's sunshine laws.",
    "2.1": "Population, national income, price and land-use statistics and base maps that other analyses build on.",
    "2.2": "Registers of companies, unions, non-profit organisations and government-funded foundations.",
    "2.3": "Tenders and awards of public procurement and the progress of major public works.",
    "2.4": "Treaties, participation in international organisations, foreign aid and conscription statistics.",
    "3.1": "Inspection results and sanctions: labour-law, competition, pollution, drug-advertising and fire-safety violations.",
    "3.2": "Crime statistics and traffic accidents.",
    "3.3": "Air and water quality, soil and groundwater pollution and waste: measurements that bear on public health.",
    "4.1": "Public transport, broadband and telecommunications, electricity and water supply.",
    "4.2": "Health insurance, hospital staffing and beds, disease and vaccination statistics.",
    "4.3": "Schools, teachers and students, enrolment and progression rates.",
    "5.1": "Business licences, patents and trademarks, and which activities need a permit.",
    "5.2": "Land values, real-estate transactions, bank deposits and loans, and key financial indicators.",
    "5.3": "Import and export values by country, commodity and trade classification.",
    "5.4": "Labour force, employment by industry, wages, labour disputes and labour insurance.",
}

TITLE = "OCF 2014–2016 Open Government Report: 89 key datasets in 20 categories"
SOURCE = "https://github.com/ocftw/OpenGovReport14-16 (data/Dataset Survey.csv, CC0 1.0)"
METHOD = (
    "The datasets assessed in chapter 2 (Open Government Data) of Taiwan's 2014–2016 Open Government "
    "Report (開放政府觀察報告), published in 2017 by the Open Culture Foundation (OCF). Instead of the Open "
    "Data Barometer's 15 dataset categories, the report used the g0v community's \"20 Dataset Categories "
    "of a Data-Centric Government\" (Data-Centric Government 的 20 大類資料), grouped in 6 tiers, and chose "
    "3–5 key datasets per category, 89 in all, which reviewers answered on ten ODB-style questions. "
    "This catalog keeps that selection with the links the survey recorded: {portal} datasets on "
    "data.gov.tw (by dataset id), {external} on agency websites (by URL) and {missing} that the survey did "
    "not find online. Source: ocftw/OpenGovReport14-16, data/Dataset Survey.csv (CC0 1.0); the survey's "
    "answers are not included."
)
MISSING_NOTE = "not found online by the OCF survey (no link recorded)"


def read_categories(methodology: Path) -> list[dict]:
    """The 20 categories of methodology.md §2.1: id, English and Chinese names, tier."""
    text = methodology.read_text(encoding="utf-8")
    section = text.split("### 2.1", 1)[1].split("\n### ", 1)[0]
    cats: list[dict] = []
    for line in section.splitlines():
        m = re.match(r"^\|\s*(\d) (.+?) (\S+)\s*\|(.+)\|\s*$", line)
        if not m:
            continue
        tier = f"{m.group(1)} {m.group(3)} {m.group(2)}"
        for item in m.group(4).split(" · "):
            cm = re.match(r"^\s*(\d\.\d) (.+) (\S+)\s*$", item)
            if not cm:
                raise SystemExit(f"{methodology}: cannot read category {item!r}")
            cats.append({"id": cm.group(1), "en": cm.group(2), "zh": cm.group(3), "tier": tier})
    if len(cats) != 20:
        raise SystemExit(f"{methodology}: found {len(cats)} categories in §2.1, expected 20")
    return cats


def read_seeds(seeds: Path) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(seeds.read_text(encoding="utf-8-sig"), newline="")))
    if not rows or set(rows[0]) != {"tier", "category", "dataset_name", "url"}:
        raise SystemExit(f"{seeds}: expected columns tier, category, dataset_name, url")
    return rows


def build(cats: list[dict], rows: list[dict[str, str]]) -> tuple[CommentedMap, dict[str, int], list[str]]:
    by_id: dict[str, list[dict]] = {c["id"]: [] for c in cats}
    variants: list[str] = []
    counts = {"portal": 0, "external": 0, "missing": 0}
    for n, row in enumerate(rows, start=2):
        cat_id, _, zh = row["category"].strip().partition(" ")
        if cat_id not in by_id:
            raise SystemExit(f"seed line {n}: unknown category {row['category']!r}")
        cat = next(c for c in cats if c["id"] == cat_id)
        if zh != cat["zh"]:
            variants.append(f"{cat_id}: the survey writes {zh}, Table 2.5 {cat['zh']}")
        ds = CommentedMap()
        ds["name"] = row["dataset_name"].strip()
        url = row["url"].strip()
        m = NODE_RE.match(url)
        if m:
            ds["id"] = m.group(1)
            counts["portal"] += 1
        elif url:
            ds["url"] = url
            counts["external"] += 1
        else:
            ds["note"] = MISSING_NOTE
            counts["missing"] += 1
        by_id[cat_id].append(ds)
    for row in rows:
        tier_survey = row["tier"].strip()
        tier_table = next(c["tier"] for c in cats if c["id"] == row["category"].split(" ")[0])
        if tier_survey.split(" ")[1] != tier_table.split(" ")[1]:
            v = f"tier {tier_survey.split(' ')[0]}: the survey writes {tier_survey.split(' ')[1]}, Table 2.5 {tier_table.split(' ')[1]}"
            if v not in variants:
                variants.append(v)

    doc = CommentedMap()
    doc["name"] = "ocf-2017"
    doc["title"] = TITLE
    doc["portal"] = "https://data.gov.tw"
    doc["method"] = FoldedScalarString(METHOD.format(**counts))
    doc["source"] = SOURCE
    categories = CommentedSeq()
    for c in cats:
        cm = CommentedMap()
        cm["id"] = c["id"]
        cm["name"] = f"{c['zh']} {c['en']}"
        cm["tier"] = c["tier"]
        cm["rationale"] = RATIONALE[c["id"]]
        cm["datasets"] = CommentedSeq(by_id[c["id"]])
        categories.append(cm)
    doc["categories"] = categories
    return doc, counts, sorted(set(variants))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    cats = read_categories(args.shared / "reference" / "methodology.md")
    rows = read_seeds(args.shared / "catalog-seeds" / "ocf-2017-dataset-selection.csv")
    doc, counts, variants = build(cats, rows)

    header = [
        "ocf-2017: the datasets of OCF's 2014-2016 Open Government Report (published 2017).",
        "Generated by tools/build_ocf_catalog.py; edit that tool and re-run it rather than this file.",
        "Sources: the report's survey data, ocftw/OpenGovReport14-16 data/Dataset Survey.csv (CC0 1.0),",
        "reduced to tier, category, dataset name and link; category names from the report's Table 2.5",
        "(English and Chinese); rationales summarise what the chosen datasets cover.",
        f"{len(rows)} datasets: {counts['portal']} on data.gov.tw (id), {counts['external']} elsewhere (url), "
        f"{counts['missing']} not found online (note).",
        *(f"Name variant: {v}." for v in variants),
    ]
    doc.yaml_set_start_comment("\n".join(header))
    yaml = YAML()
    yaml.version = None
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    buf = io.StringIO()
    yaml.dump(doc, buf)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(buf.getvalue(), encoding="utf-8")

    cat = load_catalog(args.out)
    n = len(cat.entries())
    kinds = [d.kind for _, d in cat.entries()]
    assert n == len(rows) and kinds.count("portal") == counts["portal"], "the written catalog does not load back"
    urls = [d.url for _, d in cat.entries() if d.url]
    shared_urls = sorted({u for u in urls if urls.count(u) > 1})
    print(f"{args.out}: {len(cat.categories)} categories, {n} datasets "
          f"({counts['portal']} portal, {counts['external']} external, {counts['missing']} missing)")
    for u in shared_urls:
        print(f"note: several datasets share the URL {u}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
