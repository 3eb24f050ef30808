"""Render the site's pages from a SiteView with Jinja2 (autoescaped), both languages.

Layout (the `--lang` edition at the top, the other in a folder named by its language, the same
page names in both):

    site/index.html  method.html  datasets.html  agencies.html  badges.html  platform.html
    site/category/<id>.html  site/dataset/<key>.html  site/agency/a-<hash>.html
    site/charts/*.svg  site/static/site.css  site/static/site.js
    site/<other-lang>/…  (the same pages and charts; static/ is shared)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from ...atomic import atomic_write_bytes, atomic_write_text
from ...scoring.questions import QUESTIONS
from .. import forked, i18n
from ..charts import write_charts
from ..safe import safe_url
from .view import SiteView, build_view, prose, text

HERE = Path(__file__).resolve().parent
STATIC = ("site.css", "site.js")
#: the navigation bar: page, catalog key of its name
NAV = (("index.html", "site_nav_overview"), ("method.html", "method"), ("datasets.html", "site_nav_datasets"),
       ("agencies.html", "site_nav_agencies"), ("badges.html", "site_nav_badges"), ("platform.html", "site_platform"))


def evidence_text(text: str, lang: str) -> str:
    """The ONE place where the checks' evidence and the scoring's notes (English as the checks
    write them, and as findings.csv keeps them) become the reader's language: the catalog's
    `localise` (odaudit/report/phrases.py holds its templates)."""
    return prose(i18n.localise(text, lang) if text else text)


def fmt(x: object, digits: int = 1) -> str:
    return "—" if x is None or pd.isna(x) else f"{float(x):.{digits}f}"


def pct(x: object) -> str:
    return "—" if x is None or pd.isna(x) else f"{100 * float(x):.1f} %"


def num(n: object) -> str:
    return f"{int(n):,}"


_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_EM = re.compile(r"(?<![*\w])\*([^*]+)\*(?![*\w])")


def md_inline(s: str) -> Markup:
    """The catalog's own sentences use markdown's `code`, **bold** and *emphasis*: escaped first,
    then those three marks become HTML (never applied to portal text)."""
    html = str(escape(s))
    html = _CODE.sub(r"<code>\1</code>", html)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    return Markup(_EM.sub(r"<em>\1</em>", html))


def paras(s: str | None) -> list[str]:
    """A researcher's paragraphs (the catalog's method and source), each bounded as prose."""
    return [prose(p.strip()) for p in re.split(r"\n\s*\n", s or "") if p.strip()]


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.globals.update(pt=text, fmt=fmt, pct=pct, num=num, paras=paras, mdi=md_inline, questions=QUESTIONS, keys=i18n._T,
                       safe_links=lambda links: [u for u in (safe_url(x) for x in links) if u])
    return env


def tm(lang: str, key: str, **kw: object) -> Markup:
    """A catalog sentence with links in it: the sentence's text escaped, the links kept."""
    en, zh = i18n._T[key]
    return md_inline(zh if lang == "zh-TW" else en).format(**kw)


def link(href: str, label: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, label)


def outcome_badge(outcome: str, lang: str, title: str = "") -> str:
    """An outcome as every site shows it (`<span class="o o-fail">未通過</span>`): the catalog's
    label where it has one, else the outcome as written; `title` (a tooltip) is escaped here."""
    label = i18n.t("site_o_" + outcome, lang) if i18n.has("site_o_" + outcome) else outcome
    tip = f' title="{escape(title)}"' if title else ""
    return f'<span class="o o-{escape(outcome)}"{tip}>{escape(label)}</span>'


class FindingList:
    """A list of findings as HTML (`<ul class="findings">`), the site's most repeated fragment: a
    whole-portal site draws it millions of times, where a Jinja2 macro call per finding cost more
    than the page's text. Rendered here with the same escaping as the templates (markupsafe), and
    each distinct finding once per edition (evidence repeats across datasets)."""

    MEMO_LIMIT = 200_000  # distinct findings kept; beyond it the memo starts again (bounded memory)

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.none = Markup('<span class="na">{}</span>').format(i18n.t("none", lang))
        self.memo: dict[tuple[str, ...], str] = {}

    def __call__(self, findings: list[Any], show_resource: bool = True) -> Markup:
        if not findings:
            return self.none
        return Markup('<ul class="findings">\n' + "".join(self._item(f, show_resource) for f in findings) + "</ul>")

    def _item(self, f: Any, show_resource: bool) -> str:
        key = (f.check, f.outcome, f.resource if show_resource else "", f.evidence, f.measured, f.expected)
        html = self.memo.get(key)
        if html is None:
            if len(self.memo) >= self.MEMO_LIMIT:
                self.memo.clear()
            html = self.memo[key] = self._render(*key)
        return html

    def _render(self, check: str, outcome: str, resource: str, evidence: str, measured: str, expected: str) -> str:
        lg = self.lang
        badge = outcome_badge(outcome, lg) if outcome else ""
        res = f' <span class="res">{escape(i18n.t("site_resource_n", lg, n=resource))}</span>' if resource else ""
        mv = ""
        if measured or expected:
            mv = (f' <span class="mv">({escape(i18n.t("site_measured_v", lg))} <q>{escape(measured or "—")}</q>, '
                  f'{escape(i18n.t("site_expected_v", lg))} <q>{escape(expected or "—")}</q>)</span>')
        return f"<li>{badge} <code>{escape(check)}</code>{res}: {escape(evidence_text(evidence, lg))}{mv}</li>\n"


class Edition:
    """One language's pages under `folder` (relative to site/); `other` is the other edition."""

    def __init__(self, lang: str, folder: str, other_lang: str, other_folder: str) -> None:
        self.lang, self.folder, self.other_lang, self.other_folder = lang, folder, other_lang, other_folder
        self.findings = FindingList(lang)

    def context(self, path: str) -> dict[str, Any]:
        depth = path.count("/")
        root = "../" * depth
        site_root = root + ("../" if self.folder else "")
        switch = site_root + self.other_folder + path
        return {"lang": self.lang, "other": self.other_lang, "path": path, "root": root, "site_root": site_root, "switch": switch,
                "t": lambda key, **kw: i18n.t(key, self.lang, **kw),
                "tm": partial(tm, self.lang), "ev": partial(evidence_text, lang=self.lang), "a": link, "fl": self.findings}


def pages(v: SiteView, lang: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, template, context) of every page of one edition."""
    from .pagedata import agency_page, badges_page, category_page, dataset_page, method_page, overview_page, platform_page

    tr = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    yield "index.html", "overview.html.j2", overview_page(v, lang)
    yield "method.html", "method.html.j2", method_page(v, lang)
    yield "datasets.html", "datasets.html.j2", {"title": tr("site_all_datasets"), "crumbs": []}
    yield "agencies.html", "agencies.html.j2", {"title": tr("agencies"), "crumbs": []}
    yield "badges.html", "badges.html.j2", badges_page(v, lang)
    yield "platform.html", "platform.html.j2", platform_page(v, lang)
    for c in v.categories:
        yield f"category/{c.slug}.html", "category.html.j2", category_page(v, c, lang)
    for g in v.agencies:
        yield f"agency/{g.slug}.html", "agency.html.j2", agency_page(v, g, lang)
    for d in v.datasets:
        yield f"dataset/{d.slug}.html", "dataset.html.j2", dataset_page(v, d, lang)


def write_editions(out: Path, lang: str, pages: Callable[[str], Iterator[tuple[str, str, dict[str, Any]]]],
                  charts: Callable[[Path, str], list[Path]], common: Callable[[str], dict[str, Any]]) -> list[Path]:
    """Both editions of a site into `out`: `lang`'s at the top, the other's in `out/<other>/`; the
    static files once. `pages(lang)` yields (path, template, context), `charts(folder, lang)` writes
    the edition's charts, `common(lang)` is what every page of the edition shares."""
    env = environment()
    other = next(x for x in i18n.LANGS if x != lang)
    written: list[Path] = []
    for name in STATIC:
        atomic_write_bytes(out / "static" / name, (HERE / "static" / name).read_bytes())
        written.append(out / "static" / name)

    def edition(ed: Edition) -> list[Path]:
        base = out / ed.folder if ed.folder else out
        (base / "charts").mkdir(parents=True, exist_ok=True)
        drawn = [p.name for p in charts(base / "charts", ed.lang)]
        done = [base / "charts" / c for c in drawn]
        shared = common(ed.lang)
        for path, template, ctx in pages(ed.lang):
            html = env.get_template(template).render(charts=drawn, **shared, **ed.context(path), **ctx)
            atomic_write_text(base / path, html)
            done.append(base / path)
        return done

    first, second = Edition(lang, "", other, other + "/"), Edition(other, other + "/", lang, "")
    if not forked.can_fork():
        return sorted(written + edition(first) + edition(second))
    child = forked.Forked(lambda: edition(second))  # the other edition on the other core (forked.py)
    try:
        written += edition(first)
    except BaseException:
        child.stop()
        raise
    return sorted(written + child.result())


def write_site(result: Any, out: str | Path, lang: str) -> list[Path]:
    """Write the site of a ScoreResult into `out` (DIR/site), the `lang` edition at its top and the
    other language's in `out/<other>/`; returns the paths written."""
    v = build_view(result)
    r = result

    def common(lg: str) -> dict[str, Any]:
        foot = i18n.t("site_footer", lg, rubric=text(r.rubric_name), method=r.method)
        if r.has_snapshot:
            foot += " · " + i18n.t("site_footer_snap", lg, time=text(r.snapshot.get("started_at") or ""), catalog=text(r.snapshot.get("catalog") or ""))
        return {"v": v, "site_title": text(r.rubric_title), "footer": foot, "nav": NAV}

    return write_editions(Path(out), lang, lambda lg: pages(v, lg), lambda folder, lg: write_charts(r, folder, lg), common)
