"""Portal-wide shares estimated from a sample, with a 95 % interval.

A whole-portal crawl with `--sample n` fetches the resources of n of the portal's N datasets, drawn
without replacement (a simple random sample: Python's `random.Random(seed).sample` over the ids
sorted by length then value, so the same seed draws the same sample). Quality is measured on the
sample only; the other datasets are not measured, never failed.

The interval is Wilson's score interval with the finite-population correction: the sample is a
sizeable part of a finite catalog, so the variance of the sample share is smaller than for draws
with replacement by the factor (N − m) / (N − 1), where m is the number of sampled datasets whose
answer was determined. Wilson's interval is used with the effective sample size
m · (N − 1) / (N − m); when m = N the "estimate" is a census and the interval is the point. Sampled
datasets whose answer could not be determined (a replay gap, a blocked server) are left out of m,
which assumes they are missing at random; the report says how many there were.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054
METHOD = "Wilson score interval with finite-population correction (simple random sample without replacement)"


@dataclass(frozen=True)
class Estimate:
    share: float | None
    ci_low: float | None
    ci_high: float | None
    #: datasets sampled (n) and, of those, measured (m: the answer was determined)
    sample: int
    measured: int
    population: int
    method: str = METHOD

    def as_dict(self) -> dict[str, object]:
        return {"share": self.share, "ci_low": self.ci_low, "ci_high": self.ci_high, "method": self.method,
                "sample": self.sample, "measured": self.measured, "population": self.population}


def wilson_fpc(k: int, m: int, population: int, *, z: float = Z95) -> tuple[float, float, float] | None:
    """(share, low, high) for k successes in m draws without replacement from `population`; None when m = 0."""
    if m <= 0:
        return None
    if not 0 <= k <= m <= population:
        raise ValueError(f"need 0 <= k <= m <= N, got k={k}, m={m}, N={population}")
    p = k / m
    if m >= population:  # a census: nothing left to estimate
        return p, p, p
    n_eff = m * (population - 1) / (population - m)
    z2 = z * z
    centre = (p + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
    half = (z / (1 + z2 / n_eff)) * math.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff * n_eff))
    return p, max(0.0, centre - half), min(1.0, centre + half)


def estimate(k: int, measured: int, *, sample: int, population: int) -> Estimate:
    res = wilson_fpc(k, measured, population)
    if res is None:
        return Estimate(None, None, None, sample, measured, population)
    share, low, high = res
    return Estimate(share, low, high, sample, measured, population)
