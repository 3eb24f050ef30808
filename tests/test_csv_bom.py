"""Every CSV odaudit writes for people starts with a UTF-8 byte-order mark, so that Excel on a
Traditional Chinese Windows reads it as UTF-8 (not Big5) and shows the Chinese; odaudit's own
readers take those files back. Snapshot-internal CSVs stay without one (a sealed machine format).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import snapfactory as sf

from odaudit.cli import main

BOM = b"\xef\xbb\xbf"


def ok(capsys, *args: object, codes: tuple[int, ...] = (0,)) -> str:
    code = 0
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code in codes, err
    return err


def snapshots(tmp_path: Path) -> tuple[Path, Path]:
    def datasets(broken: bool) -> list:
        return [sf.dataset("水庫每日營運狀況", id=41568, category="3.3", agency="經濟部水利署", contact_email="a@wra.example.gov.tw",
                           checks=sf.DATASET_PASS, resources=[sf.resource("CSV", checks=sf.PASS_ALL)]),
                sf.dataset("空氣品質", id=40448, category="3.3", agency="環境部", checks=sf.DATASET_PASS,
                           resources=[sf.resource("CSV", status=404 if broken else 200,
                                                  checks={"link": ("fail", "404", "HTTP 404")} if broken else sf.PASS_ALL)])]
    return (sf.build_snapshot(tmp_path / "a", datasets(False)),
            sf.build_snapshot(tmp_path / "b", datasets(True), started_at="2026-02-15T02:00:00Z"))


def csvs(folder: Path) -> list[Path]:
    found = sorted(folder.rglob("*.csv"))
    assert found, f"no CSV in {folder}"
    return found


def test_every_reader_facing_csv_starts_with_a_bom_and_reads_back(tmp_path, capsys):
    a, b = snapshots(tmp_path)
    rubric = tmp_path / "rubric.yaml"
    ok(capsys, "rubric", "init", a, "--out", rubric)
    ok(capsys, "score", b, "--rubric", rubric, "--out", tmp_path / "score", "-q")
    ok(capsys, "diff", a, b, "--out", tmp_path / "diff", "-q", codes=(1,))  # 1: they differ
    ok(capsys, "trend", a, b, "--out", tmp_path / "trend", "-q")
    ok(capsys, "notices", tmp_path / "score", "--from", "OCF <odaudit@example.org>", "--out", tmp_path / "notices")
    ok(capsys, "rubric", "export", rubric, "--snapshot", b, "--out", tmp_path / "sheet" / "review.csv")
    written = [p for d in ("score", "diff", "trend", "notices", "sheet") for p in csvs(tmp_path / d)]
    assert {p.name for p in written} >= {"datasets.csv", "findings.csv", "scores.csv", "answers.csv", "changes.csv",
                                        "score_deltas.csv", "series.csv", "resource_history.csv", "index.csv", "review.csv"}
    for p in written:
        head = p.read_bytes()[:40]
        assert head.startswith(BOM), f"{p.relative_to(tmp_path)}: {head!r}"
        assert not head[3:].startswith(BOM)  # one BOM, not two
        # pandas (encoding utf-8) and Python's csv (utf-8-sig) both see a clean first header
        assert not pd.read_csv(p, dtype=str, keep_default_na=False).columns[0].startswith("\ufeff")
        with p.open(encoding="utf-8-sig", newline="") as fh:
            assert not next(csv.reader(fh))[0].startswith("\ufeff")
    # odaudit reads them back: notices read the score report's CSVs (above); the sheet imports
    ok(capsys, "rubric", "import", tmp_path / "sheet" / "review.csv", "--out", tmp_path / "back.yaml")
    # the snapshot's own findings.csv is a sealed machine format and keeps no BOM
    assert not (b / "findings.csv").read_bytes().startswith(BOM)


def test_rubric_merge_csvs_start_with_a_bom(tmp_path, capsys):
    a, _ = snapshots(tmp_path)
    r1, r2 = tmp_path / "r1.yaml", tmp_path / "r2.yaml"
    ok(capsys, "rubric", "init", a, "--out", r1)
    ok(capsys, "rubric", "init", a, "--out", r2)
    ok(capsys, "rubric", "merge", r1, r2, "--out", tmp_path / "m" / "merged.yaml")
    for p in csvs(tmp_path / "m"):
        assert p.read_bytes().startswith(BOM), p.name
