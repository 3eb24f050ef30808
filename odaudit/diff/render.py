"""diff.md, changes.csv, score_deltas.csv, agencies.csv and two SVG charts, written atomically and
deterministically (no clock: the only times are the snapshots' crawl times)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import CSV_ENCODING, atomic_open, atomic_write_text
from ..report.charts import diff_category_chart, diff_labels, diff_quantity_chart
from ..report.i18n import LANGS, localise, normalise_lang, t  # noqa: F401 (LANGS: odaudit.diff exports it)
from ..report.markdown import table as _table
from ..report.numbers import count as _count
from ..report.numbers import fmt
from ..report.numbers import growth as _pct_growth
from ..report.numbers import share as _share
from ..report.numbers import signed as _signed
from ..report.safe import code, md, md_link, neutralise
from ..store.folders import REPORT_MANIFEST, replacing
from .compare import (
    AGENCY_COLUMNS,
    CATALOG_KINDS,
    CHANGE_COLUMNS,
    CHANGE_KINDS,
    QUALITY_KINDS,
    SCORE_DELTA_COLUMNS,
)
from .engine import DiffResult, reason_text
from .rubrics import DEFAULT_SOURCE
from .site import write_diff_site

TABLE_LIMIT = 200
FILES = ("diff.md", "changes.csv", "score_deltas.csv", "agencies.csv", "chart-quantity-quality.svg", "chart-categories.svg")


def _num(x: object, digits: int = 2) -> str:
    return fmt(x, digits)


class _Doc:
    def __init__(self, r: DiffResult, lang: str, charts: list[str]) -> None:
        self.r = r
        self.lang = lang
        self.charts = charts
        names: dict[str, str] = {}
        pages: dict[str, str] = {}
        for side in (r.old, r.new):
            d = side.datasets
            names.update(zip(d["key"], d["name"], strict=True))
            pages.update(zip(d["key"], d["page"], strict=True))
        self.names, self.pages = names, pages
        self.counts = r.changes["kind"].value_counts().to_dict() if len(r.changes) else {}

    def tr(self, key: str, **kw: object) -> str:
        return t(key, self.lang, **kw)

    def status(self, status: str) -> str:
        return self.tr(f"status_{status}") if status in ("complete", "partial") else md(status)

    def reason(self, side: object) -> str:
        key = getattr(side, "reason_key", "")
        return reason_text(key, getattr(side, "reason_args", {}), self.lang) if key else str(getattr(side, "reason", ""))

    def source(self) -> str:
        src = self.r.rubric.source
        return self.tr("default_source") if src == DEFAULT_SOURCE else src

    def kind(self, k: str) -> str:
        return self.tr(f"change_{k}")

    def ds(self, key: str) -> str:
        name = self.names.get(key, "")
        label = f"{name} ({key})" if name else key
        page = self.pages.get(key, "")
        return md_link(label, page) if page else md(label)

    # -- sections -------------------------------------------------------------------------------
    def header(self) -> list[str]:
        r, tr = self.r, self.tr
        lines = [f"# {tr('diff_title')}: {md(r.old.started_at)} → {md(r.new.started_at)}", ""]
        for side, label in ((r.old, tr("old")), (r.new, tr("new"))):
            n_ds = int(side.datasets["in_snapshot"].sum())
            lines.append("- " + tr("snap", label=label, path=f"`{code(side.path)}`", time=md(side.started_at),
                                   status=self.status(str(side.manifest.get("status", ""))), n=f"{n_ds:,}", r=f"{len(side.resources):,}",
                                   reason=md(self.reason(side))))
        rub = r.rubric.rubric
        lines += ["", tr("by", rules=md(r.rules_version), rubric=md(rub.name), source=md(self.source()), method=md(r.method)), ""]
        if r.warnings:
            lines += [f"## {tr('warnings')}", ""] + [f"- {md(localise(w, self.lang))}" for w in r.warnings] + [""]
        return lines

    def summary(self) -> list[str]:
        r, tr, c = self.r, self.tr, self.counts
        lines = [f"## {tr('summary')}", ""]
        if not r.has_differences:
            lines.append("- " + tr("s_none"))
        q = r.quantity.set_index("measure")
        lines.append("- " + tr("s_count", a=_count(q.at["datasets", "old"]), b=_count(q.at["datasets", "new"]),
                               g=_pct_growth(q.at["datasets", "growth"]), qa=_count(q.at["quality_datasets", "old"]),
                               qb=_count(q.at["quality_datasets", "new"]), qg=_pct_growth(q.at["quality_datasets", "growth"])))
        d = r.score_deltas
        for nid, label in (("barometer", "barometer"), ("implementation", "implementation")):
            row = d[(d["id"] == nid) & d["level"].isin(["barometer", "subindex"])]
            if len(row):
                x = row.iloc[0]
                old, new = _num(x["old"]), _num(x["new"])
                if old == "—" and new == "—":
                    old = new = tr("not_computed")
                lines.append("- " + tr("s_score", name=tr(label), a=old, b=new, d=_signed(x["delta"])))
        cat = self.r.changes
        cat_moves = int(((cat["kind"] == "category_changed")).sum()) if len(cat) else 0
        lines.append("- " + tr("s_catalog", added=c.get("dataset_added", 0), removed=c.get("dataset_removed", 0),
                               renamed=c.get("renamed", 0), agency=c.get("agency_changed", 0), category=cat_moves,
                               radded=c.get("resource_added", 0), rremoved=c.get("resource_removed", 0), url=c.get("url_changed", 0)))
        lines.append("- " + tr("diff_s_quality", broken=c.get("link_broken", 0), fixed=c.get("link_fixed", 0), stale=c.get("stale", 0),
                               fresh=c.get("fresh", 0), worse=c.get("worse", 0), better=c.get("better", 0), changed=c.get("changed", 0)))
        a = r.agencies
        both = a[(a["datasets_old"] > 0) & (a["datasets_new"] > 0)]
        delta = both["mean_score_delta"].astype(float)
        lines.append("- " + tr("s_agencies", up=int((delta > 0).sum()), down=int((delta < 0).sum())))
        return lines + [""]

    def method(self) -> list[str]:
        r, tr = self.r, self.tr
        lines = [f"## {tr('diff_method')}", "",
                 "- " + tr("m_rules", rules=md(r.rules_version), old=md(self.reason(r.old)), new=md(self.reason(r.new))),
                 "- " + tr("m_rubric", source=md(self.source()))]
        if r.rubric.differences:
            lines.append("- " + tr("m_rubric_diff", source=md(self.source())))
            lines += [f"  - {md(x)}" for x in r.rubric.differences]
        lines.append("- " + tr("m_rowlimit", n=r.row_limit if r.row_limit is not None else "—"))
        t, m = r.check_limits.get("check_timeout"), r.check_limits.get("check_memory")
        lines.append("- " + tr("m_limits", t=f"{t:g} s" if t else "—", m=f"{m} MB" if m else "—"))
        lines.append("- " + tr("m_compared"))
        return lines + [""]

    def quantity(self) -> list[str]:
        r, tr = self.r, self.tr
        rows = []
        for x in r.quantity.itertuples(index=False):
            if x.measure == "quality_share":
                rows.append((tr(f"m_{x.measure}"), _num(x.old), _num(x.new), _signed(x.change), "—"))
            else:
                change = "0" if not x.change else f"{int(x.change):+,}"
                rows.append((tr(f"m_{x.measure}"), _count(x.old), _count(x.new), change, _pct_growth(x.growth)))
        lines = [f"## {tr('diff_quantity')}", "", tr("q_note"), ""]
        lines += _table([tr("measure"), tr("old"), tr("new"), tr("change"), tr("growth")], rows)
        if "chart-quantity-quality.svg" in self.charts:
            lines += [f"![{tr('chart_qq')}](chart-quantity-quality.svg)", ""]
        return lines

    def scores(self) -> list[str]:
        r, tr = self.r, self.tr
        d = r.score_deltas
        top = d[d["level"].isin(["barometer", "subindex", "category"])]
        rows = [(tr(x.level), f"`{code(x.id)}`", tr(x.id) if x.level in ("barometer", "subindex") else md(x.name), _num(x.old), _num(x.new),
                 _signed(x.delta), md(localise(x.explained_by, self.lang)))
                for x in top.itertuples(index=False)]
        lines = [f"## {tr('scores')}", ""]
        lines += _table([tr("level"), tr("id"), tr("name"), tr("old"), tr("new"), tr("delta"), tr("explained")], rows,
                        limit=TABLE_LIMIT, total=len(rows), file="score_deltas.csv", lang=self.lang)
        if "chart-categories.svg" in self.charts:
            lines += [f"![{tr('chart_cat')}](chart-categories.svg)", ""]
        q = d[d["level"] == "question"]
        lines += [f"### {tr('diff_questions')}", ""]
        lines += _table([tr("id"), tr("old"), tr("new"), tr("delta"), tr("explained")],
                        [(f"`{code(x.id)}`", _num(x.old, 1), _num(x.new, 1), _signed(x.delta, 1), md(localise(x.explained_by, self.lang)))
                         for x in q.itertuples(index=False)])
        lines += [f"### {tr('checks')}", ""]
        lines += _table([tr("check"), tr("old"), tr("new"), tr("delta"), tr("res_old"), tr("res_new")],
                        [(f"`{code(x.check)}`", _num(x.datasets_share_old, 1), _num(x.datasets_share_new, 1), _signed(x.delta, 1),
                          _num(x.resources_share_old, 1), _num(x.resources_share_new, 1)) for x in r.checks.itertuples(index=False)])
        return lines

    def agencies(self) -> list[str]:
        r, tr = self.r, self.tr
        a = r.agencies
        both = a[(a["datasets_old"] > 0) & (a["datasets_new"] > 0) & a["mean_score_delta"].notna()].copy()
        both["_d"] = both["mean_score_delta"].astype(float)
        lines = [f"## {tr('agencies')}", ""]
        heads = [tr("agency"), tr("datasets_oldnew"), f"{tr('mean')} {tr('old')}", f"{tr('mean')} {tr('new')}", tr("delta"),
                 f"{tr('quality_share')} {tr('old')} → {tr('new')}"]

        def rows(frame: pd.DataFrame) -> list[tuple[str, ...]]:
            return [(md(x.agency) or tr("unknown_agency"), f"{x.datasets_old:,} → {x.datasets_new:,}", _num(x.mean_score_old), _num(x.mean_score_new),
                     _signed(x.mean_score_delta), f"{_share(x.quality_share_old)} → {_share(x.quality_share_new)}")
                    for x in frame.itertuples(index=False)]
        up = both[both["_d"] > 0].sort_values(["_d", "agency"], ascending=[False, True], kind="stable")
        down = both[both["_d"] < 0].sort_values(["_d", "agency"], ascending=[True, True], kind="stable")
        if up.empty and down.empty:
            return lines + [tr("no_agencies"), ""]
        for title, frame in ((tr("improved"), up), (tr("declined"), down)):
            if not frame.empty:
                lines += [f"### {title}", ""]
                lines += _table(heads, rows(frame.head(20)), limit=20, total=len(frame), file="agencies.csv", lang=self.lang)
        return lines

    def changes(self) -> list[str]:
        r, tr = self.r, self.tr
        ch = r.changes
        lines = [f"## {tr('changes')}", ""]
        if ch.empty:
            return lines + [tr("no_changes"), ""]
        counts = [(f"`{code(k)}`", self.kind(k), f"{self.counts[k]:,}") for k in CHANGE_KINDS if self.counts.get(k)]
        lines += _table([tr("kind"), "", tr("count")], counts)
        cat = ch[ch["kind"].isin(CATALOG_KINDS)]
        lines += [f"### {tr('catalog_changes')}", ""]
        if cat.empty:
            lines += [tr("no_changes"), ""]
        else:
            lines += _table([tr("kind"), tr("dataset"), tr("resource"), tr("field"), tr("old"), tr("new")],
                            [(self.kind(x.kind), self.ds(x.dataset), md(x.resource), f"`{code(x.field)}`" if x.field else "", md(x.old), md(x.new))
                             for x in cat.head(TABLE_LIMIT).itertuples(index=False)],
                            limit=TABLE_LIMIT, total=len(cat), file="changes.csv", lang=self.lang)
        qual = ch[ch["kind"].isin(QUALITY_KINDS)]
        lines += [f"### {tr('quality_changes')}", ""]
        if qual.empty:
            lines += [tr("no_changes"), ""]
        else:
            lines += _table([tr("kind"), tr("dataset"), tr("resource"), tr("check"), tr("old"), tr("new"), tr("ev_old"), tr("ev_new")],
                            [(self.kind(x.kind), self.ds(x.dataset), md(x.resource), f"`{code(x.field)}`", *(md(localise(v, self.lang)) for v in
                              (x.old, x.new, x.evidence_old, x.evidence_new))) for x in qual.head(TABLE_LIMIT).itertuples(index=False)],
                            limit=TABLE_LIMIT, total=len(qual), file="changes.csv", lang=self.lang)
        return lines

    def datasets(self) -> list[str]:
        r, tr = self.r, self.tr
        d = r.score_deltas
        d = d[d["level"] == "dataset"].copy()
        lines = [f"## {tr('rescored')}", ""]
        if d.empty:
            return lines + [tr("no_changes"), ""]
        d["_a"] = d["delta"].astype(float).abs().fillna(-1)
        d = d.sort_values(["_a", "id"], ascending=[False, True], kind="stable")
        lines += _table([tr("dataset"), tr("old"), tr("new"), tr("delta"), tr("explained")],
                        [(self.ds(x.id), _num(x.old), _num(x.new), _signed(x.delta), md(localise(x.explained_by, self.lang)))
                         for x in d.head(TABLE_LIMIT).itertuples(index=False)],
                        limit=TABLE_LIMIT, total=len(d), file="score_deltas.csv", lang=self.lang)
        return lines

    def files(self) -> list[str]:
        tr = self.tr
        return [f"## {tr('files')}", "",
                f"- [changes.csv](changes.csv): {tr('f_changes')}",
                f"- [score_deltas.csv](score_deltas.csv): {tr('f_deltas')}",
                f"- [agencies.csv](agencies.csv): {tr('f_agencies')}", ""]

    def render(self) -> str:
        parts = [self.header(), self.summary(), self.method(), self.quantity(), self.scores(), self.agencies(), self.changes(),
                 self.datasets(), self.files()]
        return "\n".join(line for part in parts for line in part).rstrip("\n") + "\n"


# -- CSV ---------------------------------------------------------------------------------------

def _write_csv(path: Path, frame: pd.DataFrame, columns: Sequence[str]) -> Path:
    frame = neutralise(frame.loc[:, list(columns)])
    with atomic_open(path, "w", encoding=CSV_ENCODING) as fh:
        frame.to_csv(fh, index=False, lineterminator="\n")
    return path


def write_diff(r: DiffResult, out: str | Path, *, lang: str = "en") -> list[Path]:
    """Write diff.md, changes.csv, score_deltas.csv, agencies.csv and the charts into `out`."""
    lang = normalise_lang(lang)  # ValueError for a language odaudit does not write
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        _write_csv(out / "changes.csv", r.changes, CHANGE_COLUMNS),
        _write_csv(out / "score_deltas.csv", r.score_deltas, SCORE_DELTA_COLUMNS),
        _write_csv(out / "agencies.csv", r.agencies, AGENCY_COLUMNS),
        diff_quantity_chart(r.quantity, diff_labels(r.old, r.new, lang), out / "chart-quantity-quality.svg", lang),
        diff_category_chart(r.score_deltas, diff_labels(r.old, r.new, lang), out / "chart-categories.svg", lang),
    ]
    charts = [p.name for p in paths if p.suffix == ".svg"]
    paths.append(out / "diff.md")
    atomic_write_text(out / "diff.md", _Doc(r, lang, charts).render())
    paths += write_diff_site(r, out / "site", lang, _site_charts(r))
    return sorted(paths)


def _site_charts(r: DiffResult):  # the site draws the same two charts in each edition's language
    return lambda folder, lang: [
        diff_quantity_chart(r.quantity, diff_labels(r.old, r.new, lang), folder / "chart-quantity-quality.svg", lang),
        diff_category_chart(r.score_deltas, diff_labels(r.old, r.new, lang), folder / "chart-categories.svg", lang),
    ]


def publish_diff(r: DiffResult, out: str | Path, *, lang: str, inputs: dict[str, Any],
                 options: dict[str, Any] | None = None) -> list[Path]:
    """`write_diff` into a staging folder swapped in for `out` whole (see odaudit.store.folders); the
    caller holds the folder lock. Returns the final paths, sorted."""
    out = Path(out)
    with replacing(out, command="diff", inputs=inputs, options={"lang": lang, **(options or {})}) as staging:
        files = write_diff(r, staging, lang=lang)
    return sorted([out / p.relative_to(staging) for p in files] + [out / REPORT_MANIFEST])
