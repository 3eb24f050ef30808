"""Malformed portal input that used to stop every crawl: bad host names, deeply nested API
answers. Each ends as a recorded fact about one resource or dataset; the crawl, its rerun
and `crawl --recheck` complete (issue 17, items 2 and 3)."""

from __future__ import annotations

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
