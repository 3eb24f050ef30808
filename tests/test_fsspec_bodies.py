"""`crawl --recheck SNAPSHOT --bodies URL`: the bodies read through fsspec (memory://, file://; s3://
and gs:// the same way when s3fs / gcsfs is installed), on a Dask cluster or locally, give the same
findings, byte for byte, as a local recheck of the snapshot's own bodies; a body altered in the
remote store is reported as a local altered body is; a URL fsspec does not know is one line, exit 2."""

from __future__ import annotations

import importlib.util
import json
import pickle
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import distributed
import fsspec
import pytest
from portal import FakePortal, real_portal_fixture
from test_crawl_e2e import crawl, write_catalog
from test_distributed_recheck import cli, odaudit_lines, tree

from odaudit.bounded import CheckStopped
from odaudit.crawl import recheck as crawl_recheck
from odaudit.store import Snapshot
from odaudit.store.remote_bodies import RemoteBodyStore
from odaudit.store.snapshot import rewrite_findings


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A crawl of real portal files, its stored findings made as by older rules (so a recheck writes)."""
    tmp = tmp_path_factory.mktemp("fsspec")
    spec = real_portal_fixture()
    with FakePortal.from_spec(spec) as portal:
        crawl(portal, write_catalog(tmp / "cat.yaml", spec.ids()[:8]), tmp / "snap")
    snap = Snapshot.open(tmp / "snap")
    rewrite_findings(snap, snap.findings()[1:], {"rules_version": "older-rules"})
    return tmp / "snap"


@pytest.fixture(scope="module")
def reference(snapshot: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The findings a local recheck of the snapshot's own bodies writes."""
    local = tmp_path_factory.mktemp("reference") / "snap"
    shutil.copytree(snapshot, local)
    crawl_recheck(local, workers=0)
    snap = Snapshot.open(local)
    assert snap.current_findings().file.startswith("rechecks/") and len(snap.findings()) > 100  # real bodies, real checks
    return snap.findings_path().read_bytes()


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """Workers in this process (threads): a memory:// file system is the workers' too."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as c:
        yield c.scheduler_address


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder of this process (and of the worker threads): empty after a recheck."""
    where = tmp_path / "tmp"
    where.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(where))
    return where


def unchecked(snapshot: Path, dst: Path) -> Path:
    """A copy of the snapshot without its bodies."""
    shutil.copytree(snapshot, dst, ignore=shutil.ignore_patterns("bodies"))
    return dst


def to_memory(snapshot: Path) -> str:
    """The snapshot's bodies copied to a fresh memory:// store; its URL."""
    url = f"memory://odaudit-{uuid.uuid4().hex}/bodies"
    fs, root = fsspec.core.url_to_fs(url)
    for p in sorted((snapshot / "bodies").rglob("*")):
        if p.is_file():
            fs.pipe(f"{root}/{p.relative_to(snapshot / 'bodies')}", p.read_bytes())
    return url


def test_bodies_from_memory_on_a_cluster_give_the_same_bytes(snapshot: Path, reference: bytes, cluster: str, tmp_path: Path, private_tmp: Path) -> None:
    url = to_memory(snapshot)
    snap = unchecked(snapshot, tmp_path / "snap")
    assert not (snap / "bodies").exists()  # the only bodies are the remote ones
    assert cli(["crawl", "--recheck", str(snap), "--bodies", url, "--scheduler", cluster, "--check-workers", "0", "-q"]) == 0
    b = Snapshot.open(snap)
    assert b.current_findings().file.startswith("rechecks/")
    assert reference == b.findings_path().read_bytes()
    assert b"odaudit-body-" not in b.findings_path().read_bytes()
    assert list(private_tmp.iterdir()) == []  # every local copy deleted


def test_a_body_altered_in_the_remote_store_is_reported_as_locally(snapshot: Path, cluster: str, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str], private_tmp: Path) -> None:
    local = unchecked(snapshot, tmp_path / "local")
    shutil.copytree(snapshot / "bodies", local / "bodies")
    url = to_memory(snapshot)
    fs, root = fsspec.core.url_to_fs(url)
    # a body a resource record names (the bodies folder also holds the portal's export and API answers,
    # which a recheck does not read: altering one of those, as sorting by name sometimes picked, changes nothing)
    records = [json.loads(ln) for ln in (local / "resources.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    body = Path(sorted(r["body"] for r in records if r.get("body"))[-1]).relative_to("bodies")
    (local / "bodies" / body).write_bytes(b"altered")
    fs.pipe(f"{root}/{body}", b"altered")
    remote = unchecked(snapshot, tmp_path / "remote")
    before = tree(remote)
    assert cli(["crawl", "--recheck", str(local), "--check-workers", "0"]) == 2
    p = odaudit_lines(capsys.readouterr().err)
    assert cli(["crawl", "--recheck", str(remote), "--bodies", url, "--scheduler", cluster, "--check-workers", "0"]) == 2
    q = odaudit_lines(capsys.readouterr().err)
    assert "1 altered" in q and q.replace(str(remote), "SNAP") == p.replace(str(local), "SNAP"), (p, q)
    assert tree(remote) == before  # nothing written
    assert cli(["crawl", "--recheck", str(local), "--check-workers", "0", "--allow-missing-bodies", "-q"]) == 0
    assert cli(["crawl", "--recheck", str(remote), "--bodies", url, "--scheduler", cluster, "--check-workers", "0",
                "--allow-missing-bodies", "-q"]) == 0
    a, b = Snapshot.open(local), Snapshot.open(remote)
    assert a.findings_path().read_bytes() == b.findings_path().read_bytes() and b"body altered" in b.findings_path().read_bytes()
    assert list(private_tmp.iterdir()) == []


def test_file_urls_go_through_fsspec(snapshot: Path, reference: bytes, tmp_path: Path, private_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file:// URL is read through fsspec (copied, verified), not at its path: same findings."""
    elsewhere = tmp_path / "store"
    shutil.copytree(snapshot / "bodies", elsewhere)
    snap = unchecked(snapshot, tmp_path / "snap")
    copied = []
    real = RemoteBodyStore.path
    monkeypatch.setattr(RemoteBodyStore, "path", lambda self, *a: copied.append(a[0]) or real(self, *a))
    assert cli(["crawl", "--recheck", str(snap), "--bodies", elsewhere.as_uri(), "--check-workers", "0", "-q"]) == 0
    assert len(copied) >= 3
    assert reference == Snapshot.open(snap).findings_path().read_bytes()
    assert list(private_tmp.iterdir()) == []


def test_file_urls_in_bounded_check_processes(snapshot: Path, reference: bytes, tmp_path: Path) -> None:
    """The check limits' forked processes copy the bodies themselves (the CLI as a user runs it)."""
    elsewhere = tmp_path / "store"
    shutil.copytree(snapshot / "bodies", elsewhere)
    snap = unchecked(snapshot, tmp_path / "snap")
    p = subprocess.run([sys.executable, "-m", "odaudit", "crawl", "--recheck", str(snap), "--bodies", elsewhere.as_uri(),
                        "--check-workers", "2"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert reference == Snapshot.open(snap).findings_path().read_bytes()


@pytest.mark.parametrize("url", ["nosuchprotocol://bucket/bodies", "s3://bucket/bodies"])
def test_a_url_fsspec_cannot_read_is_one_line_exit_2(snapshot: Path, tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    if url.startswith("s3") and importlib.util.find_spec("s3fs") is not None:
        pytest.skip("s3fs is installed here: s3:// is a known protocol")
    snap = unchecked(snapshot, tmp_path / "snap")
    before = tree(snap)
    assert cli(["crawl", "--recheck", str(snap), "--bodies", url, "--check-workers", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--bodies {url}" in err and "Traceback" not in err, err
    assert tree(snap) == before


def test_a_crawl_stores_its_bodies_in_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["crawl", "--catalog", "demo-datagovtw", "--replay", "demo", "--out", str(tmp_path / "x"),
                "--bodies", "memory://x/bodies"]) == 2
    assert "a URL goes with --recheck" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_check_stopped_pickles() -> None:
    """It crosses processes (a Dask worker to the client) as itself."""
    back = pickle.loads(pickle.dumps(CheckStopped("time", "over the 1 s time limit")))
    assert isinstance(back, CheckStopped) and (back.limit, back.text) == ("time", "over the 1 s time limit")
    assert back.stopped() == CheckStopped("time", "over the 1 s time limit").stopped()
