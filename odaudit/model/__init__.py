"""The records every stage passes on, typed: findings, fetch results, dataset and resource records,
and the progress callback. Plain data, no I/O but the findings table's (findings.py owns findings.csv).

    from odaudit.model import Finding, Outcome, FetchResult, ErrorKind, DatasetRecord, ResourceRecord, Progress
"""

from __future__ import annotations

from collections.abc import Callable

from .fetch import ErrorKind, FetchResult, unfetched
from .findings import FINDING_COLUMNS, OUTCOMES, Finding, Outcome, sort_findings
from .records import DatasetRecord, ResourceRecord

#: How the core reports progress: `progress(stage, done, total)`; only the CLI draws it.
Progress = Callable[[str, int, int], None]


def no_progress(stage: str, done: int, total: int) -> None:
    """The progress callback of a caller that wants none."""


__all__ = ["FINDING_COLUMNS", "OUTCOMES", "DatasetRecord", "ErrorKind", "FetchResult", "Finding", "Outcome", "Progress",
           "ResourceRecord", "no_progress", "sort_findings", "unfetched"]
