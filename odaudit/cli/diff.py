"""`odaudit diff` (filled in by its issue)."""

from __future__ import annotations

import typer

from ..errors import InputError


def diff() -> None:
    """Not implemented yet."""
    raise InputError("odaudit diff is not implemented yet")
