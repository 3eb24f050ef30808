"""Result types of scoring: plain dataclasses and pandas tables, no rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..catalog import Catalog

#: Levels of the weight tree, top down. Datasets are nodes too (in `ScoreResult.datasets`).
LEVELS = ("barometer", "subindex", "component", "category", "item", "dataset")


@dataclass(frozen=True, slots=True)
class Node:
    """One scored node of the weight tree (barometer, sub-index, component, category, item)."""

    level: str
    id: str
    name: str
    #: id of the parent node ("" for the barometer)
    parent: str
    #: share inside the parent
    weight: float
    #: share of the barometer (product of the weights on the path)
    total_weight: float
    #: 0–100; None when a judged item below it is unanswered
    score: float | None
    #: leaves (items, datasets) answered / all leaves under it
    answered: int
    leaves: int
    note: str = ""
    evidence: str = ""
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class FindingsView:
    """What the files of a row per finding (findings.csv, findings.jsonld) are written from. It is
    known before the rest of the score is computed (scoring only adds to it), so those files, most
    of a whole portal's bytes, can be written while the scoring goes on."""

    #: the findings as scored (``--blocked-as-broken`` applied), as ScoreResult.findings
    findings: pd.DataFrame
    #: key, name, page: one row per dataset key, the first in the report's order
    datasets: pd.DataFrame
    #: the snapshot's resources (their provenance is named beside their findings)
    resources: pd.DataFrame
    #: a store key for these files when the findings are a sealed snapshot's (scoring/measured.py), else None
    key: str | None = None


@dataclass
class ScoreResult:
    """Everything `score` computed; reports only render it, `diff` compares two of them.

    Tables (pandas DataFrames, sorted, string columns "" rather than NaN):

    * ``datasets``: one row per scored dataset (``key`` is the snapshot key), with ``score``,
      ``open``, ``source`` (snapshot/rubric), portal metadata and measured flags.
    * ``answers``: one row per dataset × question: ``answer`` ("yes"/"no"/""), ``source``
      (auto/manual/unanswered), ``measured`` (what the findings say), ``points`` awarded,
      ``reason`` (manual) and ``cites`` (the findings behind the measured answer, abridged).
    * ``evidence``: the findings each measured answer rests on (key, question, check, resource, outcome, evidence).
    * ``resources``, ``findings``: the snapshot's, flattened (empty without a snapshot).
    """

    rubric_name: str
    rubric_title: str
    method: str
    penalty_when: str
    outdated_penalty: float
    points: dict[str, float]
    catalog: Catalog
    portal: str
    #: manifest facts: catalog name, crawl time, status, rules version ({} without a snapshot)
    snapshot: dict[str, Any]
    whole_portal: bool
    nodes: list[Node]
    datasets: pd.DataFrame
    answers: pd.DataFrame
    evidence: pd.DataFrame
    resources: pd.DataFrame
    findings: pd.DataFrame
    overrides: pd.DataFrame
    quality: pd.DataFrame
    quality_adjusted: dict[str, int]
    agencies: pd.DataFrame
    badges: pd.DataFrame
    formats: pd.DataFrame
    years: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    #: how much was measured: datasets (measured / partial / not measured), resources, and why not
    coverage: dict[str, Any] = field(default_factory=dict)
    #: per resource: coverage and coverage_reason (see scoring/coverage.py)
    resource_coverage: pd.DataFrame | None = None
    #: `--blocked-as-broken`: blocked resources were counted as failing
    blocked_as_broken: bool = False
    #: whole-portal snapshot with --sample: the portal's quality share, estimated (scoring/estimate.py)
    estimate: Any = None
    #: the crawl's portal probe (manifest `doctor`: verdict, observations); {} when absent
    doctor: dict[str, Any] = field(default_factory=dict)
    #: vocabulary values odaudit did not understand: [{vocabulary, value, count}] (inspect/understood.py);
    #: count is datasets, resources for 檔案格式
    not_understood: list[dict[str, Any]] = field(default_factory=list)
    #: a merged rubric's reviewers and agreement (rubric.Merged), None for one reviewer's rubric
    merged: Any = None
    #: `score --ratings`: the public's ratings per judged item (scoring/ratings.py)
    ratings: pd.DataFrame | None = None
    #: `score --disputes`: every dispute and its decision (scoring/disputes.py)
    disputes: pd.DataFrame | None = None
    #: the platform section (scoring/platform.PlatformResult): the portal itself, scored apart from the barometer
    platform: Any = None
    #: what findings.csv and findings.jsonld are written from (None: from the fields above, with no store key)
    findings_view: FindingsView | None = None

    # -- conveniences for diff and tests -------------------------------------
    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    @property
    def barometer(self) -> Node:
        return self.node("barometer")

    def dataset_scores(self) -> dict[str, float]:
        return dict(zip(self.datasets["key"], self.datasets["score"].astype(float), strict=True))

    def answers_of(self, key: str) -> dict[str, str]:
        rows = self.answers[self.answers["key"] == key]
        return dict(zip(rows["question"], rows["answer"], strict=True))

    @property
    def has_snapshot(self) -> bool:
        return bool(self.snapshot)
