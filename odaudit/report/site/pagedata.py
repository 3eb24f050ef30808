"""What each page shows beyond the SiteView: its title, breadcrumbs and the figures it computes.
Plain data; the numbers come from the ScoreResult as the markdown report reads them."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from ...scoring.questions import QUESTIONS
from .. import i18n
from .view import Agency, Category, Dataset, SiteView


def _t(lang: str):
    return lambda key, **kw: i18n.t(key, lang, **kw)


def _alt(v: SiteView, lang: str) -> dict[str, str]:
    """Charts' alternative text: the chart's title and the figures it draws, for readers who cannot see it."""
    tr = _t(lang)
    sep = tr("list_sep")
    cats = sep.join(f"{c.id} {c.name}: {'—' if c.score is None else f'{c.score:.1f}'}" for c in v.categories if c.score is not None)
    years = sep.join(f"{y['year']}: {y['datasets']} / {y['quality_datasets']}" for y in v.rows["years"] if y["year"] != "(unknown)")
    stars = sep.join(f"{'★' * s}: {sum(1 for g in v.agencies if g.stars == s)}" for s in range(1, 6))
    return {"categories": f"{tr('chart_categories')}. {cats}", "quality": f"{tr('chart_quality')} ({tr('raw_n')} / {tr('quality_n')}). {years}",
            "agencies": f"{tr('chart_agencies')}. {stars}"}


def overview_page(v: SiteView, lang: str) -> dict[str, Any]:
    from .build import link

    r = v.r
    a = r.answers
    scored = sorted((c for c in v.categories if c.score is not None), key=lambda c: (c.score, c.id))
    k = min(3, len(scored) // 2)
    sep = i18n.t("list_sep", lang)

    def cats(cs: list[Category]) -> Markup:
        return Markup(sep).join(link(f"category/{c.slug}.html", f"{c.name} ({c.score:.1f})") for c in cs)

    return {"title": i18n.t("site_nav_overview", lang), "crumbs": [],
            "weak": cats(scored[:k]) if k else "", "strong": cats(scored[::-1][:k]) if k else "",
            "unanswered_items": sum(1 for n in r.nodes if n.level == "item" and n.score is None),
            "open_n": sum(1 for d in v.datasets if d.open), "in_snapshot": int(r.datasets.drop_duplicates("key")["in_snapshot"].sum()),
            "manual_n": int((a["source"] == "manual").sum()), "unanswered_n": int((a["source"] == "unanswered").sum()),
            "alt": _alt(v, lang), "platform_line": _platform_line(v, lang)}


def _platform_line(v: SiteView, lang: str) -> str:
    from ..platform import score_line

    return score_line(v.r.platform, lang)


def method_page(v: SiteView, lang: str) -> dict[str, Any]:
    r = v.r
    a = r.answers
    items = [n for n in r.nodes if n.level == "item"]
    tree = [n for n in r.nodes if n.level in ("barometer", "subindex", "category") or (n.level in ("component", "item") and n.weight > 0)]
    check_questions: dict[str, list[str]] = {}
    for q in QUESTIONS:
        for c in q.checks:
            check_questions.setdefault(c, []).append(q.id)
    for row in v.rows["quality"]:
        check_questions.setdefault(row["check"], [])
    doctor = ""
    if r.has_snapshot:
        verdict = r.doctor.get("verdict")
        doctor = (i18n.t("doctor_none", lang) if not verdict else i18n.t("doctor_ok", lang) if verdict == "ok"
                  else i18n.t("doctor_drift", lang, verdict=str(verdict)))
    return {"title": i18n.t("method", lang), "crumbs": [], "tree": tree, "check_questions": check_questions, "doctor": doctor,
            "cat_slug": {f"implementation/{c.id}": c.slug for c in v.categories},
            "weights": {n.id: n.weight for n in r.nodes if n.level == "subindex"},
            "answers": {"auto": int((a["source"] == "auto").sum()), "total": len(a), "manual": int((a["source"] == "manual").sum()),
                        "unanswered": int((a["source"] == "unanswered").sum()),
                        "judged_answered": sum(1 for i in items if i.score is not None), "judged_total": len(items)}}


def category_page(v: SiteView, c: Category, lang: str) -> dict[str, Any]:
    seen: set[str] = set()
    ds = [v.by_key[k] for k in c.datasets if not (k in seen or seen.add(k))]
    return {"title": f"{c.id} {c.name}", "crumbs": [("index.html#categories", i18n.t("categories", lang))], "c": c, "ds": ds}


def agency_page(v: SiteView, g: Agency, lang: str) -> dict[str, Any]:
    ds: list[Dataset] = [v.by_key[k] for k in g.keys]
    failing = [(d, res, f) for d in ds for res, f in d.failing]
    return {"title": g.name or i18n.t("unknown_agency", lang), "crumbs": [("agencies.html", i18n.t("agencies", lang))], "g": g, "ds": ds,
            "failing": failing}


def dataset_page(v: SiteView, d: Dataset, lang: str) -> dict[str, Any]:
    return {"title": d.name or d.key, "crumbs": [("datasets.html", i18n.t("site_nav_datasets", lang))], "d": d}


def badges_page(v: SiteView, lang: str) -> dict[str, Any]:
    return {"title": i18n.t("badges", lang), "crumbs": [],
            "fails": [(v.by_key[k], e) for k, e in v.badge_fails if k in v.by_key]}


def platform_page(v: SiteView, lang: str) -> dict[str, Any]:
    """The portal itself (scoring/platform.py), as the report's platform section shows it."""
    from ..platform import score_line, shown_rows

    p = v.r.platform
    return {"title": i18n.t("platform", lang), "crumbs": [], "portal": p.portal, "adapter": p.adapter,
            "score_line": score_line(p, lang), "rows": shown_rows(p, lang, whole=v.r.whole_portal)}
