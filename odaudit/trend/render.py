"""trend.md, resource_history.csv, series.csv, the quantity-vs-quality chart and the site (site/,
see odaudit/trend/site.py), written atomically and deterministically (no clock: the only times are
the snapshots' crawl times)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd  # noqa: E402

from ..atomic import CSV_ENCODING, atomic_open, atomic_write_text  # noqa: E402
from ..diff.engine import reason_text  # noqa: E402
from ..diff.rubrics import DEFAULT_SOURCE  # noqa: E402
from ..report.charts import trend_lines_chart, trend_quantity_chart  # noqa: E402
from ..report.i18n import has, localise, t  # noqa: E402
from ..report.markdown import table  # noqa: E402
from ..report.numbers import count as _count  # noqa: E402
from ..report.numbers import fmt, signed  # noqa: E402
from ..report.numbers import growth_between as _growth  # noqa: E402
from ..report.numbers import missing as _missing  # noqa: E402
from ..report.safe import code, md, md_link, neutralise  # noqa: E402
from ..store.folders import REPORT_MANIFEST, replacing  # noqa: E402
from .agencies import AgencyChange, agency_changes, improved_declined  # noqa: E402
from .engine import TrendResult  # noqa: E402
from .history import HISTORY_COLUMNS  # noqa: E402
from .series import INDEXES, SERIES_COLUMNS  # noqa: E402
from .site import AgencyView, write_trend_site  # noqa: E402

FILES = ("trend.md", "resource_history.csv", "series.csv", "chart-quantity-quality.svg")
TABLE_LIMIT = 50
AGENCY_LIMIT = 10
#: odaudit's own vocabulary ("- pass fail"), written as is: not portal text, nothing to neutralise
OWN_COLUMNS = ("outcome", "since", "streak", "first_failed", "last_passed", "history")
LINE_RAW = "#b9cde4"
LINE_QUALITY = "#3b6ea5"


def _num(x: object, digits: int = 1) -> str:
    return fmt(x, digits)


def _signed(x: object, digits: int = 1) -> str:
    return signed(x, digits)


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    return table(headers, rows)


class _Doc:
    def __init__(self, r: TrendResult, charts: list[str], lang: str = "en") -> None:
        self.r = r
        self.lang = lang
        self.charts = charts
        s = r.series
        self.values = {(int(p), lv, i, m): v for p, lv, i, m, v in zip(s["snapshot"], s["level"], s["id"], s["measure"], s["value"], strict=True)}
        d = r.datasets.set_index("key")
        self.agency, self.title, self.page = d["agency"].to_dict(), d["title"].to_dict(), d["page"].to_dict()

    def tr(self, key: str, **kw: object) -> str:
        return t(key, self.lang, **kw)

    def v(self, pos: int, level: str, id_: str, measure: str) -> object:
        return self.values.get((pos, level, id_, measure))

    def ds(self, key: str) -> str:
        title = self.title.get(key, "")
        label = f"{title} ({key})" if title else key
        page = self.page.get(key, "")
        return md_link(label, page) if page else md(label)

    def header(self) -> list[str]:
        r = self.r
        first, last = r.snapshots[0], r.snapshots[-1]
        tr = self.tr
        lines = [f"# {tr('trend_title', n=len(r.snapshots), first=md(first.started_at), last=md(last.started_at))}", ""]
        rows = [(s.position, md(s.started_at), md(s.path), tr(f"status_{s.status}") if has(f"status_{s.status}") else md(s.status),
                 _count(s.datasets), _count(s.resources), _count(s.findings), reason_text(s.reason_key, s.reason_args, self.lang) if s.reason_key else md(s.reason))
                for s in r.snapshots]
        lines += _table(("#", tr("trend_crawled"), tr("trend_snapshot"), tr("trend_status"), tr("datasets"), tr("resources"),
                         tr("trend_findings"), tr("site_t_reason")), rows)
        src = tr("trend_default_source") if r.rubric.source == DEFAULT_SOURCE else md(r.rubric.source)  # the catalog's own text is markdown already
        lines += [tr("trend_by", rules=md(r.rules_version), rubric=md(r.rubric.rubric.name), source=src, method=md(r.method)), ""]
        if r.warnings:
            lines += [f"## {tr('warnings')}", ""] + [f"- {md(localise(w, self.lang))}" for w in r.warnings] + [""]
        return lines

    def quantity(self) -> list[str]:
        r = self.r
        tr = self.tr
        lines = [f"## {tr('trend_quantity')}", "", tr("trend_q_note"), ""]
        rows = []
        for s in r.snapshots:
            p = s.position
            rows.append((p, md(s.started_at[:10]), _count(self.v(p, "portal", "portal", "datasets")),
                         _count(self.v(p, "portal", "portal", "quality_datasets")), _num(self.v(p, "portal", "portal", "quality_share"), 2),
                         _count(self.v(p, "portal", "portal", "open_datasets")), _count(self.v(p, "portal", "portal", "resources"))))
        lines += _table(("#", tr("trend_crawled"), tr("datasets"), tr("m_quality_datasets"), tr("trend_share_pct"),
                         tr("m_open_datasets"), tr("resources")), rows)
        a, b = r.snapshots[0].position, r.snapshots[-1].position
        if a != b:
            lines += [tr("trend_growth", d=_growth(self.v(a, "portal", "portal", "datasets"), self.v(b, "portal", "portal", "datasets")),
                         q=_growth(self.v(a, "portal", "portal", "quality_datasets"), self.v(b, "portal", "portal", "quality_datasets"))), ""]
        lines += [f"![{tr('chart_qq')}]({c})" for c in self.charts] + [""]
        return lines

    def scores(self) -> list[str]:
        rows = [(s.position, md(s.started_at[:10]), *(_num(self.v(s.position, "index", i, "score"), 2) for i in INDEXES))
                for s in self.r.snapshots]
        tr = self.tr
        lines = [f"## {tr('trend_scores')}", ""] + _table(("#", tr("trend_crawled"), *(tr(i) for i in INDEXES)), rows)
        a, b = self.r.snapshots[0].position, self.r.snapshots[-1].position
        checks = [i for (p, lv, i, m) in self.values if p == b and lv == "check" and m == "datasets_share"]
        if checks:
            lines += [tr("trend_checks"), ""]
            lines += _table((tr("check"), tr("trend_first"), tr("trend_last"), "Δ"), [
                (f"`{code(c)}`", _num(self.v(a, "check", c, "datasets_share")), _num(self.v(b, "check", c, "datasets_share")),
                 _signed(None if _missing(self.v(a, "check", c, "datasets_share")) or _missing(self.v(b, "check", c, "datasets_share"))
                         else float(self.v(b, "check", c, "datasets_share")) - float(self.v(a, "check", c, "datasets_share"))))  # type: ignore[arg-type]
                for c in checks])
        return lines

    def broken(self) -> list[str]:
        h = self.r.history
        n = len(self.r.snapshots)
        now = h[(h["check"] == "link") & (h["outcome"] == "fail")]
        now = now.sort_values(["streak", "since", "dataset", "resource"], ascending=[False, True, True, True], kind="stable")
        tr = self.tr
        lines = [f"## {tr('trend_broken')}", ""]
        if now.empty:
            return lines + [tr("trend_no_broken"), ""]
        always = int((now["streak"] == n).sum())
        lines += [tr("trend_broken_text", n=f"{len(now):,}", always=f"{always:,}"), ""]
        rows = [(self.ds(x.dataset), md(x.resource), md_link(x.url, x.url) if x.url else "", md(x.since), tr("trend_streak_of", k=x.streak, n=n),
                 f"`{x.history}`", md(self._evidence(x.measured, x.evidence)))
                for x in now.head(TABLE_LIMIT).itertuples(index=False)]
        lines += _table((tr("dataset"), tr("resource"), tr("trend_url"), tr("trend_since"), tr("trend_streak"), tr("trend_history"),
                         tr("trend_latest_evidence")), rows)
        if len(now) > TABLE_LIMIT:
            lines += [tr("trend_more", n=f"{len(now) - TABLE_LIMIT:,}"), ""]
        return lines

    def agencies(self) -> list[str]:
        r = self.r
        tr = self.tr
        lines = [f"## {tr('trend_agencies')}", ""]
        if len(r.snapshots) == 1:
            return lines + [tr("trend_one"), ""]
        changes = agency_changes(r)
        if not any(c.first is not None and c.last is not None for c in changes):
            return lines + [tr("trend_no_agency"), ""]
        lines += [tr("trend_agency_text"), ""]
        for title, picked in zip((tr("trend_improved"), tr("trend_declined")), improved_declined(changes, AGENCY_LIMIT), strict=True):
            lines += [f"### {title}", ""]
            if not picked:
                lines += [tr("none_text"), ""]
                continue
            rows = []
            for c in picked:
                x, y = c.first or {}, c.last or {}
                rows.append((md(c.agency) or tr("trend_no_agency_name"),
                             f"{_num(x['mean_score'], 2)} → {_num(y['mean_score'], 2)} ({_signed(c.delta, 2)})",
                             f"{_count(x['datasets'])} → {_count(y['datasets'])}", f"{_num(x['quality_share'])} → {_num(y['quality_share'])}",
                             _count(c.broken), _count(c.newly), _count(c.fixed)))
            lines += _table((tr("trend_agency"), tr("mean_score"), tr("datasets"), tr("trend_quality_pct"), tr("trend_links_broken"),
                             tr("trend_newly"), tr("trend_links_fixed")), rows)
            lines += self.behind(picked)
        return lines

    def behind(self, picked: list[AgencyChange]) -> list[str]:
        """The evidence behind each listed agency's change: its datasets' links broken now or fixed,
        with the URL, the history and the latest finding's evidence."""
        h = self.r.history
        link = h[(h["check"] == "link") & ((h["outcome"] == "fail") | (h["first_failed"] != ""))]
        ag = link["dataset"].map(self.agency).fillna("")
        lines: list[str] = []
        for c in picked:
            mine = link[ag == c.agency]
            mine = mine.assign(now=mine["outcome"] != "fail").sort_values(["now", "streak", "dataset", "resource"],
                                                                       ascending=[True, False, True, True], kind="stable")
            if mine.empty:
                continue
            lines += [f"{self.tr('trend_behind', agency=md(c.agency) or self.tr('trend_no_agency_name'))}", ""]
            lines += [f"- {self.ds(x.dataset)} {md(x.resource)} {md_link(x.url, x.url) if x.url else ''}: `{x.history}`; "
                      f"{md(self._evidence(x.measured, x.evidence))}" for x in mine.head(TABLE_LIMIT).itertuples(index=False)]
            if len(mine) > TABLE_LIMIT:
                lines += [f"- {self.tr('trend_more', n=f'{len(mine) - TABLE_LIMIT:,}')}"]
            lines += [""]
        return lines

    def _evidence(self, measured: object, evidence: object) -> str:
        return f"{localise(measured, self.lang)}: {localise(evidence, self.lang)}" if measured else localise(evidence, self.lang)

    def files(self) -> list[str]:
        return [f"## {self.tr('files')}", "", "- " + self.tr("trend_f_history"), "- " + self.tr("trend_f_series"), ""]

    def render(self) -> str:
        parts = [self.header(), self.quantity(), self.scores(), self.broken(), self.agencies(), self.files()]
        return "\n".join(line for part in parts for line in part).rstrip("\n") + "\n"


def _write_csv(path: Path, frame: pd.DataFrame, columns: Sequence[str]) -> Path:
    frame = frame.loc[:, list(columns)]
    portal_text = [c for c in columns if c not in OWN_COLUMNS]
    frame = pd.concat([neutralise(frame[portal_text]), frame[[c for c in columns if c in OWN_COLUMNS]]], axis=1)[list(columns)]
    with atomic_open(path, "w", encoding=CSV_ENCODING) as fh:
        frame.to_csv(fh, index=False, lineterminator="\n")
    return path


def write_trend(r: TrendResult, out: str | Path, *, lang: str = "en") -> list[Path]:
    """Write trend.md (in `lang`), resource_history.csv, series.csv, the chart and the site (site/, both languages) into `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [_write_csv(out / "resource_history.csv", r.history, HISTORY_COLUMNS),
             _write_csv(out / "series.csv", r.series, SERIES_COLUMNS),
             trend_quantity_chart(r.series, r.snapshots, [p.position for p in r.snapshots], out / "chart-quantity-quality.svg", lang)]
    atomic_write_text(out / "trend.md", _Doc(r, [p.name for p in paths if p.suffix == ".svg"], lang).render())
    paths += write_trend_site(r, out / "site", lang, partial(_site_charts, r))
    return sorted([*paths, out / "trend.md"])


def _site_charts(r: TrendResult, folder: Path, lang: str, agencies: list[AgencyView]) -> list[Path]:
    """An edition's charts, in its language: the portal's, and each charted agency's own two lines
    (a gap where the agency had no dataset in a snapshot)."""
    paths = [trend_quantity_chart(r.series, r.snapshots, [p.position for p in r.snapshots], folder / "chart-quantity-quality.svg", lang)]
    nan = float("nan")
    for g in agencies:
        if g.chart:
            raw = [nan if p is None else float(p.get("datasets", nan)) for p in g.points]
            quality = [nan if p is None else float(p.get("quality_datasets", nan)) for p in g.points]
            name = g.name or t("trend_no_agency_name", lang)
            paths.append(trend_lines_chart(r.snapshots, raw, quality, folder / g.chart, t("site_t_agency_chart", lang, agency=name), lang))
    return paths


def publish_trend(r: TrendResult, out: str | Path, *, inputs: dict[str, Any], lang: str = "en") -> list[Path]:
    """`write_trend` into a staging folder swapped in for `out` whole (see odaudit.outdir); the
    caller holds the folder lock. Returns the final paths, sorted."""
    out = Path(out)
    with replacing(out, command="trend", inputs=inputs, options={"lang": lang}) as staging:
        files = write_trend(r, staging, lang=lang)
    return sorted([out / p.relative_to(staging) for p in files] + [out / REPORT_MANIFEST])
