"""Interrupted crawls: Ctrl-C, kill -9 (while checks run, while finalizing), and resume.

Every crawl here is the real command line (`python -m odaudit crawl`) in its own process
group, against the fake portal serving the real fixture datasets. After any interruption the
same command finishes the job, and the snapshot has exactly the records of an uninterrupted
crawl: datasets identical, resources identical but for `elapsed_ms` / `attempts`, findings
identical but for freshness (ages count from each crawl's own start time), which must equal
a fresh run of the checks on the resumed records.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from portal import FakePortal, real_portal_fixture

from odaudit.crawl import check_snapshot
from odaudit.store import Snapshot

VOLATILE = {"elapsed_ms", "attempts"}
SEED = 20261126


def write_catalog(path: Path, ids: list[str]) -> Path:
    lines = ["name: interrupt", "title: interrupted crawls", "method: fixture datasets", "categories:", "- id: '1'",
             "  name: one", "  datasets:", *(f"  - {{name: 'dataset {i}', id: '{i}'}}" for i in ids)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Site:
    """A fake portal, a catalog of its datasets, and an uninterrupted reference crawl."""

    def __init__(self, portal: FakePortal, tmp: Path, ids: list[str], workers: int) -> None:
        self.portal, self.tmp, self.ids = portal, tmp, ids
        self.catalog = write_catalog(tmp / "cat.yaml", ids)
        self.workers = workers
        ref = run([*self.args(tmp / "ref")])
        assert ref.returncode == 0, ref.stderr
        self.reference = Snapshot.open(tmp / "ref")

    def args(self, out: Path, *extra: str) -> list[str]:
        return ["crawl", "--portal", self.portal.base_url, "--catalog", str(self.catalog), "--out", str(out),
                "--check-workers", str(self.workers), "--quiet", "--concurrency", "2", "--per-host", "1",
                "--retries", "1", "--timeout", "5", *extra]

    def requests(self) -> int:
        return sum(h.total_requests for h in self.portal.hosts)

    def assert_same_as_reference(self, out: Path) -> None:
        a, b = self.reference, Snapshot.open(out)
        assert b.manifest["status"] == "complete" and b.manifest["counts"]["datasets"] == len(self.ids)
        assert b.datasets() == a.datasets()
        assert stable(b.resources()) == stable(a.resources())
        assert [f for f in b.findings() if f.check != "freshness"] == [f for f in a.findings() if f.check != "freshness"]
        assert b.findings() == check_snapshot(b)
        assert not (out / "journal").exists() and not (out / "bodies" / "tmp").exists()
        referenced = {r["body"] for r in b.resources() if r["body"]}
        stored = {str(p.relative_to(out)) for p in (out / "bodies").rglob("*") if p.is_file()}
        assert referenced <= stored  # no body lost (the export's own body may also be kept)


def stable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in VOLATILE} for r in records]


def run(args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odaudit", *args], capture_output=True, text=True, timeout=timeout)


def start(args: list[str], *, script: str | None = None) -> subprocess.Popen[str]:
    """The crawl in a new session: its own process group, like a job in a terminal."""
    cmd = [sys.executable, "-c", script, *args] if script else [sys.executable, "-m", "odaudit", *args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def wait_for(proc: subprocess.Popen[str], condition: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"the crawl ended before the interruption: {proc.communicate()}"
        assert time.monotonic() < deadline, "the crawl made no progress"
        time.sleep(0.01)


def reap(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.communicate(timeout=10)
    except (subprocess.TimeoutExpired, ValueError):
        pass


@pytest.fixture(scope="module")
def spec():
    return real_portal_fixture()


@pytest.fixture(scope="module")
def busy(spec, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """18 fixture datasets with 50 ms per request: a crawl of a few seconds, checks in 2 processes."""
    with FakePortal.from_spec(spec, latency=0.05) as portal:
        yield Site(portal, tmp_path_factory.mktemp("busy"), spec.ids()[:18], workers=2)


@pytest.fixture(scope="module")
def quick(spec, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with FakePortal.from_spec(spec) as portal:
        yield Site(portal, tmp_path_factory.mktemp("quick"), spec.ids()[:6], workers=0)


# --------------------------------------------------------------------------- Ctrl-C


@pytest.mark.parametrize("target", ["group", "process"])
def test_ctrl_c_keeps_a_partial_snapshot_and_the_same_command_resumes(busy: Site, tmp_path: Path, target: str) -> None:
    """SIGINT to the whole process group, as a terminal sends Ctrl-C (the check workers get it
    too), or to the crawl process alone (`kill -INT`)."""
    out = tmp_path / "snap"
    proc = start(busy.args(out))
    try:
        wait_for(proc, lambda: lines(out / "journal" / "datasets.jsonl") >= 5)
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert len(workers) == 2
        t0 = time.monotonic()
        if target == "group":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            os.kill(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
        stopped = time.monotonic() - t0
    finally:
        reap(proc)
    assert proc.returncode == 130, stderr
    assert stdout == "" and "Traceback" not in stderr
    (line,) = stderr.strip().splitlines()
    assert line.startswith("odaudit: error: interrupted; ") and "rerun the same command to resume" in line
    assert stopped < 10
    _, still = psutil.wait_procs(workers, timeout=5)
    assert still == []  # the check workers went with it
    partial = Snapshot.open(out)
    kept = partial.manifest["counts"]["datasets"]
    assert partial.manifest["status"] == "partial" and 5 <= kept < len(busy.ids)
    assert f"{kept} datasets kept" in line
    assert (out / "journal" / "run.json").exists()

    resumed = run(busy.args(out))
    assert resumed.returncode == 0, resumed.stderr
    busy.assert_same_as_reference(out)


def test_ctrl_c_while_the_export_is_read(quick: Site, tmp_path: Path) -> None:
    """Before any dataset: the one-line message, exit 130, and the rerun starts cleanly."""
    out = tmp_path / "snap"
    quick.portal.configure_export(delay=10)
    try:
        proc = start(quick.args(out))
        try:
            wait_for(proc, lambda: quick.portal.portal.in_flight > 0)
            time.sleep(0.2)
            os.killpg(proc.pid, signal.SIGINT)
            _, stderr = proc.communicate(timeout=20)
        finally:
            reap(proc)
    finally:
        quick.portal.configure_export(delay=0)
    assert proc.returncode == 130 and "Traceback" not in stderr
    (line,) = stderr.strip().splitlines()
    assert line == f"odaudit: error: interrupted; finished work is kept in {out} (rerun the same command to resume)"
    resumed = run(quick.args(out))
    assert resumed.returncode == 0, resumed.stderr
    quick.assert_same_as_reference(out)


# --------------------------------------------------------------------------- kill -9


def test_kill_9_while_checks_run_in_workers_loses_nothing(busy: Site, tmp_path: Path) -> None:
    """SIGKILL of the crawl process alone (the OOM killer's way), at seeded random points while
    two check processes work; the orphaned workers exit by themselves, the rerun resumes."""
    rng = random.Random(SEED)
    total = len(busy.ids)
    for attempt in range(3):
        out = tmp_path / f"killed{attempt}"
        findings = out / "journal" / "findings.jsonl"
        datasets = out / "journal" / "datasets.jsonl"
        at = rng.randint(1, total - 6)
        proc = start(busy.args(out))
        try:
            wait_for(proc, lambda findings=findings, at=at: lines(findings) >= at)
            workers = psutil.Process(proc.pid).children(recursive=True)
            checked, crawled = lines(findings), lines(datasets)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
            _, orphans = psutil.wait_procs(workers, timeout=5)
            assert orphans == [], "check workers outlived the killed crawl"
        finally:
            reap(proc)
        assert checked < total and crawled < total + 1  # killed mid-crawl, with checks under way
        assert not (out / "manifest.json").exists()
        resumed = run(busy.args(out))
        assert resumed.returncode == 0, resumed.stderr
        busy.assert_same_as_reference(out)


#: Runs the command line with a SIGKILL planted at one point of finalize (argv[1]).
KILL_IN_FINALIZE = r"""
import os, signal, shutil, sys
from odaudit.crawl import session
from odaudit.store import writer as snapshot  # finalize looks these names up in its own module

def die():
    os.kill(os.getpid(), signal.SIGKILL)

point = sys.argv[1]
if point == "records":  # datasets.jsonl and resources.jsonl written; findings.csv and manifest not
    real_records, calls = snapshot.write_sorted_records, []
    def write_records(path, records):
        real_records(path, records)
        calls.append(path)
        if len(calls) == 2:
            die()
    snapshot.write_sorted_records = write_records
elif point == "findings":  # every record file written, the manifest not
    real_findings = snapshot.write_findings_by_dataset
    def write_findings(path, records):
        n = real_findings(path, records)
        die()
    snapshot.write_findings_by_dataset = write_findings
elif point == "manifest":  # the manifest sealed; unreferenced bodies and the journal still there
    session.collect_garbage = lambda *args: die()
elif point == "journal":  # half way through deleting the journal (run.json first: the worst order)
    real_rmtree = shutil.rmtree
    def rmtree(path, *args, **kwargs):
        if os.path.basename(path) in ("journal", ".journal.old") and os.path.isdir(path) and os.listdir(path):
            victim = os.path.join(path, "run.json")
            os.unlink(victim if os.path.exists(victim) else os.path.join(path, sorted(os.listdir(path))[0]))
            die()
        return real_rmtree(path, *args, **kwargs)
    shutil.rmtree = rmtree
from odaudit.cli import main
sys.argv = ["odaudit", *sys.argv[2:]]
main()
"""


@pytest.mark.parametrize("point", ["records", "findings", "manifest", "journal"])
def test_kill_9_while_finalizing(quick: Site, tmp_path: Path, point: str) -> None:
    out = tmp_path / "snap"
    proc = start([point, *quick.args(out)], script=KILL_IN_FINALIZE)
    try:
        _, stderr = proc.communicate(timeout=60)
    finally:
        reap(proc)
    assert proc.returncode == -signal.SIGKILL, stderr
    journal = out / "journal"
    if journal.exists():
        # Not finished: the journal is whole (run.json and every record), so the rerun resumes
        # without fetching anything again.
        assert (journal / "run.json").exists() and lines(journal / "datasets.jsonl") == len(quick.ids)
        before = quick.requests()
        resumed = run(quick.args(out))
        assert resumed.returncode == 0, resumed.stderr
        assert quick.requests() == before
    else:
        # Finished: the snapshot is already complete and sealed.
        assert point == "journal"
        quick.assert_same_as_reference(out)
        resumed = run(quick.args(out))  # a finished snapshot is re-crawled
        assert resumed.returncode == 0, resumed.stderr
    quick.assert_same_as_reference(out)
    assert not (out / ".journal.old").exists()


def test_ctrl_c_in_any_command_is_one_line_and_130(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Typer turns a KeyboardInterrupt into a silent exit 130; the entry point still says why."""
    from odaudit import crawl
    from odaudit.cli import main

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(crawl, "recheck", interrupted)
    with pytest.raises(SystemExit) as e:
        main(["crawl", "--recheck", str(tmp_path), "--quiet"])
    assert e.value.code == 130
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("odaudit: error: interrupted")
