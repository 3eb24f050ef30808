"""The README stays true: its quick start runs as written, and every `odaudit …` example in it
names a real command, real options and files that exist (bundled names included)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from odaudit import bundled
from odaudit.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: options whose value names a bundled thing or a file
NAMED = {"--catalog": bundled.CATALOGS, "--rubric": bundled.RUBRICS, "--replay": bundled.RECORDINGS,
         "--new-rubric": bundled.RUBRICS, "--old-rubric": bundled.RUBRICS}


def shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, flags=re.S)


def examples() -> list[list[str]]:
    """Every `odaudit …` command in the README's sh blocks (each part of an `&&` chain too)."""
    out = []
    for block in shell_blocks():
        for line in block.splitlines():
            for part in line.split("&&"):
                words = shlex.split(part, comments=True)
                if words and words[0] == "odaudit":
                    out.append(words[1:])
    return out


def subcommand(words: list[str]) -> tuple[list[str], list[str]]:
    group = ["rubric"] if words[0] == "rubric" else []
    n = len(group) + 1
    return words[:n], words[n:]


def test_the_readme_has_examples_of_every_command() -> None:
    seen = {" ".join(subcommand(w)[0]) for w in examples()}
    assert {"crawl", "score", "diff", "trend", "doctor", "notices", "rubric init", "rubric import", "rubric export",
            "rubric merge", "rubric check"} <= seen


@pytest.mark.parametrize("words", examples(), ids=lambda w: " ".join(w)[:60])
def test_each_example_uses_real_options_and_files(words: list[str]) -> None:
    cmd, rest = subcommand(words)
    help_text = CliRunner().invoke(app, [*cmd, "--help"], terminal_width=200).stdout
    assert "Usage:" in help_text, (cmd, help_text)
    for i, w in enumerate(rest):
        if w.startswith("--"):
            assert re.search(rf"{re.escape(w)}\b", help_text), f"{w} is not an option of odaudit {' '.join(cmd)}"
        if w in NAMED and i + 1 < len(rest):
            value = rest[i + 1]
            if bundled.looks_like_path(value):
                continue  # a user's own file or folder (made by an earlier example)
            if w == "--replay":
                bundled.recording_path(value)  # raises InputError if there is no such bundled recording
            else:
                bundled.resolve(value, NAMED[w], w)
        if w.startswith("odaudit/"):
            assert (ROOT / w).exists(), f"{w} is named in the README but is not in the repository"


def test_the_quick_start_runs_as_written(tmp_path: Path) -> None:
    """The quick start's odaudit commands (after the install), run in an empty folder."""
    block = next(b for b in shell_blocks() if "--replay demo" in b and "pip install -e ." in b)
    commands = [part.strip() for part in block.strip().split("&&") if part.strip().startswith("odaudit ")]
    assert len(commands) == 2
    for command in commands:
        words = shlex.split(command)
        p = subprocess.run([sys.executable, "-m", "odaudit", *words[1:]], capture_output=True, text=True, cwd=tmp_path, timeout=300)
        assert p.returncode == 0, (command, p.stderr)
    assert (tmp_path / "reports" / "demo" / "report.md").exists()


def test_the_trend_example_runs_as_written(tmp_path: Path) -> None:
    """After the quick start's crawl: the trend block's second crawl and its trend of the demo."""
    quick = next(b for b in shell_blocks() if "--replay demo" in b and "pip install -e ." in b)
    block = next(b for b in shell_blocks() if b.lstrip().startswith("odaudit crawl") and "odaudit trend" in b)
    crawl = next(p.strip() for p in quick.split("&&") if p.strip().startswith("odaudit crawl"))
    commands = [crawl, *(line.split("#", 1)[0].strip() for line in block.strip().splitlines()[:2])]
    for command in commands:
        words = shlex.split(command)
        p = subprocess.run([sys.executable, "-m", "odaudit", *words[1:], "-q"], capture_output=True, text=True, cwd=tmp_path, timeout=300)
        assert p.returncode == 0, (command, p.stderr)
    out = tmp_path / "reports" / "trend-demo"
    assert {p.name for p in out.iterdir()} == {"trend.md", "resource_history.csv", "series.csv", "chart-quantity-quality.svg", "site", "manifest.json"}
    assert (out / "site" / "index.html").is_file() and (out / "site" / "zh-TW" / "broken.html").is_file()


def test_the_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    block = next(b for b in shell_blocks() if "pytest" in b)
    assert 'pip install -e ".[test]"' in block and 'pip install -q -e ".[test]"' in ci
    assert "python -m pytest" in block and "python -m pytest" in ci
