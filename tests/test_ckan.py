"""The CKAN adapter: a fake CKAN on 127.0.0.1 built from real demo.ckan.org answers (tests/ckan_portal.py),
crawled through the public CLI with no adapter flag; each planted defect is found by its check, clean
packages pass, a private package is recorded and does not stop the crawl, the snapshot scores into a
report and site. And the enumeration's edges: a count changing mid-way, search disabled, --adapter."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ckan_portal import CLEAN, DEFECTS, PRIVATE, FakeCkan, package_from, planted_packages, real_packages

from odaudit.inspect.frequency import parse_frequency
from odaudit.inspect.licences import normalise_licence
from odaudit.portals import ckan, get_adapter

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odaudit", *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


def crawl(portal: str, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run("crawl", "--portal", portal, "--all", "--out", str(out), "--workers", "0", "-q", *extra)


def findings(snap: Path) -> dict[str, dict[str, list[dict[str, str]]]]:
    """dataset name → check → its findings."""
    out: dict[str, dict[str, list[dict[str, str]]]] = {}
    with open(snap / "findings.csv", encoding="utf-8-sig", newline="") as fh:
        for f in csv.DictReader(fh):
            out.setdefault(f["dataset"].rsplit(":", 1)[1], {}).setdefault(f["check"], []).append(f)
    return out


def datasets(snap: Path) -> dict[str, dict]:
    return {json.loads(line)["key"].rsplit(":", 1)[1]: json.loads(line)
            for line in (snap / "datasets.jsonl").read_text(encoding="utf-8").splitlines()}


# ------------------------------------------------------------------ the adapter, pure

def test_a_real_demo_package_is_mapped_to_the_normalised_metadata() -> None:
    pkg = real_packages()["2016-regione-asia-est-oceania-classi-di-eta"]
    meta, resources, issues = ckan.normalise(None, pkg)
    assert meta["title"] == pkg["title"] and meta["description"] == pkg["notes"]
    assert meta["agency"] == "SDB"                      # organization.title
    assert meta["licence"] == "cc-by"                   # license_id, judged by the Open Definition list
    assert meta["modified"] == "2017-07-05T19:29:07Z"   # CKAN's naive UTC, stored with its zone
    assert meta["tags"] and resources[0]["format"] == "CSV" and resources[0]["url"].endswith("20161231_rase.csv")
    assert issues == []
    assert get_adapter("ckan") is ckan and ckan.dataset_key("http://127.0.0.1:8000", "x") == "ckan:127.0.0.1:8000:x"
    # notspecified is no licence at all; a DCAT frequency extra is the frequency
    meta, _, _ = ckan.normalise({**pkg, "license_id": "notspecified", "extras": [{"key": "accrual_periodicity", "value": "weekly"}]}, None)
    assert meta["licence"] == "" and meta["frequency"] == "weekly"


@pytest.mark.parametrize(("value", "lid", "is_open"), [
    ("other-closed", "other-closed", False), ("other-nc", "other-nc", False), ("cc-nc", "CC-BY-NC-4.0", False),
    ("odc-odbl", "ODbL-1.0", True), ("uk-ogl", "OGL-UK-2.0", True), ("OGL-UK-3.0", "OGL-UK-3.0", True),
    ("other-open", "other-open", True), ("Other (Not Open)", "other-closed", False),
])
def test_licences_are_judged_by_the_open_definition_list(value: str, lid: str, is_open: bool) -> None:
    lic = normalise_licence(value)
    assert (lic.id, lic.open) == (lid, is_open)
    assert "Open Definition" in lic.note


@pytest.mark.parametrize(("value", "days"), [
    ("http://publications.europa.eu/resource/authority/frequency/DAILY", 1.0), ("ANNUAL_2", 183.0),
    ("daily", 1.0), ("Weekly", 7.0), ("monthly", 31.0), ("annual", 366.0), ("http://purl.org/cld/freq/quarterly", 92.0),
])
def test_dcat_and_english_frequencies_are_understood(value: str, days: float) -> None:
    f = parse_frequency(value)
    assert (f.kind, f.period_days) == ("periodic", days)
    assert parse_frequency("http://publications.europa.eu/resource/authority/frequency/IRREG").kind == "irregular"
    assert parse_frequency("NEVER").kind == "static"


def _page(count: int, names: list[str]) -> bytes:
    return json.dumps({"success": True, "result": {"count": count, "results": [{"name": n, "resources": []} for n in names]}}).encode()


def test_the_enumeration_pages_by_start_and_starts_again_when_the_count_changes() -> None:
    e = ckan.Enumeration("http://h", page_rows=2)
    assert "rows=2&start=0&sort=name%20asc" in (e.next_url() or "")
    e.feed(e.next_url() or "", 200, _page(3, ["a", "b"]))
    assert "start=2" in (e.next_url() or "")
    e.feed(e.next_url() or "", 200, _page(4, ["c"]))             # one was added meanwhile
    assert "start=0" in (e.next_url() or "") and e.issues[0]["issue"] == "count_changed"
    e.feed(e.next_url() or "", 200, _page(4, ["a", "b"]))
    e.feed(e.next_url() or "", 200, _page(4, ["c", "d"]))
    assert e.next_url() is None and sorted(e.rows) == ["a", "b", "c", "d"] and e.summary()["restarts"] == 1


# ------------------------------------------------------------------ end to end

@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("ckan") / "snap"
    with FakeCkan(planted_packages) as portal:
        p = crawl(portal.base_url, out)  # no --adapter: status_show says CKAN
        requests = [r.key for r in portal.api.requests]
    assert p.returncode == 0, p.stderr
    return out, requests


def test_the_fake_ckan_is_detected_and_crawled_with_no_adapter_flag(planted) -> None:
    snap, requests = planted
    m = json.loads((snap / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "complete" and m["adapter"] == "ckan" and "answered as CKAN" in m["adapter_detection"]
    assert m["enumeration"]["method"] == "package_search" and m["enumeration"]["packages"] == len(DEFECTS) + len(CLEAN) + 1
    assert requests[0] == "/api/3/action/status_show"
    # package_show only where the search result lacks the resources (the private package)
    assert [r for r in requests if "package_show" in r] == [f"/api/3/action/package_show?id={PRIVATE}"]
    assert all(r["key"].startswith("ckan:127.0.0.1:") for r in datasets(snap).values())


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_each_planted_defect_is_found_by_its_check(planted, name: str) -> None:
    check, outcome = DEFECTS[name]
    got = [f["outcome"] for f in findings(planted[0])[name][check]]
    assert outcome in got, (name, check, got)


@pytest.mark.parametrize("name", CLEAN)
def test_clean_packages_pass(planted, name: str) -> None:
    fs = findings(planted[0])[name]
    for check in ("link", "downloadable", "format", "structure", "machine_readable", "stars", "licence", "freshness"):
        assert [f["outcome"] for f in fs[check]] == ["pass"], (check, fs[check])
    assert not any(f["outcome"] == "fail" for group in fs.values() for f in group)
    assert fs["badge"][0]["outcome"] == "skip"  # CKAN has no 品質檢測 badge: nothing claimed, nothing judged


def test_fields_ckan_does_not_have_are_not_measured_rather_than_blamed_on_the_publisher(planted) -> None:
    fs = findings(planted[0])["clean-species"]
    assert [(f["outcome"], f["evidence"]) for f in fs["free"]] == [("skip", "the portal has no cost field (計費方式): not measured")]
    assert fs["fields"][0]["outcome"] == "skip" and "no field-description field" in fs["fields"][0]["evidence"]
    assert (fs["encoding"][0]["outcome"], fs["encoding"][0]["measured"]) == ("skip", "utf-8-sig")  # still measured
    # metadata: 主要欄位說明 and cost left out; 70 of the 80 remaining points (no publisher) → 88/100
    assert fs["metadata"][0]["measured"] == "points=88/100" and "scored over 80 points" in fs["metadata"][0]["evidence"]


def test_a_private_package_is_recorded_and_nothing_of_it_is_judged(planted) -> None:
    rec = datasets(planted[0])[PRIVATE]
    assert rec["fetch"]["status"] == "forbidden"
    assert "HTTP 403" in rec["fetch"]["error"] and "not authorized to read package" in rec["fetch"]["error"]
    assert {f["outcome"] for group in findings(planted[0])[PRIVATE].values() for f in group} == {"skip"}


def test_the_ckan_snapshot_scores_into_a_report_and_a_site(planted, tmp_path: Path) -> None:
    snap = planted[0]
    rubric = tmp_path / "rubric.yaml"
    p = run("rubric", "init", str(snap), "--out", str(rubric))
    assert p.returncode == 0, p.stderr
    p = run("score", str(snap), "--rubric", str(rubric), "--out", str(tmp_path / "report"), "-q")
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "report" / "report.md").is_file() and (tmp_path / "report" / "site" / "index.html").is_file()
    answers = (tmp_path / "report" / "answers.csv").read_text(encoding="utf-8-sig")
    assert "ckan:127.0.0.1:" in answers and "clean-species" in answers


# ------------------------------------------------------------------ enumeration edges, --adapter

def _small(portal: FakeCkan) -> None:
    real = real_packages()
    for i, (name, pkg) in enumerate(sorted(real.items())):
        url = portal.serve_file(f"/f/{i}.csv", b"a,b\n1,2\n", "text/csv")
        portal.add(package_from(pkg, f"p{i}-{name[:10]}", pkg["title"], [{"url": url, "format": "CSV"}]))


def test_a_count_change_mid_enumeration_starts_again_once(tmp_path: Path) -> None:
    with FakeCkan(_small, rows_max=2) as portal:
        def add_once(page: int) -> None:
            if page == 1:
                portal.add(package_from(real_packages()["100-validated-species-of-plants"], "zz-added", "Added", []))
        portal.page_hook = add_once
        p = crawl(portal.base_url, tmp_path / "snap")
    assert p.returncode == 0, p.stderr
    m = json.loads((tmp_path / "snap" / "manifest.json").read_text(encoding="utf-8"))
    assert m["enumeration"]["restarts"] == 1 and m["enumeration"]["packages"] == 4
    assert any("mid-enumeration; started again" in w for w in m["warnings"])


def test_a_count_that_keeps_changing_is_refused_and_a_resume_with_another_adapter_too(tmp_path: Path) -> None:
    with FakeCkan(_small, rows_max=2) as portal:
        def add_always(page: int) -> None:
            portal.add(package_from(real_packages()["100-validated-species-of-plants"], f"zz-{page}", "Added", []))
        portal.page_hook = add_always
        p = crawl(portal.base_url, tmp_path / "snap")
        assert p.returncode == 3, p.stderr
        assert "package count kept changing" in p.stderr and "nothing crawled" in p.stderr
        assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
        # the unfinished crawl is a CKAN one: resuming it as data.gov.tw is refused, in one line
        p = crawl(portal.base_url, tmp_path / "snap", "--adapter", "datagovtw")
    assert p.returncode == 2 and "with the ckan adapter is here" in p.stderr and len(p.stderr.strip().splitlines()) == 1


def test_package_list_is_used_when_search_is_disabled(tmp_path: Path) -> None:
    with FakeCkan(_small, search=False) as portal:
        portal.add(package_from(real_packages()["100-validated-species-of-plants"], PRIVATE, "Private", [], private=True),
                   private=True)
        p = crawl(portal.base_url, tmp_path / "snap")
        shows = [r.key for r in portal.api.requests if "package_show" in r.key]
    assert p.returncode == 0, p.stderr
    m = json.loads((tmp_path / "snap" / "manifest.json").read_text(encoding="utf-8"))
    assert m["enumeration"]["method"] == "package_list" and any("enumerated with package_list" in w for w in m["warnings"])
    assert len(shows) == 4  # every package, from package_show
    ds = datasets(tmp_path / "snap")
    assert ds[PRIVATE]["fetch"]["status"] == "forbidden"
    assert all(r["fetch"]["status"] == "ok" and r["fetch"]["sources"] == ["api"] for k, r in ds.items() if k != PRIVATE)


def test_adapter_forces_one_and_since_refuses_another(planted, tmp_path: Path) -> None:
    with FakeCkan(_small) as portal:
        p = crawl(portal.base_url, tmp_path / "forced", "--adapter", "ckan")
        asked = [r.key for r in portal.api.requests]
        assert p.returncode == 0, p.stderr
        assert "/api/3/action/status_show" not in asked  # forced: not detected
        m = json.loads((tmp_path / "forced" / "manifest.json").read_text(encoding="utf-8"))
        assert (m["adapter"], m["adapter_detection"]) == ("ckan", "given (--adapter)")
        # forced to data.gov.tw, the CKAN has no bulk export: nothing to crawl, said in one line
        p = crawl(portal.base_url, tmp_path / "tw", "--adapter", "datagovtw")
        assert p.returncode == 3 and "could not fetch the bulk export" in p.stderr
        p = crawl(portal.base_url, tmp_path / "tw2", "--adapter", "datagovtw", "--since", str(planted[0]))
        assert p.returncode == 2 and "made with the ckan adapter" in p.stderr and "Traceback" not in p.stderr
        p = crawl(portal.base_url, tmp_path / "bad", "--adapter", "nosuch")
        assert p.returncode == 2 and "unknown portal adapter 'nosuch'" in p.stderr
        p = run("crawl", "--portal", portal.base_url, "--catalog", "demo-datagovtw", "--out", str(tmp_path / "cat"), "-q")
        assert p.returncode == 2 and "crawls a whole portal (use --all" in p.stderr


def test_a_portal_that_is_not_ckan_keeps_the_datagovtw_interface(tmp_path: Path) -> None:
    from portal import FakePortal

    with FakePortal() as portal:
        url = portal.hosts[0].serve("/f/a.csv", b"a,b\n1,2\n", content_type="text/csv")
        portal.add_dataset({"資料集識別碼": "1", "資料集名稱": "A", "檔案格式": "CSV", "資料下載網址": url, "編碼格式": "UTF-8",
                            "授權方式": "政府資料開放授權條款-第1版", "更新頻率": "每年",
                            "詮釋資料更新時間": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")})
        p = crawl(portal.base_url, tmp_path / "snap")
    assert p.returncode == 0, p.stderr
    m = json.loads((tmp_path / "snap" / "manifest.json").read_text(encoding="utf-8"))
    assert m["adapter"] == "datagovtw" and "did not answer as CKAN" in m["adapter_detection"]
    assert list(datasets(tmp_path / "snap")) == ["1"] and (tmp_path / "snap" / "datasets.jsonl").read_text().count('"tw:1"') == 1


def test_the_api_rate_limit_is_honoured(tmp_path: Path) -> None:
    with FakeCkan(_small, search=False) as portal:
        portal.throttle = 1  # every API URL: 429 with Retry-After: 1 first, then the answer
        p = crawl(portal.base_url, tmp_path / "snap")
        answers = [(r.key, r.status) for r in portal.api.requests]
    assert p.returncode == 0, p.stderr
    for action in ("status_show", "package_list", "package_show"):
        statuses = [s for k, s in answers if action in k]
        assert 429 in statuses and statuses[-1] == 200, (action, statuses)
    assert all(r["fetch"]["status"] == "ok" for r in datasets(tmp_path / "snap").values())
