"""Long CSV fields. Python's csv module refuses a field over 131,072 characters, and its limit is one
setting for the whole process (`csv.field_size_limit`), so it is raised here, in one named place,
by the readers of files whose fields can be long: the portal's export (資料集描述, 備註) and
findings.csv (evidence quoting a 16,384-column header)."""

from __future__ import annotations

import csv

#: large enough for any field a bounded body can hold
BIG_FIELDS = 1 << 30


def allow_big_fields() -> None:
    """Raise the process-wide csv field limit to BIG_FIELDS (never lowers it)."""
    if csv.field_size_limit() < BIG_FIELDS:
        csv.field_size_limit(BIG_FIELDS)
