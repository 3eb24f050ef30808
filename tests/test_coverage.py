"""Unmeasured is not failed: coverage in every figure, estimates from samples, blocked is not broken.

The demo (the bundled recording of real records) and local portals on loopback sockets, through the
real CLI."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from portal import FakePortal

from odaudit.scoring.estimate import wilson_fpc
from odaudit.store import Snapshot

SUMMARY_KEYS = {"datasets", "datasets_measured", "resources", "resources_measured", "quality_adjusted", "quality_share",
                "barometer", "implementation"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odaudit", *args], capture_output=True, text=True, timeout=300)


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("demo")
    assert run("crawl", "--catalog", "demo-datagovtw", "--replay", "demo", "--out", str(tmp / "snap"), "--check-workers", "0", "-q").returncode == 0
    p = run("score", str(tmp / "snap"), "--rubric", "demo-datagovtw", "--out", str(tmp / "report"), "-q")
    assert p.returncode == 0, p.stderr
    return tmp / "report"


def test_the_demo_says_first_how_little_it_measured(demo: Path) -> None:
    report = (demo / "report.md").read_text(encoding="utf-8")
    minute = report.split("## In one minute", 1)[1].split("\n## ", 1)[0]
    first = minute.strip().splitlines()[0]
    assert first.startswith("- **Coverage**: 113 resources; 0 measured; 108 not recorded in the replay")
    assert "3 stand-ins served by the replay recording" in first and "2 conversions made for the replay recording" in first
    assert "stand-ins or conversions made for the recording" in minute  # what the recording covers
    # The old summary's "0 of 47 (0.0 %)" counted 47 datasets nobody could measure as failing.
    assert "of the **25** whose quality was measured" in minute and "22 were not measured" in minute
    summary = json.loads((demo / "summary.json").read_text(encoding="utf-8"))
    assert SUMMARY_KEYS <= set(summary)
    assert summary["resources"] == 113 and summary["resources_measured"] == 0
    assert summary["resources_not_measured"] == {"not_recorded": 108, "stand_in": 3, "converted": 2}
    assert summary["quality_measured"] == 25 and summary["quality_share"] == 0.0
    assert "estimate" not in summary  # a selection, not a sample


def test_the_demos_tables_separate_measured_from_not_measured(demo: Path) -> None:
    datasets = rows(demo / "datasets.csv")
    assert {d["coverage"] for d in datasets} == {"partial"}  # metadata read; no resource measured
    assert all(d["coverage_reason"].startswith("resources not measured: ") for d in datasets)
    resources = rows(demo / "resources.csv")
    assert {r["coverage"] for r in resources} == {"not_measured"}
    assert {r["coverage_reason"] for r in resources} == {"not_recorded", "stand_in", "converted"}
    # Findings made on a stand-in body say so, and the appendix never shows them as measurements.
    standin = {r["key"] for r in resources if r["provenance"] == "stand_in"}
    marked = [f for f in rows(demo / "findings.csv") if f["resource"] in standin]
    assert marked and {f["provenance"] for f in marked} == {"stand_in"}
    appendix = (demo / "appendix.md").read_text(encoding="utf-8")
    assert "not measured: a stand-in served by the replay recording, not the agency's file; the check said" in appendix
    fields = [f for f in marked if f["dataset"] == "tw:46448" and f["check"] == "encoding"]
    assert fields  # 46448's Big5 finding exists, but is no measurement of the agency's file:
    answers = [a for a in rows(demo / "answers.csv") if a["key"] == "tw:46448" and a["question"] == "machine_readable"]
    assert answers[0]["measured"] == ""
    # No agency gets a quality share for what was not measured.
    for a in rows(demo / "agencies.csv"):
        if a["datasets_measured"] == "0":
            assert a["quality_share"] == "", a


def test_a_sample_of_a_portal_estimates_the_true_share(tmp_path: Path) -> None:
    """120 datasets, 84 good (70 %) and 36 with a dead link; a sample of 40 brackets the truth."""
    today = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    with FakePortal(agency_hosts=1) as portal:
        host = portal.hosts[1]
        for i in range(1, 121):
            good = i % 10 not in (0, 3, 6)
            url = host.serve(f"/f/{i}.csv", f"id,value\n{i},{i * 2}\n", content_type="text/csv") if good else host.url(f"/gone/{i}.csv")
            portal.add_dataset({"資料集識別碼": str(i), "資料集名稱": f"資料{i}", "檔案格式": "CSV", "資料下載網址": url,
                                "編碼格式": "UTF-8", "主要欄位說明": "id;value", "授權方式": "政府資料開放授權條款-第1版",
                                "計費方式": "免費", "更新頻率": "每1日", "詮釋資料更新時間": today, "提供機關": f"機關{i % 4}",
                                "資料集描述": "測試資料", "提供機關聯絡人姓名": "王先生", "提供機關聯絡人電話": "02-1234"})
        for out, extra in (("census", []), ("sample", ["--sample", "40", "--seed", "3"])):
            p = run("crawl", "--all", *extra, "--portal", portal.base_url, "--out", str(tmp_path / out), "--check-workers", "0",
                    "-q", "--retries", "0")
            assert p.returncode == 0, p.stderr
    for out in ("census", "sample"):
        p = run("score", str(tmp_path / out), "--rubric", "ocf-2017", "--out", str(tmp_path / f"r-{out}"), "-q")
        assert p.returncode == 0, p.stderr
    census = json.loads((tmp_path / "r-census" / "summary.json").read_text(encoding="utf-8"))
    assert census["quality_measured"] == 120 and census["quality_share"] == pytest.approx(84 / 120)
    sample = json.loads((tmp_path / "r-sample" / "summary.json").read_text(encoding="utf-8"))
    est = sample["estimate"]
    assert est["sample"] == 40 and est["measured"] == 40 and est["population"] == 120
    assert est["ci_low"] <= 84 / 120 <= est["ci_high"] and est["ci_high"] - est["ci_low"] < 0.35
    assert "finite-population" in est["method"]
    # Outside the sample nothing counts as failing: quality is over the 40 measured, not the 120.
    assert sample["quality_measured"] == 40 and sample["datasets"] == 120
    report = (tmp_path / "r-sample" / "report.md").read_text(encoding="utf-8")
    assert "**Portal-wide estimate** from a random sample of 40 of 120 datasets" in report
    link_row = next(ln for ln in report.splitlines() if ln.startswith("| `link` |"))
    assert " – " in link_row.split("|")[4]  # the share passing `link`, with its interval


def test_wilson_with_finite_population_correction() -> None:
    # A census has no uncertainty; a tiny sample of a big population is plain Wilson.
    assert wilson_fpc(7, 10, 10) == (0.7, 0.7, 0.7)
    share, low, high = wilson_fpc(70, 100, 10**9)
    assert share == 0.7 and low == pytest.approx(0.6041, abs=1e-3) and high == pytest.approx(0.7810, abs=1e-3)
    # Sampling half the population narrows the interval.
    _, low2, high2 = wilson_fpc(70, 100, 200)
    assert low < low2 < 0.7 < high2 < high
    assert wilson_fpc(0, 0, 5) is None


FIREWALL = b"<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. Please consult with your administrator.<br>Your support ID is: 1234567890</body></html>"


def test_blocked_is_not_broken_but_401_is_not_open(tmp_path: Path) -> None:
    with FakePortal(agency_hosts=1) as portal:
        host = portal.hosts[1]
        urls = {
            "firewall": host.serve("/waf.csv", FIREWALL, status=403, content_type="text/html"),
            "tomorrow": host.serve("/busy.csv", b"", status=429, headers={"Retry-After": "86400"}, content_type="text/plain"),
            "legal": host.serve("/451.csv", b"unavailable here", status=451, content_type="text/plain"),
            "forbidden": host.serve("/plain403.csv", b"Forbidden", status=403, content_type="text/plain"),
            "login": host.serve("/login.csv", b"login", status=401, content_type="text/plain"),
        }
        for i, url in enumerate(urls.values(), 1):
            portal.add_dataset({"資料集識別碼": str(i), "資料集名稱": f"d{i}", "檔案格式": "CSV", "資料下載網址": url})
        cat = tmp_path / "cat.yaml"
        cat.write_text("name: b\ntitle: t\nmethod: m\ncategories:\n- id: '1'\n  name: one\n  datasets:\n"
                       + "".join(f"  - {{name: d{i}, id: '{i}'}}\n" for i in range(1, 6)), encoding="utf-8")
        p = run("crawl", "--catalog", str(cat), "--portal", portal.base_url, "--out", str(tmp_path / "snap"), "--check-workers", "0",
                "-q", "--retries", "1")
        assert p.returncode == 0, p.stderr
    snap = Snapshot.open(tmp_path / "snap")
    kind = {r["url"]: (r["error"] or {}).get("kind") for r in snap.resources()}
    assert [kind[urls[k]] for k in ("firewall", "tomorrow", "legal")] == ["blocked"] * 3
    assert kind[urls["forbidden"]] is None and kind[urls["login"]] is None  # answers about the data itself
    link = {f.url: f for f in snap.findings() if f.check == "link"}
    assert all(link[urls[k]].outcome == "skip" and "blocked" in link[urls[k]].evidence for k in ("firewall", "tomorrow", "legal"))
    assert link[urls["login"]].outcome == "fail" and "login required" in link[urls["login"]].evidence
    assert link[urls["forbidden"]].outcome == "fail"

    rubric = tmp_path / "r.yaml"
    assert run("rubric", "init", str(tmp_path / "snap"), "--out", str(rubric)).returncode == 0
    assert run("score", str(tmp_path / "snap"), "--rubric", str(rubric), "--out", str(tmp_path / "report"), "-q").returncode == 0
    summary = json.loads((tmp_path / "report" / "summary.json").read_text(encoding="utf-8"))
    assert summary["blocked"] == 3 and summary["resources_not_measured"] == {"blocked": 3}
    online = {a["key"]: a["measured"] for a in rows(tmp_path / "report" / "answers.csv") if a["question"] == "online"}
    assert [online[f"tw:{i}"] for i in range(1, 6)] == ["", "", "", "no", "no"]
    report = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "3 resources were **blocked**" in report and "from another network" in report

    # The auditor who decides otherwise says so, and the report states the choice.
    p = run("score", str(tmp_path / "snap"), "--rubric", str(rubric), "--out", str(tmp_path / "strict"), "-q", "--blocked-as-broken")
    assert p.returncode == 0, p.stderr
    online = {a["key"]: a["measured"] for a in rows(tmp_path / "strict" / "answers.csv") if a["question"] == "online"}
    assert [online[f"tw:{i}"] for i in range(1, 6)] == ["no"] * 5
    assert "`--blocked-as-broken`" in (tmp_path / "strict" / "report.md").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "strict" / "summary.json").read_text(encoding="utf-8"))["blocked_as_broken"] is True
