"""Shared options: one name for one thing in every command, and `--json` summaries that programs
can read (the same numbers as the files written)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from odaudit.cli.root import app

# typer 0.2x carries its own click (typer._click): read the commands by their attributes


def commands() -> dict[str, Any]:
    root = typer.main.get_command(app)
    out: dict[str, Any] = {}
    for name, cmd in root.commands.items():  # type: ignore[attr-defined]
        if hasattr(cmd, "commands"):
            out.update({f"{name} {sub}": c for sub, c in cmd.commands.items()})
        else:
            out[name] = cmd
    assert {"crawl", "score", "diff", "trend", "notices", "doctor", "rubric init"} <= set(out)
    return out


def spellings(cmd: Any) -> dict[str, set[str]]:
    """Each option's long names → all its spellings."""
    out: dict[str, set[str]] = {}
    for p in cmd.params:
        if getattr(p, "param_type_name", "") == "option":
            for name in p.opts:
                out[name] = set(p.opts) | set(p.secondary_opts)
    return out


def test_shared_options_are_spelled_the_same_everywhere() -> None:
    cmds = commands()
    seen = {name: spellings(c) for name, c in cmds.items()}
    for name, opts in seen.items():
        if "--out" in opts:
            assert opts["--out"] == {"--out", "-o"}, name
        if "--quiet" in opts:
            assert opts["--quiet"] == {"--quiet", "-q"}, name
        if "--lang" in opts:
            assert "--lang" in opts["--lang"], name
        assert "--check-workers" not in opts or opts["--check-workers"] == {"--workers", "--check-workers"}, name
    # the commands that run checks all take --workers
    for name in ("crawl", "diff", "trend"):
        assert "--workers" in seen[name], name
    # and the commands that print a summary all offer --json
    for name in ("crawl", "score", "diff", "trend", "notices", "doctor"):
        assert "--json" in seen[name], name


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odaudit", *args], capture_output=True, text=True, timeout=300, cwd=cwd)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("json")
    p = run("crawl", "--catalog", "demo-datagovtw", "--replay", "demo", "--out", "snap", "--workers", "0", "--json", cwd=tmp)
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    manifest = json.loads((tmp / "snap" / "manifest.json").read_text(encoding="utf-8"))
    assert data["status"] == "complete" and data["datasets"] == manifest["counts"]["datasets"] == 47
    assert data["findings"] == manifest["counts"]["findings"] and data["out"] == "snap"
    return tmp


def test_score_json_is_the_summary_the_report_writes(demo: Path) -> None:
    p = run("score", "snap", "--rubric", "demo-datagovtw", "--out", "report", "--json", "-q", cwd=demo)
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)  # one JSON object and nothing else on stdout
    summary = json.loads((demo / "report" / "summary.json").read_text(encoding="utf-8"))
    assert {k: data[k] for k in summary} == summary
    assert data["files"] == len([f for f in (demo / "report").rglob("*") if f.is_file()])


def test_diff_and_trend_json(demo: Path) -> None:
    p = run("diff", "snap", "snap", "--out", "diff", "--json", "-q", "--workers", "0", cwd=demo)
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["differences"] is False and data["changes"] == 0 and data["old"] == data["new"] == "snap"
    p = run("trend", "snap", "--out", "trend", "--json", "-q", "--workers", "0", cwd=demo)
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["snapshots"] == 1 and data["out"] == "trend"


def test_crawl_recheck_json_and_the_former_workers_name(demo: Path) -> None:
    p = run("crawl", "--recheck", "snap", "--check-workers", "0", "--json", cwd=demo)
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["rechecked"] == "snap" and data["changed"] is False and data["findings"] > 0
