"""The ten dataset questions of the Open Data Barometer checklist (a–j), with stable ids.

Points are the ODB 2nd/4th-edition points, which are also the weights of Taiwan's 2014–2016
report (methodology §1.4, §2.2). Rubrics may change the points, not the ids or the order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    #: 1–10, the checklist order (survey sheets number their columns this way)
    number: int
    #: ODB letter a–j
    letter: str
    points: float
    en: str
    zh: str
    #: which findings answer it; "" when it is left to researchers
    checks: tuple[str, ...]


QUESTIONS: tuple[Question, ...] = (
    Question("exists", 1, "a", 5, "Does the data exist?", "資料是否存在？", ("link",)),
    Question("online", 2, "b", 10, "Is it available online from government in any form?", "可否線上取得？", ("link",)),
    Question("machine_readable", 3, "c", 15, "Is it provided in machine-readable formats?", "是否為機器可讀？", ("format", "structure", "machine_readable")),
    Question("bulk", 4, "d", 15, "Is the machine-readable data available in bulk (as a whole)?", "是否可整批下載？", ("downloadable",)),
    Question("free", 5, "e", 15, "Is the dataset available free of charge?", "是否免費？", ("free",)),
    Question("open_licence", 6, "f", 15, "Is the data openly licensed?", "是否有開放授權？", ("licence",)),
    Question("up_to_date", 7, "g", 10, "Is the dataset up to date?", "是否為最新版本？", ("freshness",)),
    Question("sustained", 8, "h", 5, "Is the dataset kept regularly updated?", "是否定期更新？", ("freshness",)),
    Question("findable", 9, "i", 5, "Was it easy to find information about this dataset?", "相關訊息是否容易找到？", ("metadata",)),
    Question("linked", 10, "j", 5, "Are (linked) data URIs provided for key elements of the data?", "是否是關聯性資料（linked data）？", ("stars",)),
)

QUESTION_IDS: tuple[str, ...] = tuple(q.id for q in QUESTIONS)
BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}
BY_NUMBER: dict[int, Question] = {q.number: q for q in QUESTIONS}
DEFAULT_POINTS: dict[str, float] = {q.id: q.points for q in QUESTIONS}

#: ODB-4 `isOpen`: a dataset is open when all four are yes.
OPEN_QUESTIONS: tuple[str, ...] = ("machine_readable", "bulk", "free", "open_licence")

#: ODB chaining (methodology §1.4): a question's points count only if this one is yes too.
CHAIN_PARENT: dict[str, str | None] = {
    "exists": None,
    "online": "exists",
    "machine_readable": "online",
    "bulk": "machine_readable",
    "free": "machine_readable",
    "open_licence": "machine_readable",
    "up_to_date": "machine_readable",
    "sustained": "machine_readable",
    "findable": "machine_readable",
    "linked": "machine_readable",
}

#: Every check id the checks module emits (findings.csv `check` column).
CHECK_IDS: tuple[str, ...] = (
    "link", "downloadable", "format", "encoding", "structure", "fields", "machine_readable",
    "stars", "licence", "free", "freshness", "metadata", "badge", "consistency",
)
