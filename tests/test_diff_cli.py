"""`odaudit diff` through the command line: exit codes 0/1/2, partial snapshots, unreadable and
unknown-format snapshots, rubric choice and rubric differences."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import snapfactory as sf

from odaudit.cli import main
from odaudit.diff import diff_snapshots
from odaudit.report.safe import md
from odaudit.scoring.template import manual_block, render

PASS = {"link": "pass"}


def cli(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odaudit", *args], capture_output=True, text=True, timeout=120, check=False)


def datasets(*, broken: bool = False, extra: bool = False) -> list[dict[str, Any]]:
    out = [
        sf.dataset("水庫每日營運狀況", id=41568, category="3.3", agency="經濟部水利署", resources=[sf.resource("CSV")]),
        sf.dataset("空氣品質", id=40448, category="3.3", agency="環境部", resources=[sf.resource("CSV", status=404 if broken else 200)]),
    ]
    if extra:
        out.append(sf.dataset("新資料集", id=99999, category="3.3", agency="環境部", resources=[sf.resource("JSON")]))
    return out


@pytest.fixture()
def snaps(tmp_path: Path) -> dict[str, Path]:
    return {
        "a": sf.build_snapshot(tmp_path / "a", datasets()),
        "a2": sf.build_snapshot(tmp_path / "a2", datasets(), started_at="2026-01-16T02:00:00Z"),
        "b": sf.build_snapshot(tmp_path / "b", datasets(broken=True, extra=True)),
        "partial": sf.build_snapshot(tmp_path / "partial", datasets(broken=True), status="partial"),
    }


def rubric_file(path: Path, *, method: str = "flat", manual: dict[str, dict[str, tuple[bool | None, str, list[str]]]] | None = None,
                points: dict[str, int] | None = None) -> Path:
    text = render(name=path.stem, title="test rubric", catalog="test", method=method,
                  datasets=[line for key, answers in (manual or {}).items() for line in manual_block(key, key, answers)])
    if points:
        for q, p in points.items():
            text = text.replace(f"  {q + ':':<17} ", f"  {q + ':':<17} {p}  # was ", 1)
    path.write_text(text, encoding="utf-8")
    return path


def test_exit_0_1_2_subprocess(snaps: dict[str, Path], tmp_path: Path) -> None:
    same = run(["diff", str(snaps["a"]), str(snaps["a2"]), "--out", str(tmp_path / "same"), "-q"])
    assert same.returncode == 0, same.stderr
    assert "no differences" in same.stdout
    differ = run(["diff", str(snaps["a"]), str(snaps["b"]), "--out", str(tmp_path / "differ"), "-q"])
    assert differ.returncode == 1, differ.stderr
    assert "changes" in differ.stdout and (tmp_path / "differ" / "diff.md").exists()
    missing = run(["diff", str(snaps["a"]), str(tmp_path / "nope"), "--out", str(tmp_path / "x"), "-q"])
    assert missing.returncode == 2 and "no such snapshot directory" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1 and "Traceback" not in missing.stderr


def test_unknown_format_version_is_2_with_one_line(snaps: dict[str, Path], tmp_path: Path) -> None:
    m = json.loads((snaps["b"] / "manifest.json").read_text(encoding="utf-8"))
    m["format_version"] = 99
    (snaps["b"] / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    p = run(["diff", str(snaps["a"]), str(snaps["b"]), "--out", str(tmp_path / "out"), "-q"])
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "format version 99" in lines[0] and "not readable" in lines[0]
    assert not (tmp_path / "out").exists()


def test_not_a_snapshot_and_tampered_snapshot(snaps: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert cli(["diff", str(tmp_path / "empty"), str(snaps["a"]), "--out", str(tmp_path / "o1"), "-q"]) == 2
    with open(snaps["b"] / "datasets.jsonl", "a", encoding="utf-8") as fh:
        fh.write("{}\n")
    assert cli(["diff", str(snaps["a"]), str(snaps["b"]), "--out", str(tmp_path / "o2"), "-q"]) == 2


def test_partial_refused_unless_allowed(snaps: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["diff", str(snaps["a"]), str(snaps["partial"]), "--out", str(tmp_path / "o"), "-q"]) == 2
    assert "--allow-partial" in capsys.readouterr().err
    assert cli(["diff", str(snaps["a"]), str(snaps["partial"]), "--out", str(tmp_path / "o"), "-q", "--allow-partial"]) == 1
    text = (tmp_path / "o" / "diff.md").read_text(encoding="utf-8")
    assert "the new snapshot is partial" in text


def test_bad_rubric_and_bad_lang_are_2(snaps: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: x\ncatalog: test\nmethod: best\n", encoding="utf-8")
    p = run(["diff", str(snaps["a"]), str(snaps["b"]), "--rubric", str(bad), "--out", str(tmp_path / "o"), "-q"])
    assert p.returncode == 2 and "bad.yaml:4" in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert cli(["diff", str(snaps["a"]), str(snaps["b"]), "--lang", "fr", "--out", str(tmp_path / "o"), "-q"]) == 2
    assert cli(["diff", str(snaps["a"]), str(snaps["b"]), "--rubric", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "o"), "-q"]) == 2


def test_default_rubric_is_flat_and_said(snaps: dict[str, Path]) -> None:
    r = diff_snapshots(snaps["a"], snaps["b"])
    assert r.method == "flat" and r.rubric.rubric.name == "default-flat" and "no rubric given" in r.rubric.source
    assert r.rubric.differences == []


def test_new_rubric_applied_to_both_and_differences_warned(snaps: dict[str, Path], tmp_path: Path) -> None:
    old = rubric_file(tmp_path / "old.yaml", method="flat")
    new = rubric_file(tmp_path / "new.yaml", method="odb", points={"online": 15, "linked": 0},
                      manual={"41568": {"linked": (True, "the data uses URIs for stations", [])}})
    r = diff_snapshots(snaps["a"], snaps["a2"], old_rubric=old, new_rubric=new)
    assert r.method == "odb" and r.rubric.source == f"--new-rubric {new}"
    diffs = "\n".join(r.rubric.differences)
    assert "method: old flat, new odb" in diffs
    assert "points.online: old 10, new 15" in diffs and "points.linked: old 5, new 0" in diffs
    assert "manual answers: 1 differ: 41568 linked: old unanswered, new yes" in diffs
    assert any("rubrics differ" in w for w in r.warnings)
    # one rubric on both sides: no data changed, so no difference, whatever the rubrics say
    assert not r.has_differences
    out = tmp_path / "out"
    assert cli(["diff", str(snaps["a"]), str(snaps["a2"]), "--old-rubric", str(old), "--new-rubric", str(new), "--out", str(out), "-q"]) == 0
    text = (out / "diff.md").read_text(encoding="utf-8")
    assert "method: old flat, new odb" in text and md(f"--new-rubric {new}") in text


def test_rubric_option_overrides_and_manual_answer_only_one_side(snaps: dict[str, Path], tmp_path: Path) -> None:
    given = rubric_file(tmp_path / "given.yaml", method="flat",
                        manual={"99999": {"free": (False, "the new dataset charges a fee (checked by hand)", [])}})
    new = rubric_file(tmp_path / "new.yaml", method="odb")
    r = diff_snapshots(snaps["a"], snaps["b"], rubric=given, new_rubric=new)
    assert r.method == "flat" and r.rubric.source == f"--rubric {given}"
    assert any("99999" in w and "old snapshot" in w for w in r.warnings)  # the old side cannot place it
    d = r.score_deltas
    assert d[(d["level"] == "dataset") & (d["id"] == "tw:99999")]["explained_by"].tolist() == ["added"]
