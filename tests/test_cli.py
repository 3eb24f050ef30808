"""The command line as a user meets it: help for every command, version, usage errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from odaudit import __version__

COMMANDS = [["crawl"], ["score"], ["diff"], ["rubric"], ["rubric", "init"], ["rubric", "import"], ["rubric", "check"]]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odaudit", *args], capture_output=True, text=True, timeout=60,
                          env={"COLUMNS": "120", "PATH": "/usr/bin:/bin", "NO_COLOR": "1"})


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str]) -> None:
    p = run(*command, "--help")
    assert p.returncode == 0, p.stderr
    assert "Usage: odaudit " + " ".join(command) in p.stdout


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != ["rubric"]], ids=" ".join)
def test_every_command_shows_an_example(command: list[str]) -> None:
    assert "odaudit " + " ".join(command) in run(*command, "--help").stdout.split("Usage:", 1)[1]


def test_version() -> None:
    p = run("--version")
    assert p.returncode == 0 and p.stdout.strip() == f"odaudit {__version__}"


def test_unknown_option_is_a_usage_error() -> None:
    p = run("crawl", "--no-such-option")
    assert p.returncode == 2 and "Traceback" not in p.stderr and "no-such-option" in p.stderr


def test_conflicting_options_are_one_line_errors() -> None:
    p = run("crawl", "--all", "--catalog", "ocf-2017")
    assert p.returncode == 2 and p.stderr.strip().count("\n") == 0 and "not both" in p.stderr
    p = run("crawl", "--sample", "5")
    assert p.returncode == 2 and "--sample goes with --all" in p.stderr
