"""Findings → measured answers to the ten questions, with the findings cited as evidence.

Rules (also in docs/scoring.md):

* A finding *satisfies* when its outcome is pass or warn, *fails* when fail; skip and error say nothing.
* A *unit* is one resource (resource-level rows) or the dataset itself (dataset-level rows).
  For a question answered by several checks, a unit is yes when none of its findings of those
  checks fails and all are pass/warn, no when any fails, unknown otherwise.
* The dataset's measured answer is **yes if any unit is yes** (one good resource is enough, as the
  ODB asks whether the data is available in that form), else no if any unit is no, else unanswered.
  For the questions answered resource by resource (online, machine_readable, bulk, linked), a no
  also needs every resource to have been measured: while one is not (not in the sample, not in a
  replay, blocked, a stand-in; see coverage.py), it might be the good one, so the answer stays
  unanswered. Unmeasured is not failed.

| question | from |
|---|---|
| exists | listed on the portal (record fetched, status ok) or any link reachable |
| online | `link` |
| machine_readable | `format` + `structure` (+ `machine_readable` when present), on the same resource |
| bulk | `downloadable` (a direct download of the whole file, not a landing page or a query API) |
| free | `free` |
| open_licence | `licence` |
| up_to_date | `freshness` |
| sustained | yes when up_to_date is yes and the declared 更新頻率 is a regular one (每…, 即時); no when it is 不定期/不更新 or up_to_date is no |
| findable | `metadata` (complete metadata on the portal); no when the portal no longer lists the dataset |
| linked | `stars`: the measured star rating (4–5 = URIs / linked data) |
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .questions import QUESTION_IDS

YES, NO, UNKNOWN = 1, 0, -1

#: question → checks whose findings answer it unit by unit
CHECK_RULES: dict[str, tuple[str, ...]] = {
    "online": ("link",),
    "machine_readable": ("format", "structure", "machine_readable"),
    "bulk": ("downloadable",),
    "free": ("free",),
    "open_licence": ("licence",),
    "up_to_date": ("freshness",),
    "findable": ("metadata",),
    "linked": ("stars",),
}
#: every check cited per question (including the derived questions)
CITED: dict[str, tuple[str, ...]] = {
    **CHECK_RULES,
    "exists": ("link",),
    "sustained": ("freshness",),
}
_REGULAR = r"^\s*(?:每|即時|實時|隨時)"
_IRREGULAR = r"(?:不定期|不更新|不需更新|不再更新|停止更新)"
EVIDENCE_COLUMNS = ("key", "question", "check", "resource", "outcome", "evidence")


class _Units:
    """The findings' dataset and unit (resource, or the dataset itself) as integer codes and their
    outcomes as two flags, computed once: each question's verdict is then a group-by on integers
    (a whole-portal snapshot has 1.5 million findings and ten questions)."""

    def __init__(self, f: pd.DataFrame) -> None:
        self.ds_code, self.ds_values = pd.factorize(f["dataset"].to_numpy(object))
        res_code, res_values = pd.factorize(f["resource"].to_numpy(object))
        self.unit = self.ds_code.astype(np.int64) * (len(res_values) + 1) + res_code
        outcome = f["outcome"].astype(object)
        self.ok = outcome.isin(("pass", "warn")).to_numpy()
        self.bad = (outcome == "fail").to_numpy()

    def verdicts(self, rows: np.ndarray) -> pd.Series:
        """Per dataset: max over units of (1 yes, 0 no, -1 unknown) — i.e. yes if any unit is yes."""
        if not len(rows):
            return pd.Series(dtype="int8")
        g = pd.DataFrame({"unit": self.unit[rows], "ds": self.ds_code[rows], "ok": self.ok[rows], "bad": self.bad[rows]})
        units = g.groupby("unit", sort=False).agg(ds=("ds", "first"), bad=("bad", "max"), ok=("ok", "min"))
        verdict = np.where(units["bad"], NO, np.where(units["ok"], YES, UNKNOWN)).astype("int8")
        per_ds = pd.Series(verdict, index=units["ds"].to_numpy()).groupby(level=0, sort=False).max()
        return pd.Series(per_ds.to_numpy(), index=self.ds_values[per_ds.index.to_numpy()])


def _stars_verdicts(f: pd.DataFrame) -> pd.Series:
    if f.empty:
        return pd.Series(dtype="int8")
    measured = f["measured"].astype(str)
    digits = pd.to_numeric(measured.str.extract(r"(\d)", expand=False), errors="coerce")
    stars = digits.fillna(measured.str.count("★").where(measured.str.contains("★"), np.nan))
    unit = np.where(stars >= 4, YES, np.where(stars >= 0, NO, UNKNOWN)).astype("int8")
    return pd.Series(unit, index=f["dataset"].to_numpy()).groupby(level=0, sort=False).max()


#: questions whose units are resources (a no needs every resource measured)
RESOURCE_QUESTIONS = ("online", "machine_readable", "bulk", "linked")


def measure(datasets: pd.DataFrame, findings: pd.DataFrame,
            unmeasured: pd.Index | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Measured answers (key × question, values 1/0/-1) and the evidence rows behind them.

    `unmeasured`: keys of datasets with at least one resource odaudit did not measure."""
    keys = pd.Index(datasets["key"])
    by_check = findings.groupby("check", observed=True, sort=False).indices if not findings.empty else {}
    units = _Units(findings)

    def positions(checks: tuple[str, ...]) -> np.ndarray:
        idx = [by_check[c] for c in checks if c in by_check]
        return np.sort(np.concatenate(idx)) if idx else np.array([], dtype=np.intp)

    def rows_for(checks: tuple[str, ...]) -> pd.DataFrame:
        return findings.iloc[positions(checks)]

    verdict: dict[str, pd.Series] = {}
    for q, checks in CHECK_RULES.items():
        v = _stars_verdicts(rows_for(checks)) if q == "linked" else units.verdicts(positions(checks))
        v = v.reindex(keys).fillna(UNKNOWN).astype("int8")
        if q in RESOURCE_QUESTIONS and unmeasured is not None and len(unmeasured):
            v = v.where(~((v == NO) & keys.isin(unmeasured)), UNKNOWN).astype("int8")
        verdict[q] = v

    listed = ((datasets["kind"] == "portal") & (datasets["fetch_status"] == "ok")).to_numpy()
    delisted = ((datasets["kind"] == "portal") & datasets["fetch_status"].isin(("not_in_export", "not_found"))).to_numpy()
    online = verdict["online"].to_numpy()
    verdict["exists"] = pd.Series(np.where(listed | (online == YES), YES, UNKNOWN).astype("int8"), index=keys)
    findable = verdict["findable"].to_numpy()
    verdict["findable"] = pd.Series(np.where(delisted, NO, findable).astype("int8"), index=keys)

    freq = datasets["frequency"].astype(str)
    regular = freq.str.contains(_REGULAR, regex=True).to_numpy()
    irregular = freq.str.contains(_IRREGULAR, regex=True).to_numpy()
    fresh = verdict["up_to_date"].to_numpy()
    sustained = np.where((fresh == NO) | irregular, NO, np.where((fresh == YES) & regular, YES, UNKNOWN))
    verdict["sustained"] = pd.Series(sustained.astype("int8"), index=keys)

    measured = pd.DataFrame({q: verdict[q].to_numpy() for q in QUESTION_IDS}, index=keys)
    return measured, _evidence(datasets, findings, positions, listed, delisted)


def _evidence(datasets: pd.DataFrame, findings: pd.DataFrame, positions: Callable[[tuple[str, ...]], np.ndarray],
              listed: np.ndarray, delisted: np.ndarray) -> pd.DataFrame:
    """The evidence rows (EVIDENCE_COLUMNS) behind the measured answers: each question's cited
    findings, and the dataset records' own facts; sorted by key, checklist order, resource, check.

    Built as NumPy arrays taken from the findings' columns once (two million rows at whole-portal
    scale), one frame made at the end."""
    columns: dict[str, list[np.ndarray]] = {c: [] for c in EVIDENCE_COLUMNS if c != "question"}
    question: list[np.ndarray] = []
    source = {c: findings[c].astype(object).to_numpy() for c in ("dataset", "check", "resource", "outcome", "evidence")} \
        if len(findings) else {}

    def add(q: str, key: np.ndarray, check: Any, resource: Any, outcome: Any, evidence: Any) -> None:
        n = len(key)
        for c, v in (("key", key), ("check", check), ("resource", resource), ("outcome", outcome), ("evidence", evidence)):
            columns[c].append(v if isinstance(v, np.ndarray) else np.full(n, v, dtype=object))
        question.append(np.full(n, QUESTION_IDS.index(q), dtype=np.int64))

    for q in QUESTION_IDS:
        at = positions(CITED[q])
        if len(at):
            add(q, source["dataset"][at], source["check"][at], source["resource"][at], source["outcome"][at], source["evidence"][at])
    keys = datasets["key"].to_numpy(object)
    if listed.any():
        add("exists", keys[listed], "record", "", "pass", "listed on the portal (dataset record fetched)")
    if delisted.any():
        for q in ("exists", "findable"):
            add(q, keys[delisted], "record", "", "fail", "not in the portal's catalog export")
    freq = datasets["frequency"].astype(str).to_numpy(object)
    has_freq = freq != ""
    if has_freq.any():
        add("sustained", keys[has_freq], "record", "", "", "更新頻率 " + freq[has_freq])
    if not question:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in EVIDENCE_COLUMNS})
    ev = {c: np.concatenate(v) for c, v in columns.items()}
    q_rank = np.concatenate(question)
    # sorted by key, checklist order, resource, check, ties in order (np.lexsort is stable): sorted
    # codes of each column rather than a sort of two million rows of strings
    ranks = [pd.factorize(ev[c], sort=True)[0] for c in ("check", "resource")]
    order = np.lexsort([*ranks, q_rank, pd.factorize(ev["key"], sort=True)[0]])
    names = np.array(QUESTION_IDS, dtype=object)
    return pd.DataFrame({"key": ev["key"][order], "question": names[q_rank[order]], "check": ev["check"][order],
                         "resource": ev["resource"][order], "outcome": ev["outcome"][order],
                         "evidence": pd.Series(ev["evidence"][order], dtype=object)})


def _pair_codes(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """A code per row for the pair (a, b), numbered in order of first appearance (as
    `groupby(sort=False).ngroup()` numbers them; a missing value is a value), and the values of
    each pair."""
    ca, va = pd.factorize(a.astype(object).to_numpy(object), use_na_sentinel=False)
    cb, vb = pd.factorize(b.astype(object).to_numpy(object), use_na_sentinel=False)
    codes, pairs = pd.factorize(ca.astype(np.int64) * max(len(vb), 1) + cb)
    return codes, (np.asarray(va, dtype=object)[pairs // max(len(vb), 1)], np.asarray(vb, dtype=object)[pairs % max(len(vb), 1)])


def cites(evidence: pd.DataFrame, limit: int = 4) -> pd.DataFrame:
    """Abridged citation per (key, question): `link pass #0; format fail #1 (+3 more)`.

    A frame of `key`, `question`, `cite`, one row per pair that has evidence, in order of first
    appearance. Built column-wise: a whole-portal snapshot cites about two million evidence rows."""
    if evidence.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in ("key", "question", "cite")})
    # each distinct (check, outcome) and each distinct resource is formatted once, then taken by
    # code; pairs of columns are numbered by combining their integer codes (never by tuples of strings)
    said, (checks, outcomes) = _pair_codes(evidence["check"], evidence["outcome"])
    said_text = np.array([f"{c} {o}" if isinstance(o, str) and o else str(c) for c, o in zip(checks, outcomes, strict=True)], dtype=object)
    res, res_values = pd.factorize(evidence["resource"].astype(object), use_na_sentinel=False)
    res_text = np.array([f" #{r.rsplit('#', 1)[1]}" if isinstance(r, str) and "#" in r else "" for r in res_values], dtype=object)
    text = said_text[said] + res_text[res]
    key, question = evidence["key"].to_numpy(object), evidence["question"].to_numpy(object)
    gid, _ = _pair_codes(evidence["key"], evidence["question"])  # numbered in order of first appearance
    rank = pd.Series(gid).groupby(gid, sort=False).cumcount().to_numpy()
    n_groups = int(gid.max()) + 1
    first = np.unique(gid, return_index=True)[1]  # the first row of each pair
    cite = np.full(n_groups, "", dtype=object)
    for r in range(limit):
        at = rank == r
        cite[gid[at]] = (cite[gid[at]] + "; " + text[at]) if r else text[at]
    extra = np.bincount(gid, minlength=n_groups) - limit
    more = extra > 0
    cite[more] = cite[more] + " (+" + extra[more].astype(str).astype(object) + " more)"
    return pd.DataFrame({"key": key[first], "question": question[first], "cite": cite})
