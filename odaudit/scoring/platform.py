"""The platform section of `odaudit score`: the portal itself, assessed with the questions of the
2017 platform survey of Taiwan's 2014–2016 Open Government Report (odaudit/data/surveys/
ocf-2017-platform-survey.csv).

Three kinds of question:

* **judged** (licence terms, open-data declaration, a way to request data, search, feedback,
  showcases): a researcher answers them in the rubric's `platform:` block. A snapshot cannot see
  a portal's search box, so odaudit never answers them; where the snapshot says something
  relevant (which licences the datasets name) it is shown as evidence beside the answer.
* **count** (dataset count): measured when the snapshot knows it (a whole-portal crawl, or a
  manifest that recorded the portal's total); a catalog crawl is a selection and does not.
* **field** (which metadata fields the datasets carry): measured from the snapshot's dataset
  records as a share, "n of N datasets". A record whose metadata could not be fetched, or whose
  sources cannot carry that field, is not measured: it is counted apart, never as missing.

The section has its own score (the mean of the questions' 0–100 scores, equal weights) and never
enters the dataset barometer. Everything here reads normalised records (the `meta` keys every
adapter writes) and is portal-neutral; what is data.gov.tw's own is keyed by adapter name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..portals.datagovtw import schema as datagovtw_schema

JUDGED, COUNT, FIELD = "judged", "count", "field"
#: how a row was answered (platform.csv `basis`)
MEASURED, BY_RUBRIC, UNANSWERED, NOT_MEASURED = "measured", "judged", "unanswered", "not_measured"


@dataclass(frozen=True, slots=True)
class PlatformQuestion:
    id: str
    kind: str
    #: the 2017 survey's column (odaudit/data/surveys/ocf-2017-platform-survey.csv)
    survey: str
    #: the survey column holding the answer's value (licence name, request link), if any
    value_survey: str = ""


PLATFORM_QUESTIONS: tuple[PlatformQuestion, ...] = (
    PlatformQuestion("licence_terms", JUDGED, "有授權條款", "資料授權條款名稱"),
    PlatformQuestion("declaration", JUDGED, "政府網站資料開放宣告"),
    PlatformQuestion("request_channel", JUDGED, "提資料需求", "提資料需求連結"),
    PlatformQuestion("dataset_count", COUNT, "資料集數量"),
    PlatformQuestion("showcases", JUDGED, "應用範例"),
    PlatformQuestion("search", JUDGED, "搜尋功能"),
    PlatformQuestion("feedback", JUDGED, "回饋機制"),
    PlatformQuestion("field_title", FIELD, "資料欄位-資料集名稱"),
    PlatformQuestion("field_description", FIELD, "資料欄位-資料集描述"),
    PlatformQuestion("field_columns", FIELD, "資料欄位-主要欄位說明"),
    PlatformQuestion("field_format", FIELD, "資料欄位-檔案格式"),
    PlatformQuestion("field_licence", FIELD, "資料欄位-授權方式"),
    PlatformQuestion("field_licence_url", FIELD, "資料欄位-授權說明網址"),
    PlatformQuestion("field_cost", FIELD, "資料欄位-計費方式"),
    PlatformQuestion("field_agency", FIELD, "資料欄位-提供機關名稱"),
    PlatformQuestion("field_contact", FIELD, "資料欄位-機關聯絡人"),
    PlatformQuestion("field_phone", FIELD, "資料欄位-聯絡人電話"),
)
PLATFORM_IDS: tuple[str, ...] = tuple(x.id for x in PLATFORM_QUESTIONS)
BY_ID: dict[str, PlatformQuestion] = {x.id: x for x in PLATFORM_QUESTIONS}

#: field question → the presence column of `presence_table` (field_format is read from the resources)
PRESENCE: dict[str, str] = {
    "field_title": "title", "field_description": "description", "field_columns": "columns", "field_licence": "licence",
    "field_licence_url": "licence_url", "field_cost": "cost", "field_agency": "agency", "field_contact": "contact",
    "field_phone": "phone",
}
PRESENCE_COLUMNS: tuple[str, ...] = tuple(PRESENCE.values())
#: data.gov.tw states the licence's page in 備註 ("授權說明網址: http://data.gov.tw/license"), not in a field of its own
_DATAGOVTW_LICENCE_URL = re.compile(r"授權說明網址\s*[:：]\s*https?://")

PLATFORM_CSV = ("question", "survey", "kind", "basis", "answer", "value", "n", "measured", "not_measured", "score",
                "evidence", "source")


def adapter_of(manifest: Mapping[str, Any]) -> str:
    """The adapter that wrote a snapshot; snapshots made before adapters were recorded are data.gov.tw's."""
    name = manifest.get("adapter") or (manifest.get("options") or {}).get("adapter")
    return str(name) if name else datagovtw_schema.NAME


def _filled(v: object) -> bool:
    if isinstance(v, list | tuple | dict):
        return len(v) > 0
    return v is not None and str(v).strip() != ""


def presence(meta: Mapping[str, Any], adapter: str) -> tuple[bool, ...]:
    """Which metadata fields a normalised `meta` carries, in PRESENCE_COLUMNS order."""
    licence_url = _filled(meta.get("licence_url"))
    if not licence_url and adapter == datagovtw_schema.NAME:
        licence_url = bool(_DATAGOVTW_LICENCE_URL.search(str(meta.get("notes") or "")))
    return (_filled(meta.get("title")), _filled(meta.get("description")),
            _filled(meta.get("fields_text")) or _filled(meta.get("fields")), _filled(meta.get("licence")), licence_url,
            _filled(meta.get("cost")), _filled(meta.get("agency")), _filled(meta.get("contact_name")),
            _filled(meta.get("contact_phone")))


def _datagovtw_carriers() -> dict[str, frozenset[str]]:
    """Per presence column, the sources (export, api) whose data.gov.tw fields can fill it
    (schema.DATASET_FIELDS): an API-only record cannot show 主要欄位說明, which only the export has."""
    by_meta = {key: {"export"} if cols else set() for key, cols, _ in datagovtw_schema.DATASET_FIELDS}
    for key, _, api in datagovtw_schema.DATASET_FIELDS:
        if api:
            by_meta[key].add("api")
    by_meta["agency"].add("api")  # from publisherOID "OID|name" (normalise.py)
    meta_of = {"title": "title", "description": "description", "columns": "fields_text", "licence": "licence",
               "licence_url": "notes", "cost": "cost", "agency": "agency", "contact": "contact_name", "phone": "contact_phone"}
    return {col: frozenset(by_meta[meta_of[col]]) for col in PRESENCE_COLUMNS}


#: adapter → presence column → sources able to carry it; an adapter not listed carries every field in every source
CARRIERS: dict[str, dict[str, frozenset[str]]] = {datagovtw_schema.NAME: _datagovtw_carriers()}


@dataclass
class PlatformRow:
    question: str
    kind: str
    basis: str
    answer: str = ""
    value: str = ""
    n: int | None = None
    measured: int | None = None
    not_measured: int | None = None
    score: float | None = None
    evidence: str = ""
    #: the rubric's answer: who answered, from what, why, and links (researchers' text, kept as written)
    reviewer: str = ""
    source_ref: str = ""
    reason: str = ""
    links: tuple[str, ...] = ()
    #: licence_terms: the licences the datasets name most often, "name (count); …" (portal text)
    top: str = ""
    #: the researcher's value when a measurement took its place (kept, and shown beside it)
    rubric_value: str = ""

    @property
    def source(self) -> str:
        parts = [f"reviewer: {self.reviewer}" if self.reviewer else "", f"source: {self.source_ref}" if self.source_ref else "",
                 f"reason: {self.reason}" if self.reason else "", f"rubric value: {self.rubric_value}" if self.rubric_value else "",
                 " ".join(self.links)]
        return "; ".join(p for p in parts if p)


@dataclass
class PlatformResult:
    """The platform section: one row per question, and its own score."""

    portal: str
    adapter: str
    rows: list[PlatformRow]
    #: mean of the question scores when every scored question has one, else None
    score: float | None
    #: mean of the scores given (None when none is)
    score_answered: float | None
    scored: int
    scorable: int

    def frame(self) -> pd.DataFrame:
        rows = [(r.question, BY_ID[r.question].survey, r.kind, r.basis, r.answer, r.value, r.n, r.measured, r.not_measured,
                 r.score, r.evidence, r.source) for r in self.rows]
        return pd.DataFrame.from_records(rows, columns=list(PLATFORM_CSV))

    def row(self, question: str) -> PlatformRow:
        return next(r for r in self.rows if r.question == question)


@dataclass
class FieldCounts:
    """A field question measured over the snapshot's portal records."""

    carrying: int
    measured: int
    not_measured: int


def field_counts(presence_frame: pd.DataFrame | None, resources: pd.DataFrame, adapter: str) -> dict[str, FieldCounts]:
    """{field question: counts} over the portal datasets of a snapshot.

    Measured: a portal dataset whose metadata was read (fetch status ok) from a source able to carry
    the field; a dataset carrying the field is measured whatever its source. Not measured: a
    portal dataset whose metadata could not be fetched (error, not in the export), or only from
    sources that cannot carry the field. A dataset the portal does not know (not_found) is not
    the portal's: it is in neither count."""
    if presence_frame is None or presence_frame.empty:
        return {}
    p = presence_frame[(presence_frame["kind"] == "portal") & (presence_frame["fetch_status"] != "not_found")]
    read = (p["fetch_status"] == "ok").to_numpy()
    sources = [frozenset(s.split(";")) - {""} for s in p["sources"]]
    carriers = CARRIERS.get(adapter)
    out: dict[str, FieldCounts] = {}
    for question, col in PRESENCE.items():
        has = p[col].to_numpy(bool) & read
        able = read if carriers is None else read & np.array([bool(s & carriers[col]) for s in sources], dtype=bool)
        measured = able | has
        out[question] = FieldCounts(int(has.sum()), int(measured.sum()), int(len(p) - measured.sum()))
    # every resource of the dataset declares a format (a dataset without resources is in no group: False)
    declared = (resources["format"].ne("").fillna(True).astype(bool).groupby(resources["dataset"], sort=False).all()
                if len(resources) else pd.Series(dtype=bool))
    has_format = p["key"].map(declared).fillna(False).to_numpy(bool) & read
    out["field_format"] = FieldCounts(int(has_format.sum()), int(read.sum()), int(len(p) - read.sum()))
    return out


def licence_names(datasets: pd.DataFrame) -> tuple[int, int, str]:
    """(datasets naming a licence, datasets whose metadata was read, "name (count); …" of the three commonest)."""
    d = datasets[(datasets["kind"] == "portal") & (datasets["fetch_status"] == "ok")]
    named = d.loc[d["licence"].astype(str).str.strip() != "", "licence"]
    top = named.value_counts().sort_index().sort_values(ascending=False, kind="stable").head(3)
    return len(named), len(d), "; ".join(f"{name} ({n})" for name, n in top.items())


def dataset_count(manifest: Mapping[str, Any], presence_frame: pd.DataFrame | None, whole: bool) -> int | None:
    """The portal's dataset count when the snapshot knows it: the total a crawl recorded in the
    manifest (`portal_datasets`), else, for a whole-portal crawl, the portal datasets it enumerated.
    A catalog crawl is a selection: None."""
    total = manifest.get("portal_datasets")
    if isinstance(total, int) and not isinstance(total, bool) and total >= 0:
        return total
    if whole and presence_frame is not None:
        p = presence_frame
        return int(((p["kind"] == "portal") & (p["fetch_status"] != "not_found")).sum())
    return None


def _mean(scores: list[float]) -> float | None:
    return math.fsum(scores) / len(scores) if scores else None


def _rubric_row(q: PlatformQuestion, answer: Any) -> PlatformRow:
    """The row as the rubric answers it (unanswered without an answer)."""
    row = PlatformRow(q.id, q.kind, UNANSWERED)
    if answer is None:
        return row
    row.reviewer, row.source_ref, row.reason, row.links = answer.reviewer, answer.source, answer.reason, tuple(answer.evidence)
    row.value = answer.value
    if answer.answer is not None:
        row.answer = "yes" if answer.answer else "no"
        row.basis = BY_RUBRIC
        row.score = 100.0 if answer.answer else 0.0
    elif q.kind == COUNT and answer.value:
        row.basis = BY_RUBRIC
    return row


def _measure_field(row: PlatformRow, c: FieldCounts | None, has_snapshot: bool) -> None:
    """A field question: the measured share replaces the rubric's yes/no as the row's score (the
    rubric's answer stays in the row); where nothing was measured the rubric's answer stands."""
    if c is not None:
        row.n, row.measured, row.not_measured = c.carrying, c.measured, c.not_measured
    if c is not None and c.measured:
        share = c.carrying / c.measured
        row.basis, row.value, row.score = MEASURED, f"{share:.4f}", 100.0 * share
        row.evidence = f"{c.carrying} of {c.measured} datasets carry it" + (
            f"; {c.not_measured} not measured (metadata not fetched, or not in its sources)" if c.not_measured else "")
    elif has_snapshot and row.basis == UNANSWERED:
        row.basis = NOT_MEASURED
        row.evidence = "no dataset of the snapshot could show it" + (f" ({c.not_measured} not measured)" if c and c.not_measured else "")


def assess(answers: Mapping[str, Any], *, portal: str, adapter: str, has_snapshot: bool, whole: bool,
           manifest: Mapping[str, Any], presence_frame: pd.DataFrame | None, datasets: pd.DataFrame,
           resources: pd.DataFrame) -> PlatformResult:
    """The platform section: the rubric's `platform:` answers (researchers) and what the snapshot measures."""
    counts = field_counts(presence_frame, resources, adapter) if has_snapshot else {}
    rows = []
    for q in PLATFORM_QUESTIONS:
        row = _rubric_row(q, answers.get(q.id))
        if q.kind == FIELD:
            _measure_field(row, counts.get(q.id), has_snapshot)
        elif q.kind == COUNT and has_snapshot:
            n = dataset_count(manifest, presence_frame, whole)
            if n is not None:
                row.rubric_value = row.value
                row.basis, row.value, row.n = MEASURED, str(n), n
                row.evidence = "portal datasets enumerated by this whole-portal crawl" if whole else "the portal's total, recorded by the crawl"
            elif row.basis == UNANSWERED:
                row.basis = NOT_MEASURED
                row.evidence = "a catalog crawl is a selection: the portal's dataset count is not known from it"
        elif q.id == "licence_terms" and has_snapshot and len(datasets):
            row.n, row.measured, row.top = licence_names(datasets)
            row.evidence = f"{row.n} of {row.measured} datasets name a licence" + (f": {row.top}" if row.top else "")
        rows.append(row)
    scorable = [r for r in rows if r.kind != COUNT]
    given = [r.score for r in scorable if r.score is not None]
    return PlatformResult(portal, adapter, rows, _mean(given) if len(given) == len(scorable) else None, _mean(given),
                          len(given), len(scorable))
