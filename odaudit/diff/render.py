"""diff.md, changes.csv, score_deltas.csv, agencies.csv and two SVG charts, written atomically and
deterministically (no clock: the only times are the snapshots' crawl times)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import CSV_ENCODING, atomic_open, atomic_write_text
from ..report.charts import diff_category_chart, diff_labels, diff_quantity_chart
from ..report.safe import md, md_link, neutralise
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

LANGS = ("en", "zh-TW")
TABLE_LIMIT = 200
FILES = ("diff.md", "changes.csv", "score_deltas.csv", "agencies.csv", "chart-quantity-quality.svg", "chart-categories.svg")
BAR_OLD = "#b9cde4"
BAR_NEW = "#3b6ea5"

_T: dict[str, tuple[str, str]] = {
    "title": ("What changed", "變化比較"),
    "old": ("Old", "舊"),
    "new": ("New", "新"),
    "snap": ("{label}: {path}, crawled {time} ({status}; {n} datasets, {r} resources); {reason}.",
             "{label}：{path}，擷取於 {time}（{status}；{n} 個資料集、{r} 個資源）；{reason}。"),
    "by": ("Both sides compared by the rules **{rules}** and one rubric: **{rubric}** ({source}), method **{method}**.",
           "兩邊皆以今日檢測規則 **{rules}** 與同一份評分準則比較：**{rubric}**（{source}），計分方法 **{method}**。"),
    "warnings": ("Warnings", "警告"),
    "summary": ("In one minute", "一分鐘摘要"),
    "s_none": ("**No differences**: the same datasets, resources, findings and scores.", "**沒有差異**：資料集、資源、檢測結果與分數皆相同。"),
    "s_count": ("Datasets: {a} → {b} ({g}); passing the quality bar: {qa} → {qb} ({qg}).",
                "資料集：{a} → {b}（{g}）；通過品質門檻：{qa} → {qb}（{qg}）。"),
    "s_score": ("{name}: {a} → {b} ({d}).", "{name}：{a} → {b}（{d}）。"),
    "s_catalog": ("Catalog: {added} added, {removed} removed, {renamed} renamed, {agency} moved between agencies, "
                   "{category} between categories; resources: {radded} added, {rremoved} removed, {url} with a new URL.",
                  "目錄：新增 {added}、移除 {removed}、更名 {renamed}、更換提供機關 {agency}、更換分類 {category}；"
                  "資源：新增 {radded}、移除 {rremoved}、網址變更 {url}。"),
    "s_quality": ("Quality: links broken {broken}, fixed {fixed}; datasets gone stale {stale}, become fresh {fresh}; "
                   "other findings worse {worse}, better {better}, changed {changed}.",
                  "品質：{broken} 個連結失效、{fixed} 個修復；{stale} 個資料集變為過期、{fresh} 個恢復即時；"
                  "其他檢測結果 {worse} 項變差、{better} 項變好、{changed} 項改變。"),
    "s_agencies": ("Agencies (mean score, present in both): {up} improved, {down} declined.",
                   "提供機關（平均分數，兩期皆有者）：{up} 個進步、{down} 個退步。"),
    "method": ("Method: like with like", "方法：同一把尺"),
    "m_rules": ("Findings of both sides are today's rules' ({rules}); each side keeps its own crawl time as the reference "
                 "time of freshness. Old: {old}. New: {new}.",
                "兩邊的檢測結果都出自今日規則（{rules}）；新鮮度各以自己的擷取時間為基準。舊：{old}。新：{new}。"),
    "m_rubric": ("Both sides are scored with one rubric, {source}: a change of method, weights or points never shows "
                  "up as a change of the data.", "兩邊以同一份評分準則計分（{source}）：方法、權重或配分的改變不會被當成資料的改變。"),
    "m_rubric_diff": ("The two given rubrics differ; only {source} was applied:", "提供的兩份評分準則不同；只套用 {source}："),
    "m_rowlimit": ("Row limit of the structure scan: {n}.", "結構檢查的列數上限：{n}。"),
    "m_limits": ("Limits of a re-check: {t} per resource, {m} per check process (a check over them is an `error` finding).",
                 "重新檢測的限制：每個資源 {t}，每個檢測程序 {m}（超過者記為 `error`）。"),
    "m_compared": ("Compared: datasets by key; resources by key within a dataset (a resource whose URL moved position is "
                    "matched by URL); findings by (dataset, resource, check), on outcome and measured value (freshness on "
                   "outcome and expected age: the measured age grows with the crawl date). Fetch details that vary between "
                   "crawls (elapsed time, attempts, ETag, Last-Modified, bytes, body hashes) are not compared.",
                   "比較方式：資料集依鍵值；資源依資料集內的鍵值（網址換了位置者依網址配對）；檢測結果依（資料集、資源、檢測項目），"
                   "比較結果與量測值（新鮮度比較結果與期望年齡：量測年齡會隨擷取日期增加）。每次擷取都會不同的細節"
                   "（耗時、重試次數、ETag、Last-Modified、位元組數、內容雜湊）不列入比較。"),
    "quantity": ("Quantity vs quality", "數量與品質"),
    "q_note": ("Raw counts against quality-adjusted counts (reachable, machine-readable, openly licensed and up to date, "
                "by measurement), with growth rates side by side.",
               "原始數量與品質調整後數量（實測可連線、機器可讀、開放授權且為最新）及其成長率並列。"),
    "measure": ("Measure", "指標"),
    "change": ("Change", "變化"),
    "growth": ("Growth", "成長率"),
    "m_datasets": ("Datasets", "資料集"),
    "m_quality_datasets": ("Passing the quality bar", "通過品質門檻"),
    "m_open_datasets": ("Open (ODB isOpen)", "開放（ODB isOpen）"),
    "m_resources": ("Resources", "資源"),
    "m_quality_share": ("Share passing the quality bar (%)", "通過品質門檻比例（%）"),
    "scores": ("Scores", "分數"),
    "level": ("Level", "層級"),
    "id": ("Id", "代號"),
    "name": ("Name", "名稱"),
    "delta": ("Δ", "差"),
    "explained": ("Explained by", "原因"),
    "questions": ("Questions (share of datasets answering yes, %)", "問題（回答「是」的資料集比例，%）"),
    "checks": ("Pass shares per check (datasets, %)", "各檢測項目通過比例（資料集，%）"),
    "check": ("Check", "檢測項目"),
    "res_old": ("Resources old", "資源（舊）"),
    "res_new": ("Resources new", "資源（新）"),
    "agencies": ("Agencies", "提供機關"),
    "improved": ("Improved most (mean score)", "進步最多（平均分數）"),
    "declined": ("Declined most (mean score)", "退步最多（平均分數）"),
    "agency": ("Agency", "提供機關"),
    "datasets_oldnew": ("Datasets", "資料集"),
    "mean": ("Mean score", "平均分數"),
    "quality_share": ("Quality share", "品質比例"),
    "no_agencies": ("No agency present on both sides changed its mean score.", "兩期皆有的提供機關，平均分數皆未改變。"),
    "changes": ("Changes", "變更"),
    "kind": ("Kind", "種類"),
    "count": ("Count", "數量"),
    "catalog_changes": ("Catalog", "目錄"),
    "quality_changes": ("Quality (findings)", "品質（檢測結果）"),
    "dataset": ("Dataset", "資料集"),
    "resource": ("Resource", "資源"),
    "field": ("Field", "欄位"),
    "ev_old": ("Evidence old", "舊證據"),
    "ev_new": ("Evidence new", "新證據"),
    "no_changes": ("None.", "無。"),
    "rescored": ("Datasets whose score or answers changed", "分數或答案改變的資料集"),
    "more_rows": ("{n} more rows in `{file}`.", "其餘 {n} 列見 `{file}`。"),
    "files": ("Files", "檔案"),
    "f_changes": ("one row per changed item: kind, dataset, resource, field, old, new, evidence_old, evidence_new",
                  "每列一項變更：種類、資料集、資源、欄位、舊值、新值、舊證據、新證據"),
    "f_deltas": ("old, new and delta per barometer, sub-index, category, question, agency and changed dataset, with what explains it",
                 "晴雨表、分項指數、類別、問題、提供機關與變動資料集的新舊分數、差值與原因"),
    "f_agencies": ("per agency: datasets, mean score, quality and open shares, old and new", "各提供機關的資料集數、平均分數、品質與開放比例（新舊）"),
    "chart_qq": ("Quantity vs quality", "數量與品質"),
    "chart_cat": ("Category scores, old and new", "各類別分數（新舊）"),
    "not_computed": ("not computed", "未計算"),
    "barometer": ("Barometer", "晴雨表"),
    "default_source": ("defaults (method flat; no rubric given)", "預設值（計分方法 flat；未提供評分準則）"),
    "implementation": ("Implementation sub-index", "執行分項指數"),
}

KIND_LABEL: dict[str, tuple[str, str]] = {
    "dataset_added": ("dataset added", "新增資料集"), "dataset_removed": ("dataset removed", "移除資料集"),
    "dataset_delisted": ("delisted from the portal", "自平臺下架"), "dataset_relisted": ("listed again", "重新上架"),
    "fetch_changed": ("metadata fetch changed", "詮釋資料取得狀態改變"), "renamed": ("renamed", "更名"),
    "agency_changed": ("moved between agencies", "更換提供機關"), "category_changed": ("moved between categories", "更換分類"),
    "badge_changed": ("platform badge changed", "平臺標章改變"), "resource_added": ("resource added", "新增資源"),
    "resource_removed": ("resource removed", "移除資源"), "url_changed": ("URL changed", "網址變更"),
    "link_broken": ("link broke", "連結失效"), "link_fixed": ("link fixed", "連結修復"), "stale": ("went stale", "變為過期"),
    "fresh": ("became fresh", "恢復即時"), "worse": ("finding worse", "檢測變差"), "better": ("finding better", "檢測變好"),
    "changed": ("finding changed", "檢測改變"),
}


def t(key: str, lang: str, **kw: object) -> str:
    text = _T[key][0 if lang == "en" else 1]
    return text.format(**kw) if kw else text


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _num(x: object, digits: int = 2) -> str:
    if _missing(x):
        return "—"
    return f"{float(x):.{digits}f}"  # type: ignore[arg-type]


def _count(x: object) -> str:
    return "—" if _missing(x) else f"{int(x):,}"  # type: ignore[call-overload]


def _signed(x: object, digits: int = 2) -> str:
    if _missing(x):
        return "—"
    v = float(x)  # type: ignore[arg-type]
    return f"{v:+.{digits}f}" if round(v, digits) != 0 else f"{0:.{digits}f}"


def _share(x: object) -> str:
    return "—" if _missing(x) else f"{100 * float(x):.1f}"  # type: ignore[arg-type]


def _pct_growth(x: object) -> str:
    return "—" if _missing(x) else f"{float(x):+.1f} %"  # type: ignore[arg-type]


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]], *, limit: int | None = None, total: int | None = None,
           file: str = "", lang: str = "en") -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for row in itertools.islice(rows, limit):
        out.append("| " + " | ".join(str(c) for c in row) + " |")
    if total is not None and limit is not None and total > limit and file:
        out += ["", t("more_rows", lang, n=total - limit, file=file)]
    return out + [""]


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

    def reason(self, side: object) -> str:
        key = getattr(side, "reason_key", "")
        return reason_text(key, getattr(side, "reason_args", {}), self.lang) if key else str(getattr(side, "reason", ""))

    def source(self) -> str:
        src = self.r.rubric.source
        return self.tr("default_source") if src == DEFAULT_SOURCE else src

    def kind(self, k: str) -> str:
        return KIND_LABEL[k][0 if self.lang == "en" else 1]

    def ds(self, key: str) -> str:
        name = self.names.get(key, "")
        label = f"{name} ({key})" if name else key
        page = self.pages.get(key, "")
        return md_link(label, page) if page else md(label)

    # -- sections -------------------------------------------------------------------------------
    def header(self) -> list[str]:
        r, tr = self.r, self.tr
        lines = [f"# {tr('title')}: {md(r.old.started_at)} → {md(r.new.started_at)}", ""]
        for side, label in ((r.old, tr("old")), (r.new, tr("new"))):
            n_ds = int(side.datasets["in_snapshot"].sum())
            lines.append("- " + tr("snap", label=label, path=md(side.path), time=md(side.started_at),
                                   status=md(side.manifest.get("status", "")), n=f"{n_ds:,}", r=f"{len(side.resources):,}",
                                   reason=md(self.reason(side))))
        rub = r.rubric.rubric
        lines += ["", tr("by", rules=md(r.rules_version), rubric=md(rub.name), source=md(self.source()), method=md(r.method)), ""]
        if r.warnings:
            lines += [f"## {tr('warnings')}", ""] + [f"- {md(w)}" for w in r.warnings] + [""]
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
        lines.append("- " + tr("s_quality", broken=c.get("link_broken", 0), fixed=c.get("link_fixed", 0), stale=c.get("stale", 0),
                               fresh=c.get("fresh", 0), worse=c.get("worse", 0), better=c.get("better", 0), changed=c.get("changed", 0)))
        a = r.agencies
        both = a[(a["datasets_old"] > 0) & (a["datasets_new"] > 0)]
        delta = both["mean_score_delta"].astype(float)
        lines.append("- " + tr("s_agencies", up=int((delta > 0).sum()), down=int((delta < 0).sum())))
        return lines + [""]

    def method(self) -> list[str]:
        r, tr = self.r, self.tr
        lines = [f"## {tr('method')}", "",
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
        lines = [f"## {tr('quantity')}", "", tr("q_note"), ""]
        lines += _table([tr("measure"), tr("old"), tr("new"), tr("change"), tr("growth")], rows)
        if "chart-quantity-quality.svg" in self.charts:
            lines += [f"![{tr('chart_qq')}](chart-quantity-quality.svg)", ""]
        return lines

    def scores(self) -> list[str]:
        r, tr = self.r, self.tr
        d = r.score_deltas
        top = d[d["level"].isin(["barometer", "subindex", "category"])]
        rows = [(x.level, md(x.id), md(x.name), _num(x.old), _num(x.new), _signed(x.delta), md(x.explained_by))
                for x in top.itertuples(index=False)]
        lines = [f"## {tr('scores')}", ""]
        lines += _table([tr("level"), tr("id"), tr("name"), tr("old"), tr("new"), tr("delta"), tr("explained")], rows,
                        limit=TABLE_LIMIT, total=len(rows), file="score_deltas.csv", lang=self.lang)
        if "chart-categories.svg" in self.charts:
            lines += [f"![{tr('chart_cat')}](chart-categories.svg)", ""]
        q = d[d["level"] == "question"]
        lines += [f"### {tr('questions')}", ""]
        lines += _table([tr("id"), tr("old"), tr("new"), tr("delta"), tr("explained")],
                        [(md(x.id), _num(x.old, 1), _num(x.new, 1), _signed(x.delta, 1), md(x.explained_by)) for x in q.itertuples(index=False)])
        lines += [f"### {tr('checks')}", ""]
        lines += _table([tr("check"), tr("old"), tr("new"), tr("delta"), tr("res_old"), tr("res_new")],
                        [(md(x.check), _num(x.datasets_share_old, 1), _num(x.datasets_share_new, 1), _signed(x.delta, 1),
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
            return [(md(x.agency or "(none)"), f"{x.datasets_old:,} → {x.datasets_new:,}", _num(x.mean_score_old), _num(x.mean_score_new),
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
        counts = [(md(k), self.kind(k), f"{self.counts[k]:,}") for k in CHANGE_KINDS if self.counts.get(k)]
        lines += _table([tr("kind"), "", tr("count")], counts)
        cat = ch[ch["kind"].isin(CATALOG_KINDS)]
        lines += [f"### {tr('catalog_changes')}", ""]
        if cat.empty:
            lines += [tr("no_changes"), ""]
        else:
            lines += _table([tr("kind"), tr("dataset"), tr("resource"), tr("field"), tr("old"), tr("new")],
                            [(self.kind(x.kind), self.ds(x.dataset), md(x.resource), md(x.field), md(x.old), md(x.new))
                             for x in cat.head(TABLE_LIMIT).itertuples(index=False)],
                            limit=TABLE_LIMIT, total=len(cat), file="changes.csv", lang=self.lang)
        qual = ch[ch["kind"].isin(QUALITY_KINDS)]
        lines += [f"### {tr('quality_changes')}", ""]
        if qual.empty:
            lines += [tr("no_changes"), ""]
        else:
            lines += _table([tr("kind"), tr("dataset"), tr("resource"), tr("check"), tr("old"), tr("new"), tr("ev_old"), tr("ev_new")],
                            [(self.kind(x.kind), self.ds(x.dataset), md(x.resource), md(x.field), md(x.old), md(x.new),
                              md(x.evidence_old), md(x.evidence_new)) for x in qual.head(TABLE_LIMIT).itertuples(index=False)],
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
                        [(self.ds(x.id), _num(x.old), _num(x.new), _signed(x.delta), md(x.explained_by)) for x in d.head(TABLE_LIMIT).itertuples(index=False)],
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
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} (use {', '.join(LANGS)})")
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
    paths += write_diff_site(r, out / "site", lang, KIND_LABEL, _site_charts(r))
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
