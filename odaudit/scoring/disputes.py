"""`score --disputes FILE`: publishers' (or reviewers') answers to the findings, and the researchers'
decision on each.

    disputes:
      - id: D1                       # optional (default: the position, 1, 2, …)
        dataset: "41568"             # portal id, snapshot key (tw:…, ext:…) or catalog name
        resource: "tw:41568#0"       # optional: the resource disputed (resources.csv key)
        check: format                # optional: the check disputed (findings.csv check)
        question: machine_readable   # optional: the question it changes (default: the check's questions)
        claim: "The XML is a flat table, one record per row"
        evidence: "see the sample attached to our letter of 3 March"
        links: ["https://example.gov.tw/sample.xml"]
        by: 經濟部水利署
        decision: accepted           # accepted | rejected | pending (default)
        reason: "checked by hand: a flat table"   # the researchers' reason (required once decided)
        answer: yes                  # what an accepted dispute makes the answer (default yes)

An accepted dispute acts as a manual answer (an override) with the researchers' reason, on the
question it names or on every question its check answers (`link` → exists and online, …). A
rejected or pending one changes nothing. All are listed in the report with their decision.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..catalog import Catalog
from ..errors import InputError
from ..yamlsrc import load_yaml, validate, where
from .questions import CHECK_IDS, QUESTIONS
from .rubric import DatasetEntry, ManualAnswer, QuestionId, Rubric, parse_answer

COLUMNS = ("id", "dataset", "name", "resource", "check", "question", "claim", "evidence", "links", "by", "decision", "reason", "effect")


class Dispute(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = ""
    dataset: str = Field(min_length=1)
    resource: str = ""
    check: str = ""
    question: QuestionId | None = None
    claim: str = Field(min_length=1)
    evidence: str = ""
    links: list[str] = Field(default_factory=list)
    by: str = ""
    decision: Literal["accepted", "rejected", "pending"] = "pending"
    reason: str = ""
    answer: bool = True

    @field_validator("id", "dataset", mode="before")
    @classmethod
    def _text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("answer", mode="before")
    @classmethod
    def _answer(cls, v: Any) -> bool:
        got = parse_answer(v)
        if got is None:
            raise ValueError("answer: yes or no")
        return got

    @field_validator("check")
    @classmethod
    def _check(cls, v: str) -> str:
        if v and v not in CHECK_IDS:
            raise ValueError(f"unknown check {v!r} (checks: {', '.join(CHECK_IDS)})")
        return v

    @field_validator("links")
    @classmethod
    def _links(cls, v: list[str]) -> list[str]:
        for u in v:
            if not u.lower().startswith(("http://", "https://")):
                raise ValueError("a link must start with http:// or https://")
        return v

    @model_validator(mode="after")
    def _decided(self) -> Dispute:
        if self.decision != "pending" and not self.reason.strip():
            raise ValueError(f"a dispute {self.decision} needs the researchers' reason")
        return self

    def questions(self) -> list[str]:
        if self.question:
            return [self.question]
        return [q.id for q in QUESTIONS if self.check and self.check in q.checks]


class DisputeFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    disputes: list[Dispute] = Field(default_factory=list)


def load_disputes(path: Path) -> tuple[list[Dispute], Any]:
    tree = load_yaml(path)
    return validate(path, tree, DisputeFile).disputes, tree


def _frame(catalog: Catalog, snapshot: Any) -> pd.DataFrame:
    from .engine import catalog_frame
    from .tables import dataset_table

    cat = catalog_frame(catalog)[["key", "id", "name"]]
    if snapshot is None:
        return cat
    snap = dataset_table(snapshot)[["key", "id", "name"]]
    return pd.concat([cat, snap[~snap["key"].isin(cat["key"])]], ignore_index=True).drop_duplicates("key")


def _resolve(ref: str, frame: pd.DataFrame, at: str) -> tuple[str, str]:
    """A dispute's dataset → (snapshot key, name)."""
    names = dict(zip(frame["key"], frame["name"], strict=True))
    if ref in names:
        return ref, names[ref]
    by_id = frame[frame["id"] == ref]
    if len(by_id):
        return str(by_id["key"].iloc[0]), str(by_id["name"].iloc[0])
    by_name = frame[frame["name"] == ref]
    if len(by_name["key"].unique()) == 1:
        return str(by_name["key"].iloc[0]), ref
    if len(by_name):
        raise InputError(f"{at}: dataset name {ref!r} is ambiguous; use its key ({', '.join(sorted(by_name['key']))})")
    raise InputError(f"{at}: dataset {ref!r} is neither in the catalog nor in the snapshot")


def apply_disputes(path: Path, rubric: Rubric, catalog: Catalog, snapshot: Any) -> tuple[Rubric, pd.DataFrame]:
    """The rubric with every accepted dispute as a manual answer, and the table of all disputes."""
    from .engine import resolve_manual
    from .tables import resource_table

    disputes, tree = load_disputes(path)
    frame = _frame(catalog, snapshot)
    resources = resource_table(snapshot) if snapshot is not None and any(d.resource for d in disputes) else None
    ref_of = {key: ref for ref, key in resolve_manual(rubric, frame).items()}
    datasets = dict(rubric.datasets)
    decided: dict[tuple[str, str], str] = {}
    rows = []
    for i, d in enumerate(disputes):
        did = d.id or str(i + 1)
        key, name = _resolve(d.dataset, frame, where(path, tree, ("disputes", i, "dataset")))
        if d.resource:
            own = set() if resources is None else set(resources.loc[resources["dataset"] == key, "key"])
            if d.resource not in own:
                raise InputError(f"{where(path, tree, ('disputes', i, 'resource'))}: resource {d.resource!r} is not a resource of "
                                 f"{key} in the snapshot" + ("" if snapshot is not None else " (no snapshot given)"))
        qs = d.questions()
        effect = ""
        if d.decision == "accepted":
            if not qs:
                raise InputError(f"{where(path, tree, ('disputes', i))}: dispute {did} is accepted but changes no question: "
                                 f"give `question:` (check {d.check or '(none)'} answers none by itself)")
            ref = ref_of.setdefault(key, key[3:] if key.startswith("tw:") else key)
            entry = datasets.get(ref) or DatasetEntry(name=name)
            answers = dict(entry.answers)
            who = f" by {d.by}" if d.by else ""
            for q in qs:
                if (key, q) in decided and answers[q].answer != d.answer:  # type: ignore[index]
                    raise InputError(f"{where(path, tree, ('disputes', i))}: dispute {did} and dispute {decided[key, q]} "
                                     f"are both accepted with other answers to {key} {q}")
                decided[key, q] = did
                answers[q] = ManualAnswer(answer=d.answer, reason=f"dispute {did}{who} accepted: {d.reason}", evidence=list(d.links))  # type: ignore[index]
            datasets[ref] = entry.model_copy(update={"answers": answers})
            effect = "; ".join(f"{q} → {'yes' if d.answer else 'no'}" for q in qs)
        rows.append((did, key, name, d.resource, d.check, ", ".join(qs), d.claim, d.evidence, " ".join(d.links), d.by,
                     d.decision, d.reason, effect))
    return rubric.model_copy(update={"datasets": datasets}), pd.DataFrame.from_records(rows, columns=list(COLUMNS))
