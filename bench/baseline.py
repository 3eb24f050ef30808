"""Side-by-side runs: `odaudit` of this checkout against `odaudit` of another commit, in one run.

    from baseline import Runner
    runners = [Runner.current(), Runner.at("0fa0219")]   # today's code from `git archive` of that commit
    runner.cmd("score", snap, ...)                        # argv for a subprocess

`Runner.at` unpacks `git archive REF` into a temporary folder and runs `python -m odaudit` there
with that folder first on PYTHONPATH, so the other commit's package is imported instead of the
editable install (its dependencies are this environment's). Each runner of this checkout gets its
own columnar store folder (ODAUDIT_CACHE_DIR), so the first run of a case is "cold" (the store is
built) and a second "warm".
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Runner:
    name: str
    root: Path
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def current(cls, cache: Path | None = None) -> Runner:
        cache = cache or Path(tempfile.mkdtemp(prefix="odaudit-bench-cache-"))
        return cls("this checkout", REPO, {"ODAUDIT_CACHE_DIR": str(cache)})

    @classmethod
    def at(cls, ref: str) -> Runner:
        sha = subprocess.run(["git", "rev-parse", "--short", ref], cwd=REPO, check=True, capture_output=True, text=True).stdout.strip()
        dest = Path(tempfile.mkdtemp(prefix=f"odaudit-{sha}-"))
        tar = subprocess.run(["git", "archive", "--format=tar", ref, "odaudit"], cwd=REPO, check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
            tf.extractall(dest, filter="data")
        return cls(f"commit {sha}", dest, {"PYTHONPATH": str(dest), "ODAUDIT_CACHE_DIR": "off"})

    def cmd(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "odaudit", *args]

    def environ(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def clear_cache(self) -> None:
        cache = self.env.get("ODAUDIT_CACHE_DIR", "off")
        if cache != "off":
            import shutil

            shutil.rmtree(cache, ignore_errors=True)
