"""The platform section of report.md and of the site's platform page: the rows of
scoring/platform.PlatformResult in the report's language (the researchers' and the portal's text kept as written)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..scoring.platform import BY_ID, COUNT, FIELD, MEASURED, PlatformResult, PlatformRow
from .i18n import t, yes_no
from .numbers import fmt, pct
from .safe import code, md, md_link


@dataclass(frozen=True, slots=True)
class ShownRow:
    """One platform question as a report shows it (plain text: the caller escapes it)."""

    question: str
    label: str
    survey: str
    answer: str
    basis: str
    value: str
    evidence: str
    source: str
    links: tuple[str, ...]


def _value(row: PlatformRow, lang: str) -> str:
    if row.kind == FIELD and row.basis == MEASURED:
        return t("pf_share", lang, share=pct(float(row.value)), n=f"{row.n:,}", N=f"{row.measured:,}")
    if row.kind == COUNT and row.basis == MEASURED:
        return f"{row.n:,}"
    return row.value


def _evidence(row: PlatformRow, lang: str, whole: bool) -> str:
    parts = []
    if row.kind == FIELD and row.not_measured:
        parts.append(t("pf_unmeasured", lang, u=f"{row.not_measured:,}"))
    if row.kind == FIELD and row.measured == 0 and row.not_measured:
        parts.insert(0, t("pf_share_none", lang))
    if row.kind == COUNT and row.basis == MEASURED:
        parts.append(t("pf_count_whole" if whole else "pf_count_manifest", lang, n=f"{row.n:,}"))
    elif row.kind == COUNT and row.basis == "not_measured":
        parts.append(t("pf_count_selection", lang))
    if row.question == "licence_terms" and row.measured:
        key = "pf_licence_named" if row.top else "pf_licence_none"
        parts.append(t(key, lang, n=f"{row.n:,}", N=f"{row.measured:,}", top=row.top))
    return "; ".join(parts)


def _source(row: PlatformRow, lang: str) -> str:
    parts = [t("pf_reviewer", lang, who=row.reviewer) if row.reviewer else "", t("pf_from", lang, src=row.source_ref) if row.source_ref else "",
             row.reason, t("pf_rubric_value", lang, v=row.rubric_value) if row.rubric_value else ""]
    return "; ".join(p for p in parts if p)


def shown_rows(p: PlatformResult, lang: str, *, whole: bool) -> list[ShownRow]:
    return [ShownRow(row.question, t(f"pq_{row.question}", lang), BY_ID[row.question].survey, yes_no(row.answer, lang),
                     t(f"pb_{row.basis}", lang), _value(row, lang), _evidence(row, lang, whole), _source(row, lang), row.links)
            for row in p.rows]


def score_line(p: PlatformResult, lang: str) -> str:
    if p.score is not None:
        return t("platform_score", lang, score=fmt(p.score), m=p.scorable)
    if p.score_answered is not None:
        return t("platform_score_partial", lang, k=p.scored, m=p.scorable, score=fmt(p.score_answered))
    return t("platform_score_none", lang, m=p.scorable)


def section(p: PlatformResult, lang: str, *, whole: bool, table: Callable[..., list[str]]) -> list[str]:
    """The report.md section: intro, score, one table row per question."""
    lines = [f"## {t('platform', lang)}", "", t("platform_intro", lang), "",
             t("platform_portal", lang, portal=md(p.portal), adapter=code(p.adapter)), "", score_line(p, lang), ""]
    rows = [(f"`{code(s.question)}` {md(s.label)}", md(s.answer), md(s.basis), md(s.value), md(s.evidence),
             " ".join([md(s.source), *(md_link(u, u) for u in s.links)]).strip()) for s in shown_rows(p, lang, whole=whole)]
    headers = [t("question", lang), t("pf_answer", lang), t("pf_basis", lang), t("pf_value", lang), t("pf_evidence", lang),
               t("pf_source", lang)]
    return lines + table(headers, rows)
