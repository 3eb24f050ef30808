"""The rubric: researchers' YAML naming the catalog, the method, the weights, the judged
readiness and impact items and the manual dataset answers. Loaded as YAML 1.2 and validated
strictly; every error reads `file:line:col: message`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .. import bundled
from ..catalog import ALL_CATALOG, Catalog, load_catalog, resolve_catalog_path, whole_portal_catalog
from ..errors import InputError
from ..yamlsrc import load_yaml, validate, where
from .platform import PLATFORM_IDS
from .questions import DEFAULT_POINTS, QUESTION_IDS

RUBRIC_VERSION = 1
QuestionId = Literal[
    "exists", "online", "machine_readable", "bulk", "free",
    "open_licence", "up_to_date", "sustained", "findable", "linked",
]
assert QuestionId.__args__ == QUESTION_IDS  # type: ignore[attr-defined]
PlatformId = Literal[
    "licence_terms", "declaration", "request_channel", "dataset_count", "showcases", "search", "feedback",
    "field_title", "field_description", "field_columns", "field_format", "field_licence", "field_licence_url",
    "field_cost", "field_agency", "field_contact", "field_phone",
]
assert PlatformId.__args__ == PLATFORM_IDS  # type: ignore[attr-defined]

_YES = {"yes", "y", "true", "1", "是", "有", "Y"}
_NO = {"no", "n", "false", "0", "否", "無", "无"}
TOLERANCE = 1e-6


def parse_answer(value: Any) -> bool | None:
    """yes/no in the forms researchers write: true/false, 1/0, yes/no, y/n, 是/否; blank or null is unanswered."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value in (0, 1):
            return bool(value)
        raise ValueError(f"answer {value!r}: use yes/no, 1/0 or 是/否")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        low = text.lower()
        if low in _YES or text in _YES:
            return True
        if low in _NO or text in _NO:
            return False
        try:
            num = float(text)
        except ValueError:
            pass
        else:
            if num in (0.0, 1.0):
                return bool(num)
    raise ValueError(f"answer {value!r}: use yes/no, 1/0 or 是/否 (or leave it empty for unanswered)")


def _err(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _http(v: str) -> str:
    if not v.lower().startswith(("http://", "https://")):
        raise _err("url", "a link must start with http:// or https://")
    return v


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ManualAnswer(_Strict):
    #: True = yes, False = no, None = explicitly unanswered
    answer: bool | None
    reason: str = ""
    evidence: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _mapping(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise _err("manual_answer", "write {answer: yes|no, reason: \"…\"}: a manual answer needs a written reason")
        return data

    @field_validator("answer", mode="before")
    @classmethod
    def _answer(cls, v: Any) -> bool | None:
        try:
            return parse_answer(v)
        except ValueError as exc:
            raise _err("answer", str(exc)) from None

    @field_validator("evidence")
    @classmethod
    def _links(cls, v: list[str]) -> list[str]:
        return [_http(x) for x in v]

    @model_validator(mode="after")
    def _reason(self) -> ManualAnswer:
        if self.answer is not None and not self.reason.strip():
            raise _err("reason", "a manual answer needs a reason (why the researcher answers so, overriding the findings)")
        return self


class PlatformAnswer(_Strict):
    """A researcher's answer to a platform question (scoring/platform.py): yes/no, a value (the
    licence's name, the request page, the dataset count) and who answered it from what."""

    answer: bool | None = None
    value: str = ""
    reason: str = ""
    reviewer: str = ""
    #: where the answer comes from (a survey file, a page visited on a date)
    source: str = ""
    evidence: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _mapping(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise _err("platform_answer", "write {answer: yes|no, reason: \"…\"}: a platform answer needs a reason or a source")
        if isinstance(data.get("value"), int | float) and not isinstance(data.get("value"), bool):
            data = {**data, "value": str(data["value"])}  # a count written as a number
        return data

    @field_validator("answer", mode="before")
    @classmethod
    def _answer(cls, v: Any) -> bool | None:
        try:
            return parse_answer(v)
        except ValueError as exc:
            raise _err("answer", str(exc)) from None

    @field_validator("evidence")
    @classmethod
    def _links(cls, v: list[str]) -> list[str]:
        return [_http(x) for x in v]

    @model_validator(mode="after")
    def _said_why(self) -> PlatformAnswer:
        if (self.answer is not None or self.value.strip()) and not (self.reason.strip() or self.source.strip()):
            raise _err("reason", "a platform answer needs a reason or a source (where the researcher saw it)")
        return self


class DatasetEntry(_Strict):
    #: for humans reading the file; not used for matching
    name: str = ""
    note: str = ""
    answers: dict[QuestionId, ManualAnswer] = Field(default_factory=dict)


class Item(_Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    #: researchers' 0–10 judgment; null = not judged yet (reported as unanswered, never invented)
    score: float | None = Field(default=None, ge=0, le=10)
    evidence: str = ""
    links: list[str] = Field(default_factory=list)

    @field_validator("links")
    @classmethod
    def _links(cls, v: list[str]) -> list[str]:
        return [_http(x) for x in v]


class Component(_Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    #: share inside its sub-index; all or none of a sub-index's components give one (default equal)
    weight: float | None = Field(default=None, ge=0, le=1)
    items: list[Item] = Field(min_length=1)


def _check_shares(weights: list[float | None], what: str) -> None:
    given = [w for w in weights if w is not None]
    if not given:
        return
    if len(given) != len(weights):
        raise _err("weights", f"give a weight to every {what} or to none (equal shares)")
    total = math.fsum(given)
    if abs(total - 1) > TOLERANCE:
        raise _err("weights", f"{what} weights must sum to 1 (they sum to {total:g})")


class Judged(_Strict):
    """Readiness or impact: components of researchers' 0–10 items."""

    components: list[Component] = Field(min_length=1)

    @model_validator(mode="after")
    def _valid(self) -> Judged:
        _check_shares([c.weight for c in self.components], "component")
        seen: set[str] = set()
        for c in self.components:
            for i in [c.id, *(it.id for it in c.items)]:
                if i in seen:
                    raise _err("ids", f"id {i!r} appears twice")
                seen.add(i)
        return self


class Implementation(_Strict):
    #: {category id: share}; default: every category of the catalog weighs the same
    category_weights: dict[str, float] | None = None

    @field_validator("category_weights", mode="before")
    @classmethod
    def _keys(cls, v: Any) -> Any:
        return {str(k): x for k, x in v.items()} if isinstance(v, dict) else v

    @model_validator(mode="after")
    def _valid(self) -> Implementation:
        if self.category_weights is not None:
            if any(w < 0 for w in self.category_weights.values()):
                raise _err("weights", "category weights cannot be negative")
            _check_shares(list(self.category_weights.values()), "category")
        return self


class Weights(_Strict):
    readiness: float = Field(default=0.35, ge=0, le=1)
    implementation: float = Field(default=0.35, ge=0, le=1)
    impact: float = Field(default=0.30, ge=0, le=1)

    @model_validator(mode="after")
    def _sum(self) -> Weights:
        total = math.fsum((self.readiness, self.implementation, self.impact))
        if abs(total - 1) > TOLERANCE:
            raise _err("weights", f"sub-index weights must sum to 1 (they sum to {total:g})")
        return self


class OdbOptions(_Strict):
    #: points taken when up_to_date is no
    outdated_penalty: float = Field(default=5, ge=0)
    #: "odb-r": only when exists and online are yes (the Web Foundation's dataScore() in odb2014.r);
    #: "any": whenever up_to_date is no (the questionnaire's wording)
    penalty_when: Literal["odb-r", "any"] = "odb-r"


class AgreementRow(_Strict):
    """One row of `rubric merge`'s agreement table (see scoring/merge.py)."""

    question: str = Field(min_length=1)
    #: units answered by at least two reviewers
    items: int = Field(ge=0)
    reviewers: int = Field(ge=0)
    percent_agreement: float | None = Field(default=None, ge=0, le=100)
    alpha: float | None = Field(default=None, le=1)


class Merged(_Strict):
    """Written by `rubric merge`: whose rubrics these are and how far they agreed."""

    reviewers: list[str] = Field(min_length=2)
    resolve: str = Field(min_length=1)
    agreement: list[AgreementRow] = Field(default_factory=list)
    #: answers and judgments left unanswered because the reviewers disagreed
    unresolved: int = Field(default=0, ge=0)


class Rubric(_Strict):
    version: Literal[1] = RUBRIC_VERSION
    name: str = Field(min_length=1)
    title: str = ""
    #: bundled catalog name (ocf-2017), a path relative to this file, or `all` (the whole portal)
    catalog: str = Field(min_length=1)
    method: Literal["flat", "odb"]
    odb: OdbOptions = Field(default_factory=OdbOptions)
    #: points per question (defaults: the ODB/OCF 5,10,15,15,15,15,10,5,5,5); must sum to 100
    points: dict[QuestionId, float] = Field(default_factory=dict)
    weights: Weights = Field(default_factory=Weights)
    readiness: Judged | None = None
    implementation: Implementation = Field(default_factory=Implementation)
    impact: Judged | None = None
    #: manual answers, keyed by portal id ("41568"), snapshot key ("tw:41568", "ext:…", "none:…") or dataset name
    datasets: dict[str, DatasetEntry] = Field(default_factory=dict)
    #: researchers' answers to the platform questions (scoring/platform.py), scored apart from the barometer
    platform: dict[PlatformId, PlatformAnswer] = Field(default_factory=dict)
    #: set by `rubric merge` (who reviewed, how far they agreed); absent in a reviewer's own rubric
    merged: Merged | None = None

    _path: Path | None = PrivateAttr(default=None)
    _tree: Any = PrivateAttr(default=None)

    @field_validator("datasets", mode="before")
    @classmethod
    def _dataset_keys(cls, v: Any) -> Any:
        return {str(k): x for k, x in v.items()} if isinstance(v, dict) else v

    @field_validator("points")
    @classmethod
    def _points(cls, v: dict[str, float]) -> dict[str, float]:
        if any(p < 0 for p in v.values()):
            raise _err("points", "points cannot be negative")
        total = math.fsum({**DEFAULT_POINTS, **v}.values())
        if abs(total - 100) > TOLERANCE:
            raise _err("points", f"question points must sum to 100 (with the defaults for questions not given, they sum to {total:g})")
        return v

    @model_validator(mode="after")
    def _judged_present(self) -> Rubric:
        for name in ("readiness", "impact"):
            if getattr(self.weights, name) > 0 and getattr(self, name) is None:
                raise _err("weights", f"{name} has weight {getattr(self.weights, name):g} but no components; add them or set its weight to 0")
        return self

    # -- helpers -------------------------------------------------------------
    @property
    def question_points(self) -> dict[str, float]:
        return {**DEFAULT_POINTS, **self.points}

    @property
    def path(self) -> Path | None:
        return self._path

    def where(self, *loc: int | str) -> str:
        """`file:line:col` of a node of this rubric (for errors found after validation)."""
        if self._path is None:
            return "rubric"
        return where(self._path, self._tree, loc)

    @property
    def whole_portal(self) -> bool:
        """`catalog: all`: the whole portal, as `rubric init` writes for a `crawl --all` snapshot."""
        return self.catalog == ALL_CATALOG

    def resolve_catalog(self) -> Catalog:
        """The catalog `catalog:` names. `all` is the whole portal: a stand-in with one category
        and no datasets (they are the snapshot's, matched when scoring)."""
        return whole_portal_catalog() if self.whole_portal else load_catalog(self.catalog_path())

    def catalog_path(self) -> Path:
        """The catalog named by `catalog:`: a path relative to the rubric file, or a bundled name."""
        ref = self.catalog
        p = Path(ref)
        if self._path is not None and (p.suffix in (".yaml", ".yml") or "/" in ref) and not p.is_absolute():
            p = self._path.parent / p
            if not p.exists():
                raise InputError(f"{self.where('catalog')}: catalog {ref}: no such file ({p})")
            return p
        try:
            return resolve_catalog_path(ref)
        except InputError as exc:
            raise InputError(f"{self.where('catalog')}: {exc.message}") from None


def load_rubric(path: str | Path) -> Rubric:
    """A rubric file, or a bundled rubric by name (`ocf-2017`, `demo-datagovtw`)."""
    path = bundled.rubric_path(str(path))
    tree = load_yaml(path)
    rubric = validate(path, tree, Rubric)
    rubric._path = path
    rubric._tree = tree
    return rubric


def rubric_from_dict(data: dict[str, Any]) -> Rubric:
    """A rubric built in Python (tests, importers); positions in errors fall back to 'rubric'."""
    return Rubric.model_validate(data)
