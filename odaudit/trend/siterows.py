"""The rows of the trend site's resource tables, as HTML built in Python: a whole-portal trend has
hundreds of thousands of them, and a Jinja macro per cell costs ~100 µs a row where this costs a
tenth. Every value is escaped here (markupsafe), as the templates' autoescape would."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from ..report import i18n
from ..report.site.build import evidence_text, outcome_badge
from ..report.site.view import text

if TYPE_CHECKING:
    from .site import Unit

_ROW = ('<tr{id}><td>{dataset} <code>{key}</code></td>{agency}<td class="res">{resource}</td><td><code>{check}</code></td><td>{now}</td>'
        '<td class="since">{since}</td><td class="n" data-v="{streak}">{streak_of}</td><td><span class="hist">{history}</span></td><td>{evidence}</td></tr>\n')


def crawl_time(when: str) -> Markup:
    """A crawl time that may break after its date (2027-02-01 / T16:37:17Z), nowhere else (a browser
    breaks after a date's hyphens): whole on one line it took the width the URLs and the evidence need."""
    date, t, time = text(when).partition("T")  # control and bidi characters shown, as all snapshot text
    return Markup(f'<span class="nw">{escape(date)}</span><wbr><span class="nw">{escape(t + time)}</span>') if t else escape(date)


class RowMaker:
    """Rows in one language; `times` are the crawl times (each history chip's title)."""

    def __init__(self, lang: str, times: list[str], agency_names: dict[str, str]) -> None:
        self.lang, self.n = lang, len(times)
        self.names = agency_names
        self.titles = list(times)
        # a few outcomes × the crawl times: each chip is made once
        self.chip: Callable[..., str] = lru_cache(maxsize=None)(lambda o, title="": outcome_badge(o, lang, title))
        self.ev: Callable[[str], str] = lru_cache(maxsize=65536)(lambda s: str(escape(evidence_text(s, lang))))
        self.whole = f'<span class="na">{escape(i18n.t("site_whole_dataset", lang))}</span>'

    def row(self, u: Unit, root: str, by_agency: bool) -> str:
        e = escape
        dataset = f'<a href="{e(u.page)}" rel="noopener noreferrer">{e(u.name)}</a>' if u.page else str(e(u.name))
        agency = ""
        if by_agency:
            link = f'<a href="{root}agency/{e(u.agency_slug)}.html#{u.anchor}">{e(self.names.get(u.agency_slug, ""))}</a>' if u.agency_slug else ""
            agency = f"<td>{link}</td>"
        if u.resource:
            where = f'<a href="{e(u.link)}" rel="noopener noreferrer" class="url">{e(u.url)}</a>' if u.link else (
                f'<span class="url">{e(u.url)}</span>' if u.url else "")
            resource = str(e(i18n.t("site_resource_n", self.lang, n=u.resource))) + (f"<br>{where}" if where else "")
        else:
            resource = self.whole
        evidence = (f'<span class="mv"><q>{self.ev(u.measured)}</q></span> ' if u.measured else "") + self.ev(u.evidence)
        return _ROW.format(id="" if by_agency else f' id="{u.anchor}"', dataset=dataset, key=e(u.dataset), agency=agency, resource=resource,
                           check=e(u.check), now=self.chip(u.outcome), since=crawl_time(u.since), streak=u.streak,
                           streak_of=e(i18n.t("trend_streak_of", self.lang, k=u.streak, n=self.n)),
                           history=" ".join(self.chip(o, self.titles[i] if i < len(self.titles) else "") for i, o in enumerate(u.history)),
                           evidence=evidence)

    def rows(self, units: Iterable[Unit], root: str, by_agency: bool = False) -> Markup:
        return Markup("".join(self.row(u, root, by_agency) for u in units))
