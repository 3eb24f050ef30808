"""Cell checks of the CSV fast path: values a compiled regular expression can prove valid for a field type."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .common import MEMO_MAX

_D = r"(?!0000)[0-9]{4}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"


_FAST: dict[str, re.Pattern[str]] = {
    "integer": re.compile(r"(?:-?[0-9]{1,18})?"),
    "number": re.compile(r"(?:-?[0-9]{1,15}(?:\.[0-9]{1,15})?)?"),
    "date": re.compile(rf"(?:{_D})?"),
    "datetime": re.compile(rf"(?:{_D}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{{1,6}})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?)?"),
    "boolean": re.compile(r"(?:true|True|TRUE|false|False|FALSE|1|0)?"),
    "year": re.compile(r"(?:[0-9]{4})?"),
}


_PLAIN_KEYS = {"name", "type", "format", "schema", "custom", "title", "description", "example"}


class _CellCheck:
    """Decides type errors for one column exactly as frictionless's cell reader does."""

    def __init__(self, fld: Any) -> None:
        self.reader = fld.create_cell_reader()
        self.type = fld.type
        plain = set(fld.list_defined()) <= _PLAIN_KEYS and fld.format == "default" and not fld.custom
        pat = _FAST.get(fld.type) if plain else None
        self.fast: Callable[[str], Any] | None = pat.fullmatch if pat is not None else None
        self.memo: dict[Any, bool] = {}
        self.note = f"type is \"{fld.type}/{fld.format}\""

    def ok(self, v: Any) -> bool:
        got = self.memo.get(v)
        if got is None:
            _, notes = self.reader(v)
            got = not (notes and "type" in notes)
            if len(self.memo) < MEMO_MAX:
                self.memo[v] = got
        return got

    def bad_values(self, values: tuple[Any, ...]) -> set[Any]:
        fast = self.fast
        if fast is not None and all(map(fast, values)):
            return set()
        bad = set()
        for v in set(values):
            if fast is not None and fast(v):
                continue
            if not self.ok(v):
                bad.add(v)
        return bad
