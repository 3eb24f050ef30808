"""`odaudit score` (filled in by its issue)."""

from __future__ import annotations

import typer

from ..errors import InputError


def score() -> None:
    """Not implemented yet."""
    raise InputError("odaudit score is not implemented yet")
