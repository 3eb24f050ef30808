"""End to end: `odaudit crawl` against a fake data.gov.tw on real loopback sockets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from portal import FakePortal, real_portal_fixture

from odaudit.crawl import CrawlOptions, check_snapshot, run_crawl
from odaudit.http import FetchOptions
from odaudit.store import Snapshot

FAST = FetchOptions(attempts=3, backoff_initial=0.01, backoff_max=0.05, read_timeout=2.0, connect_timeout=2.0, total_timeout=5.0)
VOLATILE = {"elapsed_ms", "attempts"}


def write_catalog(path: Path, ids: list[str], extra: str = "") -> Path:
    lines = ["name: e2e", "title: End-to-end test catalog", "method: every dataset of the fixture portal", "categories:",
             "- id: '1'", "  name: one", "  datasets:"]
    lines += [f"  - {{name: 'dataset {i}', id: '{i}'}}" for i in ids]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def crawl(portal: FakePortal, catalog: Path, out: Path, **kw: Any) -> Any:
    opts = CrawlOptions(out=out, portal=portal.base_url, catalog_path=catalog, check_workers=kw.pop("check_workers", 0),
                        fetch=kw.pop("fetch", FAST), **kw)
    return run_crawl(opts)


def stable(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in VOLATILE} for r in records]


@pytest.fixture(scope="module")
def spec():
    return real_portal_fixture()


def test_real_portal_every_dataset_and_resource_recorded(tmp_path: Path, spec) -> None:
    with FakePortal.from_spec(spec) as portal:
        cat = write_catalog(tmp_path / "cat.yaml", spec.ids())
        result = crawl(portal, cat, tmp_path / "snap", check_workers=2)
    m = result.manifest
    assert m["status"] == "complete" and m["format_version"] == 1
    snap = Snapshot.open(tmp_path / "snap")
    datasets = {d["id"]: d for d in snap.datasets()}
    assert set(datasets) == set(spec.ids())
    resources = snap.resources()
    declared = sum(len(d["resources"]) for d in datasets.values())
    assert len(resources) == declared == m["counts"]["resources"] > len(spec.ids())
    assert len({r["key"] for r in resources}) == len(resources)
    for r in resources:
        if r["declared"]["url"]:
            assert r["status"] == 200, r
            assert r["sha256"] and (snap.root / r["body"]).stat().st_size == r["bytes"]
            assert r["final_url"].startswith("http://127.0.0.")
    # raw metadata kept, normalised fields present, checks ran for every dataset
    d = datasets["41568"]
    assert d["raw"]["export"]["資資料集上架方式"] == "系統介接程式" and d["raw"]["api"] is not None
    assert d["meta"]["agency"] == "經濟部水利署" and d["meta"]["frequency"] == "每1日"
    checked = {f.dataset for f in snap.findings()}
    assert checked == {d["key"] for d in datasets.values()}
    assert m["files"]["findings.csv"] and not (snap.root / "journal").exists()


def test_failure_modes_are_recorded_and_crawl_completes(tmp_path: Path) -> None:
    with FakePortal(agency_hosts=1) as portal:
        h = portal.hosts[1]
        urls = {
            "ok": h.serve("/ok.csv", b"a,b\n1,2\n", content_type="text/csv"),
            "slow": h.serve("/slow.csv", b"a\n1\n", content_type="text/csv", delay=4),
            "missing": h.serve("/missing.csv", b"not found", status=404, content_type="text/html"),
            "flaky": h.serve("/flaky.csv", b"a\n1\n", content_type="text/csv", fail_times=1, fail_status=500),
            "limited": h.serve("/limited.csv", b"a\n1\n", content_type="text/csv", fail_times=1, fail_status=429, retry_after="1"),
            "moved": h.redirect_chain("/moved.csv", "/ok.csv", hops=2),
            "html": h.serve("/page.csv", b"<!DOCTYPE html><html><body>Error</body></html>", content_type="text/csv"),
            "gzip": h.serve("/gz.csv", b"a,b\n3,4\n", content_type="text/csv", gzip=True),
            "cut": h.serve("/cut.csv", b"a,b\n" + b"1,2\n" * 1000, content_type="text/csv", truncate=100),
        }
        for n, (name, url) in enumerate(urls.items(), 1):
            portal.add_dataset({"資料集識別碼": str(n), "資料集名稱": name, "檔案格式": "CSV", "資料下載網址": url,
                                "編碼格式": "UTF-8", "授權方式": "政府資料開放授權條款-第1版", "計費方式": "免費"})
        cat = write_catalog(tmp_path / "cat.yaml", [str(i) for i in range(1, len(urls) + 1)])
        t0 = time.monotonic()
        result = crawl(portal, cat, tmp_path / "snap")
        took = time.monotonic() - t0
        assert h.count("/flaky.csv") == 2 and h.count("/limited.csv") == 2 and h.count("/missing.csv") == 1
    assert result.manifest["status"] == "complete"
    snap = Snapshot.open(tmp_path / "snap")
    by_name = {d["name"]: d for d in snap.datasets()}
    res = {r["dataset_key"]: r for r in snap.resources()}
    r = {name: res[by_name[f"dataset {i}"]["key"]] for i, name in enumerate(urls, 1)}
    assert r["ok"]["status"] == 200 and r["ok"]["error"] is None
    assert r["slow"]["error"]["kind"] == "timeout"
    assert r["missing"]["status"] == 404 and r["missing"]["attempts"] == 1
    assert r["flaky"]["status"] == 200 and r["flaky"]["attempts"] == 2
    assert r["limited"]["status"] == 200 and r["limited"]["attempts"] == 2
    assert [x["status"] for x in r["moved"]["redirects"]] == [301, 301] and r["moved"]["final_url"] == urls["ok"]
    assert r["gzip"]["content_encoding"] == "gzip" and (snap.root / r["gzip"]["body"]).read_bytes() == b"a,b\n3,4\n"
    assert r["cut"]["error"]["kind"] == "read" and r["cut"]["body"] is None
    assert took < 30
    findings = {(f.dataset, f.check): f for f in snap.findings() if f.resource}
    html_key = by_name["dataset 7"]["key"]
    assert findings[(html_key, "downloadable")].outcome == "fail"
    assert findings[(html_key, "format")].outcome == "fail"
    assert findings[(by_name["dataset 3"]["key"], "link")].outcome == "fail"


def test_external_and_missing_datasets(tmp_path: Path) -> None:
    with FakePortal(agency_hosts=1) as portal:
        url = portal.hosts[1].serve("/agency/page", b"<html><body>landing page</body></html>", content_type="text/html")
        extra = f"- id: '2'\n  name: two\n  datasets:\n  - {{name: external one, url: '{url}'}}\n  - {{name: never found}}\n"
        cat = write_catalog(tmp_path / "cat.yaml", [], extra).read_text().replace("  datasets:\n- id: '2'", "  datasets: []\n- id: '2'")
        (tmp_path / "cat.yaml").write_text(cat)
        crawl(portal, tmp_path / "cat.yaml", tmp_path / "snap")
    snap = Snapshot.open(tmp_path / "snap")
    kinds = {d["kind"]: d for d in snap.datasets()}
    assert kinds["external"]["fetch"]["status"] == "external" and kinds["missing"]["fetch"]["status"] == "not_online"
    (ext_res,) = [r for r in snap.resources() if r["dataset_key"] == kinds["external"]["key"]]
    assert ext_res["status"] == 200 and ext_res["content_type"] == "text/html"
    assert [r for r in snap.resources() if r["dataset_key"] == kinds["missing"]["key"]] == []


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_recrawl_since_a_previous_snapshot_uses_conditional_requests(tmp_path: Path, spec) -> None:
    with FakePortal.from_spec(spec, validators=True) as portal:
        cat = write_catalog(tmp_path / "cat.yaml", spec.ids()[:6])
        crawl(portal, cat, tmp_path / "2025")
        before = tree_bytes(tmp_path / "2025")
        first = {r["key"]: r for r in Snapshot.open(tmp_path / "2025").resources()}
        crawl(portal, cat, tmp_path / "2026", since=tmp_path / "2025")
    second = {r["key"]: r for r in Snapshot.open(tmp_path / "2026").resources()}
    assert first.keys() == second.keys()
    fetched = [k for k, r in first.items() if r["status"] == 200]
    assert fetched and all(second[k]["not_modified"] and second[k]["status"] == 304 for k in fetched)
    assert all(second[k]["sha256"] == first[k]["sha256"] and second[k]["body"] for k in fetched)
    # The new snapshot holds the bodies itself (hard links where possible); the old one is unchanged.
    for k in fetched:
        new_body, old_body = tmp_path / "2026" / second[k]["body"], tmp_path / "2025" / first[k]["body"]
        assert new_body.read_bytes() == old_body.read_bytes()
    assert tree_bytes(tmp_path / "2025") == before
    assert Snapshot.open(tmp_path / "2026").manifest["options"]["since"] == str(tmp_path / "2025")


def test_a_damaged_cache_body_is_downloaded_again(tmp_path: Path, spec) -> None:
    with FakePortal.from_spec(spec, validators=True) as portal:
        cat = write_catalog(tmp_path / "cat.yaml", ["41568"])
        crawl(portal, cat, tmp_path / "2025")
        prev = [r for r in Snapshot.open(tmp_path / "2025").resources() if r.get("body")]
        (tmp_path / "2025" / prev[0]["body"]).write_bytes(b"edited by hand")
        crawl(portal, cat, tmp_path / "2026", since=tmp_path / "2025")
    again = {r["key"]: r for r in Snapshot.open(tmp_path / "2026").resources()}[prev[0]["key"]]
    assert again["status"] == 200 and not again["not_modified"] and again["sha256"] == prev[0]["sha256"]


def run_cli(args: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odaudit", *args], capture_output=True, text=True, timeout=120, **kw)


def test_kill_9_and_resume_loses_and_duplicates_nothing(tmp_path: Path, spec) -> None:
    ids = spec.ids()
    with FakePortal.from_spec(spec, latency=0.06) as portal:
        cat = write_catalog(tmp_path / "cat.yaml", ids)
        base = ["crawl", "--portal", portal.base_url, "--catalog", str(cat), "--check-workers", "0", "--quiet",
                "--concurrency", "2", "--per-host", "1"]
        ref = run_cli([*base, "--out", str(tmp_path / "ref")])
        assert ref.returncode == 0, ref.stderr
        for attempt in range(2):  # killed at different points each time
            out = tmp_path / f"killed{attempt}"
            proc = subprocess.Popen([sys.executable, "-m", "odaudit", *base, "--out", str(out)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            journal = out / "journal" / "datasets.jsonl"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if journal.exists() and journal.read_bytes().count(b"\n") >= 3 + 4 * attempt:
                    break
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            assert not (out / "manifest.json").exists()
            resumed = run_cli([*base, "--out", str(out)])
            assert resumed.returncode == 0, resumed.stderr
            a, b = Snapshot.open(tmp_path / "ref"), Snapshot.open(out)
            assert b.manifest["status"] == "complete"
            assert [d["key"] for d in b.datasets()] == [d["key"] for d in a.datasets()]
            assert stable(b.resources()) == stable(a.resources())
            assert list(b.datasets()) == list(a.datasets())
            # Freshness ages count from each crawl's own start time, so compare the rest with the
            # reference, and the whole with a fresh run of the checks on b's records.
            assert [f for f in b.findings() if f.check != "freshness"] == [f for f in a.findings() if f.check != "freshness"]
            assert b.findings() == check_snapshot(b)


def test_cli_summary_exit_codes_and_quiet(tmp_path: Path, spec, capsys) -> None:
    with FakePortal.from_spec(spec) as portal:
        cat = write_catalog(tmp_path / "cat.yaml", spec.ids()[:3])
        args = ["crawl", "--portal", portal.base_url, "--catalog", str(cat), "--check-workers", "0", "--out"]
        p = run_cli([*args, str(tmp_path / "a")])
        assert p.returncode == 0 and "datasets" in p.stderr and p.stdout == ""
        q = run_cli([*args, str(tmp_path / "b"), "--quiet"])
        assert q.returncode == 0 and q.stderr == "" and q.stdout == ""
    bad = run_cli(["crawl", "--catalog", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "c")])
    assert bad.returncode == 2 and "nope.yaml" in bad.stderr and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_portal_down_exits_3(tmp_path: Path) -> None:
    cat = write_catalog(tmp_path / "cat.yaml", ["1", "2"])
    p = run_cli(["crawl", "--portal", "http://127.0.0.1:9", "--catalog", str(cat), "--out", str(tmp_path / "s"),
                 "--check-workers", "0", "--retries", "0", "--timeout", "1", "--quiet"])
    assert p.returncode == 3, p.stderr
    assert Snapshot.open(tmp_path / "s").manifest["status"] == "partial"


def test_resume_refuses_a_different_catalog(tmp_path: Path, spec) -> None:
    out = tmp_path / "snap"
    (out / "journal").mkdir(parents=True)
    (out / "journal" / "run.json").write_text(json.dumps({"manifest": {"catalog": {"name": "other", "sha256": "x"}, "portal": "p"}}))
    cat = write_catalog(tmp_path / "cat.yaml", ["1"])
    p = run_cli(["crawl", "--catalog", str(cat), "--out", str(out), "--quiet"])
    assert p.returncode == 2 and "unfinished crawl" in p.stderr


def test_all_with_seeded_sample(tmp_path: Path) -> None:
    with FakePortal(agency_hosts=1) as portal:
        for i in range(1, 31):
            url = portal.hosts[1].serve(f"/f/{i}.csv", f"id\n{i}\n".encode(), content_type="text/csv")
            portal.add_dataset({"資料集識別碼": str(i), "資料集名稱": f"d{i}", "檔案格式": "CSV", "資料下載網址": url})
        runs = []
        for n in range(2):
            portal.hosts[1].reset_counters()
            out = tmp_path / f"all{n}"
            result = run_crawl(CrawlOptions(out=out, portal=portal.base_url, all=True, sample=5, seed=7,
                                            check_workers=0, fetch=FAST))
            assert result.manifest["status"] == "complete" and result.manifest["catalog"]["name"] == "all"
            assert portal.hosts[1].total_requests == 5
            snap = Snapshot.open(out)
            assert len(snap.datasets()) == 30
            fetched = sorted(r["dataset_key"] for r in snap.resources() if r["fetched"])
            assert len(fetched) == 5 and len(snap.resources()) == 30
            runs.append(fetched)
            from odaudit.catalog import load_catalog

            whole = load_catalog(snap.catalog_path())  # written by the crawl, for score and diff
            assert whole.name == "all" and "seed 7" in whole.method
    assert runs[0] == runs[1]  # same seed, same sample


def test_unsampled_resources_are_skipped_not_failed(tmp_path: Path) -> None:
    with FakePortal(agency_hosts=1) as portal:
        for i in range(1, 5):
            url = portal.hosts[1].serve(f"/f/{i}.csv", f"id\n{i}\n".encode(), content_type="text/csv")
            portal.add_dataset({"資料集識別碼": str(i), "資料集名稱": f"d{i}", "檔案格式": "CSV", "資料下載網址": url})
        run_crawl(CrawlOptions(out=tmp_path / "s", portal=portal.base_url, all=True, sample=1, check_workers=0, fetch=FAST))
    snap = Snapshot.open(tmp_path / "s")
    unsampled = {r["key"] for r in snap.resources() if not r["fetched"]}
    outcomes = {f.outcome for f in snap.findings() if f.resource in unsampled and f.check in ("link", "stars", "format", "encoding")}
    assert len(unsampled) == 3 and outcomes == {"skip"}


def test_recheck_offline_reproduces_findings_byte_for_byte(tmp_path: Path, spec) -> None:
    with FakePortal.from_spec(spec) as portal:
        cat = write_catalog(tmp_path / "cat.yaml", spec.ids()[:10])
        crawl(portal, cat, tmp_path / "snap")
    # The portal is gone now: the recheck cannot touch the network.
    before = (tmp_path / "snap" / "findings.csv").read_bytes()
    for workers in ("0", "2"):
        p = run_cli(["crawl", "--recheck", str(tmp_path / "snap"), "--check-workers", workers])
        assert p.returncode == 0, p.stderr
        assert "nothing added" in p.stderr
        assert (tmp_path / "snap" / "findings.csv").read_bytes() == before
        assert not (tmp_path / "snap" / "rechecks").exists()
    snap = Snapshot.open(tmp_path / "snap")  # the manifest still seals every file
    from odaudit.checks import RULES_VERSION

    assert snap.manifest["rules_version"] == RULES_VERSION


def test_recheck_with_row_limit_is_recorded(tmp_path: Path, spec) -> None:
    with FakePortal.from_spec(spec) as portal:
        cat = write_catalog(tmp_path / "cat.yaml", ["41568"])
        crawl(portal, cat, tmp_path / "snap")
    crawled = (tmp_path / "snap" / "findings.csv").read_bytes()
    p = run_cli(["crawl", "--recheck", str(tmp_path / "snap"), "--check-workers", "0", "--row-limit", "10", "--quiet"])
    assert p.returncode == 0, p.stderr
    snap = Snapshot.open(tmp_path / "snap")
    assert snap.current_findings().row_limit == 10 and snap.current_findings().file.startswith("rechecks/")
    structure = [f for f in snap.findings() if f.check == "structure" and f.outcome != "skip"]
    assert structure and all("only the first 10 rows checked" in f.evidence for f in structure)
    # The crawl's own findings are kept as they were, and still listed with their rules.
    assert (tmp_path / "snap" / "findings.csv").read_bytes() == crawled
    assert [s.file for s in snap.findings_sets()][0] == "findings.csv"


def test_written_files_have_ordinary_permissions(tmp_path: Path, spec) -> None:
    with FakePortal.from_spec(spec) as portal:
        cat = write_catalog(tmp_path / "cat.yaml", spec.ids()[:2])
        crawl(portal, cat, tmp_path / "snap")
    mask = os.umask(0)
    os.umask(mask)
    for f in [*(tmp_path / "snap").glob("*.*"), *(tmp_path / "snap" / "bodies").rglob("*")]:
        if f.is_file():
            assert f.stat().st_mode & 0o777 == 0o666 & ~mask, f
