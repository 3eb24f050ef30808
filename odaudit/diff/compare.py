"""Pure comparisons of two scored sides: catalog changes, finding changes, score deltas,
quantity vs quality, agencies. No I/O, no rendering.

Rules (also in docs/diff.md):

* Datasets are matched by snapshot key; resources by key inside a dataset present on both sides,
  except that a resource whose URL moved to another position is matched by URL (so inserting a
  resource does not make every later one look changed).
* Findings are matched by (dataset, resource, check) after that resource matching; a finding
  changes when its outcome or its measured value changes. `freshness` is compared by outcome and
  expected age, not by the measured age: the age grows with the crawl date by definition, so it
  would differ between any two crawls.
* Only recorded facts are compared; volatile fetch facts (elapsed_ms, attempts, ETag,
  Last-Modified, redirects, bytes, body hashes) never count as changes by themselves.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..scoring.model import Node
from ..scoring.questions import QUESTION_IDS, QUESTIONS
from .codes import categorical, joint_codes, recode

CHANGE_COLUMNS = ("kind", "dataset", "resource", "field", "old", "new", "evidence_old", "evidence_new")
SCORE_DELTA_COLUMNS = ("level", "id", "name", "old", "new", "delta", "explained_by")

#: catalog-level kinds, in report order
CATALOG_KINDS = (
    "dataset_added", "dataset_removed", "dataset_delisted", "dataset_relisted", "fetch_changed",
    "renamed", "agency_changed", "category_changed", "badge_changed",
    "resource_added", "resource_removed", "url_changed",
)
#: quality-level kinds (one per changed finding), in report order
QUALITY_KINDS = ("link_broken", "link_fixed", "stale", "fresh", "worse", "better", "changed")
CHANGE_KINDS = CATALOG_KINDS + QUALITY_KINDS
KIND_ORDER = {k: i for i, k in enumerate(CHANGE_KINDS)}

#: checks whose measured value is relative to the crawl time: compared by outcome and expected
TIME_RELATIVE = frozenset({"freshness"})
_RANK = {"pass": 2, "warn": 1, "fail": 0}
_GOOD = frozenset({"pass", "warn"})
QUESTION_CHECKS: dict[str, tuple[str, ...]] = {q.id: q.checks for q in QUESTIONS}
QUESTION_TEXT: dict[str, str] = {q.id: q.en for q in QUESTIONS}
EPS = 1e-9
_FINDING_COLUMNS = ("dataset", "resource", "check", "outcome", "measured", "expected", "evidence")


@dataclass
class Side:
    """What the comparison needs of one scored snapshot (a slimmed ScoreResult)."""

    label: str
    path: str
    manifest: dict[str, Any]
    rechecked: bool
    reason: str
    #: one row per scored dataset key: key, name, title, agency, categories, category_name, kind,
    #: fetch_status, badge, frequency, page, in_snapshot, score, open, quality, service_category
    datasets: pd.DataFrame
    #: (category id, key) of every scored catalog entry (a dataset may sit in two categories)
    memberships: pd.DataFrame
    #: key × question matrix of answers ("yes" / "no" / "") and of their sources
    answers: pd.DataFrame
    sources: pd.DataFrame
    #: dataset, resource, check, outcome, measured, expected, evidence (object columns)
    findings: pd.DataFrame
    #: key, dataset, index, url
    resources: pd.DataFrame
    nodes: list[Node]
    quality: pd.DataFrame
    quality_adjusted: dict[str, int]
    agencies: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    #: `reason` as a key and arguments of odaudit.diff.engine.REASONS (for translated reports)
    reason_key: str = ""
    reason_args: dict[str, Any] = field(default_factory=dict)

    @property
    def started_at(self) -> str:
        return str(self.manifest.get("started_at", ""))

    @property
    def stored_rules(self) -> str:
        return str(self.manifest.get("rules_version", ""))

    def snapshot_keys(self) -> pd.Index:
        return pd.Index(self.datasets.loc[self.datasets["in_snapshot"], "key"])

    def node_map(self) -> dict[str, Node]:
        return {n.id: n for n in self.nodes}


def side_from_result(result: Any, *, label: str, path: str, manifest: dict[str, Any], rechecked: bool, reason: str,
                     facts: Iterable[tuple[str, str, str, str, str]]) -> Side:
    """Slim a ScoreResult down to what `compare` needs (drops evidence, cites, reasons)."""
    d = result.datasets
    memberships = pd.DataFrame({"category": d["category"].astype(object).to_numpy(), "key": d["key"].astype(object).to_numpy()})
    u = d.drop_duplicates("key").copy()
    u["categories"] = _categories(memberships).reindex(u["key"].to_numpy(object)).fillna("").to_numpy(object)
    sc = {k: s for k, _i, _n, _kind, s in facts}
    u["service_category"] = u["key"].map(sc).fillna("").astype(object)
    keep = ["key", "name", "title", "agency", "categories", "category_name", "kind", "fetch_status", "badge", "frequency",
            "page", "in_snapshot", "score", "open", "quality", "service_category", "n_resources"]
    datasets = u[keep].reset_index(drop=True)
    for c in keep:
        if c not in ("in_snapshot", "score", "open", "quality", "n_resources"):
            datasets[c] = datasets[c].fillna("").astype(object)
    datasets["in_snapshot"] = datasets["in_snapshot"].astype(bool)
    datasets["score"] = datasets["score"].astype(float)

    a = result.answers
    n = len(a) // len(QUESTION_IDS)
    keys = a["key"].to_numpy()[:: len(QUESTION_IDS)]
    same_layout = n * len(QUESTION_IDS) == len(a) and (a["question"].to_numpy()[: len(QUESTION_IDS)] == np.array(QUESTION_IDS, dtype=object)).all() if len(a) else True
    if same_layout and len(a):
        answers = pd.DataFrame(a["answer"].astype(object).to_numpy().reshape(n, len(QUESTION_IDS)), index=pd.Index(keys, name="key"), columns=list(QUESTION_IDS))
        sources = pd.DataFrame(a["source"].astype(object).to_numpy().reshape(n, len(QUESTION_IDS)), index=pd.Index(keys, name="key"), columns=list(QUESTION_IDS))
    else:
        answers = a.pivot(index="key", columns="question", values="answer").reindex(columns=list(QUESTION_IDS)).fillna("").astype(object)
        sources = a.pivot(index="key", columns="question", values="source").reindex(columns=list(QUESTION_IDS)).fillna("").astype(object)

    f = result.findings
    # categorical: a whole portal's findings repeat few values (odaudit.diff.codes)
    findings = pd.DataFrame({c: categorical(f[c] if c in f else pd.Series([], dtype=object)) for c in _FINDING_COLUMNS})
    r = result.resources
    resources = pd.DataFrame({"key": r["key"].astype(object).to_numpy(), "dataset": r["dataset"].astype(object).to_numpy(),
                              "index": r["index"].to_numpy(), "url": r["url"].astype(object).to_numpy()})
    return Side(label, path, manifest, rechecked, reason, datasets, memberships, answers, sources, findings, resources,
                list(result.nodes), result.quality.copy(), dict(result.quality_adjusted), result.agencies.copy(), list(result.warnings))


def _categories(memberships: pd.DataFrame) -> pd.Series:
    """key → its categories, sorted and `;`-joined (joined in Python only for the few keys that sit in
    more than one category)."""
    m = memberships.assign(category=memberships["category"].map(str)).drop_duplicates()
    m = m.sort_values(["key", "category"], kind="stable")
    several = m["key"].duplicated(keep=False).to_numpy()
    one = pd.Series(m["category"].to_numpy(object)[~several], index=pd.Index(m["key"].to_numpy(object)[~several]))
    if not several.any():
        return one
    joined = m[several].groupby("key", sort=False)["category"].agg(";".join)
    return pd.concat([one, pd.Series(joined.to_numpy(object), index=pd.Index(joined.index.to_numpy(object)))])


# ---------------------------------------------------------------------------------------------
# catalog level


def _row(kind: str, dataset: str, resource: str = "", field: str = "", old: str = "", new: str = "",
         ev_old: str = "", ev_new: str = "") -> tuple[str, ...]:
    return (kind, dataset, resource, field, old, new, ev_old, ev_new)


def _describe(row: pd.Series) -> str:
    parts = []
    if row.get("agency"):
        parts.append(str(row["agency"]))
    parts.append(f"{int(row.get('n_resources') or 0)} resource(s)")
    if row.get("page"):
        parts.append(str(row["page"]))
    return "; ".join(parts)


def catalog_changes(old: Side, new: Side) -> tuple[list[tuple[str, ...]], pd.Index]:
    """Dataset-level catalog changes and the keys present on both sides."""
    o = old.datasets[old.datasets["in_snapshot"]].set_index("key")
    n = new.datasets[new.datasets["in_snapshot"]].set_index("key")
    rows: list[tuple[str, ...]] = []
    for key in sorted(set(n.index) - set(o.index)):
        r = n.loc[key]
        rows.append(_row("dataset_added", key, field="title", new=str(r["title"] or r["name"]), ev_new=_describe(r)))
    for key in sorted(set(o.index) - set(n.index)):
        r = o.loc[key]
        rows.append(_row("dataset_removed", key, field="title", old=str(r["title"] or r["name"]), ev_old=_describe(r)))
    both = o.index.intersection(n.index).sort_values()
    if not len(both):
        return rows, both
    a, b = o.loc[both], n.loc[both]

    fs_a, fs_b = a["fetch_status"].to_numpy(object), b["fetch_status"].to_numpy(object)
    for key, x, y in zip(both[fs_a != fs_b], fs_a[fs_a != fs_b], fs_b[fs_a != fs_b], strict=True):
        kind = ("dataset_delisted" if x == "ok" and y in ("not_in_export", "not_found") else
                "dataset_relisted" if x in ("not_in_export", "not_found") and y == "ok" else "fetch_changed")
        rows.append(_row(kind, key, field="fetch.status", old=x, new=y))

    meta_ok = (fs_a == "ok") & (fs_b == "ok")
    checks = (("renamed", "title"), ("agency_changed", "agency"), ("category_changed", "service_category"),
              ("badge_changed", "badge"))
    for kind, col in checks:
        x, y = a[col].to_numpy(object), b[col].to_numpy(object)
        mask = meta_ok & (x != y)
        if kind == "renamed":
            mask &= (x != "") & (y != "")
        for key, u, v in zip(both[mask], x[mask], y[mask], strict=True):
            rows.append(_row(kind, key, field=col, old=u, new=v))
    x, y = a["categories"].to_numpy(object), b["categories"].to_numpy(object)
    mask = x != y
    for key, u, v in zip(both[mask], x[mask], y[mask], strict=True):
        rows.append(_row("category_changed", key, field="category", old=u, new=v))
    return rows, both


def match_resources(old: Side, new: Side, both: pd.Index) -> tuple[list[tuple[str, ...]], dict[str, str], set[str], set[str]]:
    """Resource changes of datasets on both sides.

    Returns (rows, old key → new key for matched resources whose key differs, matched old keys,
    matched new keys)."""
    # as Python strings: a resource table is small, and Arrow strings' isin against a set is slow
    ro, rn = (r.astype(dict.fromkeys(("key", "dataset", "url"), object)) for r in (old.resources, new.resources))
    ro = ro[ro["dataset"].isin(both)]
    rn = rn[rn["dataset"].isin(both)]
    m = ro.merge(rn, on="key", how="outer", suffixes=("_o", "_n"), indicator=True, sort=True)
    same = (m["_merge"] == "both") & (m["url_o"] == m["url_n"])
    matched_old = set(m.loc[same, "key"])
    matched_new = set(matched_old)
    rename: dict[str, str] = {}
    rows: list[tuple[str, ...]] = []
    rest = m[~same]
    if rest.empty:
        return rows, rename, matched_old, matched_new
    todo = set(np.where(rest["dataset_o"].isna(), rest["dataset_n"], rest["dataset_o"]))
    uo_all = ro[ro["dataset"].isin(todo) & ~ro["key"].isin(matched_old)].sort_values(["dataset", "index", "key"])
    un_all = rn[rn["dataset"].isin(todo) & ~rn["key"].isin(matched_new)].sort_values(["dataset", "index", "key"])
    by_o = {d: list(zip(g["key"], g["url"], strict=True)) for d, g in uo_all.groupby("dataset", sort=False)}
    by_n = {d: list(zip(g["key"], g["url"], strict=True)) for d, g in un_all.groupby("dataset", sort=False)}
    for dkey in sorted(todo):
        left = by_o.get(dkey, [])
        right = by_n.get(dkey, [])
        # 1. same URL at another position: the same resource, moved
        for ko, url in list(left):
            hit = next(((kn, u) for kn, u in right if u == url), None)
            if hit is not None:
                left.remove((ko, url))
                right.remove(hit)
                matched_old.add(ko)
                matched_new.add(hit[0])
                if hit[0] != ko:
                    rename[ko] = hit[0]
        # 2. same position, another URL
        rk = dict(right)
        for ko, url in list(left):
            if ko in rk:
                rows.append(_row("url_changed", dkey, ko, "url", url, rk[ko]))
                left.remove((ko, url))
                right.remove((ko, rk.pop(ko)))
                matched_old.add(ko)
                matched_new.add(ko)
        for ko, url in left:
            rows.append(_row("resource_removed", dkey, ko, "url", old=url))
        for kn, url in right:
            rows.append(_row("resource_added", dkey, kn, "url", new=url))
    return rows, rename, matched_old, matched_new


# ---------------------------------------------------------------------------------------------
# quality level


def _pairs(fo: pd.DataFrame, fn: pd.DataFrame) -> np.ndarray:
    """(row in fo or -1, row in fn or -1) of every finding whose compared value differs, in the
    order of `_index` matching: fo's rows in order (changed or gone), then fn's new rows in order.

    Vectorised `_index`: a finding's key is (dataset, resource, check, occurrence), the occurrence
    numbering the rows of one (dataset, resource, check) in row order. Every column is compared by
    its codes in a vocabulary shared by the two sides (odaudit.diff.codes)."""
    na, nb = len(fo), len(fn)
    code = np.zeros(na + nb, "int64")
    for col in ("dataset", "resource", "check"):  # one number per (dataset, resource, check), shared by both sides
        (ca, cb), vocabulary = joint_codes([fo[col], fn[col]])
        code = code * (len(vocabulary) + 1) + np.concatenate([ca, cb])
    occ = np.concatenate([pd.Series(c).groupby(c, sort=False).cumcount().to_numpy("int64") for c in (code[:na], code[na:])])
    unit = code * (int(occ.max()) + 1 if len(occ) else 1) + occ
    (oa, ob), _ = joint_codes([fo["outcome"], fn["outcome"]])
    # the compared value: the measured one, or the expected one for TIME_RELATIVE checks
    (ma, ea, mb, eb), _ = joint_codes([fo["measured"], fo["expected"], fn["measured"], fn["expected"]])
    xa = np.where(np.isin(fo["check"].astype(object).to_numpy(), list(TIME_RELATIVE)), ea, ma) if na else ma
    xb = np.where(np.isin(fn["check"].astype(object).to_numpy(), list(TIME_RELATIVE)), eb, mb) if nb else mb
    a = pd.DataFrame({"u": unit[:na], "oa": oa, "xa": xa, "i": np.arange(na)})
    b = pd.DataFrame({"u": unit[na:], "ob": ob, "xb": xb, "j": np.arange(nb)})
    m = a.merge(b, on="u", how="outer", sort=False)
    i = m["i"].fillna(-1).to_numpy("int64")
    j = m["j"].fillna(-1).to_numpy("int64")
    changed = (i < 0) | (j < 0) | (m["oa"].to_numpy() != m["ob"].to_numpy()) | (m["xa"].to_numpy() != m["xb"].to_numpy())
    i, j = i[changed], j[changed]
    first = np.flatnonzero(i >= 0)
    first = first[np.argsort(i[first], kind="stable")]
    added = np.flatnonzero(i < 0)
    added = added[np.argsort(j[added], kind="stable")]
    order = np.concatenate([first, added])
    return np.stack([i[order], j[order]], axis=1).astype("int64").reshape(-1, 2)


def _display(outcome: object, measured: object, expected: object, check: str) -> str:
    if not isinstance(outcome, str) or not outcome:
        return ""
    text = f"{outcome}: {measured}" if measured else str(outcome)
    if check in TIME_RELATIVE and expected:
        text += f" (expected {expected})"
    return text


def classify(check: str, old: str, new: str) -> str:
    """The change kind of one finding whose outcome or measured value changed."""
    if check == "link" and old in _GOOD and new == "fail":
        return "link_broken"
    if check == "link" and old == "fail" and new in _GOOD:
        return "link_fixed"
    if check == "freshness" and old in _GOOD and new == "fail":
        return "stale"
    if check == "freshness" and old == "fail" and new in _GOOD:
        return "fresh"
    a, b = _RANK.get(old), _RANK.get(new)
    if a is None or b is None or a == b:
        return "changed"
    return "worse" if b < a else "better"


def finding_changes(old: Side, new: Side, both: pd.Index, rename: dict[str, str], matched_old: set[str],
                    matched_new: set[str]) -> pd.DataFrame:
    """One row per (dataset, resource, check) whose outcome or measured value changed."""
    def kept(f: pd.DataFrame, matched: set[str]) -> pd.DataFrame:
        """The findings of datasets on both sides: their own, and their matched resources' (a side's
        findings are categorical already: side_from_result; _pairs compares them by their codes)."""
        if not len(f):
            return f
        return f[(f["dataset"].isin(both) & ((f["resource"] == "") | f["resource"].isin(list(matched)))).to_numpy()].reset_index(drop=True)
    fo = kept(old.findings, matched_old)
    if rename and len(fo):
        fo = fo.assign(resource=recode(fo["resource"], rename))
    fn = kept(new.findings, matched_new)
    pairs = _pairs(fo, fn)
    if not len(pairs):
        return pd.DataFrame(columns=[*CHANGE_COLUMNS, "check", "outcome_old", "outcome_new"])
    cols = ["dataset", "resource", "check", "outcome", "measured", "expected", "evidence"]

    def rows(f: pd.DataFrame, idx: np.ndarray, suffix: str) -> pd.DataFrame:
        """Rows `idx` of `f` as objects ("" where -1: absent); only these rows become Python strings."""
        if not len(f):
            return pd.DataFrame({f"{c}{suffix}": np.full(len(idx), "", dtype=object) for c in cols})
        sub = f[cols].iloc[np.where(idx < 0, 0, idx)].astype(object).reset_index(drop=True)
        sub.loc[idx < 0, :] = ""
        return sub.add_suffix(suffix)
    pa, pb = rows(fo, pairs[:, 0], "_a"), rows(fn, pairs[:, 1], "_b")
    m = pd.concat([pa, pb], axis=1)
    rows = []
    for (ds_a, ds_b, r_a, r_b, c_a, c_b, oa, ob, ma, mb, xa, xb, eva, evb) in zip(
            m["dataset_a"], m["dataset_b"], m["resource_a"], m["resource_b"], m["check_a"], m["check_b"], m["outcome_a"],
            m["outcome_b"], m["measured_a"], m["measured_b"], m["expected_a"], m["expected_b"], m["evidence_a"], m["evidence_b"],
            strict=True):
        check = str(c_b or c_a)
        rows.append((
            classify(check, oa, ob), str(ds_b or ds_a), str(r_b if c_b else r_a), check,
            _display(oa, ma, xa, check), _display(ob, mb, xb, check), str(eva), str(evb), check, oa, ob,
        ))
    return pd.DataFrame.from_records(rows, columns=[*CHANGE_COLUMNS, "check", "outcome_old", "outcome_new"])


def all_changes(old: Side, new: Side) -> pd.DataFrame:
    """changes.csv: catalog rows and finding rows, sorted by dataset, resource, kind, field."""
    rows, both = catalog_changes(old, new)
    res_rows, rename, mo, mn = match_resources(old, new, both)
    fc = finding_changes(old, new, both, rename, mo, mn)
    frame = pd.DataFrame.from_records(rows + res_rows, columns=list(CHANGE_COLUMNS))
    if not fc.empty:
        frame = pd.concat([frame, fc[list(CHANGE_COLUMNS)]], ignore_index=True) if len(frame) else fc[list(CHANGE_COLUMNS)].copy()
    if frame.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in CHANGE_COLUMNS})
    frame = frame.astype(object).fillna("")
    frame["_o"] = frame["kind"].map(KIND_ORDER)
    frame = frame.sort_values(["dataset", "resource", "_o", "field"], kind="stable").drop(columns="_o").reset_index(drop=True)
    return frame


# ---------------------------------------------------------------------------------------------
# scores


def as_number(x: object) -> float | None:
    if x is None:
        return None
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


def rounded(x: float | None, digits: int = 2) -> float | None:
    return None if x is None else round(x, digits) + 0.0


def delta_of(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else rounded(b - a)


def percent_text(x: float | None) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


AGENCY_COLUMNS = ("agency", "datasets_old", "datasets_new", "mean_score_old", "mean_score_new", "mean_score_delta",
                  "quality_share_old", "quality_share_new", "quality_share_delta", "open_share_old", "open_share_new")


def agency_table(old: Side, new: Side) -> pd.DataFrame:
    """Per 提供機關: datasets, mean score and pass shares (quality bar, open), old and new."""
    def prep(s: Side) -> pd.DataFrame:
        a = s.agencies
        if a.empty:
            return pd.DataFrame(columns=["agency", "datasets", "mean_score", "quality_share", "open_share"]).set_index("agency")
        return pd.DataFrame({"agency": a["agency"].astype(object), "datasets": a["datasets"].astype(int),
                             "mean_score": a["mean_score"].astype(float), "quality_share": a["quality_share"].astype(float),
                             "open_share": a["open_datasets"].astype(float) / a["datasets"].astype(float)}).set_index("agency")
    o, n = prep(old), prep(new)
    names = sorted(set(o.index) | set(n.index))
    rows = []
    for ag in names:
        x = o.loc[ag] if ag in o.index else None
        y = n.loc[ag] if ag in n.index else None
        ms_o = rounded(as_number(x["mean_score"])) if x is not None else None
        ms_n = rounded(as_number(y["mean_score"])) if y is not None else None
        qs_o = rounded(as_number(x["quality_share"]), 4) if x is not None else None
        qs_n = rounded(as_number(y["quality_share"]), 4) if y is not None else None
        rows.append((ag, int(x["datasets"]) if x is not None else 0, int(y["datasets"]) if y is not None else 0,
                     ms_o, ms_n, delta_of(as_number(x["mean_score"]) if x is not None else None, as_number(y["mean_score"]) if y is not None else None),
                     qs_o, qs_n, None if qs_o is None or qs_n is None else rounded(qs_n - qs_o, 4),
                     rounded(as_number(x["open_share"]), 4) if x is not None else None, rounded(as_number(y["open_share"]), 4) if y is not None else None))
    return pd.DataFrame.from_records(rows, columns=list(AGENCY_COLUMNS))


# ---------------------------------------------------------------------------------------------
# quantity vs quality


QUANTITY_COLUMNS = ("measure", "old", "new", "change", "growth")


def _growth(a: float, b: float) -> float | None:
    return None if not a else rounded(100 * (b - a) / a, 1)


QUANTITY_MEASURES = ("datasets", "quality_datasets", "open_datasets", "resources", "quality_share")


def side_counts(s: Side) -> dict[str, float]:
    """One side's raw and quality-adjusted counts (QUANTITY_MEASURES); quality_share in %."""
    d = s.datasets[s.datasets["in_snapshot"]]
    raw = int(s.quality_adjusted.get("datasets", len(d)))
    q = int(s.quality_adjusted.get("quality", int(d["quality"].sum())))
    return {"datasets": raw, "quality_datasets": q, "open_datasets": int(d["open"].astype(bool).sum()),
            "resources": len(s.resources),
            "quality_share": rounded(100 * q / raw, 2) if raw else None}  # type: ignore[dict-item]


def quantity_table(old: Side, new: Side) -> pd.DataFrame:
    """Raw counts against quality-adjusted counts, old and new, with growth rates."""
    a, b = side_counts(old), side_counts(new)
    rows = []
    for m in QUANTITY_MEASURES:
        x, y = a[m], b[m]
        if m == "quality_share":
            rows.append((m, x, y, delta_of(x, y), None))
        else:
            rows.append((m, int(x), int(y), int(y - x), _growth(x, y)))
    return pd.DataFrame.from_records(rows, columns=list(QUANTITY_COLUMNS))


CHECK_SHARE_COLUMNS = ("check", "datasets_share_old", "datasets_share_new", "delta", "resources_share_old", "resources_share_new")


def check_shares(old: Side, new: Side) -> pd.DataFrame:
    """Per check: share of evaluated datasets (and resources) passing, old and new (in %)."""
    def prep(s: Side) -> pd.DataFrame:
        q = s.quality
        if q.empty:
            return pd.DataFrame(columns=["datasets_share", "resources_share"])
        return q.set_index("check")[["datasets_share", "resources_share"]].astype(float)
    o, n = prep(old), prep(new)
    order = list(dict.fromkeys([*n.index, *o.index]))
    rows = []
    for c in order:
        a = as_number(o.at[c, "datasets_share"]) if c in o.index else None
        b = as_number(n.at[c, "datasets_share"]) if c in n.index else None
        ra = as_number(o.at[c, "resources_share"]) if c in o.index else None
        rb = as_number(n.at[c, "resources_share"]) if c in n.index else None
        pa, pb = (None if a is None else 100 * a), (None if b is None else 100 * b)
        rows.append((c, rounded(pa, 1), rounded(pb, 1), delta_of(pa, pb), rounded(None if ra is None else 100 * ra, 1), rounded(None if rb is None else 100 * rb, 1)))
    return pd.DataFrame.from_records(rows, columns=list(CHECK_SHARE_COLUMNS))
