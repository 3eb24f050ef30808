"""trend.md, resource_history.csv, series.csv and the quantity-vs-quality chart, written atomically
and deterministically (no clock: the only times are the snapshots' crawl times)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd  # noqa: E402

from ..atomic import CSV_ENCODING, atomic_open, atomic_write_text  # noqa: E402
from ..diff.engine import reason_text  # noqa: E402
from ..diff.rubrics import DEFAULT_SOURCE  # noqa: E402
from ..report.charts import trend_quantity_chart  # noqa: E402
from ..report.i18n import has, localise, t  # noqa: E402
from ..report.markdown import table  # noqa: E402
from ..report.numbers import count as _count  # noqa: E402
from ..report.numbers import fmt, signed  # noqa: E402
from ..report.numbers import growth_between as _growth  # noqa: E402
from ..report.numbers import missing as _missing  # noqa: E402
from ..report.safe import code, md, md_link, neutralise  # noqa: E402
from ..store.folders import REPORT_MANIFEST, replacing  # noqa: E402
from .engine import TrendResult  # noqa: E402
from .history import HISTORY_COLUMNS  # noqa: E402
from .series import INDEXES, SERIES_COLUMNS  # noqa: E402

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
                 _count(s.datasets), _count(s.resources), reason_text(s.reason_key, s.reason_args, self.lang) if s.reason_key else md(s.reason))
                for s in r.snapshots]
        lines += _table(("#", tr("trend_crawled"), tr("trend_snapshot"), tr("trend_status"), tr("datasets"), tr("resources"),
                         tr("trend_findings")), rows)
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
                 f"`{x.history}`", md(f"{localise(x.measured, self.lang)}: {localise(x.evidence, self.lang)}" if x.measured else localise(x.evidence, self.lang)))
                for x in now.head(TABLE_LIMIT).itertuples(index=False)]
        lines += _table((tr("dataset"), tr("resource"), tr("trend_url"), tr("trend_since"), tr("trend_streak"), tr("trend_history"),
                         tr("trend_latest_evidence")), rows)
        if len(now) > TABLE_LIMIT:
            lines += [tr("trend_more", n=f"{len(now) - TABLE_LIMIT:,}"), ""]
        return lines

    def agencies(self) -> list[str]:
        r = self.r
        a, b = r.snapshots[0].position, r.snapshots[-1].position
        tr = self.tr
        lines = [f"## {tr('trend_agencies')}", ""]
        if a == b:
            return lines + [tr("trend_one"), ""]
        s = r.series[r.series["level"] == "agency"]
        first = s[s["snapshot"] == a].pivot(index="id", columns="measure", values="value")
        last = s[s["snapshot"] == b].pivot(index="id", columns="measure", values="value")
        both = first.index.intersection(last.index)
        if not len(both):
            return lines + [tr("trend_no_agency"), ""]
        delta = (last.loc[both, "mean_score"].astype(float) - first.loc[both, "mean_score"].astype(float)).round(2)
        links = self._link_evidence()
        lines += [tr("trend_agency_text"), ""]
        for title, picked in ((tr("trend_improved"), delta[delta > 0].sort_values(ascending=False, kind="stable")),
                              (tr("trend_declined"), delta[delta < 0].sort_values(kind="stable"))):
            lines += [f"### {title}", ""]
            if picked.empty:
                lines += [tr("none_text"), ""]
                continue
            picked = picked.iloc[:AGENCY_LIMIT]
            rows = []
            for ag, d in sorted(picked.items(), key=lambda kv: (-abs(kv[1]), kv[0])):
                x, y = first.loc[ag], last.loc[ag]
                br, new, fixed = links.get(ag, (0, 0, 0))
                rows.append((md(ag) or tr("trend_no_agency_name"), f"{_num(x['mean_score'], 2)} → {_num(y['mean_score'], 2)} ({_signed(d, 2)})",
                             f"{_count(x['datasets'])} → {_count(y['datasets'])}", f"{_num(x['quality_share'])} → {_num(y['quality_share'])}",
                             _count(br), _count(new), _count(fixed)))
            lines += _table((tr("trend_agency"), tr("mean_score"), tr("datasets"), tr("trend_quality_pct"), tr("trend_links_broken"),
                             tr("trend_newly"), tr("trend_links_fixed")), rows)
        return lines

    def _link_evidence(self) -> dict[str, tuple[int, int, int]]:
        h = self.r.history
        link = h[h["check"] == "link"]
        if link.empty:
            return {}
        first = self.r.snapshots[0].started_at
        ag = link["dataset"].map(self.agency).fillna("")
        broken = link["outcome"] == "fail"
        newly = broken & (link["since"] > first)
        fixed = link["outcome"].isin(("pass", "warn")) & (link["first_failed"] != "")
        g = pd.DataFrame({"ag": ag, "b": broken, "n": newly, "f": fixed}).groupby("ag")[["b", "n", "f"]].sum()
        return {k: (int(v.b), int(v.n), int(v.f)) for k, v in g.iterrows()}

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
    """Write trend.md (in `lang`), resource_history.csv, series.csv and the chart into `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [_write_csv(out / "resource_history.csv", r.history, HISTORY_COLUMNS),
             _write_csv(out / "series.csv", r.series, SERIES_COLUMNS),
             trend_quantity_chart(r.series, r.snapshots, [p.position for p in r.snapshots], out / "chart-quantity-quality.svg", lang)]
    atomic_write_text(out / "trend.md", _Doc(r, [p.name for p in paths if p.suffix == ".svg"], lang).render())
    return sorted([*paths, out / "trend.md"])


def publish_trend(r: TrendResult, out: str | Path, *, inputs: dict[str, Any], lang: str = "en") -> list[Path]:
    """`write_trend` into a staging folder swapped in for `out` whole (see odaudit.outdir); the
    caller holds the folder lock. Returns the final paths, sorted."""
    out = Path(out)
    with replacing(out, command="trend", inputs=inputs, options={"lang": lang}) as staging:
        files = write_trend(r, staging, lang=lang)
    return sorted([out / p.relative_to(staging) for p in files] + [out / REPORT_MANIFEST])
