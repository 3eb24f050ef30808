"""A snapshot's measurements: the part of scoring that no rubric changes, kept in the columnar store.

The measured answer of each dataset to the ten questions, the findings cited as evidence behind
them (about two million rows for a whole portal) and the citations abridged per answer, and the
per-check quality table are functions of the snapshot's records and findings, of
`--blocked-as-broken` and of odaudit's code alone: the rubric adds manual answers, points and the
catalog's grouping on top, never changes them. A researcher re-scores one snapshot many times
while writing a rubric, so these are computed once per snapshot and read back after (two seconds
of a whole portal's score become a few tenths).

The key (`columnar.sealed_key`) takes in the sealed hash, size and mtime of the three files they
are made from and odaudit's code; tables that are not exactly a sealed snapshot's files (diff's
and trend's re-checked findings) have no key, and are always measured afresh. A stored copy that
is missing, unreadable or of another key is a miss.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import columnar
from . import automate, summary

#: the store's folder for measurements (`<store>/measured/<key>/`)
KIND = "measured"


@dataclass(frozen=True)
class Measured:
    #: snapshot dataset key × question: 1 yes, 0 no, -1 unknown (int8), indexed by key
    answers: pd.DataFrame
    #: automate.EVIDENCE_COLUMNS: the findings and record facts behind each answer
    evidence: pd.DataFrame
    #: key, question, cite: the evidence abridged per answer (automate.cites)
    cited: pd.DataFrame
    #: summary.quality_table of the measurements
    quality: pd.DataFrame


def measure_snapshot(datasets: pd.DataFrame, measurements: pd.DataFrame, unmeasured: pd.Index, *, key: str | None) -> Measured:
    """The measurements of a snapshot's datasets (one row per key) and its findings as measured
    (coverage.measurement_view); `unmeasured`: keys with a resource odaudit did not measure;
    `key`: `stored_key` (None: not stored)."""
    folder = columnar.folder_of(KIND, key) if key is not None else None
    if folder is not None and key is not None:
        got = columnar.load_frames(folder, key, ("answers", "evidence", "cited", "quality"))
        if got is not None:
            frames = got[0]
            return Measured(frames["answers"].set_index("key"), frames["evidence"], frames["cited"], frames["quality"])
    answers, evidence = automate.measure(datasets, measurements, unmeasured)
    result = Measured(answers, evidence, automate.cites(evidence), summary.quality_table(measurements))
    if folder is not None and key is not None:
        columnar.store_frames(folder, key, {"answers": answers.rename_axis("key").reset_index(), "evidence": result.evidence,
                                            "cited": result.cited, "quality": result.quality}, {})
    return result


def stored_key(key: str | None, blocked_as_broken: bool) -> str | None:
    """The store key of a snapshot's measurements: its tables' `measure_key` and the one option they depend on."""
    if key is None:
        return None
    import hashlib

    return hashlib.sha256(f"{key}\nblocked_as_broken={blocked_as_broken}".encode()).hexdigest()
