"""Bodies: garbage collection that never deletes outside the store, an explicit shared store, and
bodies that are verified (name, no link, sha256) before any check reads them.

Snapshots are real crawls of the fake portal serving the real fixture datasets; the damage done to
them afterwards is what a user's slip, an unpacked archive or a hostile copy can do.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from portal import FakePortal, real_portal_fixture

from odaudit.atomic import sha256_file
from odaudit.cli import main
from odaudit.crawl import CrawlOptions, run_crawl
from odaudit.http import FetchOptions
from odaudit.store import Snapshot

FAST = FetchOptions(attempts=2, backoff_initial=0.01, backoff_max=0.05, read_timeout=2.0, connect_timeout=2.0, total_timeout=5.0)
SECRET = b"root:x:0:0:SECRET-MARKER:/root:/bin/bash\n"
BODY_CHECKS = {"downloadable", "format", "encoding", "structure", "fields", "machine_readable", "stars", "consistency"}


def write_catalog(path: Path, ids: list[str]) -> Path:
    lines = ["name: bodies", "title: body store tests", "method: fixture datasets", "categories:", "- id: '1'",
             "  name: one", "  datasets:", *(f"  - {{name: 'dataset {i}', id: '{i}'}}" for i in ids)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cli(args: list[str]) -> int:
    """The exit code of the command line, run in this process."""
    try:
        main(args)
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def crawl_args(portal: FakePortal, cat: Path, out: Path, *extra: str) -> list[str]:
    return ["crawl", "--portal", portal.base_url, "--catalog", str(cat), "--out", str(out), "--check-workers", "0",
            "--quiet", "--retries", "1", "--timeout", "2", *extra]


def one_error_line(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if not ln.startswith("odaudit: warning:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and lines[0].startswith("odaudit: error: "), stderr
    return lines[0].removeprefix("odaudit: error: ")


def interrupted_crawl(portal: FakePortal, cat: Path, out: Path) -> None:
    """A crawl stopped before its first dataset: a journal to resume, nothing else yet."""
    cancel = threading.Event()
    cancel.set()
    result = run_crawl(CrawlOptions(out=out, portal=portal.base_url, catalog_path=cat, check_workers=0, fetch=FAST),
                       cancel=cancel)
    assert result.interrupted and (out / "journal" / "run.json").exists()


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture(scope="module")
def spec():
    return real_portal_fixture()


@pytest.fixture(scope="module")
def portal(spec):
    with FakePortal.from_spec(spec) as p:
        yield p


@pytest.fixture(scope="module")
def template(portal: FakePortal, spec, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete snapshot of six fixture datasets; tests damage copies of it."""
    tmp = tmp_path_factory.mktemp("template")
    cat = write_catalog(tmp / "cat.yaml", spec.ids()[:6])
    assert cli(crawl_args(portal, cat, tmp / "snap")) == 0
    return tmp / "snap"


@pytest.fixture
def snap(template: Path, tmp_path: Path) -> Path:
    out = tmp_path / "snap"
    shutil.copytree(template, out, symlinks=True)
    return out


def csv_body(snap: Path) -> dict[str, Any]:
    """The first resource whose stored body is a CSV file (its checks read the bytes)."""
    for r in Snapshot.open(snap).resources():
        if r["body"] and r["status"] == 200 and r["declared"]["format"].upper() == "CSV":
            return r
    raise AssertionError("the fixture has no CSV body")


def findings_of(snap: Path, resource: str) -> list[dict[str, str]]:
    """The snapshot's current findings (a recheck adds its own beside the crawl's) of one resource."""
    with open(Snapshot.open(snap).findings_path(), encoding="utf-8", newline="") as fh:
        return [row for row in csv.DictReader(fh) if row["resource"] == resource]


def reseal(snap: Path) -> None:
    """What anyone can do after editing a record: recompute the manifest's file hashes."""
    m = json.loads((snap / "manifest.json").read_text(encoding="utf-8"))
    m["files"] = {name: sha256_file(snap / name) for name in m["files"]}
    (snap / "manifest.json").write_text(json.dumps(m), encoding="utf-8")


# ---------------------------------------------------------------------------
# 1. Garbage collection


def test_gc_leaves_a_symlinked_folder_inside_bodies_alone(portal: FakePortal, spec, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "precious"
    other.mkdir()
    (other / "thesis.txt").write_bytes(b"years of work")
    (other / hashlib.sha256(b"x").hexdigest()).write_bytes(b"named like a body")
    before = files_under(other)
    cat = write_catalog(tmp_path / "cat.yaml", spec.ids()[:2])
    out = tmp_path / "snap"
    interrupted_crawl(portal, cat, out)
    (out / "bodies" / "zz").symlink_to(other, target_is_directory=True)
    assert cli([a for a in crawl_args(portal, cat, out) if a != "--quiet"]) == 0  # --quiet would hide the warning
    assert files_under(other) == before  # garbage collection never follows the link
    assert (out / "bodies" / "zz").is_symlink()
    warning = capsys.readouterr().err  # and says it left the link alone
    assert "bodies: 1 symbolic link(s) inside the body store left alone" in warning and warning.rstrip().endswith(": zz")
    assert Snapshot.open(out).complete and cli(["crawl", "--recheck", str(out), "--quiet"]) == 0


def test_gc_leaves_a_symlinked_body_file_and_its_target_alone(portal: FakePortal, spec, tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_bytes(b"not a body")
    cat = write_catalog(tmp_path / "cat.yaml", spec.ids()[:2])
    out = tmp_path / "snap"
    interrupted_crawl(portal, cat, out)
    fake = hashlib.sha256(b"unreferenced").hexdigest()
    (out / "bodies" / fake[:2]).mkdir(parents=True, exist_ok=True)
    (out / "bodies" / fake[:2] / fake).symlink_to(target)
    orphan = hashlib.sha256(b"orphan body").hexdigest()
    (out / "bodies" / orphan[:2]).mkdir(exist_ok=True)
    (out / "bodies" / orphan[:2] / orphan).write_bytes(b"orphan body")
    assert cli(crawl_args(portal, cat, out)) == 0
    assert target.read_bytes() == b"not a body" and (out / "bodies" / fake[:2] / fake).is_symlink()
    assert not (out / "bodies" / orphan[:2] / orphan).exists()  # a real unreferenced body still goes


def test_a_symlinked_shard_is_refused_before_anything_is_written(portal: FakePortal, spec, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A shard named like ours (two hex digits) could be written into or collected: refused."""
    other = tmp_path / "elsewhere"
    other.mkdir()
    name = "e3" + "0" * 62
    (other / name).write_bytes(b"someone else's file")
    cat = write_catalog(tmp_path / "cat.yaml", spec.ids()[:2])
    out = tmp_path / "snap"
    interrupted_crawl(portal, cat, out)
    (out / "bodies" / "e3").symlink_to(other, target_is_directory=True)
    capsys.readouterr()
    rc = cli(crawl_args(portal, cat, out))
    assert (other / name).read_bytes() == b"someone else's file"
    assert rc == 2
    line = one_error_line(capsys.readouterr().err)
    assert "bodies/e3" in line and "symbolic link" in line
    (out / "bodies" / "e3").unlink()
    assert cli(crawl_args(portal, cat, out)) == 0  # once the link is gone the same command finishes


def test_a_bodies_folder_shared_by_symlink_is_refused(portal: FakePortal, spec, template: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The accident of the issue: B/bodies -> A/bodies, then B's crawl collected A's bodies."""
    a = tmp_path / "a"
    shutil.copytree(template, a, symlinks=True)
    before = files_under(a / "bodies")
    cat = write_catalog(tmp_path / "cat-b.yaml", spec.ids()[:1])
    b = tmp_path / "b"
    interrupted_crawl(portal, cat, b)
    shutil.rmtree(b / "bodies")
    (b / "bodies").symlink_to(a / "bodies", target_is_directory=True)
    capsys.readouterr()
    rc = cli(crawl_args(portal, cat, b))
    assert files_under(a / "bodies") == before  # not one of a's bodies collected by b
    assert rc == 2
    line = one_error_line(capsys.readouterr().err)
    assert "symbolic link" in line and "--bodies" in line
    assert cli(["crawl", "--recheck", str(a), "--quiet"]) == 0


def test_shared_store_counts_references(portal: FakePortal, spec, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = spec.ids()
    store = tmp_path / "store"
    snaps = {}
    for name, chosen in (("a", ids[:4]), ("b", ids[2:7])):
        cat = write_catalog(tmp_path / f"cat-{name}.yaml", chosen)
        snaps[name] = tmp_path / name
        assert cli(crawl_args(portal, cat, snaps[name], "--bodies", str(store))) == 0
    used = {}
    for name, out in snaps.items():
        s = Snapshot.open(out)
        assert not (out / "bodies").exists() and s.manifest["bodies"]["store"] == "../store"
        used[name] = {r["sha256"] for r in s.resources() if r["body"]}
        refs = (store / "refs" / s.manifest["bodies"]["id"]).read_text(encoding="utf-8").splitlines()
        assert used[name] <= set(refs) and "# status complete" in refs
    assert used["a"] & used["b"] and used["a"] - used["b"] and used["b"] - used["a"]  # shared and own bodies
    orphan = hashlib.sha256(b"left by an aborted crawl").hexdigest()
    (store / orphan[:2]).mkdir(exist_ok=True)
    (store / orphan[:2] / orphan).write_bytes(b"left by an aborted crawl")

    # A third snapshot's garbage collection removes the orphan and nothing a registered snapshot uses.
    cat_c = write_catalog(tmp_path / "cat-c.yaml", ids[:1])
    assert cli(crawl_args(portal, cat_c, tmp_path / "c", "--bodies", str(store))) == 0
    assert not (store / orphan[:2] / orphan).exists()
    for name, out in snaps.items():
        assert all((store / d[:2] / d).is_file() for d in used[name])
        assert cli(["crawl", "--recheck", str(out), "--quiet"]) == 0
    assert cli(["diff", str(snaps["a"]), str(snaps["b"]), "--recheck", "--out", str(tmp_path / "diff"), "--quiet"]) in (0, 1)

    # A deleted snapshot keeps its bodies (and a warning says so) until its refs file goes too.
    b_id = Snapshot.open(snaps["b"]).manifest["bodies"]["id"]
    shutil.rmtree(snaps["b"])
    capsys.readouterr()
    assert cli([a for a in crawl_args(portal, cat_c, tmp_path / "d", "--bodies", str(store)) if a != "--quiet"]) == 0
    assert "is gone" in capsys.readouterr().err
    assert all((store / d[:2] / d).is_file() for d in used["b"])
    (store / "refs" / b_id).unlink()
    assert cli(crawl_args(portal, cat_c, tmp_path / "e", "--bodies", str(store))) == 0
    assert not any((store / d[:2] / d).exists() for d in used["b"] - used["a"])
    assert all((store / d[:2] / d).is_file() for d in used["a"])
    assert cli(["crawl", "--recheck", str(snaps["a"]), "--quiet"]) == 0


def test_shared_store_is_bound_to_its_snapshot(portal: FakePortal, spec, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    cat = write_catalog(tmp_path / "cat.yaml", spec.ids()[:1])
    out = tmp_path / "snap"
    assert cli(crawl_args(portal, cat, out, "--bodies", str(tmp_path / "store"))) == 0
    capsys.readouterr()
    assert cli(crawl_args(portal, cat, out)) == 2  # a finished snapshot is an archive, its store included
    assert "is an archive" in one_error_line(capsys.readouterr().err)
    assert not (out / "bodies").exists()
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "thesis.txt").write_bytes(b"years of work")
    assert cli(crawl_args(portal, cat, tmp_path / "other", "--bodies", str(tmp_path / "home"))) == 2
    assert "not an odaudit body store" in one_error_line(capsys.readouterr().err)


def test_shared_store_keeps_the_bodies_of_a_crawl_killed_beside_it(spec, tmp_path: Path) -> None:
    ids = spec.ids()
    store = tmp_path / "store"
    with FakePortal.from_spec(spec, latency=0.05) as slow:
        cat_b = write_catalog(tmp_path / "cat-b.yaml", ids[3:])
        b = tmp_path / "b"
        args_b = [sys.executable, "-m", "odaudit", *crawl_args(slow, cat_b, b, "--bodies", str(store), "--concurrency", "2")]
        proc = subprocess.Popen(args_b, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            logs = list((store / "refs").glob("*")) if (store / "refs").exists() else []
            if logs and sum(len(ln) == 64 for ln in logs[0].read_text().splitlines()) >= 4:
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not (b / "manifest.json").exists()
        # Another crawl into the store finishes and collects garbage while b lies killed.
        cat_a = write_catalog(tmp_path / "cat-a.yaml", ids[:2])
        assert cli(crawl_args(slow, cat_a, tmp_path / "a", "--bodies", str(store))) == 0
        assert cli(crawl_args(slow, cat_b, b, "--bodies", str(store))) == 0  # resumed
    assert cli(["crawl", "--recheck", str(b), "--quiet"]) == 0  # every body b recorded is there, unaltered
    assert cli(["crawl", "--recheck", str(tmp_path / "a"), "--quiet"]) == 0


# ---------------------------------------------------------------------------
# 6. Bodies are verified before they are read


def test_recheck_refuses_a_body_symlinked_outside(snap: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "passwd"
    secret.write_bytes(SECRET)
    r = csv_body(snap)
    (snap / r["body"]).unlink()
    (snap / r["body"]).symlink_to(secret)
    findings = (snap / "findings.csv").read_bytes()
    capsys.readouterr()
    assert cli(["crawl", "--recheck", str(snap), "--quiet"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert r["key"] in line and "symbolic link" in line and "1 refused" in line
    assert (snap / "findings.csv").read_bytes() == findings  # nothing resealed
    assert cli(["crawl", "--recheck", str(snap), "--quiet", "--allow-missing-bodies"]) == 0
    assert b"SECRET-MARKER" not in (snap / "findings.csv").read_bytes()
    rows = {f["check"]: f for f in findings_of(snap, r["key"])}
    assert all(rows[c]["outcome"] == "skip" and "body refused: not measured" in rows[c]["evidence"]
               for c in BODY_CHECKS & rows.keys())
    m = Snapshot.open(snap).manifest["rechecks"][-1]
    assert m["allow_missing_bodies"] is True and m["body_problems"] == 1


def test_recheck_refuses_a_body_name_that_climbs_out(snap: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "passwd"
    secret.write_bytes(SECRET)
    key = csv_body(snap)["key"]
    lines = (snap / "resources.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(ln) for ln in lines]
    for rec in records:
        if rec["key"] == key:
            rec["body"] = os.path.relpath(secret, snap)  # ../passwd, as "../../../../etc/passwd" would be
    (snap / "resources.jsonl").write_text("".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records), encoding="utf-8")
    reseal(snap)
    capsys.readouterr()
    assert cli(["crawl", "--recheck", str(snap), "--quiet"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert key in line and "not a body name" in line
    assert cli(["crawl", "--recheck", str(snap), "--quiet", "--allow-missing-bodies"]) == 0
    assert b"SECRET-MARKER" not in (snap / "findings.csv").read_bytes()


def test_recheck_refuses_when_bodies_are_deleted(snap: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with_body = [r for r in Snapshot.open(snap).resources() if r["body"]]
    findings = (snap / "findings.csv").read_bytes()
    shutil.rmtree(snap / "bodies")
    capsys.readouterr()
    assert cli(["crawl", "--recheck", str(snap), "--quiet"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"{len(with_body)} resource bodies cannot be used ({len(with_body)} missing)" in line
    assert f"and {len(with_body) - 5} more" in line and "--allow-missing-bodies" in line
    assert (snap / "findings.csv").read_bytes() == findings
    assert cli(["crawl", "--recheck", str(snap), "--quiet", "--allow-missing-bodies"]) == 0
    assert "not measured" in capsys.readouterr().err  # warned even with --quiet
    for r in with_body:
        rows = {f["check"]: f for f in findings_of(snap, r["key"])}
        assert rows["link"]["outcome"] == "pass"  # what the HTTP facts say still stands
        for c in BODY_CHECKS & rows.keys():  # unmeasured is not failed
            assert rows[c]["outcome"] == "skip" and "body missing: not measured" in rows[c]["evidence"], rows[c]
    assert Snapshot.open(snap).manifest["rechecks"][-1]["body_problems"] == len(with_body)


def test_recheck_refuses_an_edited_body(snap: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = csv_body(snap)
    data = (snap / r["body"]).read_bytes()
    (snap / r["body"]).write_bytes(data.replace(b",", b";"))  # same size, other content
    capsys.readouterr()
    assert cli(["crawl", "--recheck", str(snap), "--quiet"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert r["key"] in line and "1 altered" in line and "sha256" in line
    assert cli(["crawl", "--recheck", str(snap), "--quiet", "--allow-missing-bodies"]) == 0
    rows = {f["check"]: f for f in findings_of(snap, r["key"])}
    assert rows["structure"]["outcome"] == "skip" and "body altered: not measured" in rows["structure"]["evidence"]
    (snap / r["body"]).write_bytes(data)  # restored: measured again, as at the crawl
    assert cli(["crawl", "--recheck", str(snap), "--quiet"]) == 0
    assert Snapshot.open(snap).manifest["rechecks"][-1]["body_problems"] == 0


def test_diff_refuses_to_recheck_a_side_with_missing_bodies(snap: Path, template: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    r = csv_body(snap)
    (snap / r["body"]).unlink()
    capsys.readouterr()
    args = ["diff", str(template), str(snap), "--recheck", "--quiet"]
    assert cli([*args, "--out", str(tmp_path / "d1")]) == 2
    assert r["key"] in one_error_line(capsys.readouterr().err) and not (tmp_path / "d1").exists()
    assert cli([*args, "--allow-missing-bodies", "--out", str(tmp_path / "d2")]) == 1  # the skipped checks differ
    assert "not measured" in capsys.readouterr().err
    changes = (tmp_path / "d2" / "changes.csv").read_text(encoding="utf-8-sig")
    assert "body missing: not measured" in changes
