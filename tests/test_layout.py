"""The house stays habitable: rooms of a bounded size, no reaching into httpx's private parts, and a
README whose command list is the CLI's (docs/architecture.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from typer.testing import CliRunner

from odaudit.cli import app

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "odaudit").rglob("*.py"))
MAX_FUNCTION = 100
MAX_MODULE = 600


def test_no_function_over_100_lines_and_no_module_over_600() -> None:
    long_functions, long_modules = [], []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE:
            long_modules.append(f"{path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = node.end_lineno - node.lineno + 1
                if size > MAX_FUNCTION:
                    long_functions.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({size} lines)")
    assert long_modules == [] and long_functions == []


def test_no_private_httpx_or_httpcore_attribute_is_used() -> None:
    private = re.compile(r"\._(transport|mounts|pool|network_backend)\b")
    hits = [f"{p.relative_to(ROOT)}:{i}" for p in SOURCES for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if private.search(line) and not line.lstrip().startswith("#")]
    assert hits == []


def test_the_readme_lists_every_command_and_only_those() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^### `odaudit ([a-z]+)`", readme, flags=re.M))
    help_text = CliRunner().invoke(app, ["--help"], terminal_width=200).stdout
    commands = set(re.findall(r"^[│ ]+([a-z]+)\s{2,}\S", help_text.split("Commands", 1)[1], flags=re.M))
    assert commands and documented == commands, (documented, commands)
