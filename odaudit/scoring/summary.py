"""Quantity and quality aggregates of a snapshot (pure pandas, vectorised): per-check pass
shares, the quality-adjusted count, agencies with stars, badges vs measured, formats, growth."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .automate import NO, UNKNOWN, YES
from .coverage import resource_summary
from .questions import CHECK_IDS

#: measured answers a dataset needs for the quality-adjusted count
QUALITY_QUESTIONS = ("online", "machine_readable", "open_licence", "up_to_date")
BADGE_ORDER = ("白金", "金", "銀", "銅", "無(白名單)", "無")


def stars(mean_score: pd.Series) -> pd.Series:
    """1–5 stars from an agency's mean dataset score: 1 + ⌊mean / 20⌋, at most 5 (0–19.9 → 1 … 80–100 → 5)."""
    return (1 + np.floor(mean_score.fillna(0) / 20)).clip(1, 5).astype(int)


def quality_table(findings: pd.DataFrame) -> pd.DataFrame:
    """Per check: datasets and resources evaluated and passing.

    Resources: a resource-level finding counts as passing when pass or warn; evaluated = pass, warn or fail.
    Datasets: evaluated when any finding of the check is pass/warn/fail; passing when none of them
    fails or errs (every evaluated resource passes). skip and error are counted apart.
    """
    cols = ["check", "datasets_evaluated", "datasets_passing", "datasets_share", "datasets_not_measured",
            "resources_evaluated", "resources_passing", "resources_share", "pass", "warn", "fail", "skip", "error"]
    if findings.empty:
        return pd.DataFrame(columns=cols)
    # integer codes and bincounts: a whole portal has over a million findings
    outcome = findings["outcome"].astype(object).to_numpy()
    cc, names = pd.factorize(findings["check"].astype(object).to_numpy(object))
    n = len(names)
    is_res = (findings["resource"] != "").to_numpy()
    seen = {o: outcome == o for o in ("pass", "warn", "fail", "skip", "error")}

    def per_check(mask: np.ndarray) -> np.ndarray:
        return np.bincount(cc[mask], minlength=n)
    counted = pd.notna(outcome)  # as crosstab: a check whose outcomes are all missing has no row
    present = np.asarray(names, dtype=object)[per_check(counted) > 0]
    counts = pd.DataFrame({o: per_check(m) for o, m in seen.items()}, index=pd.Index(names, dtype=object)).loc[present]
    rc = pd.DataFrame({o: per_check(seen[o] & is_res) for o in ("pass", "warn", "fail")}, index=pd.Index(names, dtype=object)).loc[present]
    good, bad = seen["pass"] | seen["warn"], seen["fail"] | seen["error"]
    evaluated = good | seen["fail"]
    dc, ds_values = pd.factorize(findings["dataset"])
    named = dc >= 0  # as groupby: a finding without a dataset belongs to no dataset
    pair, pairs = pd.factorize(cc[named].astype(np.int64) * len(ds_values) + dc[named])  # one group per (check, dataset)

    def any_of(flags: np.ndarray) -> np.ndarray:
        return np.bincount(pair, weights=flags[named], minlength=len(pairs)) > 0
    g_good, g_bad, g_ev = any_of(good), any_of(bad), any_of(evaluated)
    g_check = (pairs // max(len(ds_values), 1)).astype(np.int64)
    dsum = pd.DataFrame({"datasets_evaluated": np.bincount(g_check, weights=g_ev, minlength=n),
                         "datasets_passing": np.bincount(g_check, weights=g_ev & g_good & ~g_bad, minlength=n),
                         "datasets_not_measured": np.bincount(g_check, weights=~g_ev, minlength=n)},
                        index=pd.Index(names, dtype=object)).astype(int).loc[present]
    order = [c for c in CHECK_IDS if c in counts.index] + sorted(c for c in counts.index if c not in CHECK_IDS)
    out = pd.DataFrame(index=pd.Index(order, name="check"))
    out = out.join(dsum).join(rc.rename(columns=lambda c: f"r_{c}")).join(counts).fillna(0)
    out["resources_evaluated"] = out["r_pass"] + out["r_warn"] + out["r_fail"]
    out["resources_passing"] = out["r_pass"] + out["r_warn"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["datasets_share"] = np.where(out["datasets_evaluated"] > 0, out["datasets_passing"] / out["datasets_evaluated"], np.nan)
        out["resources_share"] = np.where(out["resources_evaluated"] > 0, out["resources_passing"] / out["resources_evaluated"], np.nan)
    out = out.reset_index()
    for c in cols:
        if c not in ("check", "datasets_share", "resources_share"):
            out[c] = out[c].astype(int)
    return out[cols]


def agency_table(datasets: pd.DataFrame) -> pd.DataFrame:
    """Per 提供機關 (meta.agency) of the snapshot's datasets: how much it publishes and how much passes."""
    cols = ["agency", "datasets", "datasets_measured", "resources", "quality_datasets", "quality_share", "open_datasets",
            "mean_score", "unanswered_share", "stars"]
    d = datasets[datasets["in_snapshot"]].drop_duplicates("key")
    if d.empty:
        return pd.DataFrame(columns=cols)
    d = d.assign(looked=d["coverage"] != "not_measured")
    g = d.groupby("agency", sort=True)
    out = pd.DataFrame({
        "datasets": g.size(),
        "datasets_measured": g["quality_measured"].sum(),
        "resources": g["n_resources"].sum(),
        "quality_datasets": g["quality"].sum(),
        "open_datasets": g["open"].sum(),
        "mean_score": g["score"].mean(),
        "unanswered_share": g["unanswered"].sum() / (g.size() * 10),
        "looked": g["looked"].any(),
    })
    # Shares over the datasets whose quality was measured; none measured: no share (not 0 %).
    with np.errstate(invalid="ignore", divide="ignore"):
        out["quality_share"] = np.where(out["datasets_measured"] > 0, out["quality_datasets"] / out["datasets_measured"], np.nan)
    # Stars (from the mean score) only for agencies odaudit looked at; 0 = not rated.
    out["stars"] = np.where(out["looked"], stars(out["mean_score"]), 0)
    out = out.reset_index()
    out = out.sort_values(["datasets", "agency"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return out[cols]


def badge_table(datasets: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """Platform badge (品質檢測) level vs what odaudit measured."""
    cols = ["badge", "datasets", "badge_pass", "badge_warn", "badge_fail", "online", "machine_readable", "quality_datasets"]
    d = datasets[datasets["in_snapshot"]].drop_duplicates("key")
    if d.empty:
        return pd.DataFrame(columns=cols)
    d = d.assign(badge=d["badge"].replace("", "無"))
    b = findings[(findings["check"] == "badge").to_numpy()] if not findings.empty else findings
    if not b.empty:  # per dataset: whether any of its badge findings is pass, warn, fail
        outcome = b["outcome"].astype(object).to_numpy()
        d = d.assign(**{c: d["key"].isin(b["dataset"].to_numpy(object)[outcome == c]).to_numpy() for c in ("pass", "warn", "fail")})
    for c in ("pass", "warn", "fail"):
        d[c] = d[c].fillna(False).astype(bool) if c in d else False
    g = d.groupby("badge", sort=False)
    out = pd.DataFrame({
        "datasets": g.size(), "badge_pass": g["pass"].sum(), "badge_warn": g["warn"].sum(), "badge_fail": g["fail"].sum(),
        "online": g["m_online"].sum(), "machine_readable": g["m_machine_readable"].sum(), "quality_datasets": g["quality"].sum(),
    }).reset_index()
    rank = {b: i for i, b in enumerate(BADGE_ORDER)}
    out["_r"] = out["badge"].map(lambda x: rank.get(x, len(rank)))
    out = out.sort_values(["_r", "badge"], kind="stable").drop(columns="_r").reset_index(drop=True)
    for c in cols[1:]:
        out[c] = out[c].astype(int)
    return out[cols]


def format_table(resources: pd.DataFrame) -> pd.DataFrame:
    if resources.empty:
        return pd.DataFrame(columns=["format", "resources"])
    counts = resources["format"].replace("", "(none)").value_counts()
    out = counts.rename_axis("format").reset_index(name="resources")
    return out.sort_values(["resources", "format"], ascending=[False, True], kind="stable").reset_index(drop=True)


def year_table(datasets: pd.DataFrame) -> pd.DataFrame:
    """Datasets by the year they were first published on the portal (meta.published), and the running total."""
    d = datasets[datasets["in_snapshot"]].drop_duplicates("key")
    if d.empty:
        return pd.DataFrame(columns=["year", "datasets", "quality_datasets", "cumulative"])
    year = d["published"].astype(str).str.slice(0, 4)
    year = year.where(year.str.fullmatch(r"\d{4}"), "")
    g = pd.DataFrame({"year": year.to_numpy(), "quality": d["quality"].to_numpy(bool)}).groupby("year", sort=True)["quality"]
    counts = pd.DataFrame({"datasets": g.size(), "quality_datasets": g.sum()})
    known = counts[counts.index != ""]
    out = pd.DataFrame({"year": known.index.astype(str), "datasets": known["datasets"].to_numpy().astype(int),
                        "quality_datasets": known["quality_datasets"].to_numpy().astype(int)})
    out["cumulative"] = out["datasets"].cumsum()
    if "" in counts.index:
        out = pd.concat([out, pd.DataFrame({"year": ["(unknown)"], "datasets": [int(counts.at["", "datasets"])],
                                            "quality_datasets": [int(counts.at["", "quality_datasets"])], "cumulative": [int(len(d))]})],
                        ignore_index=True)
    return out


def quality_flags(measured: pd.DataFrame) -> pd.Series:
    """Quality-adjusted: reachable, machine-readable (format + structure), openly licensed and fresh, by measurement."""
    return (measured[list(QUALITY_QUESTIONS)] == YES).all(axis=1)


def quality_known(measured: pd.DataFrame) -> pd.Series:
    """Whether the quality verdict was measured: every quality question answered, or one measured no."""
    q = measured[list(QUALITY_QUESTIONS)]
    return (q != UNKNOWN).all(axis=1) | (q == NO).any(axis=1)


def quality_adjusted(frame: pd.DataFrame, datasets: int) -> dict[str, int]:
    """The quality-adjusted count, over measured datasets: k of m measured (n not measured)."""
    d = frame[frame["in_snapshot"]].drop_duplicates("key")
    measured = int(d["quality_measured"].sum())
    return {"datasets": datasets, "quality": int(d["quality"].sum()), "measured": measured, "not_measured": datasets - measured}


def coverage_summary(frame: pd.DataFrame, res_cov: pd.DataFrame) -> dict[str, object]:
    """How much odaudit measured, for the summary, the report and summary.json."""
    d = frame.drop_duplicates("key")
    by = d["coverage"].value_counts()
    return {
        "datasets": len(d),
        "datasets_measured": int(by.get("measured", 0)),
        "datasets_partial": int(by.get("partial", 0)),
        "datasets_not_measured": int(by.get("not_measured", 0)),
        "resources": len(res_cov),
        "resources_measured": int((res_cov["coverage"] == "measured").sum()),
        "resources_not_measured": resource_summary(res_cov),
    }


def with_intervals(quality: pd.DataFrame, population: int) -> pd.DataFrame:
    """For a sampled whole-portal snapshot: each check's dataset share as an estimate of the
    portal's, with its 95 % interval (estimate.py). A check measured on every dataset (the metadata
    checks) is a census, and its interval is the point."""
    from .estimate import wilson_fpc

    lows, highs = [], []
    for k, m in zip(quality["datasets_passing"], quality["datasets_evaluated"], strict=True):
        res = wilson_fpc(int(k), int(m), max(population, int(m))) if m else None
        lows.append(res[1] if res else np.nan)
        highs.append(res[2] if res else np.nan)
    return quality.assign(ci_low=lows, ci_high=highs)
