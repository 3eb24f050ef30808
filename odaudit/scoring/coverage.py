"""Coverage: what odaudit measured, and why not the rest.

A report's figures are quoted in public, so what odaudit did not look at must never read as a
failure of the government. Every resource is *measured* or *not measured* (with the reason),
every dataset *measured*, *partial* or *not measured*:

| resource not measured | why |
|---|---|
| `not_sampled` | outside the `--sample` of a whole-portal crawl |
| `not_recorded` | not in the replay recording (the offline demo) |
| `blocked` | the server refused this client, not the data (unless `--blocked-as-broken`) |
| provenance `stand_in` | the replay recording serves a real file from elsewhere in place of one never archived |
| provenance `converted` | the replay recording serves a conversion made for the demo, not the agency's file |

A resource that was fetched and found broken (404, timeout, an HTML page instead of a CSV) *is*
measured: that is a finding about the data. A dataset is measured when its metadata was read
(portal datasets) and every resource measured; partial when some of that was; not measured when
none was, or when it is not online by the catalog, or not in the snapshot at all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: why a resource was not measured: its code (resources.csv `coverage_reason`) → what it means
REASONS = {
    "not_sampled": "not in the --sample",
    "not_recorded": "not recorded in the replay",
    "blocked": "blocked: the server refused this client",
    "stand_in": "a stand-in served by the replay recording, not the agency's file",
    "converted": "a conversion made for the replay recording, not the file as published",
}
#: fetch error kinds, and body provenances (replay recordings), that are not measurements
UNMEASURED_FETCH = ("not_sampled", "not_recorded", "blocked")
UNMEASURED_PROVENANCE = ("stand_in", "converted")
MEASURED, PARTIAL, NOT_MEASURED = "measured", "partial", "not_measured"


def resource_coverage(resources: pd.DataFrame, *, blocked_as_broken: bool = False) -> pd.DataFrame:
    """Per resource: `coverage` (measured / not_measured) and `coverage_reason` (a code of REASONS;
    "" when measured)."""
    fetch = [k for k in UNMEASURED_FETCH if not (blocked_as_broken and k == "blocked")]
    by_fetch = resources["error"].where(resources["error"].isin(fetch), "")
    by_body = resources["provenance"].where(resources["provenance"].isin(UNMEASURED_PROVENANCE), "")
    reason = by_fetch.where(by_fetch != "", by_body).astype(object)
    return pd.DataFrame({
        "key": resources["key"], "dataset": resources["dataset"],
        "coverage": np.where(reason == "", MEASURED, NOT_MEASURED), "coverage_reason": reason,
    })


def _counted(reasons: pd.Series) -> str:
    """'not recorded in the replay: 3; blocked: …: 1' from one dataset's resource reason codes."""
    counts = reasons[reasons != ""].value_counts()
    return "; ".join(f"{REASONS.get(code, code)}: {n}" for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def dataset_coverage(frame: pd.DataFrame, res_cov: pd.DataFrame, *, has_snapshot: bool) -> pd.DataFrame:
    """Per dataset key: coverage, coverage_reason, resources_measured, resources_not_measured.

    Column-wise (a whole-portal frame has 50,000 keys): each rule below is a mask, applied in the
    order a reader would ask them; only the few partial datasets get a reason string built."""
    keys = frame.drop_duplicates("key").set_index("key")
    m_res = (res_cov["coverage"] == MEASURED).to_numpy(bool)
    grouped = pd.DataFrame({"dataset": res_cov["dataset"].to_numpy(object), "m": m_res, "u": ~m_res}).groupby("dataset", sort=False)
    totals = grouped[["m", "u"]].sum()
    m = totals["m"].reindex(keys.index).fillna(0).astype(int).to_numpy()
    u = totals["u"].reindex(keys.index).fillna(0).astype(int).to_numpy()
    kind = keys["kind"].to_numpy(object)
    status = keys["fetch_status"].to_numpy(object) if "fetch_status" in keys else np.full(len(keys), None, dtype=object)
    meta_read = (kind == "external") | np.isin(status, ["ok", "not_in_export", "not_found"])
    in_snapshot = keys["in_snapshot"].to_numpy(bool)
    cov = np.full(len(keys), MEASURED, dtype=object)
    reason = np.full(len(keys), "", dtype=object)
    if not has_snapshot:
        cov[:], reason[:] = NOT_MEASURED, "no snapshot: answers from the rubric only"
    else:
        absent = ~in_snapshot
        missing = in_snapshot & (kind == "missing")
        partial = in_snapshot & ~missing & ~((u == 0) & meta_read)
        cov[absent], reason[absent] = NOT_MEASURED, "not in the snapshot (the crawl did not reach it)"
        cov[missing], reason[missing] = NOT_MEASURED, "not online, by the catalog"
        if partial.any():
            why = res_cov.loc[~m_res].groupby("dataset", sort=False)["coverage_reason"].agg(_counted)
            for i in np.flatnonzero(partial):
                key = keys.index[i]
                parts = [f"resources not measured: {why[key]}"] if key in why.index else []
                if not meta_read[i]:
                    parts.insert(0, "metadata could not be fetched")
                cov[i] = PARTIAL if (m[i] > 0 or (meta_read[i] and kind[i] == "portal")) else NOT_MEASURED
                reason[i] = "; ".join(parts)
    return pd.DataFrame({"coverage": cov, "coverage_reason": reason, "resources_measured": m, "resources_not_measured": u},
                        index=pd.Index(keys.index, name="key"))


def resource_summary(res_cov: pd.DataFrame) -> list[tuple[str, int]]:
    """(reason, count) of the resources not measured, most frequent first."""
    counts = res_cov.loc[res_cov["coverage"] != MEASURED, "coverage_reason"].value_counts()
    return sorted(((str(k), int(v)) for k, v in counts.items()), key=lambda kv: (-kv[1], kv[0]))


def measurement_view(findings: pd.DataFrame, res_cov: pd.DataFrame) -> pd.DataFrame:
    """The findings as measurements: those made on a resource odaudit did not measure (a replay's
    stand-in or conversion) say nothing (outcome `skip`), with what the check said kept in the
    evidence. Scoring and every aggregate use this view; findings.csv keeps the checks' own words
    with the provenance beside them."""
    unmeasured = res_cov.loc[res_cov["coverage"] != MEASURED, ["key", "coverage_reason"]]
    if findings.empty or unmeasured.empty:
        return findings
    why = findings["resource"].map(unmeasured.set_index("key")["coverage_reason"].map(REASONS))
    rows = why.notna() & (findings["outcome"].astype(object) != "skip")
    if not rows.any():
        return findings
    out = findings.copy()
    out["outcome"] = out["outcome"].astype(object)
    out.loc[rows, "evidence"] = ("not measured: " + why[rows] + "; the check said " + out.loc[rows, "outcome"]
                                 + ": " + out.loc[rows, "evidence"].astype(str))
    out.loc[rows, "outcome"] = "skip"
    out["outcome"] = out["outcome"].astype("category")
    return out
