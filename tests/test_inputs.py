"""Broken local inputs: catalogs, snapshots, output directories, a full disk.

Each ends with one plain line on stderr, no traceback, and the documented exit code (2 bad
input, 3 could not complete); nothing already done is lost, and a rerun resumes.
"""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from portal import FakePortal

from odaudit.cli import main
from odaudit.errors import IncompleteError, SnapshotError
from odaudit.store import Snapshot
from odaudit.store import writer as snapshot_mod

ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
VOLATILE = {"elapsed_ms", "attempts"}


def run_cli(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odaudit", *args], capture_output=True, text=True, timeout=timeout)


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and lines[0].startswith("odaudit: error: "), stderr
    return lines[0].removeprefix("odaudit: error: ")


def stable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in VOLATILE} for r in records]


def write_catalog(path: Path, ids: list[str]) -> Path:
    lines = ["name: inputs", "title: broken inputs", "method: a few datasets", "categories:", "- id: '1'",
             "  name: one", "  datasets:", *(f"  - {{name: 'dataset {i}', id: '{i}'}}" for i in ids)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- catalogs

GOOD_HEAD = "name: broken\ntitle: a broken catalog\nmethod: by hand\ncategories:\n- id: '1'\n  name: one\n  datasets:\n"
ALIAS_BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)) + GOOD_HEAD

CATALOG_CASES = {
    # YAML syntax: file:line:col of the problem
    "unclosed_flow": (GOOD_HEAD + "  - {name: x, id: '1'\n  - {name: y}\n", ":9:"),
    "tab_indent": ("name: broken\n\ttitle: x\n", ":2:"),
    "duplicate_key": ("name: a\nname: b\n", ":2:1:"),
    "bad_mapping": (GOOD_HEAD + "  - name: x\n   id: '1'\n", ":9:"),
    # schema: file:line:col of the offending value
    "id_not_digits": (GOOD_HEAD + "  - {name: x, id: '1'}\n  - {name: y, id: 'A-12'}\n", ":9:"),
    "unknown_key": (GOOD_HEAD + "  - {name: x, id: '1'}\ncolour: red\n", ":9:"),
    "both_id_and_url": (GOOD_HEAD + "  - {name: x, id: '1', url: 'http://127.0.0.1/x'}\n", ":8:"),
    "file_url": (GOOD_HEAD + "  - {name: x, url: 'file:///etc/passwd'}\n", ":8:"),
    "top_level_list": ("- a\n- b\n", ":1:1:"),
    "empty": ("", ":1:1:"),
    "duplicate_category": (GOOD_HEAD + "  - {name: x, id: '1'}\n- id: '1'\n  name: again\n", ":9:"),
    # not text YAML accepts (at the first such character), or a "billion laughs" of aliases: refused quickly
    "binary": ("name: x\n\x00\x01\x02 PK\x03\x04", ":2:1:"),
    "alias_bomb": (ALIAS_BOMB, ""),
}


@pytest.mark.parametrize("case", CATALOG_CASES)
def test_a_broken_catalog_is_one_line_and_exit_2(tmp_path: Path, case: str) -> None:
    text, where = CATALOG_CASES[case]
    cat = tmp_path / "cat.yaml"
    cat.write_text(text, encoding="utf-8")
    t0 = time.monotonic()
    p = run_cli(["crawl", "--catalog", str(cat), "--portal", "http://127.0.0.1:9", "--out", str(tmp_path / "out"),
                 "--check-workers", "0"])
    assert p.returncode == 2, p.stderr
    line = one_error_line(p.stderr)
    assert line.startswith(f"{cat}{where}"), line
    assert time.monotonic() - t0 < 15
    assert not (tmp_path / "out").exists()  # refused before anything is written


def test_a_catalog_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "cat.yaml").mkdir()
    p = run_cli(["crawl", "--catalog", str(tmp_path / "cat.yaml"), "--out", str(tmp_path / "out")])
    assert p.returncode == 2 and "cat.yaml" in one_error_line(p.stderr)


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    cat = tmp_path / "cat.yaml"
    cat.write_text("name: a\nname: b\n")
    p = run_cli(["--debug", "crawl", "--catalog", str(cat), "--out", str(tmp_path / "out")])
    assert p.returncode != 0 and "Traceback" in p.stderr and "duplicate key" in p.stderr


# --------------------------------------------------------------------------- snapshots


@pytest.fixture(scope="module")
def portal():
    with FakePortal(agency_hosts=1) as portal:
        h = portal.hosts[1]
        for i in range(1, 5):
            url = h.serve(f"/{i}.csv", f"name,value\n{i},{i * 10}\n".encode(), content_type="text/csv")
            portal.add_dataset({"資料集識別碼": str(i), "資料集名稱": f"dataset {i}", "檔案格式": "CSV",
                                "資料下載網址": url, "編碼格式": "UTF-8", "授權方式": "政府資料開放授權條款-第1版",
                                "計費方式": "免費", "提供機關": "測試機關", "更新頻率": "每1月"})
        yield portal


def cli_exit(args: list[str]) -> int:
    """The exit code of the command line, run in this process (so a test can break things in it)."""
    try:
        main(args)
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def crawl_args(portal: FakePortal, cat: Path, out: Path) -> list[str]:
    return ["crawl", "--portal", portal.base_url, "--catalog", str(cat), "--out", str(out), "--check-workers", "0",
            "--quiet", "--retries", "1", "--timeout", "2"]


@pytest.fixture(scope="module")
def reference(portal: FakePortal, tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    tmp = tmp_path_factory.mktemp("ref")
    cat = write_catalog(tmp / "cat.yaml", ["1", "2", "3", "4"])
    assert cli_exit(crawl_args(portal, cat, tmp / "snap")) == 0
    return Snapshot.open(tmp / "snap")


@pytest.fixture
def snap(reference: Snapshot, tmp_path: Path) -> Path:
    out = tmp_path / "snap"
    shutil.copytree(reference.root, out)
    return out


def edit_line(path: Path, lineno: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert old in lines[lineno]
    lines[lineno] = lines[lineno].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def tamper_edit_line(root: Path) -> str:
    edit_line(root / "datasets.jsonl", 1, '"dataset 2"', '"dataset two"')
    return "datasets.jsonl: changed since the crawl"


def tamper_truncate(root: Path) -> str:
    data = (root / "resources.jsonl").read_bytes()
    (root / "resources.jsonl").write_bytes(data[: len(data) // 2])
    return "resources.jsonl: changed since the crawl"


def tamper_delete(root: Path) -> str:
    (root / "findings.csv").unlink()
    return "findings.csv: missing"


def tamper_manifest_cut(root: Path) -> str:
    data = (root / "manifest.json").read_bytes()
    (root / "manifest.json").write_bytes(data[:100])
    return "manifest.json: not valid JSON"


def tamper_version(root: Path) -> str:
    m = json.loads((root / "manifest.json").read_text())
    m["format_version"] = 99
    (root / "manifest.json").write_text(json.dumps(m))
    return "snapshot format version 99 is not readable"


def tamper_files_list(root: Path) -> str:
    m = json.loads((root / "manifest.json").read_text())
    m["files"] = list(m["files"])
    (root / "manifest.json").write_text(json.dumps(m))
    return '"files" is a list'


def tamper_files_dir(root: Path) -> str:
    m = json.loads((root / "manifest.json").read_text())
    m["files"]["bodies"] = "0" * 64
    (root / "manifest.json").write_text(json.dumps(m))
    return "bodies: not a regular file"


def tamper_no_manifest(root: Path) -> str:
    (root / "manifest.json").unlink()
    return "manifest.json: missing; not an odaudit snapshot"


TAMPERING = {f.__name__.removeprefix("tamper_"): f for f in (
    tamper_edit_line, tamper_truncate, tamper_delete, tamper_manifest_cut, tamper_version, tamper_files_list,
    tamper_files_dir, tamper_no_manifest)}


@pytest.mark.parametrize("how", TAMPERING)
def test_a_tampered_snapshot_is_refused_by_open_and_recheck(snap: Path, how: str) -> None:
    expected = TAMPERING[how](snap)
    with pytest.raises(SnapshotError) as e:
        Snapshot.open(snap)
    assert expected in str(e.value)
    before = {p: p.read_bytes() for p in snap.rglob("*") if p.is_file()}
    p = run_cli(["crawl", "--recheck", str(snap), "--check-workers", "0"])
    assert p.returncode == 2, p.stderr
    assert expected in one_error_line(p.stderr)
    assert {p: p.read_bytes() for p in snap.rglob("*") if p.is_file()} == before  # left as it was


def test_a_hand_edit_is_found_even_where_json_is_still_valid(snap: Path) -> None:
    """Flip one digit of a body size: every line still parses, only the hash tells."""
    text = (snap / "resources.jsonl").read_text(encoding="utf-8")
    (snap / "resources.jsonl").write_text(text.replace('"bytes":', '"bytes":1', 1), encoding="utf-8")
    with pytest.raises(SnapshotError, match="resources.jsonl: changed since the crawl"):
        Snapshot.open(snap)


def test_crawling_into_a_snapshot_of_an_unknown_format_is_refused(portal: FakePortal, snap: Path, tmp_path: Path) -> None:
    tamper_version(snap)
    before = {p: p.read_bytes() for p in snap.rglob("*") if p.is_file()}
    cat = write_catalog(tmp_path / "cat.yaml", ["1"])
    p = run_cli(crawl_args(portal, cat, snap))
    assert p.returncode == 2 and "format version 99" in one_error_line(p.stderr)
    assert {p: p.read_bytes() for p in snap.rglob("*") if p.is_file()} == before


# --------------------------------------------------------------------------- output directories


def test_out_under_a_regular_file_exits_3(portal: FakePortal, tmp_path: Path) -> None:
    """Root ignores directory permissions, but not a path through a regular file."""
    (tmp_path / "file").write_text("not a directory")
    cat = write_catalog(tmp_path / "cat.yaml", ["1"])
    p = run_cli(crawl_args(portal, cat, tmp_path / "file" / "snap"))
    assert p.returncode == 3, p.stderr
    assert "file/snap" in one_error_line(p.stderr) and "Not a directory" in p.stderr


def test_out_that_is_a_file_or_a_foreign_directory_exits_2(portal: FakePortal, tmp_path: Path) -> None:
    cat = write_catalog(tmp_path / "cat.yaml", ["1"])
    (tmp_path / "file").write_text("x")
    p = run_cli(crawl_args(portal, cat, tmp_path / "file"))
    assert p.returncode == 2 and "not a directory" in one_error_line(p.stderr)
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "holiday.jpg").write_bytes(b"\xff\xd8")
    p = run_cli(crawl_args(portal, cat, tmp_path / "photos"))
    assert p.returncode == 2 and "not an odaudit snapshot" in one_error_line(p.stderr)
    assert os.listdir(tmp_path / "photos") == ["holiday.jpg"]


# --------------------------------------------------------------------------- disk full


def journal_is_intact(out: Path) -> dict[str, int]:
    """run.json readable, every journal line a JSON record; returns records per journal."""
    journal = out / "journal"
    assert json.loads((journal / "run.json").read_text())["manifest"]["catalog"]["name"] == "inputs"
    counts = {}
    for name in ("datasets", "resources", "findings"):
        path = journal / f"{name}.jsonl"
        lines = path.read_bytes().splitlines(keepends=True) if path.exists() else []
        whole = [json.loads(line) for line in lines if line.endswith(b"\n")]
        assert len(lines) - len(whole) <= 1  # at most a torn last line, which resume cuts off
        counts[name] = len(whole)
    return counts




def assert_same_as_reference(out: Path, reference: Snapshot) -> None:
    b = Snapshot.open(out)
    assert b.manifest["status"] == "complete" and not (out / "journal").exists()
    assert b.datasets() == reference.datasets()
    assert stable(b.resources()) == stable(reference.resources())
    assert [f for f in b.findings() if f.check != "freshness"] == [f for f in reference.findings() if f.check != "freshness"]
    assert not (out / "bodies" / "tmp").exists()


def test_disk_full_while_storing_a_body(portal: FakePortal, reference: Snapshot, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    cat = write_catalog(tmp_path / "cat.yaml", ["1", "2", "3", "4"])
    out = tmp_path / "snap"
    real_write = snapshot_mod.BodySink.write
    writes = []

    def write(self: Any, chunk: bytes) -> None:
        writes.append(len(chunk))
        if len(writes) >= 4:  # the export and two resources fit; then the disk is full
            raise ENOSPC
        real_write(self, chunk)

    monkeypatch.setattr(snapshot_mod.BodySink, "write", write)
    # One download at a time, so "the disk fills after two datasets" is the same in every run.
    assert cli_exit([*crawl_args(portal, cat, out), "--concurrency", "1"]) == 3
    line = one_error_line(capsys.readouterr().err)
    assert "No space left on device" in line and "rerun the same command" in line
    assert not (out / "manifest.json").exists()
    done = journal_is_intact(out)
    assert 0 < done["datasets"] < 4
    assert list((out / "bodies" / "tmp").iterdir()) == []  # the half-written body is gone
    monkeypatch.undo()
    assert cli_exit(crawl_args(portal, cat, out)) == 0
    assert_same_as_reference(out, reference)


class FullDisk(io.TextIOWrapper):
    """A journal file that accepts `room` more characters, writes part of the next line, then fails."""

    room = 0

    def write(self, s: str) -> int:
        if len(s) > FullDisk.room:
            super().write(s[: max(FullDisk.room, 0)])
            super().flush()
            FullDisk.room = -1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        FullDisk.room -= len(s)
        return super().write(s)


def test_disk_full_while_appending_to_the_journal(portal: FakePortal, reference: Snapshot, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    cat = write_catalog(tmp_path / "cat.yaml", ["1", "2", "3", "4"])
    out = tmp_path / "snap"
    real_open = open

    def journal_open(path: Any, mode: str = "r", **kw: Any) -> Any:
        if "a" in mode and str(path).endswith("resources.jsonl"):
            return FullDisk(real_open(path, "ab"), **kw)
        return real_open(path, mode, **kw)

    FullDisk.room = 2500  # about two resource records, then half of the third
    monkeypatch.setattr(snapshot_mod, "open", journal_open, raising=False)
    assert cli_exit(crawl_args(portal, cat, out)) == 3
    line = one_error_line(capsys.readouterr().err)
    assert "resources.jsonl: cannot write (No space left on device)" in line
    raw = (out / "journal" / "resources.jsonl").read_bytes()
    assert raw and not raw.endswith(b"\n")  # a torn line was left behind ...
    journal_is_intact(out)
    monkeypatch.undo()
    assert cli_exit(crawl_args(portal, cat, out)) == 0  # ... and resume repairs it
    assert_same_as_reference(out, reference)


def test_disk_full_while_finalizing(portal: FakePortal, reference: Snapshot, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    cat = write_catalog(tmp_path / "cat.yaml", ["1", "2", "3", "4"])
    out = tmp_path / "snap"

    def no_room(*args: Any, **kw: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out / "resources.jsonl"))

    monkeypatch.setattr(snapshot_mod, "write_findings_by_dataset", no_room)
    assert cli_exit(crawl_args(portal, cat, out)) == 3
    line = one_error_line(capsys.readouterr().err)
    assert "No space left on device" in line and "resume" in line
    assert journal_is_intact(out) == {"datasets": 4, "resources": 4, "findings": 4}
    assert not (out / "manifest.json").exists()
    monkeypatch.undo()
    assert cli_exit(crawl_args(portal, cat, out)) == 0
    assert_same_as_reference(out, reference)


def test_run_crawl_raises_incomplete_error_on_a_full_disk(portal: FakePortal, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from odaudit.crawl import CrawlOptions, run_crawl

    def mkstemp(*a: Any, **kw: Any) -> Any:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)  # where bodies are first written (bodies.BodySink)
    cat = write_catalog(tmp_path / "cat.yaml", ["1", "2"])
    with pytest.raises(IncompleteError, match="No space left on device"):
        run_crawl(CrawlOptions(out=tmp_path / "snap", portal=portal.base_url, catalog_path=cat, check_workers=0))
