"""`odaudit doctor` and the crawl's own probe, against local portals (tests/portal.py) that have
drifted the ways issue 18 names: an export column renamed and one added, an API answering
CKAN-style `result.resources` for some datasets, vocabulary values odaudit has never seen, dates
in another format; a CKAN portal; a portal that cannot be reached."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from portal import DatasetSpec, FakeHost, FakePortal, PortalSpec, ckan_style, export_row_to_api, real_portal_fixture
from typer.testing import CliRunner

from odaudit.catalog import resolve_catalog_path
from odaudit.cli import app, main
from odaudit.crawl import CrawlOptions, run_crawl
from odaudit.doctor import probe_export
from odaudit.http import FetchOptions
from odaudit.portals import datagovtw as tw
from odaudit.store import Snapshot

FAST = FetchOptions(attempts=2, backoff_initial=0.01, backoff_max=0.05, read_timeout=2.0, connect_timeout=2.0, total_timeout=5.0)
IDS = ["11271", "41568", "45672", "46448", "12639", "13348", "45750", "54554"]
NEW_VALUES = {"更新頻率": "依實際需求", "授權方式": "機關自訂授權", "品質檢測": "鑽石"}


def doctor(portal_url: str, *args: str) -> tuple[int, dict]:
    res = CliRunner().invoke(app, ["doctor", "--portal", portal_url, "--json", "--retries", "0", *args])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, json.loads(res.stdout)


def whats(result: dict, severity: str | None = None) -> list[str]:
    return [o["what"] for o in result["observations"] if severity is None or o["severity"] == severity]


@pytest.fixture(scope="module")
def spec() -> PortalSpec:
    return real_portal_fixture()


def drifted(spec: PortalSpec) -> tuple[PortalSpec, set[str]]:
    """8 real datasets; every other one answers CKAN-style; new vocabulary; a ROC date."""
    datasets, ckan = [], set()
    for i, ds_id in enumerate(IDS):
        row = dict(spec.dataset(ds_id).export)
        row["關鍵字"] = "測試"
        if i < len(NEW_VALUES):
            col = list(NEW_VALUES)[i]
            row[col] = NEW_VALUES[col]
        if i == 3:
            row["檔案格式"] = ";".join(["PARQUET"] * len(row["檔案格式"].split(";")))
        if i == 4:
            row["上架日期"] = "113/01/05"
        api = None
        if i % 2:
            api, _ = ckan_style(export_row_to_api(row)), ckan.add(ds_id)
        datasets.append(DatasetSpec(export=row, api=api, origin="drifted"))
    return PortalSpec(datasets=datasets, bodies=spec.bodies), ckan


def drifted_portal(spec: PortalSpec) -> tuple[FakePortal, set[str]]:
    s, ckan = drifted(spec)
    portal = FakePortal.from_spec(s, rename_columns={"資料下載網址": "資料下載連結"},
                                  export_columns=[*tw.EXPORT_COLUMNS, "關鍵字"])
    return portal, ckan


def test_unchanged_portal_is_ok_and_exits_0(spec) -> None:
    with FakePortal.from_spec(spec) as portal:
        code, result = doctor(portal.base_url)
        hits = portal.portal.total_requests
        agency = sum(h.total_requests for h in portal.agency_hosts)
    assert code == 0 and result["verdict"] == "ok", whats(result)
    assert whats(result, "drift") == [] and whats(result, "unusable") == []
    # a handful of requests: CKAN status, the export, 5 API answers, 1 page; no resource fetched
    assert result["requests"] == hits == 8 and agency == 0
    assert result["api"]["shapes"] == {"distribution": 5} and len(result["sample"]["ids"]) == 5
    assert result["export"]["bom"] is True and result["export"]["delimiter"] == ","


def test_same_seed_same_sample(spec) -> None:
    with FakePortal.from_spec(spec) as portal:
        a = doctor(portal.base_url, "--seed", "3")[1]["sample"]["ids"]
        b = doctor(portal.base_url, "--seed", "3")[1]["sample"]["ids"]
        c = doctor(portal.base_url, "--seed", "4")[1]["sample"]["ids"]
    assert a == b != c


def test_drifted_portal_reports_each_drift_and_exits_1(spec) -> None:
    portal, _ = drifted_portal(spec)
    with portal:
        code, result = doctor(portal.base_url, "--sample", str(len(IDS)))
        screen = CliRunner().invoke(app, ["doctor", "--portal", portal.base_url, "--sample", str(len(IDS))])
    assert code == 1 and result["verdict"] == "drift"
    drift = " | ".join(whats(result, "drift"))
    assert "column 資料下載網址 seems renamed to 資料下載連結" in drift
    assert "new column 關鍵字" in drift
    assert "4 of 8 API answers list resources as result.resources, not result.distribution" in drift
    for vocab, value in [*NEW_VALUES.items(), ("檔案格式", "PARQUET")]:
        assert f"{vocab}: 1 value odaudit does not understand: '{value}'" in drift
    assert "dates in formats odaudit cannot read: 999/99/99 ×1 (export), 999/99/99 ×1 (API)" in drift
    assert result["export"]["renamed"] == [{"expected": "資料下載網址", "found": "資料下載連結", "similarity": 0.67}]
    assert result["api"]["shapes"] == {"distribution": 4, "resources": 4}
    assert {r["value"] for r in result["vocabulary_not_understood"]} == {*NEW_VALUES.values(), "PARQUET"}
    # the one-screen form says the same, with what odaudit will do
    assert screen.exit_code == 1
    assert "verdict: drift" in screen.stdout and "資料下載連結" in screen.stdout and "not guessed" in screen.stdout
    assert len(screen.stdout.splitlines()) < 60


def test_crawl_of_a_drifted_portal_finds_every_url_and_records_the_shape(spec, tmp_path: Path) -> None:
    cat = tmp_path / "cat.yaml"
    cat.write_text("name: drift\ntitle: Drifted portal\nmethod: all of them\ncategories:\n- id: '1'\n  name: one\n  datasets:\n"
                   + "".join(f"  - {{name: 'dataset {i}', id: '{i}'}}\n" for i in IDS), encoding="utf-8")
    portal, ckan = drifted_portal(spec)
    with portal:
        wanted = {portal.url_map[u] for i in IDS for u in _urls(spec.dataset(i).export)}
        result = run_crawl(CrawlOptions(out=tmp_path / "snap", portal=portal.base_url, catalog_path=cat,
                                        check_workers=0, fetch=FAST))
    snap = Snapshot.open(tmp_path / "snap")
    assert result.manifest["status"] == "complete"
    assert {r["url"] for r in snap.resources()} == wanted  # every resource URL, though the export renamed its column
    shapes = {d["id"]: d["api_shape"] for d in snap.datasets()}
    assert shapes == {i: "resources" if i in ckan else "distribution" for i in IDS}
    m = snap.manifest
    assert m["doctor"]["verdict"] == "drift"
    drift = " | ".join(whats(m["doctor"], "drift"))
    assert "資料下載網址 seems renamed to 資料下載連結" in drift and "result.resources" in drift
    assert any(w.startswith("the portal has drifted from what odaudit expects (drift)") for w in m["warnings"])
    # the report says so in its method section, and lists the vocabulary it did not understand
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text("name: drift\ncatalog: drift\nmethod: odb\nreadiness:\n  components:\n"
                      "    - {id: policies, name: Policies, items: [{id: C2, name: 政策, score: 6}]}\n"
                      "impact:\n  components:\n    - {id: political, name: Political, items: [{id: I1, name: 效率, score: 5}]}\n",
                      encoding="utf-8")
    res = CliRunner().invoke(app, ["score", str(tmp_path / "snap"), "--rubric", str(rubric), "--out", str(tmp_path / "rep"), "-q"])
    assert res.exit_code == 0, res.output
    report = (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")
    method = report.split("## Method", 1)[1].split("\n## ", 1)[0]
    assert "verdict **drift**" in method and "資料下載連結" in method
    vocab = report.split("## Vocabulary not understood", 1)[1].split("\n## ", 1)[0]
    for value in (*NEW_VALUES.values(), "PARQUET"):
        assert value in vocab
    res = CliRunner().invoke(app, ["score", str(tmp_path / "snap"), "--rubric", str(rubric), "--out", str(tmp_path / "zh"),
                                   "--lang", "zh-TW", "-q"])
    assert res.exit_code == 0, res.output
    zh = (tmp_path / "zh" / "report.md").read_text(encoding="utf-8")
    assert "## 未能理解的詞彙" in zh and "機關自訂授權" in zh and "結果 `drift`" in zh
    findings = {(f.dataset, f.check): f for f in snap.findings() if not f.resource}
    lic = findings[("tw:41568", "licence")]  # 41568 carries the new 授權方式
    assert lic.outcome == "skip" and "not understood" in lic.evidence


def _urls(row: dict[str, str]) -> list[str]:
    return [r["url"] for r in tw.normalise(row, None)[1] if r["url"]]


@pytest.mark.parametrize("search", [True, False])
def test_a_ckan_portal_is_named_and_unusable_for_now(search: bool) -> None:
    with FakePortal([{"資料集識別碼": "1", "資料集名稱": "A"}]) as portal:
        portal.serve_ckan_status("2.9.5", search=search)
        code, result = doctor(portal.base_url)
    assert code == 2 and result["verdict"] == "unusable" and result["kind"] == "ckan"
    assert result["ckan"] == {"version": "2.9.5", "site": "Fake CKAN", "search": search, "datasets": 1 if search else None}
    assert "a CKAN portal (CKAN 2.9.5, " + ("search enabled, 1 datasets)" if search else "search not enabled)") in whats(result)[0]
    assert result["requests"] == 2


def test_an_unreachable_portal_exits_3(capsys) -> None:
    host = FakeHost("127.0.0.1").start()
    url = host.base_url
    host.stop()
    with pytest.raises(SystemExit) as exc:
        main(["doctor", "--portal", url, "--retries", "0", "--timeout", "1"])
    assert exc.value.code == 3
    err = capsys.readouterr().err
    assert "could not reach the portal" in err and "nothing was probed" in err and "Traceback" not in err


def test_a_tab_separated_export_is_unusable() -> None:
    with FakePortal([{"資料集識別碼": "1", "資料集名稱": "A"}]) as portal:
        portal.configure_export(body="\ufeff資料集識別碼\t資料集名稱\r\n1\tA\r\n".encode())
        code, result = doctor(portal.base_url)
    assert code == 2 and "the bulk export is unreadable: its fields are separated by '\\t', not commas" in whats(result)[0]


def test_export_without_bom_or_in_big5_is_drift() -> None:
    header = ",".join(tw.EXPORT_COLUMNS) + "\r\n"
    row = "1,名稱" + "," * (len(tw.EXPORT_COLUMNS) - 2) + "\r\n"
    _, obs, _ = probe_export((header + row).encode("utf-8"), "x")
    assert [(o.area, o.severity) for o in obs] == [("encoding", "drift")] and "no UTF-8 byte order mark" in obs[0].what
    _, obs, _ = probe_export((header + row).encode("cp950"), "x")
    assert [o.what for o in obs] == ["the export is not UTF-8: decoded as cp950"]


def test_a_replay_without_api_answers_is_not_drift(tmp_path: Path) -> None:
    """The bundled demo recording has no API answers: the crawl's probe must not call that drift."""
    result = run_crawl(CrawlOptions(out=tmp_path / "snap", portal=tw.DEFAULT_PORTAL, catalog_path=resolve_catalog_path("demo-datagovtw"),
                                    replay="demo", check_workers=0, fetch=FAST))
    d = result.manifest["doctor"]
    assert d["verdict"] == "ok", d["observations"]
    assert d["api"]["answered"] == 0 and d["api"]["note"].startswith("no API answer was probed")
    assert d["export"]["bom"] is True and d["export"]["missing"] == [] and d["export"]["new"] == []


def test_odd_api_answers_and_a_moved_page_are_drift() -> None:
    rows = [{"資料集識別碼": str(i), "資料集名稱": f"D{i}", "檔案格式": "CSV", "資料下載網址": f"http://127.0.0.2/{i}.csv",
             "編碼格式": "UTF-8", "資料量": "1"} for i in (1, 2, 3)]
    with FakePortal(rows) as portal:
        wrapped = {"success": True, "result": export_row_to_api(rows[0]), "pagination": {"page": 1}}
        portal.configure_api("1", body=json.dumps(wrapped).encode())
        portal.configure_api("2", body=b"<html><body>maintenance</body></html>", content_type="text/html")
        portal.portal.serve("/dataset/1", b"<html>gone</html>", status=404, content_type="text/html")
        code, result = doctor(portal.base_url, "--sample", "3")
    assert code == 1
    drift = " | ".join(whats(result, "drift"))
    assert "new keys around the API's result: pagination" in drift
    assert "1 of 3 dataset API answers are unusable: 2 (invalid_json)" in drift
    assert "/dataset/1 answers HTTP 404" in drift


def test_portal_must_be_an_http_url(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["doctor", "--portal", "data.gov.tw"])
    assert exc.value.code == 2 and "not an http(s) URL" in capsys.readouterr().err
