"""The 2017 platform survey (odaudit/data/surveys/ocf-2017-platform-survey.csv, a verbatim copy of
`data/Platform Survey.csv` of ocftw/OpenGovReport14-16) read as rubric platform answers: one
portal's row, each answer citing the survey's row, column and cell as published."""

from __future__ import annotations

import csv
from pathlib import Path

from ..errors import InputError
from .platform import COUNT, PLATFORM_QUESTIONS
from .rubric import PlatformAnswer, parse_answer

SURVEY = Path(__file__).resolve().parent.parent / "data" / "surveys" / "ocf-2017-platform-survey.csv"
#: file:line of the answer's row (the file's provenance is in odaudit/data/surveys/README.md)
SOURCE = "odaudit/data/surveys/ocf-2017-platform-survey.csv:{line}"


def _answer(cell: str) -> bool | None:
    """Y / N as the survey writes them; anything else (NA, "Difficult to find", "Not Open License")
    is not a plain yes or no and is left unanswered, the cell kept in the reason."""
    try:
        return parse_answer(cell)
    except ValueError:
        return None


def survey_answers(portal_url: str, path: Path = SURVEY) -> dict[str, PlatformAnswer]:
    """{platform question: answer} from the survey row whose 連結 is `portal_url`."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = [h.strip() for h in rows[0]]
    for line, cells in enumerate(rows[1:], start=2):
        row = dict(zip(header, (c.strip() for c in cells), strict=True))
        if row.get("連結") != portal_url:
            continue
        out = {}
        for q in PLATFORM_QUESTIONS:
            cell = row[q.survey]
            value = row[q.value_survey] if q.value_survey and row[q.value_survey] not in ("", "NA") else ""
            answer = None if q.kind == COUNT else _answer(cell)
            if q.kind == COUNT:
                value = cell if cell.isdigit() else ""
            reason = f"{q.survey}: {cell}" + (f"; {q.value_survey}: {row[q.value_survey]}" if q.value_survey else "")
            out[q.id] = PlatformAnswer(answer=answer, value=value, reason=reason, reviewer=row["reviewer"],
                                       source=SOURCE.format(line=line))
        return out
    raise InputError(f"{path}: no row for portal {portal_url}")
