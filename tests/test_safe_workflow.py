"""A researcher's work is never lost: finished snapshots are archives, rubrics are merged or refused,
report folders belong to one command and are replaced whole, one writer per folder, and nothing is
silently empty. Most tests run the real CLI on the bundled offline demo (a recording of real
data.gov.tw records, replayed through the crawl code; no network)."""

from __future__ import annotations

import csv
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from portal import FakePortal, real_portal_fixture

from odaudit.atomic import sha256_file
from odaudit.checks import RULES_VERSION
from odaudit.cli import main
from odaudit.crawl import check_snapshot
from odaudit.model.findings import Finding
from odaudit.scoring.rubric import load_rubric
from odaudit.store import Snapshot, rewrite_findings
from odaudit.store.folders import FolderLock


def run(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odaudit", *args], capture_output=True, text=True, timeout=timeout, cwd=cwd)


def one_error(p: subprocess.CompletedProcess[str]) -> str:
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("odaudit: error: ") and "Traceback" not in p.stderr, p.stderr
    return lines[0]


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root`, by relative path (lock files beside it are not in it)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def crawl_demo(out: Path) -> None:
    p = run("crawl", "--catalog", "demo-datagovtw", "--replay", "demo", "--out", str(out), "--check-workers", "0", "-q")
    assert p.returncode == 0, p.stderr


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "snap"
    crawl_demo(out)
    return out


@pytest.fixture
def snap(demo: Path, tmp_path: Path) -> Path:
    """A private copy of the demo snapshot."""
    shutil.copytree(demo, tmp_path / "snap", symlinks=True)
    return tmp_path / "snap"


def score(snapshot: Path | None, out: Path, *extra: str, rubric: str = "demo-datagovtw") -> subprocess.CompletedProcess[str]:
    args = ["score", *([str(snapshot)] if snapshot else []), "--rubric", rubric, "--out", str(out), "-q", *extra]
    return run(*args)


# --------------------------------------------------------------------------- snapshots are archives


def test_a_finished_snapshot_is_unchanged_by_a_crawl_into_it(snap: Path) -> None:
    before = tree(snap)
    for catalog in ("ocf-2017", "demo-datagovtw"):  # another selection, and the same one again
        p = run("crawl", "--catalog", catalog, "--replay", "demo", "--out", str(snap), "-q")
        assert p.returncode == 2
        assert "is an archive and is never changed" in one_error(p) and f"--since {snap}" in p.stderr
        assert tree(snap) == before


def test_recheck_keeps_the_findings_the_crawl_made(snap: Path) -> None:
    s = Snapshot.open(snap)
    rewrite_findings(s, s.findings()[:-5], {"rules_version": "2020.1.0"})  # as odaudit of 2020 left it
    before = tree(snap)
    p = run("crawl", "--recheck", str(snap), "--check-workers", "0")
    assert p.returncode == 0, p.stderr
    after = tree(snap)
    assert {k: v for k, v in after.items() if k != "manifest.json" and not k.startswith("rechecks/")} == \
           {k: v for k, v in before.items() if k != "manifest.json"}  # every recorded file as it was
    s = Snapshot.open(snap)  # and sealed: the manifest covers the new file too
    assert [x.rules_version for x in s.findings_sets()] == ["2020.1.0", RULES_VERSION]
    assert s.current_findings().file == f"rechecks/{RULES_VERSION}/findings.csv"
    assert s.findings() == check_snapshot(s) and len(s.findings()) == len(Snapshot.open(snap).findings())
    # Readers use today's findings: the report scores them, not 2020's.
    assert score(snap, snap.parent / "report").returncode == 0
    with open(snap.parent / "report" / "findings.csv", encoding="utf-8-sig") as fh:
        assert sum(1 for _ in fh) - 1 == len(s.findings())
    # A second recheck by the same rules adds nothing.
    again = run("crawl", "--recheck", str(snap), "--check-workers", "0")
    assert again.returncode == 0 and "nothing added" in again.stderr and tree(snap) == after


# --------------------------------------------------------------------------- rubrics are the researchers' work

RESEARCHER = '''  "41568":
    name: "researcher's entry"
    answers:
      machine_readable: {answer: no, reason: "the XML nests rows three levels deep; checked by hand", evidence: ["https://example.org/note-41568"]}
  # a note of mine about 46448: ask the county before the report goes out
'''


def edited_rubric(snap: Path, path: Path) -> str:
    p = run("rubric", "init", str(snap), "--out", str(path))
    assert p.returncode == 0, p.stderr
    text = path.read_text(encoding="utf-8")
    assert "datasets: {}" in text
    text = text.replace("datasets: {}", "datasets:\n" + RESEARCHER.rstrip("\n"), 1)
    text = text.replace("""        - id: C2
          name: "政策 Open data policy or strategy"   # ODB.2015.C.POLI (inferred from the label)
          score: null      # 0-10; null = not judged yet (reported as unanswered)
          evidence: ""
          links: []""", """        - id: C2
          name: "政策 Open data policy or strategy"   # ODB.2015.C.POLI (inferred from the label)
          score: 7      # judged 2026-11-30, see minutes
          evidence: "the 2025 action plan"
          links: ["https://example.org/plan"]""", 1)
    path.write_text(text, encoding="utf-8")
    assert load_rubric(path).readiness.components[0].items[0].score == 7
    return text


def test_rubric_init_refuses_an_existing_rubric_and_update_keeps_every_manual_answer(snap: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    text = edited_rubric(snap, mine)
    p = run("rubric", "init", str(snap), "--out", str(mine))
    assert p.returncode == 2 and "--update" in one_error(p) and "--force" in p.stderr
    assert mine.read_text(encoding="utf-8") == text

    # A year later the same datasets measure differently: 41568's licence is no longer open.
    later = tmp_path / "later"
    shutil.copytree(snap, later)
    s = Snapshot.open(later)
    flipped = [Finding(*(list(f.as_row_list()[:4]) + ["fail", "自訂授權", "open licence", "not an open licence"]))
               if f.check == "licence" and f.dataset == "tw:41568" else f for f in s.findings()]
    rewrite_findings(s, flipped, {})
    p = run("rubric", "init", str(later), "--out", str(mine), "--update")
    assert p.returncode == 0, p.stderr
    assert "changed: tw:41568 open_licence: yes → no" in p.stderr
    merged = mine.read_text(encoding="utf-8")
    before_block, after_block = (t.split("# odaudit:automated-answers:begin")[0] for t in (text, merged))
    assert after_block == before_block  # everything outside the automated block, byte for byte
    r = load_rubric(mine)
    ans = r.datasets["41568"].answers["machine_readable"]
    assert ans.answer is False and "checked by hand" in ans.reason and ans.evidence == ["https://example.org/note-41568"]
    assert r.readiness.components[0].items[0].score == 7
    assert "#   open_licence: no (licence fail)" in merged.split("tw:41568 · score")[1]
    assert run("rubric", "check", str(mine)).returncode == 0

    p = run("rubric", "init", str(snap), "--out", str(mine), "--force")
    assert p.returncode == 0 and "datasets: {}" in mine.read_text(encoding="utf-8")


def test_update_of_a_rubric_made_before_the_automated_block(snap: Path, tmp_path: Path) -> None:
    """The bundled demo rubric was made by an earlier `rubric init`: its old comments stay, a block is added."""
    old = tmp_path / "demo.yaml"
    shutil.copy(Path(__file__).resolve().parent.parent / "odaudit" / "data" / "rubrics" / "demo-datagovtw.yaml", old)
    text = old.read_text(encoding="utf-8")
    p = run("rubric", "init", str(snap), "--out", str(old), "--update")
    assert p.returncode == 0, p.stderr
    assert "had no block of automated answers" in p.stderr
    merged = old.read_text(encoding="utf-8")
    assert merged.startswith(text) and "# odaudit:automated-answers:end" in merged
    assert load_rubric(old).model_dump() == load_rubric(Path(__file__).resolve().parent.parent / "odaudit" / "data" / "rubrics" / "demo-datagovtw.yaml").model_dump()


def test_rubric_import_refuses_an_existing_file(tmp_path: Path) -> None:
    sheet = Path(__file__).parent / "fixtures" / "surveys" / "ocf-2016-dataset-survey-sample.csv"
    out = tmp_path / "survey.yaml"
    out.write_text("# weeks of work\n", encoding="utf-8")
    p = run("rubric", "import", str(sheet), "--catalog", "ocf-2017", "--out", str(out))
    assert p.returncode == 2 and "--force" in one_error(p) and out.read_text(encoding="utf-8") == "# weeks of work\n"


# --------------------------------------------------------------------------- report folders


def test_score_and_diff_never_write_over_a_snapshot_or_each_other(snap: Path, tmp_path: Path) -> None:
    before = tree(snap)
    p = score(snap, snap)
    assert p.returncode == 2 and "is an odaudit snapshot" in one_error(p) and tree(snap) == before
    p = run("diff", str(snap), str(snap), "--out", str(snap), "-q")
    assert p.returncode == 2 and "is an odaudit snapshot" in one_error(p) and tree(snap) == before

    assert score(snap, tmp_path / "scored").returncode == 0
    scored = tree(tmp_path / "scored")
    p = run("diff", str(snap), str(snap), "--out", str(tmp_path / "scored"), "-q")
    assert p.returncode == 2 and "holds a report of `odaudit score`" in one_error(p)
    assert tree(tmp_path / "scored") == scored

    assert run("diff", str(snap), str(snap), "--out", str(tmp_path / "compared"), "-q").returncode == 0
    compared = tree(tmp_path / "compared")
    p = score(snap, tmp_path / "compared")
    assert p.returncode == 2 and "holds a report of `odaudit diff`" in one_error(p)
    assert tree(tmp_path / "compared") == compared

    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    p = score(snap, tmp_path / "mine")
    assert p.returncode == 2 and "not empty and not a report" in one_error(p)
    assert tree(tmp_path / "mine") == {"notes.txt": b"keep me"}


def test_a_rescore_leaves_no_file_of_the_earlier_run(snap: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert score(snap, out).returncode == 0
    (out / "chart-old-layout.svg").write_text("<svg/>")  # what an earlier version wrote
    assert score(snap, out, "--lang", "zh-TW").returncode == 0
    files = {p.name for p in out.iterdir()}
    assert "chart-old-layout.svg" not in files
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"] == "score" and manifest["options"] == {"lang": "zh-TW", "blocked_as_broken": False}
    assert {f.split("/")[0] for f in manifest["files"]} | {"manifest.json"} == files  # site/… counted as site
    assert all(sha256_file(out / name) == digest for name, digest in manifest["files"].items())
    assert manifest["inputs"]["rubric"]["path"] == "demo-datagovtw"
    assert manifest["inputs"]["snapshot"]["manifest_sha256"] == sha256_file(snap / "manifest.json")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [".report.lock"]


def report_state(out: Path, old: dict[str, bytes]) -> str:
    """'old' when `out` is exactly the earlier report, 'new' when it is a whole report its manifest seals."""
    now = tree(out)
    if now == old:
        return "old"
    manifest = json.loads(now["manifest.json"])
    assert set(manifest["files"]) | {"manifest.json"} == set(now), "a mixed folder"
    assert all(sha256_file(out / n) == d for n, d in manifest["files"].items()), "a file not sealed by the manifest"
    return "new"


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_kill_during_score_leaves_the_previous_report_intact(snap: Path, tmp_path: Path, how: signal.Signals) -> None:
    out = tmp_path / "report"
    assert score(snap, out).returncode == 0
    old = tree(out)
    seen = set()
    lock = tmp_path / ".report.lock"
    for delay in (0.3, 0.8, 1.3, 1.8, 2.3, 2.8):
        proc = subprocess.Popen([sys.executable, "-m", "odaudit", "score", str(snap), "--rubric", "demo-datagovtw",
                                 "--out", str(out), "--lang", "zh-TW", "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if how == signal.SIGINT:  # Ctrl-C once the command holds its folder (Ctrl-C at start-up is tested elsewhere)
            deadline = time.monotonic() + 60
            while lock.read_text().strip() != str(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(delay - 0.3)
        else:
            time.sleep(delay)
        proc.send_signal(how)
        _, stderr = proc.communicate(timeout=60)
        state = report_state(out, old)
        seen.add(state)
        if state == "new":  # the run had finished its work
            break
        if how == signal.SIGINT:  # stopped by Ctrl-C: one line, exit 130, and its staging folder cleaned up
            assert proc.returncode == 130 and "Traceback" not in stderr, stderr
            assert not [p for p in tmp_path.iterdir() if ".odaudit-" in p.name]
    assert "old" in seen  # at least one interruption fell inside the run
    assert score(snap, out).returncode == 0
    assert not [p for p in tmp_path.iterdir() if ".odaudit-" in p.name]  # a killed run's staging folder is cleaned up


def test_disk_full_in_score_exits_3_names_the_file_and_keeps_the_report(snap: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report"
    assert score(snap, out).returncode == 0
    old = tree(out)
    from odaudit import atomic

    real_open = os.fdopen
    calls = []

    def full(fd: int, *a, **kw):  # the third file written finds the disk full
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as a failed write() says it: no file
        return real_open(fd, *a, **kw)

    monkeypatch.setattr(atomic.os, "fdopen", full)
    with pytest.raises(SystemExit) as exc:
        main([ "score", str(snap), "--rubric", "demo-datagovtw", "--out", str(out), "-q"])
    err = capsys.readouterr().err
    assert exc.value.code == 3 and "No space left on device" in err and f"previous report in {out} is kept" in err
    assert err.split("error: ", 1)[1].startswith(f"{out}/")  # names the file as it will be, under --out
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert tree(out) == old and not [p for p in tmp_path.iterdir() if ".odaudit-" in p.name]


def test_disk_full_in_diff_exits_3_and_keeps_the_report(snap: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "compared"
    assert run("diff", str(snap), str(snap), "--out", str(out), "-q").returncode == 0
    old = tree(out)
    from odaudit import atomic

    real_open = os.fdopen
    calls = []

    def full(fd: int, *a, **kw):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_open(fd, *a, **kw)

    monkeypatch.setattr(atomic.os, "fdopen", full)
    with pytest.raises(SystemExit) as exc:
        main(["diff", str(snap), str(snap), "--out", str(out), "-q", "--lang", "zh-TW"])
    err = capsys.readouterr().err
    assert exc.value.code == 3 and "No space left on device" in err and f"previous report in {out} is kept" in err, err
    assert tree(out) == old and not [p for p in tmp_path.iterdir() if ".odaudit-" in p.name]


def test_disk_full_in_rubric_init_and_recheck_exits_3(snap: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from odaudit import atomic

    def full(*a, **kw):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "x"))

    s = Snapshot.open(snap)
    rewrite_findings(s, s.findings(), {"rules_version": "2020.1.0"})  # so the recheck has something to add
    before = tree(snap)
    monkeypatch.setattr(atomic.tempfile, "mkstemp", full)
    for args in (["rubric", "init", str(snap), "--out", str(tmp_path / "r.yaml")],
                 ["crawl", "--recheck", str(snap), "--check-workers", "0", "-q"]):
        with pytest.raises(SystemExit) as exc:
            main(args)
        err = capsys.readouterr().err
        assert exc.value.code == 3 and "No space left on device" in err and "Traceback" not in err, err
    assert not (tmp_path / "r.yaml").exists() and tree(snap) == before


def test_an_unwritable_out_exits_3(snap: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    p = score(snap, tmp_path / "file" / "report")
    assert p.returncode == 3 and "Not a directory" in one_error(p)


# --------------------------------------------------------------------------- one writer per folder


def test_a_second_process_on_a_locked_folder_is_refused_with_the_holders_pid(snap: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    with FolderLock(out):
        p = score(snap, out)
        assert p.returncode == 2 and f"in use by another odaudit process (PID {os.getpid()})" in one_error(p)
    with FolderLock(snap):
        p = run("crawl", "--recheck", str(snap), "-q")
        assert p.returncode == 2 and f"PID {os.getpid()}" in one_error(p)
    assert not out.exists()


def test_two_crawls_into_one_folder(tmp_path: Path) -> None:
    spec = real_portal_fixture()
    # slow answers keep the first crawl running (holding the lock) while the second starts, however
    # loaded the machine; once the second has been refused, the portal answers at full speed
    with FakePortal.from_spec(spec, latency=2.0) as portal:
        cat = tmp_path / "cat.yaml"
        cat.write_text("name: two\ntitle: t\nmethod: m\ncategories:\n- id: '1'\n  name: one\n  datasets:\n"
                       + "".join(f"  - {{name: d{i}, id: '{i}'}}\n" for i in spec.ids()[:4]), encoding="utf-8")
        args = ["crawl", "--portal", portal.base_url, "--catalog", str(cat), "--out", str(tmp_path / "snap"), "-q",
                "--check-workers", "0"]
        first = subprocess.Popen([sys.executable, "-m", "odaudit", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lock = tmp_path / ".snap.lock"
        deadline = time.monotonic() + 30
        while not (lock.exists() and lock.read_text().strip()):
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.01)
        second = run(*args)
        for host in (portal.portal, *portal.hosts):
            host.latency = 0.0
        assert second.returncode == 2 and f"PID {first.pid}" in one_error(second)
        assert first.wait(timeout=120) == 0, first.communicate()
    assert Snapshot.open(tmp_path / "snap").manifest["status"] == "complete"
    assert len(Snapshot.open(tmp_path / "snap").datasets()) == 4


# --------------------------------------------------------------------------- nothing silently empty


def test_score_without_a_snapshot_refuses_a_rubric_that_is_not_all_manual(tmp_path: Path) -> None:
    p = score(None, tmp_path / "report")
    assert p.returncode == 2
    line = one_error(p)
    assert "without a snapshot only the rubric's answers count" in line and "47 of 47 datasets have none" in line
    assert "tw:11271 基隆優質餐廳" in line and not (tmp_path / "report").exists()


def test_a_mistyped_catalog_id_is_named(tmp_path: Path) -> None:
    spec = real_portal_fixture()
    cat = tmp_path / "cat.yaml"
    cat.write_text("name: typo\ntitle: t\nmethod: m\ncategories:\n- id: '1'\n  name: one\n  datasets:\n"
                   "  - {name: 水庫, id: '41568'}\n  - {name: 水庫 (typo), id: '415688'}\n", encoding="utf-8")
    with FakePortal.from_spec(spec) as portal:
        p = run("crawl", "--portal", portal.base_url, "--catalog", str(cat), "--out", str(tmp_path / "snap"), "--check-workers", "0")
    assert p.returncode == 0, p.stderr
    assert "not found on the portal" in p.stderr and "415688 (水庫 (typo))" in p.stderr
    summary_row = [ln for ln in p.stderr.splitlines() if ln.strip().startswith("not found on the portal")]
    assert summary_row and "415688" in summary_row[0]
    s = Snapshot.open(tmp_path / "snap")
    status = {d["id"]: d["fetch"]["status"] for d in s.datasets()}
    assert status == {"41568": "ok", "415688": "not_found"}
    rubric = tmp_path / "r.yaml"
    assert run("rubric", "init", str(tmp_path / "snap"), "--out", str(rubric)).returncode == 0
    sc = run("score", str(tmp_path / "snap"), "--rubric", str(rubric), "--out", str(tmp_path / "report"))
    assert sc.returncode == 0 and "415688" in sc.stderr
    assert "not found on the portal" in (tmp_path / "report" / "report.md").read_text(encoding="utf-8")


def test_catalog_entries_that_share_a_url_stay_two_datasets(tmp_path: Path) -> None:
    with FakePortal(agency_hosts=1) as portal:
        url = portal.agency_hosts[0].serve("/law/DevelopGuide.aspx", "<html>download page</html>", content_type="text/html")
        cat = tmp_path / "cat.yaml"
        cat.write_text("name: law\ntitle: t\nmethod: m\ncategories:\n- id: '0.1'\n  name: 法律\n  datasets:\n"
                       f"  - {{name: 中文法規_法律資料檔下載, url: '{url}'}}\n  - {{name: 中文法規_命令資料檔下載, url: '{url}'}}\n",
                       encoding="utf-8")
        p = run("crawl", "--portal", portal.base_url, "--catalog", str(cat), "--out", str(tmp_path / "snap"), "--check-workers", "0", "-q")
        assert p.returncode == 0, p.stderr
    names = sorted(d["name"] for d in Snapshot.open(tmp_path / "snap").datasets())
    assert names == ["中文法規_命令資料檔下載", "中文法規_法律資料檔下載"]
    from odaudit.catalog import load_catalog, resolve_catalog_path

    keys = [k for *_, k in load_catalog(resolve_catalog_path("ocf-2017")).keyed_entries()]
    assert len(keys) == len(set(keys)) == 89  # the "89 key datasets" are 89


# --------------------------------------------------------------------------- installed anywhere


def test_the_wheel_installed_in_a_fresh_venv_runs_the_demo_anywhere(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                    "-w", str(dist), str(root)], check=True, capture_output=True, timeout=300, cwd=tmp_path)
    (wheel,) = dist.glob("odaudit-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # Install the wheel itself (no network: its dependencies come from this test's environment,
    # added as a plain path, so the checkout's editable odaudit is not on it).
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", site, str(wheel)],
                   check=True, capture_output=True, timeout=300)
    deps = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "odaudit-test-deps.pth").write_text("\n".join(deps) + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    where = subprocess.run([str(py), "-c", "import odaudit; print(odaudit.__file__)"], capture_output=True, text=True, cwd=work, env=env)
    assert where.stdout.strip().startswith(site), where
    for args in (["crawl", "--catalog", "demo-datagovtw", "--replay", "demo", "--out", "snapshots/demo", "-q"],
                 ["score", "snapshots/demo", "--rubric", "demo-datagovtw", "--out", "reports/demo", "-q"]):
        p = subprocess.run([str(py), "-m", "odaudit", *args], capture_output=True, text=True, cwd=work, env=env, timeout=300)
        assert p.returncode == 0, p.stderr
    assert (work / "reports" / "demo" / "report.md").exists()
    assert (work / "reports" / "demo" / "site" / "index.html").exists()  # the site's templates and static files are in the wheel
    assert (work / "reports" / "demo" / "site" / "static" / "site.css").exists()
    with open(work / "reports" / "demo" / "datasets.csv", encoding="utf-8-sig") as fh:
        assert len(list(csv.DictReader(fh))) == 47
