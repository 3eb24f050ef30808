"""The site's plain data, computed once from a ScoreResult: no HTML, no language.

Every table is grouped by dataset key once (not filtered per page), so a whole-portal snapshot of
tens of thousands of datasets costs one pass. Portal text stays as published (control and bidi
characters made visible); URLs are kept only when they are http(s) (report/safe.py's `safe_url`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ...scoring.model import Node, ScoreResult
from ...scoring.questions import QUESTIONS
from ...text import clip, visible
from ..safe import FIELD_LIMIT, PROSE_LIMIT, safe_url
from .slugs import slug_map


def text(value: object, limit: int | None = FIELD_LIMIT) -> str:
    """Portal or researcher text as published, with control and bidi characters visible, at most
    `limit` characters (as in the markdown report; the CSV tables have it whole)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return visible(clip(str(value), limit))


def prose(value: object) -> str:
    """Evidence, reasons and rationales: longer than a name, still bounded."""
    return text(value, PROSE_LIMIT)


def number(value: object) -> float | None:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


@dataclass
class Finding:
    check: str
    outcome: str
    resource: str  # "#0" for a resource, "" for the dataset
    measured: str
    expected: str
    evidence: str


@dataclass
class Answer:
    question: str
    number: int
    en: str
    zh: str
    answer: str
    source: str
    measured: str
    points: float | None
    reason: str
    links: list[str]
    findings: list[Finding]


@dataclass
class Resource:
    index: str
    format: str
    url: str
    link: str | None
    status: str
    error: str
    coverage: str
    coverage_reason: str
    provenance: str
    findings: list[Finding]


@dataclass
class Dataset:
    key: str
    slug: str
    name: str
    page: str | None
    agency: str
    agency_slug: str
    categories: list[tuple[str, str, str]]  # (id, name, slug)
    kind: str
    score: float | None
    open: bool
    quality: bool
    quality_measured: bool
    coverage: str
    coverage_reason: str
    unanswered: int
    manual: int
    badge: str
    licence: str
    frequency: str
    published: str
    modified: str
    answers: list[Answer] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # dataset-level findings

    @property
    def failing(self) -> list[tuple[Resource | None, Finding]]:
        """Every failing finding: the resource it is about (None for the dataset) and the finding."""
        out: list[tuple[Resource | None, Finding]] = [(None, f) for f in self.findings if f.outcome == "fail"]
        return out + [(r, f) for r in self.resources for f in r.findings if f.outcome == "fail"]


@dataclass
class Category:
    id: str
    slug: str
    name: str
    tier: str
    rationale: str
    score: float | None
    weight: float
    datasets: list[str]  # keys


@dataclass
class Agency:
    name: str
    slug: str
    datasets: int
    datasets_measured: int
    resources: int
    quality_datasets: int
    quality_share: float | None
    open_datasets: int
    mean_score: float | None
    unanswered_share: float | None
    stars: int
    keys: list[str]


@dataclass
class SiteView:
    r: ScoreResult
    datasets: list[Dataset]
    by_key: dict[str, Dataset]
    categories: list[Category]
    agencies: list[Agency]
    nodes: dict[str, Node]
    rows: dict[str, list[dict[str, Any]]]  # quality, years, formats, badges as records
    badge_fails: list[tuple[str, str]]  # (dataset key, evidence)

    @property
    def subindexes(self) -> list[Node]:
        return [n for n in self.r.nodes if n.level == "subindex"]

    @property
    def judged(self) -> list[Node]:
        return [n for n in self.r.nodes if n.level in ("component", "item")]


def _findings(r: ScoreResult) -> dict[str, list[tuple[str, Finding]]]:
    """Findings by dataset key: (resource key or "", Finding)."""
    f = r.findings
    out: dict[str, list[tuple[str, Finding]]] = {}
    if f.empty:
        return out
    cols = [f[c].astype(object).tolist() if c in f else [""] * len(f) for c in ("dataset", "resource", "check", "outcome", "measured", "expected", "evidence")]
    for ds, res, check, outcome, meas, exp, ev in zip(*cols, strict=True):
        short = "#" + str(res).rsplit("#", 1)[-1] if res and "#" in str(res) else ""
        out.setdefault(ds, []).append((res or "", Finding(text(check), text(outcome), short, text(meas), text(exp), prose(ev))))
    return out


def _answers(r: ScoreResult, found: dict[str, list[tuple[str, Finding]]]) -> dict[str, list[Answer]]:
    """Every dataset's ten answers, each with the findings it rests on (measured and expected
    values looked up in the findings by resource, check, outcome and evidence)."""
    lookup = {(k, res, f.check, f.outcome, f.evidence): f for k, fs in found.items() for res, f in fs}
    cites: dict[tuple[str, str], list[Finding]] = {}
    ev = r.evidence
    if not ev.empty:
        for k, q, c, res, o, e in zip(*(ev[c].astype(object).tolist() for c in ("key", "question", "check", "resource", "outcome", "evidence")), strict=True):
            hit = lookup.get((k, res or "", text(c), text(o), prose(e)))
            short = "#" + str(res).rsplit("#", 1)[-1] if res and "#" in str(res) else ""
            cites.setdefault((k, q), []).append(hit or Finding(text(c), text(o), short, "", "", prose(e)))
    qs = {q.id: q for q in QUESTIONS}
    out: dict[str, list[Answer]] = {}
    a = r.answers
    cols = ("key", "question", "answer", "source", "measured", "points", "reason", "links")
    for k, q, ans, src, meas, pts, reason, links in zip(*(a[c].tolist() for c in cols), strict=True):
        qq = qs.get(q)
        out.setdefault(k, []).append(Answer(
            q, qq.number if qq else 0, qq.en if qq else q, qq.zh if qq else q, ans, src, meas, number(pts), prose(reason),
            [u for u in (safe_url(x) for x in str(links or "").split()) if u], cites.get((k, q), [])))
    return out


def _resources(r: ScoreResult, found: dict[str, list[tuple[str, Finding]]]) -> dict[str, list[Resource]]:
    res = r.resources
    out: dict[str, list[Resource]] = {}
    if res.empty:
        return out
    cov: dict[str, tuple[str, str]] = {}
    if r.resource_coverage is not None and len(r.resource_coverage):
        rc = r.resource_coverage
        cov = {k: (c, why) for k, c, why in zip(rc["key"], rc["coverage"], rc["coverage_reason"], strict=True)}
    by_res: dict[str, list[Finding]] = {}
    for fs in found.values():
        for key, f in fs:
            if key:
                by_res.setdefault(key, []).append(f)
    prov = res["provenance"].tolist() if "provenance" in res else [""] * len(res)
    for key, ds, idx, fmt, url, status, err, pv in zip(res["key"], res["dataset"], res["index"], res["format"], res["url"], res["status"],
                                                      res["error"], prov, strict=True):
        c, why = cov.get(key, ("", ""))
        out.setdefault(ds, []).append(Resource(text(idx), text(fmt), text(url), safe_url(str(url or "")), text(status), text(err), c, text(why),
                                               text(pv), by_res.get(key, [])))
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [] if frame is None or frame.empty else frame.astype(object).where(frame.notna(), None).to_dict("records")


def _datasets(r: ScoreResult, cat_slugs: dict[str, str], agency_slugs: dict[str, str]) -> list[Dataset]:
    d = r.datasets
    cats: dict[str, list[tuple[str, str, str]]] = {}
    for k, c, name in zip(d["key"], d["category"], d["category_name"], strict=True):
        cats.setdefault(k, []).append((text(c), text(name), cat_slugs[c]))
    slugs = slug_map(d["key"])
    found = _findings(r)
    answers = _answers(r, found)
    resources = _resources(r, found)
    out = []
    for row in d.drop_duplicates("key").to_dict("records"):
        k = row["key"]
        out.append(Dataset(
            key=k, slug=slugs[k], name=text(row["name"]), page=safe_url(str(row.get("page") or "")), agency=text(row["agency"]),
            agency_slug=agency_slugs.get(row["agency"], "") if row.get("in_snapshot") else "", categories=cats[k], kind=text(row["kind"]),
            score=number(row["score"]), open=bool(row["open"]), quality=bool(row["quality"]), quality_measured=bool(row["quality_measured"]),
            coverage=text(row.get("coverage")), coverage_reason=prose(row.get("coverage_reason")), unanswered=int(row["unanswered"]),
            manual=int(row["manual"]), badge=text(row.get("badge")), licence=text(row.get("licence")), frequency=text(row.get("frequency")),
            published=text(row.get("published")), modified=text(row.get("modified")), answers=sorted(answers.get(k, []), key=lambda a: a.number),
            resources=resources.get(k, []), findings=[f for res, f in found.get(k, []) if not res]))
    return out


def build_view(r: ScoreResult) -> SiteView:
    """Everything the site's pages show, in plain Python objects."""
    cat_nodes = [n for n in r.nodes if n.level == "category"]
    cat_slugs = slug_map(n.id.split("/", 1)[1] for n in cat_nodes)
    ag = r.agencies
    agency_slugs = slug_map(ag["agency"].tolist() if len(ag) else [], prefix="a-")
    datasets = _datasets(r, cat_slugs, agency_slugs)
    info = {c.id: c for c in r.catalog.categories}
    members: dict[str, list[str]] = {}
    for k, c in zip(r.datasets["key"], r.datasets["category"], strict=True):
        members.setdefault(c, []).append(k)
    categories = []
    for n in cat_nodes:
        cid = n.id.split("/", 1)[1]
        c = info.get(cid)
        categories.append(Category(text(cid), cat_slugs[cid], text(n.name), text(c.tier) if c else "", prose(c.rationale) if c else "", n.score,
                                   n.weight, members.get(cid, [])))
    keys_of: dict[str, list[str]] = {}
    for ds in datasets:
        if ds.agency_slug:
            keys_of.setdefault(ds.agency_slug, []).append(ds.key)
    agencies = [Agency(text(a["agency"]), agency_slugs[a["agency"]], int(a["datasets"]), int(a["datasets_measured"]), int(a["resources"]),
                       int(a["quality_datasets"]), number(a["quality_share"]), int(a["open_datasets"]), number(a["mean_score"]),
                       number(a["unanswered_share"]), int(a["stars"]), keys_of.get(agency_slugs[a["agency"]], []))
                for a in _records(ag)]
    f = r.findings
    fails: list[tuple[str, str]] = []
    if not f.empty:
        bad = f[(f["check"].astype(object) == "badge") & (f["outcome"].astype(object) == "fail")]
        fails = [(k, prose(e)) for k, e in zip(bad["dataset"], bad["evidence"], strict=True)]
    rows = {"quality": _records(r.quality), "years": _records(r.years), "formats": _records(r.formats), "badges": _records(r.badges)}
    return SiteView(r, datasets, {d.key: d for d in datasets}, categories, agencies, {n.id: n for n in r.nodes}, rows, fails)
