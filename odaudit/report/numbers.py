"""How every report writes a number (score, diff, trend): one dash for what is missing, fixed digits,
a sign on changes. Shared so that the same figure reads the same in report.md, diff.md and trend.md."""

from __future__ import annotations

import pandas as pd

NONE = "—"


def missing(x: object) -> bool:
    """None, NaN or pandas' NA."""
    if x is None:
        return True
    try:
        return bool(pd.isna(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt(x: object, digits: int = 1) -> str:
    return NONE if missing(x) else f"{float(x):.{digits}f}"  # type: ignore[arg-type]


def pct(x: object) -> str:
    """A share (0–1) as a percentage: `12.5 %`."""
    return NONE if missing(x) else f"{100 * float(x):.1f} %"  # type: ignore[arg-type]


def count(x: object) -> str:
    return NONE if missing(x) else f"{int(x):,}"  # type: ignore[call-overload]


def signed(x: object, digits: int = 2) -> str:
    """A change: `+1.50`, `-0.25`, and `0.00` (no sign) when it rounds to nothing."""
    if missing(x):
        return NONE
    v = round(float(x), digits)  # type: ignore[arg-type]
    return f"{v:+.{digits}f}" if v else f"{0:.{digits}f}"


def share(x: object) -> str:
    """A share (0–1) as a percentage without the unit (the column header says %)."""
    return NONE if missing(x) else f"{100 * float(x):.1f}"  # type: ignore[arg-type]


def growth(x: object) -> str:
    """A growth rate already in percent: `+12.5 %`."""
    return NONE if missing(x) else f"{float(x):+.1f} %"  # type: ignore[arg-type]


def growth_between(a: object, b: object) -> str:
    """The growth from `a` to `b` in percent, or a dash when `a` is missing or zero."""
    if missing(a) or missing(b) or not float(a):  # type: ignore[arg-type]
        return NONE
    return growth(100 * (float(b) - float(a)) / float(a))  # type: ignore[arg-type]


__all__ = ["NONE", "count", "fmt", "growth", "growth_between", "missing", "pct", "share", "signed"]
