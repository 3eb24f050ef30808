"""Portal input that used to stop every crawl, or swamp its memory: bad host names, deeply
nested API answers, a huge bulk export. A bad host or a deep answer ends as a recorded fact
about one resource or dataset, and the crawl, its rerun and `crawl --recheck` complete; a
catalog crawl holds only its own rows of the export (issue 17, items 2, 3 and 12)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from portal import FakePortal

from odaudit.store import Snapshot

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
        for run, extra in (("first", ()), ("rerun", ("--since", str(tmp_path / "snap")))):  # a rerun is a new snapshot
            p = crawl_cli(portal, cat, tmp_path / ("snap" if run == "first" else "again"), *extra)
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
        for run, extra in (("first", ()), ("rerun", ("--since", str(tmp_path / "snap")))):  # a rerun is a new snapshot
            p = crawl_cli(portal, cat, tmp_path / ("snap" if run == "first" else "again"), "--check-workers", "1", *extra)
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


def deep_snapshot(tmp_path: Path, levels: int) -> Path:
    """A crawled snapshot whose dataset record holds an API answer nested `levels` deep, as an
    older odaudit stored it (crawled without check workers, so nothing was pickled), re-sealed."""
    with FakePortal(agency_hosts=1) as portal:
        url = portal.hosts[1].serve("/1.csv", CSV, content_type="text/csv")
        portal.add_dataset({**ROW, "資料集識別碼": "1", "資料集名稱": "名稱", "資料下載網址": url, "檔案格式": "CSV"})
        p = crawl_cli(portal, catalog(tmp_path / "cat.yaml", ["1"]), tmp_path / "snap", "--check-workers", "0")
        assert p.returncode == 0, p.stderr
    root = tmp_path / "snap"
    (record,) = [json.loads(line) for line in (root / "datasets.jsonl").read_text(encoding="utf-8").splitlines()]
    record["raw"]["api"]["notes"] = "DEEP"
    line = json.dumps(record, ensure_ascii=False).replace('"DEEP"', "[" * levels + "1" + "]" * levels)
    (root / "datasets.jsonl").write_text(line + "\n", encoding="utf-8")
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {name: _sha256(root / name) for name in manifest["files"]}
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def test_recheck_of_a_snapshot_holding_a_record_nested_500_deep(tmp_path: Path) -> None:
    """Pickling it for a check worker raised RecursionError; now the part below 100 levels is cut."""
    root = deep_snapshot(tmp_path, 500)
    before = (root / "findings.csv").read_bytes()
    p = run_cli(["crawl", "--recheck", str(root), "--check-workers", "1", "--quiet"])
    assert p.returncode == 0, p.stderr
    assert (root / "findings.csv").read_bytes() == before  # the cut part is raw text no check reads


def test_a_snapshot_record_too_deep_to_read_is_bad_input_not_a_crash(tmp_path: Path) -> None:
    root = deep_snapshot(tmp_path, 5000)
    p = run_cli(["crawl", "--recheck", str(root), "--check-workers", "0"])
    assert p.returncode == 2, p.stderr
    # The recheck's progress (body verification, since the shared body store) may come first; the error is one line.
    lines = p.stderr.strip().splitlines()
    assert lines[-1] == f"odaudit: error: {root / 'datasets.jsonl'}:1: a record nested too deep to read"
    assert all("error" not in line and "Traceback" not in line for line in lines[:-1]), p.stderr


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
    from odaudit.store import SnapshotWriter

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


# --------------------------------------------------------------------------- item 12: a huge export


def big_export(rows: int, urls: dict[str, str]) -> bytes:
    import csv
    import io

    from odaudit.portals.datagovtw import EXPORT_COLUMNS

    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(EXPORT_COLUMNS)
    filler = dict.fromkeys(EXPORT_COLUMNS, "")
    for i in range(1, rows + 1):
        ds = str(i)
        cells = {**filler, **ROW, "資料集識別碼": ds, "資料集名稱": f"測試資料集{i}", "檔案格式": "CSV",
                 "資料下載網址": urls.get(ds, f"https://opendata.example.gov.tw/{i}.csv"), "編碼格式": "UTF-8",
                 "資料集描述": f"本資料集提供第{i}號統計資料，每日更新。"}
        w.writerow([cells[c] for c in EXPORT_COLUMNS])
    return buf.getvalue().encode("utf-8-sig")


def test_a_catalog_crawl_holds_only_its_rows_of_a_big_export(tmp_path: Path) -> None:
    """Memory must not grow with the export when the catalog is small: measured with tracemalloc
    over a whole crawl (fetch, store, parse, records) of 2 datasets, for a 2,000-row and a
    20,000-row export (about 0.5 and 5 MB)."""
    import tracemalloc

    from odaudit.crawl import CrawlOptions, run_crawl
    from odaudit.http import FetchOptions

    peaks = {}
    with FakePortal(agency_hosts=1) as portal:
        wanted = ["7", "1999"]
        urls = {ds: portal.hosts[1].serve(f"/{ds}.csv", CSV, content_type="text/csv") for ds in wanted}
        for ds in wanted:
            portal.add_dataset({**ROW, "資料集識別碼": ds, "資料集名稱": f"測試資料集{ds}", "資料下載網址": urls[ds]})
        cat = catalog(tmp_path / "cat.yaml", wanted)
        for run, rows in enumerate((2_000, 2_000, 20_000)):  # the first run loads modules, compiles patterns …
            data = big_export(rows, urls)
            portal.configure_export(body=data)
            if run:
                tracemalloc.start()
            result = run_crawl(CrawlOptions(out=tmp_path / f"snap{run}", portal=portal.base_url, catalog_path=cat,
                                            check_workers=0, fetch=FetchOptions(attempts=1)))
            if run:
                peaks[rows] = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
            assert result.manifest["status"] == "complete" and result.warnings == []
            peaks[f"size{rows}"] = len(data)
    snap = Snapshot.open(tmp_path / "snap2")
    datasets = {d["id"]: d for d in snap.datasets()}
    assert set(datasets) == set(wanted)
    assert all(d["fetch"]["sources"] == ["export", "api"] for d in datasets.values())
    assert datasets["1999"]["raw"]["export"]["資料集描述"] == "本資料集提供第1999號統計資料，每日更新。"
    growth = peaks[20_000] - peaks[2_000]
    assert growth < 1_000_000, peaks  # 10 times the rows (+4.6 MB of export), under 1 MB more (measured: ~0)
    assert peaks[20_000] < peaks["size20000"] / 2, peaks  # never the whole export in memory


def test_parse_export_streams_a_file_as_it_parses_bytes(tmp_path: Path) -> None:
    """A file gives what its bytes give, also when a later part is not UTF-8 (read again as cp950)."""
    from odaudit.portals import datagovtw

    data = big_export(3_000, {})
    # a last line whose bad bytes lie after the second 1 MiB read, a character straddling that boundary
    pad = b"x" * (3 + (3 + 2 * 2**20 - len(data) - 5 - 1) % 3) + b"\r\n"
    tail = pad + ("說" * 400_000).encode() + b"\xff\x81\r\n"
    cases = {"utf-8": data, "cp950": data[:3] + data[3:].decode().encode("cp950"), "neither": data + tail}
    for name, raw in cases.items():
        path = tmp_path / name
        path.write_bytes(raw)
        with open(path, "rb") as fh:
            parsed = datagovtw.parse_export(fh, "x", ids={"5", "2999"})
        assert set(parsed.rows) == {"5", "2999"}, name
        assert parsed.rows["2999"].raw["資料集名稱"] == "測試資料集2999", name
        assert parsed.row_count == (3_002 if name == "neither" else 3_000), name
    # the offset is the file's, BOM included, as bytes.decode says it
    assert parsed.encoding == "utf-8 (replaced)"
    try:
        (data + tail)[3:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = 3 + exc.start
    assert at == len(data) + len(pad) + 1_200_000
    assert parsed.issues[0]["detail"].startswith(f"invalid UTF-8 at byte {at}; not cp950 either")


def test_an_export_of_a_million_broken_rows_lists_a_thousand_issues() -> None:
    from odaudit.portals import datagovtw

    data = big_export(1, {}) + b"1,2\r\n" * 5_000
    parsed = datagovtw.parse_export(data, "x")
    assert len(parsed.issues) == datagovtw.MAX_EXPORT_ISSUES + 1 and parsed.row_count == 5_001
    assert parsed.issues[-1] == {"field": "(file)", "issue": "more_issues", "detail": "4000 more issues not listed"}


def test_yaml_that_trips_the_parser_itself_is_bad_input(tmp_path: Path) -> None:
    """`-_` makes ruamel's scanner raise IndexError (found by the catalog property test): it is a
    malformed file, answered in one line naming it, not an internal error."""
    for i, text in enumerate(("-_", "- -_\n")):
        bad = tmp_path / f"bad{i}.yaml"
        bad.write_text(text, encoding="utf-8")
        for args in (["crawl", "--catalog", str(bad), "--replay", "demo", "--out", str(tmp_path / f"s{i}")],
                     ["rubric", "check", str(bad)]):
            p = run_cli(args)
            assert p.returncode == 2, (args, p.stderr)
            lines = p.stderr.strip().splitlines()
            assert len(lines) == 1 and str(bad) in lines[0] and "invalid YAML" in lines[0] and "internal error" not in lines[0], lines
