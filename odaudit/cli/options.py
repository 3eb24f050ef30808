"""Options every command spells the same way, declared once (frictionless-py's shared options).

One name for one thing: `--out/-o` is where a command writes, `--lang` the report language (normalised once, here), `--quiet/-q` silences progress
and warnings (the files written keep the warnings), `--workers` is the number of processes
that run checks (crawl, its recheck, diff, trend; `--check-workers` is kept as crawl's former
name), and `--json` prints the summary line as JSON on stdout instead. Each command adds
what its own output means to the help text."""

from __future__ import annotations

import json
from typing import Any

import typer

from . import common


def out_option(help: str, *, required: bool = True) -> Any:
    return typer.Option(... if required else None, "--out", "-o", help=help)


def quiet_option(kept: str = "warnings are kept in the files written") -> Any:
    return typer.Option(False, "--quiet", "-q", help=f"No progress or warnings on stderr ({kept}).")


def workers_option(help: str, *aliases: str) -> Any:
    return typer.Option(None, "--workers", *aliases, min=0, help=help)


def jobs_option() -> Any:
    return typer.Option(1, "--jobs", "-j", min=1, help=(
        "Snapshots scored at once when none of them was scored before (each in its own process; the "
        "columnar store hands the scored side back): 2 takes about half the time on two cores and twice "
        "the memory. Default 1, one at a time. Snapshots re-checked by today's rules use --workers instead."))


LANG_HELP = "Report language: en or zh-TW (also zh-tw, zh_TW; labels and prose; portal text stays as published)."


def lang_option() -> Any:
    """`--lang`, normalised as it is parsed (report/i18n.py `normalise_lang`): a bad value is a one-line usage error."""
    return typer.Option("en", "--lang", help=LANG_HELP, callback=lambda value: common.language(value))


def json_option() -> Any:
    return typer.Option(False, "--json", help="Print the summary as one JSON object on stdout instead of a line of text.")


def print_summary(as_json: bool, text: str, data: dict[str, Any]) -> None:
    """The command's summary: `text` for people, or `data` as JSON for programs (csvkit's
    discipline: results on stdout, everything else on stderr)."""
    if as_json:
        # print() rather than the console: JSON must not be wrapped or styled
        print(json.dumps(data, ensure_ascii=False, sort_keys=True))
    else:
        common.stdout.print(text, markup=False)
