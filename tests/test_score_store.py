"""What `score` keeps of a snapshot in the columnar store (the measurements no rubric changes,
scoring/measured.py; findings.csv and findings.jsonld compressed, report/findings_files.py) gives
the very report a fresh score gives, byte for byte; is read rather than computed on the next run;
is another entry for another option or catalog; and a damaged entry is a miss that is put right."""

from __future__ import annotations

import multiprocessing
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pytest
import snapfactory as sf
from typer.testing import CliRunner

from odaudit import columnar
from odaudit.cli import app
from odaudit.report.findings_files import write_findings_files
from odaudit.scoring import load_inputs, score_snapshot

FILES_STORED = ("findings.csv.zst", "findings.jsonld.zst")


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    blocked = {"kind": "blocked", "message": "firewall page"}
    return sf.build_snapshot(tmp_path / "snap", [
        sf.dataset("水庫每日營運狀況", id=41568, agency="經濟部水利署", checks=sf.DATASET_PASS,
                   resources=[sf.resource("CSV", checks=sf.PASS_ALL), sf.resource("PDF", status=404, checks={"link": ("fail", "404", "HTTP 404")})]),
        sf.dataset("空氣品質", id=40448, agency="環境部", checks={"licence": "fail", "freshness": ("fail", "412 days", "stale")},
                   resources=[sf.resource("CSV", status=None, error=blocked, checks={"link": ("skip", "", "blocked: firewall page")})]),
        sf.dataset("起訴書", category="0.3"),
    ])


def score(snap: Path, out: Path, *extra: str) -> dict[str, bytes]:
    res = CliRunner().invoke(app, ["score", str(snap), "--rubric", "demo-datagovtw", "--out", str(out), "-q", "--no-site", *extra])
    assert res.exit_code == 0, res.output
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def entries(store: Path, kind: str) -> list[Path]:
    marker = "files.json" if kind == "findings-files" else "frames.json"
    return sorted(p.parent for p in (store / kind).rglob(marker)) if (store / kind).exists() else []


@pytest.fixture
def fresh(snap: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The report with the store off, for each option list."""
    def run(*extra: str) -> dict[str, bytes]:
        with monkeypatch.context() as mp:
            mp.setenv(columnar.ENV, "off")
            return score(snap, tmp_path / ("fresh" + "".join(extra)), *extra)
    return run


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(columnar.ENV, str(tmp_path / "store"))
    return tmp_path / "store"


def test_the_second_score_reads_the_store_and_writes_the_same_report(snap: Path, tmp_path: Path, store: Path, fresh,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    want = fresh()
    assert score(snap, tmp_path / "first") == want
    (measured,), (files,) = entries(store, "measured"), entries(store, "findings-files")
    assert sorted(p.name for p in files.iterdir()) == ["files.json", *FILES_STORED]
    stamps = {p: p.stat().st_mtime_ns for p in [*measured.iterdir(), *files.iterdir()]}

    def computed(*args, **kwargs):
        raise AssertionError("computed again, not read from the store")
    # the second run may neither measure nor write a finding's row: both must come from the store
    monkeypatch.setattr("odaudit.scoring.automate.measure", computed)
    monkeypatch.setattr("odaudit.report.findings_files.write_findings_jsonld", computed)
    monkeypatch.setattr("odaudit.report.findings_files.write_findings_csv", computed)
    assert score(snap, tmp_path / "second") == want
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps


def test_blocked_as_broken_and_other_names_are_other_entries(snap: Path, tmp_path: Path, store: Path, fresh) -> None:
    score(snap, tmp_path / "plain")
    assert score(snap, tmp_path / "strict", "--blocked-as-broken") == fresh("--blocked-as-broken")
    assert len(entries(store, "measured")) == 2 and len(entries(store, "findings-files")) == 2
    # the names and pages written are part of the findings files' key (an API caller may score with another catalog)
    snapshot, rubric, catalog = load_inputs(str(snap), "demo-datagovtw")
    view = score_snapshot(snapshot, rubric, catalog).findings_view
    assert view is not None and view.key is not None
    renamed = view.datasets.assign(name=view.datasets["name"].replace("水庫每日營運狀況", "水庫營運（更名）"))
    for out, v in ((tmp_path / "api", view), (tmp_path / "api-renamed", replace(view, datasets=renamed))):
        out.mkdir()
        write_findings_files(v, out)
    assert "水庫營運（更名）" not in (tmp_path / "api" / "findings.csv").read_text(encoding="utf-8-sig")
    assert "水庫營運（更名）" in (tmp_path / "api-renamed" / "findings.csv").read_text(encoding="utf-8-sig")
    assert "水庫營運（更名）" in (tmp_path / "api-renamed" / "findings.jsonld").read_text(encoding="utf-8")
    assert len(entries(store, "measured")) == 2 and len(entries(store, "findings-files")) == 3


def test_a_damaged_entry_is_a_miss_and_is_put_right(snap: Path, tmp_path: Path, store: Path, fresh) -> None:
    want = fresh()
    score(snap, tmp_path / "first")
    (measured,), (files,) = entries(store, "measured"), entries(store, "findings-files")
    (measured / "evidence.parquet").write_bytes(b"not parquet")
    # a well-formed zstd stream of other bytes: only the recorded sha256 tells it apart
    with pa.OSFile(str(files / "findings.jsonld.zst"), "wb") as raw, pa.CompressedOutputStream(raw, "zstd") as out:
        out.write(b'{"@graph": []}\n')
    assert score(snap, tmp_path / "second") == want
    (measured,), (files,) = entries(store, "measured"), entries(store, "findings-files")
    assert (measured / "evidence.parquet").read_bytes()[:4] == b"PAR1"  # put back
    (files / "findings.csv.zst").write_bytes(b"garbage")
    assert score(snap, tmp_path / "third") == want
    assert score(snap, tmp_path / "fourth") == want


def test_a_score_that_fails_after_the_findings_files_began_leaves_no_child_and_the_old_report(
        snap: Path, tmp_path: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "report"
    before = score(snap, out)
    begun = []

    def failing(*args, **kwargs):
        begun.append(multiprocessing.active_children())
        raise OSError(28, "No space left on device", str(out / "answers.parquet"))
    monkeypatch.setenv(columnar.ENV, "off")  # the findings files are written, not restored: the child has work to stop
    monkeypatch.setattr("odaudit.scoring.engine.measure_snapshot", failing)
    res = CliRunner().invoke(app, ["score", str(snap), "--rubric", "demo-datagovtw", "--out", str(out), "-q", "--no-site"])
    assert res.exit_code != 0
    assert begun and begun[0], "the findings files had not begun in a child"
    assert multiprocessing.active_children() == []
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [".report.lock"]  # no staging folder left
    assert "No space left on device" in str(res.exception) and "previous report" in str(res.exception)
