"""Agreement between reviewers: percent agreement and Krippendorff's alpha.

A *unit* is one thing several reviewers answered: a dataset's answer to one question (yes/no,
nominal) or one readiness or impact item (0-10, interval). Only units with at least two values
are pairable; the rest say nothing about agreement.

* percent agreement: the share of pairable units on which every reviewer who answered gave the
  same value.
* Krippendorff's alpha (Krippendorff, *Content Analysis*, 2004, ch. 11): 1 − D_o / D_e from the
  coincidence matrix, where a unit of m values adds 1/(m − 1) for each ordered pair of its values.
  Nominal: δ = 0 for equal values, 1 otherwise; interval: δ = (c − k)². Undefined (None) when
  fewer than two values are pairable or all of them are the same (no expected disagreement).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

Unit = Sequence[float]


def pairable(units: Iterable[Unit]) -> list[Unit]:
    return [u for u in units if len(u) >= 2]


def percent_agreement(units: Iterable[Unit]) -> float | None:
    us = pairable(units)
    if not us:
        return None
    return 100.0 * sum(1 for u in us if len(set(u)) == 1) / len(us)


def _delta(c: float, k: float, level: str) -> float:
    if level == "nominal":
        return 0.0 if c == k else 1.0
    if level == "interval":
        return (c - k) ** 2
    raise ValueError(f"unknown level of measurement {level!r}")


def alpha(units: Iterable[Unit], level: str) -> float | None:
    """Krippendorff's alpha of `units` (each the values reviewers gave one unit)."""
    us = pairable(units)
    observed: Counter[tuple[float, float]] = Counter()
    n_c: Counter[float] = Counter()
    for u in us:
        counts = Counter(u)
        m = len(u)
        for c, nc in counts.items():
            n_c[c] += nc
            for k, nk in counts.items():
                pairs = nc * (nc - 1) if c == k else nc * nk
                observed[c, k] += pairs / (m - 1)
    n = sum(n_c.values())
    if n <= 1:
        return None
    d_o = sum(o * _delta(c, k, level) for (c, k), o in observed.items())
    d_e = sum(n_c[c] * n_c[k] * _delta(c, k, level) for c in n_c for k in n_c)
    if d_e == 0:
        return None
    return 1.0 - (n - 1) * d_o / d_e


#: Krippendorff's (2004, §12.4) guideline: rely on variables with alpha >= .800, draw only tentative
#: conclusions from those between .667 and .800.
RELIABLE, TENTATIVE = 0.8, 0.667


def reliability(a: float | None) -> str:
    """reliable / tentative / unreliable / undefined, by Krippendorff's guideline."""
    if a is None:
        return "undefined"
    return "reliable" if a >= RELIABLE else "tentative" if a >= TENTATIVE else "unreliable"
