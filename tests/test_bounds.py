"""Spreadsheet bombs and bounded checks (issue 17, item 5).

Sheets are read within their real extent and the caps of odaudit/inspect/sheets.py, so a 1.5 KB XLSX
with one cell at XFD1048576, or a `<dimension ref="A1:XFD1048576"/>` over ten real rows, is read in a
second (before: 20 minutes and 4.4 GB, or 74 s and 4.4 GB). The bombs are built here, small.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import frictionless
import pytest
from portal import FakePortal
from test_checks_helpers import Portal, fixture

from odaudit.bounded import BoundedPool, CheckLimits, CheckStopped
from odaudit.checks import run_checks
from odaudit.checks.limits import OverLimit
from odaudit.crawl import CrawlOptions, run_crawl
from odaudit.crawl.rechecker import today_findings
from odaudit.inspect import sheets
from odaudit.inspect.tables import scan_spreadsheet
from odaudit.store import Snapshot

REF = datetime(2025, 9, 23, 12, tzinfo=UTC)
NS = "http://schemas.openxmlformats.org"
#: fails a bomb that is not defused in seconds (before the fix: minutes, gigabytes)
QUICK = pytest.mark.timeout(60)


def _zip(files: dict[str, bytes], first_stored: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2017, 10, 1, 0, 0, 0))
            z.writestr(info, data, compress_type=zipfile.ZIP_STORED if name == first_stored else zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def xlsx(sheet_data: str, dimension: str | None) -> bytes:
    """A one-sheet workbook whose sheet XML is `<dimension ref=…/>` (if given) and `sheet_data`."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    rel = f"{NS}/officeDocument/2006/relationships"
    return _zip({
        "[Content_Types].xml": (f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{NS}/package/2006/content-types">'
                                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                                '<Default Extension="xml" ContentType="application/xml"/>'
                                '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                                '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                                "</Types>").encode(),
        "_rels/.rels": (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{NS}/package/2006/relationships">'
                        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>').encode(),
        "xl/workbook.xml": (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}/spreadsheetml/2006/main" '
                            f'xmlns:r="{rel}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>').encode(),
        "xl/_rels/workbook.xml.rels": (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{NS}/package/2006/relationships">'
                                       f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
                                       "</Relationships>").encode(),
        "xl/worksheets/sheet1.xml": (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}/spreadsheetml/2006/main">'
                                     f"{dim}<sheetData>{sheet_data}</sheetData></worksheet>").encode(),
    })


def cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def ten_rows() -> str:
    """A header and nine rows over A1:C10, like a small real table."""
    head = '<row r="1">' + cell("A1", "站名") + cell("B1", "日期") + cell("C1", "數量") + "</row>"
    body = "".join(f'<row r="{i}">' + cell(f"A{i}", f"站{i}") + cell(f"B{i}", f"2024-01-{i:02d}")
                   + f'<c r="C{i}"><v>{i * 3}</v></c></row>' for i in range(2, 11))
    return head + body


def far_cell() -> str:
    """A header cell and one cell at XFD1048576, the last cell a sheet can have."""
    return '<row r="1">' + cell("A1", "x") + '</row><row r="1048576">' + cell("XFD1048576", "boom") + "</row>"


def ods(rows_xml: str) -> bytes:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="Sheet1">{rows_xml}</table:table>'
               "</office:spreadsheet></office:body></office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    return _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": content.encode(),
                 "META-INF/manifest.xml": manifest.encode()}, first_stored="mimetype")


def ods_cell(value: str) -> str:
    return f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'


def ods_row(*cells: str, repeat: int = 1) -> str:
    attr = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{attr}>{''.join(cells)}</table:table-row>"


def ods_align_bomb() -> bytes:
    """1.4 KB: 60 rows repeated 31 times and one row of 2,000 empty cells repeated 31 times. ezodf
    expands repeats below 32 and pads every row to the widest: 1,862 rows × 62,001 columns."""
    empty = '<table:table-cell table:number-columns-repeated="31"/>'
    rows = "".join(ods_row(ods_cell(f"r{i}"), repeat=31) for i in range(60))
    return ods(ods_row(ods_cell("h")) + rows + ods_row(empty * 2000, ods_cell("w")))


def structure(tmp_path: Path, body: bytes, fmt: str = "XLSX", rows: str = "") -> dict[str, object]:
    p = Portal(tmp_path)
    p.add(body, fmt=fmt, rows=rows, content_type="application/octet-stream")
    return {k[0]: v for k, v in p.results().items() if k[1] == "0"}


# -- the bombs of the issue -------------------------------------------------------------------------


@QUICK
def test_a_lying_dimension_is_read_as_the_real_extent(tmp_path: Path) -> None:
    """`<dimension ref="A1:XFD1048576"/>` over ten real rows: before, 74 s and 4.4 GB of schema
    detection over 16,384 columns; now exactly the findings of the honest file (A1:C10), plus a note."""
    honest = structure(tmp_path / "honest", xlsx(ten_rows(), "A1:C10"), rows="9")
    lying = structure(tmp_path / "lying", xlsx(ten_rows(), "A1:XFD1048576"), rows="9")
    assert honest["structure"].measured == lying["structure"].measured == "rows=9 fields=3 errors=0"
    assert lying["structure"].evidence == (honest["structure"].evidence
                                           + "; sheet read as A1:C10, where its values end (declared A1:XFD1048576)")
    for check in ("link", "downloadable", "format", "fields", "machine_readable", "stars", "consistency"):
        assert (lying[check].outcome, lying[check].measured) == (honest[check].outcome, honest[check].measured), check
    assert lying["fields"] == honest["fields"] and lying["consistency"] == honest["consistency"]


@QUICK
@pytest.mark.parametrize("dimension", ["A1:XFD1048576", None])
def test_one_cell_at_xfd1048576_is_cut_and_says_where(tmp_path: Path, dimension: str | None) -> None:
    """1.5 KB, one cell at the sheet's last cell: before, 20 minutes at 4.4 GB without finishing."""
    body = xlsx(far_cell(), dimension)
    assert len(body) < 2000
    r = structure(tmp_path, body, rows="1")
    f = r["structure"]
    assert f.measured == "rows=0 fields=1 errors=0"
    assert "sheet cut to A1:A1: its values reach row 1,048,576, column 16,384" in f.evidence
    assert "at most 1,024 columns and 2,000,000 cells of a sheet are read" in f.evidence
    # unmeasured is not failed: 1 row declared, and a table cut short cannot say how many it has
    assert r["consistency"].outcome == "skip" and r["consistency"].evidence.startswith("only 0 rows seen (first sheet; sheet cut")


@QUICK
def test_the_cell_cap_cuts_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Values down to row 10 in three columns, a cap of 15 cells: five rows are read (A1:C5)."""
    monkeypatch.setattr(sheets, "MAX_CELLS", 15)
    scan = _scan(tmp_path, xlsx(ten_rows(), "A1:XFD1048576"))
    assert (scan.rows, scan.fields, scan.complete) == (4, 3, False)
    assert "sheet cut to A1:C5: its values reach row 10, column 3" in scan.notes[-1]


@QUICK
def test_ods_repeats_that_expand_past_the_caps_are_cut(tmp_path: Path) -> None:
    """The ODS form of the bomb: ezodf ignores repeats of 32 or more (so a far cell is no bomb there),
    but expands smaller ones and pads every row to the widest: 1.4 KB became 115 million cells."""
    body = ods_align_bomb()
    assert len(body) < 2000
    f = structure(tmp_path, body, fmt="ODS")["structure"]
    assert f.measured == "rows=1860 fields=1 errors=0"
    assert "sheet cut to A1:A1861: its values reach row 1,862, column 62,001" in f.evidence


@QUICK
def test_an_ods_far_cell_was_never_a_bomb(tmp_path: Path) -> None:
    """An ODS cell after 1,048,574 repeated rows and 16,383 repeated cells: ezodf keeps one of each."""
    far = (ods_row(ods_cell("x")) + ods_row('<table:table-cell table:number-columns-repeated="16384"/>', repeat=1048574)
           + ods_row('<table:table-cell table:number-columns-repeated="16383"/>', ods_cell("boom")))
    scan = _scan(tmp_path, ods(far), "ODS")
    assert (scan.rows, scan.fields, scan.notes) == (2, 2, ("first sheet",))


# -- normal sheets: read exactly as frictionless reads them ------------------------------------------


def _scan(tmp_path: Path, body: bytes, fmt: str = "XLSX"):
    path = tmp_path / f"body.{fmt.lower()}"
    tmp_path.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return scan_spreadsheet(path, fmt, row_limit=None, ref=REF)


def _frictionless_rows(tmp_path: Path, body: bytes, fmt: str) -> list[list[object]]:
    path = tmp_path / f"plain.{fmt.lower()}"
    path.write_bytes(body)
    with frictionless.Resource(path=path.name, basepath=str(tmp_path), format=fmt.lower()) as res:
        return [list(res.labels), *(r.to_list() for r in res.row_stream)]


@pytest.mark.parametrize(("name", "body", "fmt"), [
    ("real XLSX (taitung_shelters)", fixture("taitung_shelters.xlsx"), "XLSX"),
    ("XLSX without <dimension>", xlsx(ten_rows(), None), "XLSX"),
    ("XLSX with ragged rows, no <dimension>", xlsx('<row r="1">' + cell("A1", "a") + cell("B1", "b") + '</row><row r="3">'
                                                    + cell("A3", "1") + cell("D3", "x") + "</row>", None), "XLSX"),
    ("ODS with repeats", ods(ods_row(ods_cell("a"), ods_cell("b")) + ods_row(ods_cell("1"), ods_cell("2"), repeat=3)
                             + ods_row('<table:table-cell table:number-columns-repeated="1024"/>', repeat=1048570)), "ODS"),
])
def test_a_sheet_within_the_caps_is_read_as_frictionless_reads_it(tmp_path: Path, name: str, body: bytes, fmt: str) -> None:
    scan = _scan(tmp_path, body, fmt)
    rows = _frictionless_rows(tmp_path, body, fmt)
    assert scan.notes == ("first sheet",) and scan.complete, name
    assert list(scan.labels) == [str(x) for x in rows[0]] and scan.rows == len(rows) - 1, name


# -- checks bounded in time and memory (odaudit/bounded.py) ---------------------------------------------

CRAWLED = "2025-09-23T04:00:00Z"


def wide_csv(columns: int = 50_000) -> bytes:
    """440 KB of CSV with 50,000 columns: frictionless's schema detection takes minutes over it (a
    bomb no cap defuses yet, so only the time limit stops it)."""
    return (",".join(f"c{i}" for i in range(columns)) + "\n" + ",".join("1" for _ in range(columns)) + "\n").encode()


def shared_strings_bomb(n: int = 100_000) -> bytes:
    """315 KB of XLSX whose shared-strings table holds 100 MB of text: openpyxl loads all of it."""
    sst = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}/spreadsheetml/2006/main" count="{n}" uniqueCount="{n}">'
           + ("<si><t>" + "odaudit-" * 125 + "</t></si>") * n + "</sst>")
    plain = zipfile.ZipFile(io.BytesIO(xlsx('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', "A1:A1")))
    files = {i.filename: plain.read(i.filename) for i in plain.infolist()}
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.sharedStrings+xml"/></Types>'))
    files["xl/_rels/workbook.xml.rels"] = files["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", (
        f'<Relationship Id="rId2" Type="{NS}/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>').encode())
    files["xl/sharedStrings.xml"] = sst.encode()
    return _zip(files)


def small_csv() -> bytes:
    return "站名,日期,數量\n臺東,2025-09-01,3\n綠島,2025-09-02,4\n".encode()


def by_resource(findings: list) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for f in findings:
        out.setdefault(f.resource.rsplit("#", 1)[-1] if f.resource else "", {})[f.check] = f
    return out


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odaudit", *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.timeout(120)
def test_a_check_over_the_time_limit_is_an_error_and_the_crawl_goes_on(tmp_path: Path) -> None:
    """The real command line: one dataset, a normal CSV, the 50,000-column CSV and a normal XLSX,
    a 2 s limit. Only the table checks of the wide CSV stop; everything else is as usual."""
    with FakePortal(agency_hosts=1) as portal:
        h = portal.hosts[1]
        urls = [h.serve("/a.csv", small_csv(), content_type="text/csv"),
                h.serve("/wide.csv", wide_csv(), content_type="text/csv"),
                h.serve("/c.xlsx", xlsx(ten_rows(), "A1:C10"), content_type="application/octet-stream")]
        portal.add_dataset({"資料集識別碼": "1", "資料集名稱": "bounded", "檔案格式": "CSV;CSV;XLSX",
                            "資料下載網址": ";".join(urls), "編碼格式": "UTF-8;UTF-8;UTF-8",
                            "授權方式": "政府資料開放授權條款-第1版", "計費方式": "免費"})
        cat = tmp_path / "cat.yaml"
        cat.write_text("name: b\ntitle: b\nmethod: m\ncategories:\n- id: '1'\n  name: one\n  datasets:\n"
                       "  - {name: bounded, id: '1'}\n", encoding="utf-8")
        t0 = time.monotonic()
        done = cli("crawl", "--portal", portal.base_url, "--catalog", str(cat), "--out", str(tmp_path / "snap"),
                   "--check-workers", "1", "--check-timeout", "2", "--quiet", "--retries", "0")
        took = time.monotonic() - t0
    assert done.returncode == 0, done.stderr
    assert took < 60
    snap = Snapshot.open(tmp_path / "snap")
    assert (snap.manifest["options"]["check_timeout"], snap.manifest["options"]["check_memory"]) == (2.0, 2048)
    r = by_resource(snap.findings())
    for check in ("structure", "fields"):
        f = r["1"][check]
        assert (f.outcome, f.measured) == ("error", "time limit"), f
        assert f.evidence == "check stopped: over the 2 s time limit (reading the body as a table)"
    assert [r["1"][c].outcome for c in ("link", "downloadable", "format", "encoding")] == ["pass"] * 4
    assert (r["0"]["structure"].outcome, r["0"]["structure"].measured) == ("pass", "rows=2 fields=3 errors=0")
    assert (r["2"]["structure"].outcome, r["2"]["structure"].measured) == ("pass", "rows=9 fields=3 errors=0")
    assert "#1 data dates unavailable (OverLimit)" in r[""]["freshness"].evidence


@pytest.mark.timeout(120)
def test_only_the_guilty_resources_stop_and_the_findings_repeat(tmp_path: Path) -> None:
    """Two bombs among three resources, in one job: each bomb's table checks stop (two kills), and
    every other finding of the dataset is the one it has when the bombs are harmless files."""
    def snapshot(root: Path, bomb: bytes) -> Portal:
        p = Portal(root)
        p.add(small_csv(), rows="2")
        p.add(bomb, rows="1")
        p.add(bomb, rows="1")
        return p

    bombs = snapshot(tmp_path / "bombs", wide_csv())
    tame = snapshot(tmp_path / "tame", b"a,b\n1,2\n")
    limits = CheckLimits(time_s=2, memory_mb=None)
    with BoundedPool(1, limits) as pool:
        got = pool.submit(run_checks, bombs.dataset(), bombs.resources, str(tmp_path / "bombs"), CRAWLED).result()
        again = pool.submit(run_checks, bombs.dataset(), bombs.resources, str(tmp_path / "bombs"), CRAWLED).result()
    assert got == again
    ours, plain = by_resource(got), by_resource(run_checks(tame.dataset(), tame.resources, str(tmp_path / "tame"), CRAWLED))
    assert ours["0"] == plain["0"]
    for i in ("1", "2"):
        stopped = {c for c, f in ours[i].items() if f.outcome == "error"}
        assert stopped == {"structure", "fields", "consistency"}
        assert {c: (f.outcome, f.measured) for c, f in ours[i].items() if c not in stopped} == \
               {c: (f.outcome, f.measured) for c, f in plain[i].items() if c not in stopped}
    assert {c: f for c, f in ours[""].items() if c != "freshness"} == {c: f for c, f in plain[""].items() if c != "freshness"}


@pytest.mark.timeout(120)
def test_a_check_over_the_memory_limit_is_an_error_in_recheck(tmp_path: Path) -> None:
    """`crawl --recheck` with a 64 MB limit: the XLSX whose shared strings take 100 MB is an error
    that names the limit; the manifest records the limits the recheck ran within."""
    p = Portal(tmp_path / "snap")
    p.add(small_csv(), rows="2")
    p.add(shared_strings_bomb(), fmt="XLSX", rows="1")
    build_snapshot_from(p, tmp_path / "snap")
    done = cli("crawl", "--recheck", str(tmp_path / "snap"), "--check-workers", "1", "--check-memory", "64", "--quiet")
    assert done.returncode == 0, done.stderr
    snap = Snapshot.open(tmp_path / "snap")
    entry = snap.manifest["rechecks"][-1]  # the recheck's findings are kept beside the crawl's, with their limits
    assert (entry["check_timeout"], entry["check_memory"]) == (600.0, 64)
    r = by_resource(snap.findings())
    f = r["1"]["structure"]
    assert (f.outcome, f.measured) == ("error", "memory limit"), f
    assert f.evidence == "check stopped: over the 64 MB memory limit (reading the body as a table)"
    assert r["1"]["format"].outcome == "pass" and r["0"]["structure"].outcome == "pass"


@pytest.mark.timeout(120)
def test_diff_rechecks_within_the_limits(tmp_path: Path) -> None:
    p = Portal(tmp_path / "snap")
    p.add(small_csv(), rows="2")
    p.add(wide_csv(), rows="1")
    snap = Snapshot.open(build_snapshot_from(p, tmp_path / "snap"))
    side = today_findings(snap, recheck=True, reason="test", row_limit=None, workers=2,
                          limits=CheckLimits(time_s=2, memory_mb=None))
    r = by_resource(side.finding_list())
    assert (r["1"]["structure"].outcome, r["1"]["structure"].measured) == ("error", "time limit")
    assert r["0"]["structure"].outcome == "pass"


def build_snapshot_from(p: Portal, root: Path) -> Path:
    """A sealed snapshot of the Portal's one dataset (bodies already under root/bodies)."""
    from odaudit.store import file_hashes, new_manifest, write_findings, write_records

    write_records(root / "datasets.jsonl", [p.dataset()])
    write_records(root / "resources.jsonl", p.resources)
    write_findings(root / "findings.csv", [])
    (root / "catalog.yaml").write_text("name: b\ntitle: b\nmethod: m\ncategories:\n- id: '1'\n  name: one\n  datasets:\n"
                                       "  - {name: x, id: '1'}\n", encoding="utf-8")
    manifest = new_manifest(portal="https://data.gov.tw", catalog_name="b", catalog_sha256="0" * 64, options={},
                            started_at=CRAWLED)
    manifest.update({"status": "complete", "finished_at": CRAWLED, "rules_version": "old", "counts": {"findings": 0},
                     "files": file_hashes(root)})
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


# -- the pool itself: stops outside any check, processes that die ---------------------------------------


def _sleeps(seconds: float, *, guard: object) -> None:
    time.sleep(seconds)  # outside any stage of run_checks


def _dies_in_a_stage(*, guard: object) -> str:
    try:
        guard.enter(0, 102, "reading the body as a table")  # type: ignore[attr-defined]
    except OverLimit as exc:
        return exc.text
    os.kill(os.getpid(), signal.SIGKILL)
    return "not reached"


@pytest.mark.timeout(60)
def test_a_job_over_its_limit_outside_any_check_fails_as_stopped() -> None:
    with BoundedPool(1, CheckLimits(time_s=0.5, memory_mb=None)) as pool:
        with pytest.raises(CheckStopped, match="over the 0.5 s time limit"):
            pool.submit(_sleeps, 30).result()
        assert pool.submit(_sleeps, 0).result() is None  # the replaced worker takes the next job


@pytest.mark.timeout(60)
def test_a_worker_that_dies_twice_at_one_stage_stops_that_stage() -> None:
    with BoundedPool(1, CheckLimits(time_s=None, memory_mb=None)) as pool:
        assert pool.submit(_dies_in_a_stage).result() == ("check stopped: its process died (SIGKILL) "
                                                          "(reading the body as a table)")


def test_in_process_checks_record_no_limits(tmp_path: Path) -> None:
    with FakePortal(agency_hosts=1) as portal:
        url = portal.hosts[1].serve("/a.csv", small_csv(), content_type="text/csv")
        portal.add_dataset({"資料集識別碼": "1", "資料集名稱": "x", "檔案格式": "CSV", "資料下載網址": url})
        cat = tmp_path / "cat.yaml"
        cat.write_text("name: b\ntitle: b\nmethod: m\ncategories:\n- id: '1'\n  name: one\n  datasets:\n"
                       "  - {name: x, id: '1'}\n", encoding="utf-8")
        run_crawl(CrawlOptions(out=tmp_path / "snap", portal=portal.base_url, catalog_path=cat, check_workers=0,
                               check_limits=CheckLimits(time_s=5, memory_mb=100)))
    options = Snapshot.open(tmp_path / "snap").manifest["options"]
    assert (options["check_timeout"], options["check_memory"]) == (None, None)
