"""Any Rubric back to YAML text that `load_rubric` reads as the same rubric.

`rubric import` of a reviewer sheet and `rubric merge` build rubrics as models; this writes
them out whole (settings, judged items, manual answers), with every string quoted by
`template.q` and every number written so that it reads back exactly (repr of a float is exact).
Comments may be added per dataset entry (who said what, in a merge).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .questions import QUESTIONS
from .rubric import Judged, Merged, Rubric
from .template import comment, platform_block, q


def num(x: float | int | None) -> str:
    if x is None:
        return "null"
    if isinstance(x, float) and x.is_integer():
        return repr(int(x)) if abs(x) < 1e15 else repr(x)
    return repr(x)


def _links(links: Iterable[str]) -> str:
    return "[" + ", ".join(q(u) for u in links) + "]"


def _judged(name: str, judged: Judged | None) -> list[str]:
    if judged is None:
        return [f"{name}: null"]
    lines = [f"{name}:", "  components:"]
    for c in judged.components:
        lines += [f"    - id: {q(c.id)}", f"      name: {q(c.name)}", f"      weight: {num(c.weight)}", "      items:"]
        for it in c.items:
            lines += [f"        - id: {q(it.id)}", f"          name: {q(it.name)}", f"          score: {num(it.score)}",
                      f"          evidence: {q(it.evidence)}", f"          links: {_links(it.links)}"]
    return lines


def _merged(m: Merged | None) -> list[str]:
    if m is None:
        return []
    lines = ["# Written by `odaudit rubric merge`: the reviewers, the rule that settled their disagreements,",
             "# and their agreement (percent of units on which all who answered agree; Krippendorff's alpha).",
             "merged:", f"  reviewers: [{', '.join(q(r) for r in m.reviewers)}]", f"  resolve: {q(m.resolve)}",
             f"  unresolved: {m.unresolved}", "  agreement:"]
    if not m.agreement:
        lines[-1] += " []"
    for a in m.agreement:
        lines.append(f"    - {{question: {q(a.question)}, items: {a.items}, reviewers: {a.reviewers}, "
                     f"percent_agreement: {num(a.percent_agreement)}, alpha: {num(a.alpha)}}}")
    return lines


def rubric_yaml(rubric: Rubric, *, notes: Iterable[str] = (), dataset_notes: Mapping[str, list[str]] | None = None,
                answer_notes: Mapping[tuple[str, str], list[str]] | None = None) -> str:
    """The whole rubric as YAML 1.2 text. `dataset_notes[ref]` and `answer_notes[(ref, question)]`
    become comment lines above that entry or answer."""
    r = rubric
    lines = [f"# odaudit rubric: {comment(r.title or r.name)}", *(f"# {comment(n)}" for n in notes), "#",
             "# Loaded as YAML 1.2 (so NO and yes stay text). Check it with: odaudit rubric check FILE",
             f"version: {r.version}", f"name: {q(r.name)}", f"title: {q(r.title)}", f"catalog: {q(r.catalog)}",
             f"method: {r.method}", "odb:", f"  outdated_penalty: {num(r.odb.outdated_penalty)}",
             f"  penalty_when: {r.odb.penalty_when}", "points:"]
    lines += [f"  {x.id}: {num(r.question_points[x.id])}" for x in QUESTIONS]
    lines += ["weights:", f"  readiness: {num(r.weights.readiness)}", f"  implementation: {num(r.weights.implementation)}",
              f"  impact: {num(r.weights.impact)}"]
    lines += _judged("readiness", r.readiness)
    cw = r.implementation.category_weights
    cw_text = "null" if cw is None else "{" + ", ".join(f"{q(k)}: {num(v)}" for k, v in cw.items()) + "}"
    lines += ["implementation:", f"  category_weights: {cw_text}"]
    lines += _judged("impact", r.impact)
    lines += _merged(r.merged)
    if r.platform:  # only a rubric with platform answers gets the block: others read back as written
        lines += platform_block(r.platform)
    lines += ["datasets:" if r.datasets else "datasets: {}"]
    for ref, entry in r.datasets.items():
        lines += [f"  # {comment(n)}" for n in (dataset_notes or {}).get(ref, [])]
        lines += [f"  {q(ref)}:", f"    name: {q(entry.name)}"]
        if entry.note:
            lines.append(f"    note: {q(entry.note)}")
        lines.append("    answers:" if entry.answers else "    answers: {}")
        for x in QUESTIONS:
            ans = entry.answers.get(x.id)  # type: ignore[call-overload]
            if ans is None:
                continue
            lines += [f"      # {comment(n)}" for n in (answer_notes or {}).get((ref, x.id), [])]
            value = "null" if ans.answer is None else ("yes" if ans.answer else "no")
            ev = f", evidence: {_links(ans.evidence)}" if ans.evidence else ""
            lines.append(f"      {x.id}: {{answer: {value}, reason: {q(ans.reason)}{ev}}}")
    return "\n".join(lines) + "\n"


def plain(rubric: Rubric) -> dict[str, Any]:
    """The rubric as plain data, for comparing two rubrics (what they say, not how they are written)."""
    return json.loads(rubric.model_dump_json())
