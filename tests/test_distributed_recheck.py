"""`crawl --recheck SNAPSHOT --scheduler ADDRESS`: the check stage on a Dask cluster (a LocalCluster on
127.0.0.1, started here) gives the same findings, byte for byte, as a local recheck; a scheduler that
cannot be reached or a malformed address is one line and nothing written; a dying worker is retried."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dask  # the `test` extra has dask[distributed]: no skip, a missing Dask fails here
import distributed
import pytest
from portal import FakePortal, real_portal_fixture
from test_crawl_e2e import crawl, write_catalog

from odaudit.atomic import sha256_file
from odaudit.cli import main
from odaudit.crawl import distributed as dist
from odaudit.crawl import recheck as crawl_recheck
from odaudit.crawl import rechecker
from odaudit.crawl.distributed import DaskExecutor, parse_address
from odaudit.crawl.rechecker import Job, Rechecker
from odaudit.errors import IncompleteError, InputError
from odaudit.store import Snapshot
from odaudit.store.snapshot import rewrite_findings


def run_cli(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odaudit", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


def cli(args: list[str]) -> int:
    """The exit code of the command line, run in this process."""
    try:
        main(args)
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def odaudit_lines(err: str) -> str:
    """odaudit's own lines (the cluster runs in this process, and its logs go to the same stderr)."""
    return "".join(ln for ln in err.splitlines(keepends=True) if ln.startswith("odaudit:"))


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crawl of real portal files (tests/fixtures/portal), its stored findings made as by older
    rules, so that a recheck writes a new findings file."""
    tmp = tmp_path_factory.mktemp("dask")
    spec = real_portal_fixture()
    with FakePortal.from_spec(spec) as portal:
        crawl(portal, write_catalog(tmp / "cat.yaml", spec.ids()[:8]), tmp / "snap")
    snap = Snapshot.open(tmp / "snap")
    rewrite_findings(snap, snap.findings()[1:], {"rules_version": "older-rules"})
    return tmp / "snap"


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """Two worker processes on loopback, not daemonic so that they can run the bounded check process."""
    with dask.config.set({"distributed.worker.daemon": False, "distributed.scheduler.allowed-failures": 1}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                     dashboard_address=None, worker_dashboard_address=None) as c:
        yield c.scheduler_address


def copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def test_cli_recheck_on_a_cluster_writes_the_same_bytes_as_a_local_recheck(snapshot: Path, cluster: str, tmp_path: Path) -> None:
    local, remote = copy(snapshot, tmp_path / "local"), copy(snapshot, tmp_path / "remote")
    crawl_recheck(local, workers=0)  # what `crawl --recheck` does, in this process
    # a file:// URL, the checks bounded on the workers (any --check-workers but 0): one check process per unit there
    q = run_cli(["crawl", "--recheck", remote.as_uri(), "--scheduler", cluster, "--check-workers", "1"])
    assert q.returncode == 0, q.stderr
    assert "added as rechecks/" in q.stderr and "Traceback" not in q.stderr
    a, b = Snapshot.open(local), Snapshot.open(remote)
    assert a.current_findings() == b.current_findings() and a.current_findings().file.startswith("rechecks/")
    assert a.findings_path().read_bytes() == b.findings_path().read_bytes()
    assert len(b.findings()) > 100  # real bodies, real checks
    entry = b.manifest["rechecks"][-1]
    assert entry["executor"] == "dask" and entry["check_timeout"] == 600.0 and entry["findings"] == len(b.findings())


def test_many_small_units_come_back_in_order(snapshot: Path, cluster: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """One dataset per unit on two workers: units finish in any order, the findings are those of the serial re-check."""
    snap = Snapshot.open(snapshot)
    serial = rechecker.today_findings(snap, recheck=True, reason="t", row_limit=None, workers=0)
    monkeypatch.setattr(DaskExecutor, "chunk_size", lambda self, n: 1)
    with Rechecker([Job("x", snap, True, "t", None)], executor=DaskExecutor(cluster, None)) as rc:
        assert not rc.bounded  # in the workers' threads: the bounded path is the CLI test's
        side = rc.result("x")
    assert side.datasets == 8 and side.facts == serial.facts
    assert side.csv_text() == serial.csv_text()


def test_bodies_are_verified_on_the_cluster_with_the_same_verdict(snapshot: Path, cluster: str, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A body deleted, one altered: refused as locally (exit 2, same message, nothing written); with
    --allow-missing-bodies, the same findings ("not measured") as locally. The snapshot is named by a
    path relative to this process's folder, which is not the workers'."""
    copy(snapshot, tmp_path / "local"), copy(snapshot, tmp_path / "remote")
    monkeypatch.chdir(tmp_path)
    local, remote = Path("local"), Path("remote")
    # The resources' bodies: the store also keeps the portal's catalog export, whose name changes with
    # the fake portal's port and which a recheck does not read (picking it made this test flaky).
    bodies = sorted({Path(r["body"]) for r in Snapshot.open(local).resources() if r.get("body")})
    assert len(bodies) >= 3
    for snap in (local, remote):
        (snap / bodies[0]).unlink()
        (snap / bodies[-1]).write_bytes(b"altered")
    before = tree(remote)
    assert cli(["crawl", "--recheck", str(local), "--check-workers", "0"]) == 2
    p = odaudit_lines(capsys.readouterr().err)
    assert cli(["crawl", "--recheck", str(remote), "--scheduler", cluster, "--check-workers", "0"]) == 2
    q = odaudit_lines(capsys.readouterr().err)
    assert "1 altered, 1 missing" in q and q.replace(str(remote), "SNAP") == p.replace(str(local), "SNAP"), (p, q)
    assert tree(remote) == before
    assert cli(["crawl", "--recheck", str(local), "--check-workers", "0", "--allow-missing-bodies", "-q"]) == 0
    assert cli(["crawl", "--recheck", str(remote), "--scheduler", cluster, "--check-workers", "0", "--allow-missing-bodies", "-q"]) == 0
    a, b = Snapshot.open(local), Snapshot.open(remote)
    assert a.findings_path().read_bytes() == b.findings_path().read_bytes() and b"not measured" in b.findings_path().read_bytes()
    assert a.manifest["rechecks"][-1]["body_problems"] == b.manifest["rechecks"][-1]["body_problems"] == 2


def test_a_worker_running_other_rules_is_refused(cluster: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Different code on a worker could give different findings: refused when connecting. (Here this
    process claims other rules; the workers report their own, real ones.)"""
    real = dist.RULES_VERSION
    monkeypatch.setattr(dist, "RULES_VERSION", "9999.1.1")  # in this process only: the workers are others
    with pytest.raises(IncompleteError, match=f"runs rules {real}, this odaudit 9999.1.1"):
        DaskExecutor(cluster, None)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_scheduler_is_one_line_exit_3_and_nothing_written(snapshot: Path, tmp_path: Path) -> None:
    snap = copy(snapshot, tmp_path / "snap")
    before = tree(snap)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    p = run_cli(["crawl", "--recheck", str(snap), "--scheduler", address], DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="2s")
    assert p.returncode == 3, p.stderr
    assert p.stderr.count("\n") == 1 and address in p.stderr and "Traceback" not in p.stderr
    assert tree(snap) == before


@pytest.mark.parametrize("address", ["tcp://", "http://example.org:8786", "tcp://host:port", "tcp://h:99999", "tcp://h:1/x", "h:1 h:2"])
def test_malformed_address(address: str) -> None:
    with pytest.raises(InputError, match="not a Dask scheduler address"):
        parse_address(address)


def test_malformed_address_is_one_line_exit_2(snapshot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snap = copy(snapshot, tmp_path / "snap")
    before = tree(snap)
    assert cli(["crawl", "--recheck", str(snap), "--scheduler", "tcp://sched:port"]) == 2
    err = capsys.readouterr().err
    assert odaudit_lines(err).count("\n") == 1 and "--scheduler 'tcp://sched:port'" in err and "Traceback" not in err
    assert tree(snap) == before


def test_addresses() -> None:
    assert parse_address("10.0.0.5") == "tcp://10.0.0.5:8786"
    assert parse_address("tls://[::1]:9000") == "tls://[::1]:9000"
    assert parse_address(" tcp://Sched.example:8786 ") == "tcp://sched.example:8786"


def _hold(name: str) -> None:
    distributed.Event(name).wait(timeout=60)


def _tasks(dask_scheduler: object) -> int:
    return len(dask_scheduler.tasks)  # type: ignore[attr-defined]


def test_ctrl_c_on_a_cluster_is_exit_130_and_the_findings_as_they_were(snapshot: Path, cluster: str, tmp_path: Path) -> None:
    """Both workers held busy, so the recheck's units wait on the scheduler when Ctrl-C comes."""
    snap = copy(snapshot, tmp_path / "snap")
    before = tree(snap)
    with distributed.Client(cluster, set_as_default=False) as client:
        hold = [client.submit(_hold, "release", workers=[w], pure=False) for w in sorted(client.nthreads())]
        proc = subprocess.Popen([sys.executable, "-m", "odaudit", "crawl", "--recheck", str(snap), "--scheduler", cluster],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while client.run_on_scheduler(_tasks) <= len(hold) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert client.run_on_scheduler(_tasks) > len(hold), "the recheck never submitted its units"
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
            distributed.Event("release", client=client).set()
        assert proc.returncode == 130 and err.count("\n") == 1 and "interrupted" in err and "Traceback" not in err, err
        assert tree(snap) == before  # the previous findings, the manifest: as they were; no partial file
        client.gather(hold)
        deadline = time.monotonic() + 10
        while client.run_on_scheduler(_tasks) > len(hold) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert client.run_on_scheduler(_tasks) == len(hold)  # the recheck's units were dropped: only ours are left


def _die_once(marker: str) -> tuple[str, list, int]:
    """Kill the worker process running it the first time (as the OOM killer would)."""
    if not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)
    return "ran again", [], 0


def _die_always() -> tuple[str, list, int]:
    os._exit(1)


def test_a_dying_worker_is_retried_then_reported(cluster: str, tmp_path: Path) -> None:
    ex = DaskExecutor(cluster, None)
    try:
        assert ex.submit(_die_once, str(tmp_path / "died")).result() == ("ran again", [], 0)
        assert (tmp_path / "died").exists()
        with pytest.raises(IncompleteError, match="died"):
            ex.submit(_die_always).result()
    finally:
        ex.shutdown()


def test_no_scheduler_without_recheck(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The crawl itself stays on one machine (per-host politeness)."""
    assert cli(["crawl", "--catalog", "demo-datagovtw", "--replay", "demo", "--out", str(tmp_path / "x"),
                 "--scheduler", "tcp://127.0.0.1:8786"]) == 2
    assert "--scheduler goes with --recheck" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_other_storage_than_files_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["crawl", "--recheck", "s3://bucket/snap", "--scheduler", "tcp://127.0.0.1:8786"]) == 2
    assert "only a path or a file:// URL" in capsys.readouterr().err
