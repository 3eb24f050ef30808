"""Rubric YAML text for humans: the OCF 35/35/30 tree with unanswered items, headers, and
per-dataset blocks. Used by the shipped rubric, `rubric init` and `rubric import`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..text import UNSAFE, visible
from .platform import COUNT, FIELD, PLATFORM_QUESTIONS
from .questions import QUESTIONS

#: OCF Table 2.7 (methodology §2.3): readiness and impact components and their items.
#: The ODB codes are inferred from the labels (methodology §2.3 note), given for orientation only.
OCF_READINESS = (
    ("policies", "法規政策 Government policies", (("C2", "政策 Open data policy or strategy", "ODB.2015.C.POLI"),
                                               ("C3", "程序 Consistent data management and publication", "ODB.2015.C.MANAG"))),
    ("action", "政府執行 Government action", (("C1", "資源 Well-resourced open government data initiative", "ODB.2013.C.INIT"),
                                          ("C8", "地方 City and local government initiatives", "ODB.2013.C.CITY"))),
    ("business", "經濟創新 Entrepreneurs & business", (("C7", "創新 Support for data-driven innovation", "ODB.2013.C.SUPIN"),
                                                    ("C9", "課程 Training in data skills", "ODB.2013.C.TRAIN"))),
    ("citizens", "公民社會 Citizens & civil society", (("C4", "隱私權 Data protection", "ODB.2013.C.DPL"),
                                                    ("C5", "知情權 Right to information", "ODB.2013.C.RTI"),
                                                    ("C6", "互動 Civil-society engagement", "ODB.2013.C.CSOC"))),
)
OCF_IMPACT = (
    ("political", "政治影響 Political impact", (("I1", "效率 Government efficiency and effectiveness", "ODB.2013.I.GOV"),
                                            ("I2", "透明 Transparency and accountability", "ODB.2013.I.ACCOUNT"))),
    ("social", "社會影響 Social impact", (("I3", "環境 Environmental sustainability", "ODB.2013.I.ENV"),
                                      ("I4", "平等 Inclusion of marginalised groups", "ODB.2013.I.INC"))),
    ("economic", "經濟影響 Economic impact", (("I5", "經濟 Positive impact on the economy", "ODB.2013.I.ECON"),
                                          ("I6", "新創 Entrepreneurs building businesses on open data", "ODB.2013.I.ENTR"))),
)


def q(text: str) -> str:
    """A YAML 1.2 double-quoted scalar (JSON strings are valid YAML) that reads back as `text`.

    json.dumps escapes the C0 controls but leaves DEL, the C1 controls, U+FFFE/U+FFFF (which
    YAML forbids), the line separators and the bidi controls raw: escape those too, so the file
    shows them and loads back the same string.
    """
    return UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def comment(text: str) -> str:
    """Text made safe for one YAML comment line: one line, and every character YAML forbids (NUL,
    ESC, …) or that would mislead a reader (bidi overrides) written as a visible escape (`\\x1b`)."""
    return visible(re.sub(r"[\r\n\u2028\u2029\x85]+", " ", text).strip())


def _judged(name: str, components: tuple, weight: float) -> list[str]:
    lines = [f"{name}:", "  components:"]
    for cid, cname, items in components:
        lines += [f"    - id: {cid}", f"      name: {q(cname)}", "      items:"]
        for iid, iname, code in items:
            lines += [f"        - id: {iid}", f"          name: {q(iname)}   # {code} (inferred from the label)",
                      "          score: null      # 0-10; null = not judged yet (reported as unanswered)",
                      '          evidence: ""', "          links: []"]
    return lines


def header(*, name: str, title: str, catalog: str, method: str, notes: Iterable[str] = ()) -> list[str]:
    lines = [f"# odaudit rubric: {comment(title)}"]
    lines += [f"# {comment(n)}" for n in notes]
    lines += [
        "#",
        "# Loaded as YAML 1.2 (so NO and yes stay text). Check it with: odaudit rubric check FILE",
        "version: 1",
        f"name: {q(name)}",
        f"title: {q(title)}",
        f"catalog: {q(catalog)}        # bundled catalog name, a path relative to this file, or all (the whole portal)",
        f"method: {method}            # flat (OCF 2014-2016: plain weighted sum) or odb (ODB chaining, -5 when outdated)",
        "odb:",
        "  outdated_penalty: 5",
        "  penalty_when: odb-r    # odb-r: only when exists and online are yes (odb2014.r dataScore); any: whenever outdated",
        "# Points per question (ODB a-j = OCF Table 2.6); they must sum to 100.",
        "points:",
    ]
    lines += [f"  {x.id + ':':<17} {x.points:<3g}  # {x.number}. {x.zh}" for x in QUESTIONS]
    lines += [
        "# Sub-index weights (OCF Table 2.7, ODB 3rd edition); they must sum to 1.",
        "weights:",
        "  readiness: 0.35",
        "  implementation: 0.35",
        "  impact: 0.30",
        "# Readiness and impact: researchers' 0-10 judgments. Components weigh the same unless every",
        "# component of a sub-index gives a weight (summing to 1). Nothing here is filled in: scores are",
        "# never invented, and the report lists every unanswered item.",
    ]
    lines += _judged("readiness", OCF_READINESS, 0.35)
    lines += ["implementation:", "  category_weights: null   # null = every catalog category weighs the same; or {\"0.1\": 0.05, ...}"]
    lines += _judged("impact", OCF_IMPACT, 0.30)
    return lines


def manual_block(key: str, name: str, answers: dict[str, tuple[bool | None, str, list[str]]], notes: Iterable[str] = ()) -> list[str]:
    """One dataset entry: {question: (answer, reason, evidence links)}."""
    lines = [f"  # {comment(n)}" for n in notes]
    lines += [f"  {q(key)}:", f"    name: {q(name)}", "    answers:"]
    for question in QUESTIONS:
        if question.id not in answers:
            continue
        value, reason, links = answers[question.id]
        ans = "null" if value is None else ("yes" if value else "no")
        ev = ", ".join(q(u) for u in links)
        lines.append(f"      {question.id}: {{answer: {ans}, reason: {q(reason)}{', evidence: [' + ev + ']' if links else ''}}}")
    return lines


PLATFORM_HELP = (
    "# Platform questions (the 2017 platform survey; scored apart from the barometer). Answer the judged ones",
    "# with what you saw on the portal: {answer: yes|no, value: \"…\", reason: \"…\", reviewer: \"…\", source: \"…\", evidence: [links]}.",
    "# field_* and dataset_count are measured from a snapshot where it can; your answer is kept beside the measurement.",
)


def platform_block(answers: Mapping[str, Any] | None) -> list[str]:
    """The rubric's `platform:` mapping, one line per question (PlatformAnswer-like values; None = unanswered)."""
    lines = [*PLATFORM_HELP, "platform:"]
    for x in PLATFORM_QUESTIONS:
        a = (answers or {}).get(x.id)
        ans = "null" if a is None or a.answer is None else ("yes" if a.answer else "no")
        kind = {COUNT: "measured when the snapshot knows it", FIELD: "measured from the snapshot"}.get(x.kind, "judged")
        lines.append(f"  # {comment(x.survey)} ({kind})")
        parts = [f"answer: {ans}", f"value: {q(a.value if a else '')}", f"reason: {q(a.reason if a else '')}",
                 f"reviewer: {q(a.reviewer if a else '')}", f"source: {q(a.source if a else '')}"]
        if a is not None and a.evidence:
            parts.append("evidence: [" + ", ".join(q(u) for u in a.evidence) + "]")
        lines.append(f"  {x.id}: {{{', '.join(parts)}}}")
    return lines


def render(*, name: str, title: str, catalog: str, method: str = "flat", notes: Iterable[str] = (),
           datasets: list[str] | None = None, platform: Mapping[str, Any] | None = None, with_platform: bool = False) -> str:
    lines = header(name=name, title=title, catalog=catalog, method=method, notes=notes)
    if with_platform or platform:
        lines += platform_block(platform)
    lines += ["# Manual answers, keyed by portal id, snapshot key (tw:…, ext:…, none:…) or catalog name.",
              "# Each needs a written reason; it overrides the measured answer and is listed in the report."]
    entries = [d for d in datasets or () if not d.lstrip().startswith("#")]
    lines += ["datasets:" if entries else "datasets: {}", *(datasets or ())]
    return "\n".join(lines) + "\n"
