"""`odaudit rubric …` (filled in by the score issue)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Create, import and check rubric YAML files.", no_args_is_help=True)
