"""The finding: one measured fact about one dataset or resource, with its evidence.

Every number odaudit reports can be followed down to rows of this table.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..atomic import atomic_open
from ..csvlimit import allow_big_fields
from ..errors import SnapshotError


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


# ---------------------------------------------------------------------------
# findings.csv: the one reader and writer of the table


def write_findings_by_dataset(path: Path, journal_records: Iterable[dict[str, Any]]) -> int:
    """findings.csv from findings journal records in dataset-key order; returns the row count.

    Sorting each dataset's findings and taking the datasets in key order gives the order of
    `sort_findings` over all of them (its first key is the dataset), one dataset in memory."""
    n = 0
    with atomic_open(path, "w") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(FINDING_COLUMNS)
        for rec in journal_records:
            for f in sort_findings([Finding.from_row(row) for row in rec["findings"]]):
                w.writerow(f.as_row_list())
                n += 1
    return n


def write_findings(path: Path, findings: list[Finding]) -> None:
    with atomic_open(path, "w") as fh:
        write_findings_csv(fh, findings)


def write_findings_csv(fh: Any, findings: list[Finding]) -> None:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(FINDING_COLUMNS)
    for f in sort_findings(findings):
        w.writerow(f.as_row_list())


def read_findings(path: Path) -> list[Finding]:
    if not path.exists():
        return []
    allow_big_fields()  # evidence can quote a very long header
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header != list(FINDING_COLUMNS):
            raise SnapshotError(f"{path}:1: unexpected findings header {header}")
        out = []
        for lineno, row in enumerate(reader, 2):
            if len(row) != len(FINDING_COLUMNS):
                raise SnapshotError(f"{path}:{lineno}: expected {len(FINDING_COLUMNS)} columns, found {len(row)}")
            out.append(Finding(*row))
        return out


