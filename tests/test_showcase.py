"""The showcase report reports/ocf-2017/: the published OCF 2014–2016 assessment, recomputed.

It is scored once per module, through the public CLI, from a directory outside the checkout
(the bundled rubric is found by name, as from an installed wheel), then checked three ways: the
rubric is what its build tool writes, the numbers are the published ones (with the two documented
exceptions), and the committed folder is byte-identical to a fresh run.
"""

from __future__ import annotations

import csv
import filecmp
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "odaudit" / "data"
SHOWCASE = ROOT / "reports" / "ocf-2017"
TABLE = DATA / "surveys" / "ocf-2017-weighted-score.csv"
SURVEY = DATA / "surveys" / "ocf-2016-dataset-survey.csv"
COMMAND = ["score", "--rubric", "ocf-2017-published", "--lang", "zh-TW"]
# OCF 圖表 2.6: points of the ten questions, in the survey's column order.
POINTS = [5, 10, 15, 15, 15, 15, 10, 5, 5, 5]
# Published category scores that are not the mean of the survey's rows (reports/ocf-2017/README.md).
DOCUMENTED = {"0.3": (43.0, 38.75), "3.2": (86.25, 90.0)}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("elsewhere")
    out = work / "ocf-2017"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120"}
    p = subprocess.run([sys.executable, "-m", "odaudit", *COMMAND, "--out", str(out), "-q"], cwd=work, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "晴雨表總分 66.2" in p.stdout  # the summary line, in the report language (zh-TW)
    return out


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_the_shipped_published_rubric_is_what_the_build_tool_writes(tmp_path):
    out = tmp_path / "published.yaml"
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_published_rubric.py"), "--out", str(out)],
                   check=True, capture_output=True)
    assert out.read_bytes() == (DATA / "rubrics" / "ocf-2017-published.yaml").read_bytes()


def test_the_published_assessment_is_reproduced(fresh):
    ours = {r["id"].rsplit("/", 1)[-1]: r for r in _read(fresh / "scores.csv")}
    table = _read(TABLE)
    for row in table:
        item = row["Item"].split()[0]
        expected = DOCUMENTED.get(item, (float(row["100/100"]), None))[0]
        assert float(ours[item]["score"]) == pytest.approx(expected), item
    # The two exceptions are the mean of every survey row, computed here from the sheet itself.
    rows: dict[str, list[int]] = {}
    with SURVEY.open(encoding="utf-8-sig", newline="") as f:
        for r in list(csv.reader(f))[1:]:
            rows.setdefault(r[1].split()[0], []).append(sum(p * int(a) for p, a in zip(POINTS, r[5:15], strict=True)))
    for cat, (mean, published) in DOCUMENTED.items():
        assert sum(rows[cat]) / len(rows[cat]) == mean
        assert float(next(r["100/100"] for r in table if r["Item"].startswith(cat + " "))) == published
    published_total = sum(float(r["Weighted Score"]) for r in table)
    barometer = float(ours["barometer"]["score"])
    assert round(barometer, 1) == round(published_total, 1) == 66.2
    assert abs(barometer - published_total) < 0.02  # rounded weights and the two categories: README.md
    assert (ours["readiness"]["score"], ours["impact"]["score"]) == ("70.83", "48.33")


def test_the_committed_showcase_regenerates_byte_for_byte(fresh):
    def files(folder: Path) -> set[str]:
        return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}

    committed = files(SHOWCASE) - {"README.md"}  # the one hand-written file
    assert files(fresh) == committed, "refresh it: python tools/refresh_showcase.py"
    differ = [n for n in sorted(committed) if not filecmp.cmp(fresh / n, SHOWCASE / n, shallow=False)]
    assert not differ, f"{differ} differ from a fresh run; refresh it: python tools/refresh_showcase.py"
    manifest = json.loads((SHOWCASE / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["rubric"]["path"] == "ocf-2017-published"  # a name, no machine's path
    assert "odaudit " + " ".join(COMMAND) + " --out reports/ocf-2017" in (SHOWCASE / "README.md").read_text(encoding="utf-8")
