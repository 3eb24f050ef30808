"""Which agencies improved and declined between the first and the last snapshot, and the link
evidence behind it: computed once, for trend.md and the site alike (so the two never disagree)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .engine import TrendResult

#: what series.csv holds per agency and snapshot, in the order the reports show it
AGENCY_MEASURES = ("datasets", "quality_datasets", "quality_share", "open_share", "mean_score")


@dataclass
class AgencyChange:
    """One agency in the first and the last snapshot (either may be missing: None)."""

    agency: str
    first: dict[str, float] | None
    last: dict[str, float] | None
    #: last mean score − first, rounded to 2 digits; None unless the agency is in both
    delta: float | None
    #: links of its datasets failing now, failing since after the first snapshot, and fixed
    broken: int
    newly: int
    fixed: int


def agency_points(r: TrendResult) -> dict[str, dict[int, dict[str, float]]]:
    """agency → snapshot position → measure → value (series.csv's agency rows, pivoted once)."""
    s = r.series[r.series["level"] == "agency"]
    out: dict[str, dict[int, dict[str, float]]] = {}
    for pos, ag, m, v in zip(s["snapshot"], s["id"], s["measure"], s["value"], strict=True):
        out.setdefault(str(ag), {}).setdefault(int(pos), {})[str(m)] = v
    return out


def link_evidence(r: TrendResult, agency_of: dict[str, str]) -> dict[str, tuple[int, int, int]]:
    """agency → (links broken now, broken since after the first snapshot, fixed)."""
    h = r.history
    link = h[h["check"] == "link"]
    if link.empty:
        return {}
    first = r.snapshots[0].started_at
    ag = link["dataset"].map(agency_of).fillna("")
    broken = link["outcome"] == "fail"
    newly = broken & (link["since"] > first)
    fixed = link["outcome"].isin(("pass", "warn")) & (link["first_failed"] != "")
    g = pd.DataFrame({"ag": ag, "b": broken, "n": newly, "f": fixed}).groupby("ag")[["b", "n", "f"]].sum()
    return {str(k): (int(v.b), int(v.n), int(v.f)) for k, v in g.iterrows()}


def agency_changes(r: TrendResult) -> list[AgencyChange]:
    """Every agency of any snapshot or of the history, by name."""
    a, b = r.snapshots[0].position, r.snapshots[-1].position
    points = agency_points(r)
    agency_of = dict(zip(r.datasets["key"], r.datasets["agency"], strict=True))
    links = link_evidence(r, agency_of)
    out = []
    for ag in sorted(set(points) | set(links)):
        first, last = points.get(ag, {}).get(a), points.get(ag, {}).get(b)
        delta = None
        if a != b and first is not None and last is not None and not pd.isna(first.get("mean_score")) and not pd.isna(last.get("mean_score")):
            delta = round(float(last["mean_score"]) - float(first["mean_score"]), 2)
        out.append(AgencyChange(ag, first, last, delta, *links.get(ag, (0, 0, 0))))
    return out


def improved_declined(changes: list[AgencyChange], limit: int | None = None) -> tuple[list[AgencyChange], list[AgencyChange]]:
    """(improved, declined): largest change first, ties by name; at most `limit` each."""
    up = sorted((c for c in changes if c.delta is not None and c.delta > 0), key=lambda c: (-c.delta, c.agency))  # type: ignore[operator]
    down = sorted((c for c in changes if c.delta is not None and c.delta < 0), key=lambda c: (c.delta, c.agency))  # type: ignore[arg-type]
    return up[:limit], down[:limit]
