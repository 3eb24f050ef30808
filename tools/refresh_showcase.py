#!/usr/bin/env python3
"""Regenerate the committed showcase report reports/ocf-2017/, or check that it is up to date.

    python tools/refresh_showcase.py           # rewrite reports/ocf-2017/ (its README.md is kept)
    python tools/refresh_showcase.py --check   # exit 1 and list the files that differ

The report is exactly what `odaudit score` writes for COMMAND (run from the repository root, so
the manifest records the bundled rubric by name and no machine's path). `odaudit score` replaces
its --out folder whole, which would drop the folder's README.md: this tool scores into a
temporary folder beside it and swaps the result in with the README copied over.
tests/test_showcase.py checks the committed folder against a fresh run byte for byte.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHOWCASE = ROOT / "reports" / "ocf-2017"
README = "README.md"
# Keep in step with reports/ocf-2017/README.md (a test checks that it quotes this command).
COMMAND = ["score", "--rubric", "ocf-2017-published", "--lang", "zh-TW"]


def generate(out: Path) -> None:
    """Run `odaudit score` for the showcase into `out` (which must not exist yet)."""
    proc = subprocess.run([sys.executable, "-m", "odaudit", *COMMAND, "--out", str(out), "--quiet"],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"odaudit {' '.join(COMMAND)} failed (exit {proc.returncode}): {proc.stderr.strip()}")


def files(folder: Path) -> set[str]:
    """Every file under `folder` as a relative POSIX path, the hand-written README excepted."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {README}


def differences(fresh: Path, committed: Path) -> list[str]:
    """Files that are missing, extra or not byte-identical between the two report folders."""
    a, b = files(fresh), files(committed) if committed.is_dir() else set()
    out = [f"missing from {committed.name}: {n}" for n in sorted(a - b)]
    out += [f"not written by odaudit score: {n}" for n in sorted(b - a)]
    out += [f"differs: {n}" for n in sorted(a & b) if not filecmp.cmp(fresh / n, committed / n, shallow=False)]
    return out


def refresh() -> None:
    SHOWCASE.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=SHOWCASE.parent, prefix=".ocf-2017.") as tmp:
        new, old = Path(tmp) / "new", Path(tmp) / "old"
        generate(new)
        if (SHOWCASE / README).is_file():
            shutil.copy2(SHOWCASE / README, new / README)
        if SHOWCASE.exists():
            SHOWCASE.rename(old)  # the temporary folder's cleanup removes the old report
        new.rename(SHOWCASE)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with a fresh run instead of rewriting")
    args = ap.parse_args()
    if not args.check:
        refresh()
        print(f"wrote {SHOWCASE.relative_to(ROOT)}: odaudit {' '.join(COMMAND)} --out {SHOWCASE.relative_to(ROOT)}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp) / "ocf-2017")
        diff = differences(Path(tmp) / "ocf-2017", SHOWCASE)
    for line in diff:
        print(line)
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
