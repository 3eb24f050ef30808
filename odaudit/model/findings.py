"""The finding: one measured fact about one dataset or resource, with its evidence.

Every number odaudit reports can be followed down to rows of this table.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum


class Outcome(StrEnum):
    """A finding's outcome. Findings store the plain value (`"pass"`), so they compare equal."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"


OUTCOMES: tuple[str, ...] = tuple(o.value for o in Outcome)


@dataclass(frozen=True, slots=True)
class Finding:
    #: snapshot key of the dataset (e.g. "tw:41568", "ext:…")
    dataset: str
    #: snapshot key of the resource ("tw:41568#0"); empty for dataset-level checks
    resource: str
    #: the resource URL as declared; empty for dataset-level checks
    url: str
    #: check id, e.g. "encoding"
    check: str
    outcome: str
    #: what was measured, as text (e.g. "cp950", "HTML", "412 days")
    measured: str
    #: what the metadata declared or the rule expects (e.g. "UTF-8", "<= 2 days")
    expected: str
    #: a short human-readable explanation a reader can verify
    evidence: str

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")

    def as_row(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def as_row_list(self) -> list[str]:
        # Not dataclasses.astuple: it deep-copies every field, and findings number in millions.
        return [self.dataset, self.resource, self.url, self.check, self.outcome, self.measured, self.expected, self.evidence]

    @classmethod
    def from_row(cls, row: dict[str, str]) -> Finding:
        return cls(**{name: str(row.get(name, "")) for name in FINDING_COLUMNS})


FINDING_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Finding))


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.dataset, f.resource, f.check, f.measured, f.evidence))
