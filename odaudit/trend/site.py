"""The site of a trend (DIR/site/ of `odaudit trend`): the same kind of static, bilingual site as
a score report's and a diff's (odaudit/report/site/build.py `write_editions`), over a TrendResult.

    site/index.html      the snapshots in crawl order (and the order warning), quantity against
                         quality-adjusted counts per snapshot with the chart, the indexes, the checks
    site/broken.html     the longest-broken resources: streak, since, history, latest evidence
    site/agencies.html   agencies improving and declining, and every agency, first → last
    site/agency/a-<hash>.html  one agency: its series, its chart (if it improved or declined most),
                         and every check of its datasets that failed or changed, with the evidence
    site/<other-lang>/…  the same pages in the other language

The figures are the ones trend.md gives (odaudit.trend.agencies computes the agencies' for both);
portal text as published (`text`), evidence through the catalog's `localise` (build.evidence_text).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..diff.engine import reason_text
from ..report import i18n
from ..report.safe import safe_url
from ..report.site.build import md_inline, write_editions
from ..report.site.slugs import digest, slug_map
from ..report.site.view import number, prose, text
from .agencies import AgencyChange, agency_changes, agency_points, improved_declined
from .engine import TrendResult
from .series import INDEXES
from .siterows import RowMaker, crawl_time

NAV = (("index.html", "site_nav_overview"), ("broken.html", "site_t_nav_broken"), ("agencies.html", "site_nav_agencies"))
#: rows of broken.html (the longest broken); every one of them is on its agency's page whatever the count
BROKEN_LIMIT = 1000
#: agencies of each list (improved, declined) that get a chart on their page: a chart costs ~0.3 s per edition
CHARTED = 5
PORTAL_MEASURES = ("datasets", "quality_datasets", "quality_share", "open_datasets", "resources")


@dataclass
class Unit:
    """One row of resource_history.csv as the site shows it."""

    anchor: str
    dataset: str
    name: str
    page: str | None
    agency_slug: str
    resource: str  # "#0", or "" for a check of the whole dataset
    url: str
    link: str | None
    check: str
    outcome: str
    since: str
    streak: int
    first_failed: str
    last_passed: str
    history: list[str]
    measured: str
    evidence: str


@dataclass
class AgencyView:
    key: str
    name: str
    slug: str
    change: AgencyChange
    #: per snapshot, in crawl order: measure → value, or None where the agency had no dataset
    points: list[dict[str, float] | None]
    units: list[Unit] = field(default_factory=list)
    chart: str = ""

    @property
    def failing(self) -> int:
        return sum(1 for u in self.units if u.outcome == "fail")


def _units(r: TrendResult, agency_of: dict[str, str], slugs: dict[str, str]) -> list[Unit]:
    d = r.datasets.set_index("key")
    names, pages = d["title"].to_dict(), d["page"].to_dict()
    # names, checks, URLs and evidence repeat across rows: each distinct one made visible once
    name, long, link = lru_cache(maxsize=None)(text), lru_cache(maxsize=None)(prose), lru_cache(maxsize=None)(safe_url)
    h = r.history
    out = []
    # as Python objects first: iterating an Arrow-backed column yields its values one call at a time
    cols = [h[c].to_numpy(object) for c in ("dataset", "resource", "url", "check", "outcome", "since", "streak", "first_failed",
                                            "last_passed", "history", "measured", "evidence")]
    for ds, res, url, check, outcome, since, streak, first_failed, last_passed, history, measured, evidence in zip(*cols, strict=True):
        res, url = str(res), str(url or "")
        out.append(Unit(
            "u-" + digest(f"{ds}\x00{res}\x00{check}", 12), str(ds), name(names.get(ds) or ds), link(str(pages.get(ds) or "")),
            slugs.get(agency_of.get(ds, ""), ""), "#" + res.rsplit("#", 1)[-1] if "#" in res else "", name(url), link(url), name(check),
            str(outcome), str(since), int(streak), str(first_failed), str(last_passed),
            ["absent" if o == "-" else o for o in str(history).split(" ")], long(measured), long(evidence)))
    return out


def _sorted_units(units: list[Unit]) -> list[Unit]:
    """Failing now first, longest broken first; then the rest by dataset, resource and check."""
    return sorted(units, key=lambda u: (u.outcome != "fail", -u.streak if u.outcome == "fail" else 0, u.since if u.outcome == "fail" else "",
                                        u.dataset, u.resource, u.check))


def _agencies(r: TrendResult) -> tuple[list[AgencyView], list[Unit]]:
    changes = agency_changes(r)
    slugs = slug_map([c.agency for c in changes], prefix="a-")
    agency_of = {str(k): str(a) for k, a in zip(r.datasets["key"], r.datasets["agency"], strict=True)}
    units = _units(r, agency_of, slugs)
    points = agency_points(r)
    views = {c.agency: AgencyView(c.agency, text(c.agency), slugs[c.agency], c,
                                  [points.get(c.agency, {}).get(s.position) for s in r.snapshots]) for c in changes}
    for u in units:
        owner = views.get(agency_of.get(u.dataset, ""))
        if owner is not None:
            owner.units.append(u)
    for v in views.values():
        v.units = _sorted_units(v.units)
    up, down = improved_declined(changes, CHARTED)
    for c in (*up, *down):
        views[c.agency].chart = f"agency-{views[c.agency].slug}.svg"
    return list(views.values()), units


def _portal(r: TrendResult) -> list[dict[str, Any]]:
    """Per snapshot: its facts and its portal and index figures (series.csv's)."""
    s = r.series[r.series["level"].isin(("portal", "index"))]
    v = {(int(p), str(m) if lv == "portal" else str(i)): number(x)
         for p, lv, i, m, x in zip(s["snapshot"], s["level"], s["id"], s["measure"], s["value"], strict=True)}
    return [{"s": x, **{m: v.get((x.position, m)) for m in (*PORTAL_MEASURES, *INDEXES)}} for x in r.snapshots]


def _checks(r: TrendResult) -> list[dict[str, Any]]:
    a, b = r.snapshots[0].position, r.snapshots[-1].position
    s = r.series[(r.series["level"] == "check") & (r.series["measure"] == "datasets_share")]
    v = {(int(p), str(i)): number(x) for p, i, x in zip(s["snapshot"], s["id"], s["value"], strict=True)}
    out = []
    for c in dict.fromkeys(str(i) for p, i in v if p == b):
        first, last = v.get((a, c)), v.get((b, c))
        out.append({"check": text(c), "first": first, "last": last, "delta": None if first is None or last is None else last - first})
    return out


def _growth(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None or not a else f"{100 * (b - a) / a:+.1f} %"


def _pages(r: TrendResult, lang: str, agencies: list[AgencyView], units: list[Unit]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    tr = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    rows = _portal(r)
    first, last = rows[0], rows[-1]
    broken = sorted((u for u in units if u.check == "link" and u.outcome == "fail"), key=lambda u: (-u.streak, u.since, u.dataset, u.resource))
    by_key = {g.key: g for g in agencies}
    up, down = (([by_key[c.agency] for c in picked]) for picked in improved_declined([g.change for g in agencies]))
    snaps = [{"s": s, "status": tr(f"status_{s.status}") if i18n.has(f"status_{s.status}") else text(s.status),
              "reason": reason_text(s.reason_key, s.reason_args, lang) if s.reason_key else prose(s.reason)} for s in r.snapshots]
    points = i18n.t("list_sep", lang).join(f"{x['s'].started_at[:10]}: {_n(x['datasets'])} / {_n(x['quality_datasets'])}" for x in rows)
    yield "index.html", "trend_index.html.j2", {
        "title": tr("site_nav_overview"), "crumbs": [], "snaps": snaps, "rows": rows, "checks": _checks(r),
        "growth": {"d": _growth(first["datasets"], last["datasets"]), "q": _growth(first["quality_datasets"], last["quality_datasets"])},
        "broken_n": len(broken), "always": sum(1 for u in broken if u.streak == len(r.snapshots)), "up_n": len(up), "down_n": len(down),
        "alt": tr("site_t_chart_alt", points=points)}
    yield "broken.html", "trend_broken.html.j2", {"title": tr("trend_broken"), "crumbs": [], "units": broken[:BROKEN_LIMIT],
                                                  "total": len(broken), "always": sum(1 for u in broken if u.streak == len(r.snapshots))}
    yield "agencies.html", "trend_agencies.html.j2", {"title": tr("trend_agencies"), "crumbs": [], "up": up, "down": down}
    for g in agencies:
        yield f"agency/{g.slug}.html", "trend_agency.html.j2", {"title": g.name or tr("trend_no_agency_name"),
                                                                "crumbs": [("agencies.html", tr("trend_agencies"))], "g": g}


def _n(x: float | None) -> str:
    return "—" if x is None else f"{int(x):,}"


def write_trend_site(r: TrendResult, out: str | Path, lang: str,
                     charts: Callable[[Path, str, list[AgencyView]], list[Path]]) -> list[Path]:
    """Both editions of the trend's site into `out`; `charts(folder, lang, agencies)` draws the
    portal's chart and the charts of the agencies whose `chart` is set into an edition's folder."""
    agencies, units = _agencies(r)

    def common(lg: str) -> dict[str, Any]:
        foot = md_inline(i18n.t("site_t_footer", lg, rules=text(r.rules_version), rubric=text(r.rubric.rubric.name), method=text(r.method)))  # names as code
        span = i18n.t("site_t_span", lg, n=len(r.snapshots), first=text(r.snapshots[0].started_at), last=text(r.snapshots[-1].started_at))
        times = [s.started_at for s in r.snapshots]
        names = {g.slug: g.name or i18n.t("trend_no_agency_name", lg) for g in agencies}
        return {"r": r, "agencies": agencies, "site_title": i18n.t("site_t_title", lg), "span": span, "footer": foot, "nav": NAV,
                "times": times, "n_snaps": len(r.snapshots), "rowmaker": RowMaker(lg, times, names), "when": crawl_time}

    return write_editions(Path(out), lang, lambda lg: _pages(r, lg, agencies, units), lambda folder, lg: charts(folder, lg, agencies), common)
