"""The site of a comparison (DIR/site/ of `odaudit diff`): the same kind of static, bilingual site
as a score report's (odaudit/report/site/), over a DiffResult: an overview of the changes, every
changed dataset with its changes and their evidence, and the agencies."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..report import i18n
from ..report.safe import safe_url
from ..report.site.build import write_editions
from ..report.site.slugs import slug_map
from ..report.site.view import prose, text
from .engine import DiffResult

NAV = (("index.html", "site_nav_overview"), ("datasets.html", "site_d_nav_datasets"), ("agencies.html", "site_nav_agencies"))


def _num(x: object) -> float | None:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


@dataclass
class Change:
    kind: str
    resource: str
    field: str
    old: str
    new: str
    evidence_old: str
    evidence_new: str


@dataclass
class Changed:
    key: str
    slug: str
    name: str
    page: str | None
    agency: str
    agency_slug: str
    old: float | None
    new: float | None
    delta: float | None
    explained_by: str
    changes: list[Change] = field(default_factory=list)


def _datasets(r: DiffResult, agency_slugs: dict[str, str]) -> list[Changed]:
    """Every dataset with a change or a score delta, in key order of the score deltas then the changes."""
    info: dict[str, dict[str, Any]] = {}
    for side in (r.old, r.new):  # the new side's name, page and agency win
        for row in side.datasets[["key", "name", "page", "agency"]].to_dict("records"):
            info[row["key"]] = row
    deltas = r.score_deltas[r.score_deltas["level"] == "dataset"]
    keys = list(dict.fromkeys([*deltas["id"].tolist(), *r.changes["dataset"].tolist()]))
    slugs = slug_map(keys)
    by: dict[str, Changed] = {}
    for k in keys:
        row = info.get(k, {"name": k, "page": "", "agency": ""})
        by[k] = Changed(k, slugs[k], text(row["name"]), safe_url(str(row.get("page") or "")), text(row["agency"]),
                        agency_slugs.get(row["agency"], ""), None, None, None, "")
    for k, o, n, d, why in zip(deltas["id"], deltas["old"], deltas["new"], deltas["delta"], deltas["explained_by"], strict=True):
        by[k].old, by[k].new, by[k].delta, by[k].explained_by = _num(o), _num(n), _num(d), prose(why)
    c = r.changes
    for k, kind, res, fld, o, n, eo, en in zip(c["dataset"], c["kind"], c["resource"], c["field"], c["old"], c["new"],
                                                c["evidence_old"], c["evidence_new"], strict=True):
        short = "#" + str(res).rsplit("#", 1)[-1] if res and "#" in str(res) else ""
        by[k].changes.append(Change(text(kind), short, text(fld), text(o), text(n), prose(eo), prose(en)))
    return list(by.values())


def _pages(r: DiffResult, lang: str, ds: list[Changed], agencies: list[dict[str, Any]]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    tr = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    kinds: dict[str, int] = {}
    for k in r.changes["kind"]:
        kinds[k] = kinds.get(k, 0) + 1
    top = r.score_deltas[r.score_deltas["level"].isin(("barometer", "subindex", "category"))].to_dict("records")
    yield "index.html", "diff_index.html.j2", {"title": tr("site_nav_overview"), "crumbs": [], "kinds": sorted(kinds.items()), "top": top,
                                               "quantity": r.quantity.to_dict("records"), "checks": r.checks.to_dict("records")}
    yield "datasets.html", "diff_datasets.html.j2", {"title": tr("site_d_nav_datasets"), "crumbs": []}
    yield "agencies.html", "diff_agencies.html.j2", {"title": tr("agencies"), "crumbs": []}
    for d in ds:
        yield f"dataset/{d.slug}.html", "diff_dataset.html.j2", {"title": d.name or d.key, "crumbs": [("datasets.html", tr("site_d_nav_datasets"))], "d": d}
    for g in agencies:
        mine = [d for d in ds if d.agency_slug == g["slug"]]
        yield f"agency/{g['slug']}.html", "diff_agency.html.j2", {"title": g["name"], "crumbs": [("agencies.html", tr("agencies"))], "g": g, "ds": mine}


def write_diff_site(r: DiffResult, out: str | Path, lang: str, charts: Any) -> list[Path]:
    """Both editions of the comparison's site into `out`; `charts(folder, lang)` draws the diff's
    charts into an edition's folder. Change kinds are named by the one catalog (`change_<kind>`)."""
    a = r.agencies
    agency_slugs = slug_map(a["agency"].tolist(), prefix="a-")
    agencies = [{**{k: (_num(v) if k != "agency" else v) for k, v in row.items()}, "name": text(row["agency"]), "slug": agency_slugs[row["agency"]]}
                for row in a.to_dict("records")]
    ds = _datasets(r, agency_slugs)

    def common(lg: str) -> dict[str, Any]:
        sides = {s: {"label": text(getattr(r, s).label), "time": text(getattr(r, s).manifest.get("started_at") or ""),
                     "catalog": text(getattr(r, s).manifest.get("catalog") or "")} for s in ("old", "new")}
        foot = i18n.t("site_d_footer", lg, rules=text(r.rules_version), method=text(r.method))
        return {"r": r, "sides": sides, "changed": ds, "agencies": agencies, "site_title": i18n.t("site_d_title", lg), "footer": foot, "nav": NAV,
                "kind": lambda k: i18n.t(f"change_{k}", lg) if i18n.has(f"change_{k}") else k,
                "num_or_none": _num}

    return write_editions(Path(out), lang, lambda lg: _pages(r, lg, ds, agencies), charts, common)
