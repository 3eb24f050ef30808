"""Malformed portal input that used to stop every crawl: bad host names, deeply nested API
answers. Each ends as a recorded fact about one resource or dataset; the crawl, its rerun
and `crawl --recheck` complete (issue 17, items 2 and 3)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from odaudit.snapshot import Snapshot
from portal import FakePortal

ROW = {"提供機關": "測試機關", "更新頻率": "每1日", "授權方式": "政府資料開放授權條款-第1版", "計費方式": "免費",
       "上架日期": "2020-01-01 00:00:00", "詮釋資料更新時間": "2026-01-01 00:00:00"}
CSV = b"id,value\n1,2\n"
#: Host names the resolver refuses with UnicodeError: an empty label, a label of 64
#: characters, an ACE prefix with no punycode after it.
EMPTY_LABEL = "http://opendata..example.gov.tw/x.csv"
LONG_LABEL = f"http://{'a' * 64}.example.gov.tw/y.csv"
BARE_ACE = "http://xn--/z.csv"
BAD_PUNYCODE = "http://xn--a.example.gov.tw/w.csv"


def run_cli(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odaudit", *args], capture_output=True, text=True, timeout=120)


def catalog(path: Path, ids: list[str], external: dict[str, str] | None = None) -> Path:
    lines = ["name: malformed", "title: malformed input", "method: one dataset per malformed input", "categories:",
             "- id: '1'", "  name: one", "  datasets:", *(f"  - {{name: 'dataset {i}', id: '{i}'}}" for i in ids)]
    lines += [f"  - {{name: '{name}', url: '{url}'}}" for name, url in (external or {}).items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def crawl_cli(portal: FakePortal, cat: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli(["crawl", "--portal", portal.base_url, "--catalog", str(cat), "--out", str(out), "--quiet",
                    "--retries", "0", "--timeout", "2", *extra])


# --------------------------------------------------------------------------- item 2: host names


def test_a_malformed_host_name_is_recorded_as_invalid_url_and_the_crawl_goes_on(tmp_path: Path) -> None:
    """In a download URL, a redirect Location and a catalog `url:`; the rerun completes too."""
    with FakePortal(agency_hosts=1) as portal:
        h = portal.hosts[1]
        ok = h.serve("/ok.csv", CSV, content_type="text/csv")
        hops = [h.redirect("/to-long.csv", LONG_LABEL), h.redirect("/to-ace.csv", BARE_ACE),
                h.redirect("/to-empty.csv", EMPTY_LABEL)]
        urls = [ok, EMPTY_LABEL, LONG_LABEL, BAD_PUNYCODE, *hops]
        portal.add_dataset({**ROW, "資料集識別碼": "1", "資料集名稱": "bad hosts", "檔案格式": ";".join(["CSV"] * len(urls)),
                            "資料下載網址": ";".join(urls), "編碼格式": ";".join(["UTF-8"] * len(urls))})
        cat = catalog(tmp_path / "cat.yaml", ["1"], {"external, bad host": BARE_ACE, "external, empty label": EMPTY_LABEL})
        for run in ("first", "rerun"):
            p = crawl_cli(portal, cat, tmp_path / "snap")
            assert p.returncode == 0, (run, p.stderr)
            assert "Traceback" not in p.stderr
        assert all(h.count(path) == 2 for path in ("/to-long.csv", "/to-ace.csv", "/to-empty.csv"))
    snap = Snapshot.open(tmp_path / "snap")
    assert snap.manifest["status"] == "complete"
    by_ds = snap.resources_by_dataset()
    portal_res = by_ds["tw:1"]
    assert portal_res[0]["status"] == 200 and portal_res[0]["error"] is None
    for r in portal_res[1:]:
        assert r["error"]["kind"] == "invalid_url", r
        assert r["body"] is None and r["status"] is None
    for r in portal_res[1:4]:  # refused before any request: not even one attempt
        assert r["attempts"] == 0 and r["redirects"] == []
    for r in portal_res[4:]:  # the redirect was followed as far as the bad Location, and recorded
        assert len(r["redirects"]) == 1 and r["attempts"] == 1
    assert "empty label" in portal_res[1]["error"]["message"]
    assert "63" in portal_res[2]["error"]["message"]
    external = [rs for key, rs in by_ds.items() if key.startswith("ext:")]
    assert len(external) == 2 and all(rs[0]["error"]["kind"] == "invalid_url" for rs in external)
    assert snap.manifest["counts"]["resource_fetch"] == {"invalid_url": 8, "ok": 1}
    link = {f.resource: f.outcome for f in snap.findings() if f.check == "link" and f.resource}
    assert all(link[r["key"]] == "fail" for rs in by_ds.values() for r in rs if r["error"])


# --------------------------------------------------------------------------- item 3: deep nesting


def nested_answer(levels: int) -> bytes:
    """A v2 answer whose result holds a list nested `levels` deep: about 2 bytes a level."""
    return (b'{"success": true, "result": {"title": "deep", "notes": ' + b"[" * levels + b"1" + b"]" * levels
            + b', "distribution": []}}')


def test_an_api_answer_nested_500_or_1000_deep_is_nested_too_deep_and_the_export_used(tmp_path: Path) -> None:
    """Through check workers (pickling) and the journal; `crawl --recheck` works on the result."""
    with FakePortal(agency_hosts=1) as portal:
        h = portal.hosts[1]
        for i, levels in ((1, 500), (2, 1000), (3, 0)):
            url = h.serve(f"/{i}.csv", CSV, content_type="text/csv")
            portal.add_dataset({**ROW, "資料集識別碼": str(i), "資料集名稱": f"名稱{i}", "檔案格式": "CSV",
                                "資料下載網址": url, "編碼格式": "UTF-8"})
            if levels:
                portal.configure_api(str(i), body=nested_answer(levels), content_type="application/json")
        cat = catalog(tmp_path / "cat.yaml", ["1", "2", "3"])
        for run in ("first", "rerun"):
            p = crawl_cli(portal, cat, tmp_path / "snap", "--check-workers", "1")
            assert p.returncode == 0, (run, p.stderr)
    snap = Snapshot.open(tmp_path / "snap")
    datasets = {d["id"]: d for d in snap.datasets()}
    for i in ("1", "2"):
        d = datasets[i]
        assert d["fetch"]["status"] == "ok" and d["fetch"]["sources"] == ["export"], d["fetch"]
        assert "nested too deep" in d["fetch"]["error"] and d["raw"]["api"] is None
        assert d["meta"]["title"] == f"名稱{i}" and d["meta"]["agency"] == "測試機關"  # the export describes it
    assert datasets["3"]["fetch"]["sources"] == ["export", "api"]
    assert {f.dataset for f in snap.findings()} == {"tw:1", "tw:2", "tw:3"}
    before = (tmp_path / "snap" / "findings.csv").read_bytes()
    for workers in ("1", "0"):
        p = run_cli(["crawl", "--recheck", str(tmp_path / "snap"), "--check-workers", workers, "--quiet"])
        assert p.returncode == 0, p.stderr
        assert (tmp_path / "snap" / "findings.csv").read_bytes() == before


def test_recheck_of_a_snapshot_holding_a_record_nested_500_deep(tmp_path: Path) -> None:
    """A snapshot written before API answers were capped (crawled without check workers, so
    nothing was pickled) holds the answer as sent; a recheck with workers must not crash."""
    with FakePortal(agency_hosts=1) as portal:
        url = portal.hosts[1].serve("/1.csv", CSV, content_type="text/csv")
        portal.add_dataset({**ROW, "資料集識別碼": "1", "資料集名稱": "名稱", "資料下載網址": url, "檔案格式": "CSV"})
        p = crawl_cli(portal, catalog(tmp_path / "cat.yaml", ["1"]), tmp_path / "snap", "--check-workers", "0")
        assert p.returncode == 0, p.stderr
    root = tmp_path / "snap"
    (record,) = [json.loads(line) for line in (root / "datasets.jsonl").read_text(encoding="utf-8").splitlines()]
    deep: Any = 1
    for _ in range(500):
        deep = [deep]
    record["raw"]["api"]["notes"] = deep
    (root / "datasets.jsonl").write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {name: _sha256(root / name) for name in manifest["files"]}
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    before = (root / "findings.csv").read_bytes()
    p = run_cli(["crawl", "--recheck", str(root), "--check-workers", "1", "--quiet"])
    assert p.returncode == 0, p.stderr
    assert (root / "findings.csv").read_bytes() == before  # the cut part is raw text no check reads


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def nest(levels: int, leaf: Any = 1) -> Any:
    value = leaf
    for i in range(levels):
        value = [value] if i % 2 else {"k": value}
    return value


def test_parse_api_refuses_an_answer_deeper_than_its_cap() -> None:
    from odaudit.portals import datagovtw

    # doc and result are 2 levels: the deepest answer accepted holds MAX_API_DEPTH - 2 more
    ok = json.dumps({"success": True, "result": {"notes": nest(datagovtw.MAX_API_DEPTH - 2)}}).encode()
    assert datagovtw.parse_api(ok, "api")["notes"] == nest(datagovtw.MAX_API_DEPTH - 2)
    for levels in (datagovtw.MAX_API_DEPTH - 1, 500, 5000):
        body = json.dumps({"success": True, "result": {"notes": "x"}}).encode().replace(b'"x"', nested_json(levels))
        try:
            datagovtw.parse_api(body, "api/1")
        except datagovtw.PortalError as exc:
            assert exc.kind == "too_deep" and str(exc).startswith("api/1: ") and "nested too deep" in str(exc)
        else:
            raise AssertionError(f"{levels} levels accepted")


def nested_json(levels: int) -> bytes:
    return b"[" * levels + b"1" + b"]" * levels


def test_the_journal_takes_a_record_of_any_depth(tmp_path: Path) -> None:
    """The safety net under the parser's cap: json.dumps would raise RecursionError near 1000 levels."""
    from odaudit import nesting
    from odaudit.snapshot import SnapshotWriter

    writer = SnapshotWriter(tmp_path / "snap")
    writer.add_dataset({"key": "tw:1", "fetch": {"status": "ok"}, "raw": {"api": nest(5000)}})
    writer.add_dataset({"key": "tw:2", "fetch": {"status": "ok"}, "raw": {"api": nest(20)}})
    writer.close()
    got = writer.journaled("datasets")
    assert got["tw:2"]["raw"]["api"] == nest(20)  # a record within the limit is journaled as is
    cut = got["tw:1"]
    assert not nesting.exceeds(cut, nesting.MAX_RECORD_DEPTH) and nesting.exceeds(cut, nesting.MAX_RECORD_DEPTH - 1)
    value = cut["raw"]["api"]  # the record and raw are the first 2 levels
    for _ in range(nesting.MAX_RECORD_DEPTH - 2):
        value = next(iter(value.values())) if isinstance(value, dict) else value[0]
    assert value == f"(nested deeper than {nesting.MAX_RECORD_DEPTH} levels: cut by odaudit)"


def test_clip_keeps_everything_within_the_limit() -> None:
    from odaudit import nesting

    value = {"a": [1, {"b": [2, 3]}, "x"], "c": {"d": {"e": [4]}}, "f": None}
    assert nesting.exceeds(value, 3) and not nesting.exceeds(value, 4)
    assert nesting.clip(value, 4) is value
    cut = "(nested deeper than 3 levels: cut by odaudit)"
    assert nesting.clip(value, 3) == {"a": [1, {"b": cut}, "x"], "c": {"d": {"e": cut}}, "f": None}
    assert not nesting.exceeds(1, 0) and nesting.exceeds([], 0) and nesting.clip([[1]], 1) == ["(nested deeper than 1 levels: cut by odaudit)"]
