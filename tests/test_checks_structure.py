"""structure: frictionless semantics (the fast CSV path must agree with frictionless validate), formats, limits."""

from __future__ import annotations

import csv
import io
import json
import random
import tracemalloc
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import frictionless
import pytest
from test_checks_helpers import FIXTURES, SAMPLES, Portal, fixture, one

from odaudit.inspect.charset import detect_encoding
from odaudit.inspect.tables import TableScan, scan_delimited

REF = datetime(2025, 9, 23, 12, tzinfo=UTC)


def frictionless_reference(path: Path, codec: str) -> tuple[int, dict[str, int], tuple[tuple[str, int, int], ...]]:
    res = frictionless.Resource(path=path.name, basepath=str(path.parent), format="csv", encoding=codec)
    task = res.validate(limit_errors=10**9).tasks[0]
    counts = Counter(e.type for e in task.errors)
    first = tuple((e.type, getattr(e, "row_number", None) or 0, getattr(e, "field_number", None) or 0) for e in task.errors[:5])
    return task.stats.get("rows", 0), dict(sorted(counts.items())), first  # no rows: the source did not open


def ours(path: Path, codec: str, **kw) -> TableScan:
    return scan_delimited(path, "CSV", codec, truncated=False, row_limit=None, ref=REF, **kw)


def messy_csv(seed: int, n: int = 400, *, delim: str = ",", bom: bool = False, crlf: bool = False,
              header_issue: bool = True) -> bytes:
    """Clean first 120 rows (frictionless infers types from the first 100), then every kind of error."""
    rnd = random.Random(seed)
    header = ["id", "名稱", "日期", "時間", "數量", "比率", "布林", "備註"]
    if header_issue:
        header[5], header[7] = "名稱", ""
    out = io.StringIO()
    w = csv.writer(out, delimiter=delim, lineterminator="\r\n" if crlf else "\n")
    w.writerow(header)
    for i in range(n):
        row = [str(i), f"站{i % 7}", f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", f"2024-01-01T{i % 24:02d}:00:00",
               str(rnd.randint(0, 100)), f"{rnd.random():.3f}", rnd.choice(["true", "false"]), rnd.choice(["", "備註", "a,b"])]
        r = rnd.random()
        if i > 120:
            if r < 0.03:
                row.append("extra")
            elif r < 0.06:
                row = row[: rnd.randint(1, 7)]
            elif r < 0.08:
                row = [""] * len(row)
            elif r < 0.12:
                row[4] = rnd.choice(["N/A", "-", "1.5", " 7", "+3", "1_000", "３", "", "00012"])
            elif r < 0.14:
                row[2] = rnd.choice(["2024-02-30", "2024/01/01", "2024-2-3", "113/01/05", "2024-02-29", "2023-02-29"])
            elif r < 0.16:
                row[3] = rnd.choice(["2024-01-01 10:00:00", "2024-13-01T00:00:00", "2024-01-01T24:00:00",
                                     "2024-01-01T10:00:00+08:00", "2024-01-01T10:00:00.123456Z", "2024-01-01T10:00"])
            elif r < 0.18:
                row[6] = rnd.choice(["yes", "TRUE", "0", "1", "t"])
            elif r < 0.19:
                row[7] = "多行\n文字"
            elif r < 0.20:
                row[5] = rnd.choice(["1e5", "-0.5", ".5", "NaN", "1,000.5"])
            elif r < 0.21:
                row += ["", ""]
        if i > 120 and r > 0.995:
            w.writerow([])
        w.writerow(row)
    text = out.getvalue()
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


CASES = [
    *(("sample", p.name) for p in sorted(SAMPLES.glob("*.csv"))),
    *(("fixture", p.name) for p in sorted(FIXTURES.glob("*.csv"))),
]


@pytest.mark.parametrize(("where", "name"), CASES)
def test_fast_path_equals_frictionless_on_real_files(where: str, name: str) -> None:
    path = (SAMPLES if where == "sample" else FIXTURES) / name
    codec = detect_encoding(path).codec
    scan = ours(path, codec)
    assert scan.engine == "odaudit-csv"
    rows, counts, first = frictionless_reference(path, codec)
    assert (scan.rows, scan.errors, scan.first_errors) == (rows, counts, first)
    slow = ours(path, codec, force_frictionless=True)
    assert slow.engine == "frictionless"
    assert (slow.rows, slow.errors, slow.first_errors) == (rows, counts, first)


@pytest.mark.parametrize(("seed", "options"), [
    (1, {}), (2, {"bom": True, "crlf": True}), (3, {"delim": ";"}), (4, {"delim": "\t"}),
    (5, {"header_issue": False}), (6, {"delim": "|", "bom": True}), (7, {}), (8, {"crlf": True}),
])
def test_fast_path_equals_frictionless_on_messy_files(tmp_path: Path, seed: int, options: dict) -> None:
    path = tmp_path / "messy.csv"
    path.write_bytes(messy_csv(seed, **options))
    codec = detect_encoding(path).codec
    scan = ours(path, codec)
    rows, counts, first = frictionless_reference(path, codec)
    assert scan.engine == "odaudit-csv"
    assert sum(counts.values()) > 10  # the generator really produced errors
    assert (scan.rows, scan.errors, scan.first_errors) == (rows, counts, first)


def test_extra_missing_cells_and_duplicate_header(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("keelung_broken.csv", rows="6")
    f = one(p, "structure")
    assert f.outcome == "fail"
    assert f.measured == "rows=6 fields=6 errors=8"
    for part in ("blank-label 1", "blank-row 1", "duplicate-label 1", "extra-cell 2", "missing-cell 3",
                 "duplicate-label at field 5 ('電話')"):
        assert part in f.evidence


def test_clean_real_files_pass(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("taitung_shelters_utf8bom_slice.csv")
    p.add("yilan_catalog_big5_slice.csv", encoding="BIG5")
    r = p.results()
    assert (r[("structure", "0")].outcome, r[("structure", "0")].measured) == ("pass", "rows=40 fields=13 errors=0")
    assert "encoding utf-8-sig" in r[("structure", "0")].evidence
    assert (r[("structure", "1")].outcome, r[("structure", "1")].measured) == ("pass", "rows=60 fields=5 errors=0")


def test_type_errors_only_warn(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("wra_reservoir_utf8bom.csv")
    f = one(p, "structure")
    assert f.outcome == "warn" and f.measured == "rows=518 fields=16 errors=138"
    assert "type-error at row 154 field 12 ('1.71' is not integer/default)" in f.evidence


@pytest.mark.parametrize("name", ["taitung_shelters.xls", "taitung_shelters.xlsx"])
def test_spreadsheets_via_frictionless(tmp_path: Path, name: str) -> None:
    p = Portal(tmp_path)
    p.add(name, fmt=name.rsplit(".", 1)[1].upper(), rows="20")
    r = p.results()
    f = r[("structure", "0")]
    assert (f.outcome, f.measured) == ("pass", "rows=20 fields=13 errors=0")
    assert "engine frictionless" in f.evidence
    assert r[("consistency", "0")].outcome == "pass"


def test_zip_member_is_validated(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("taitung_shelters_csv.zip", fmt="壓縮檔", rows="40")
    f = one(p, "structure")
    assert (f.outcome, f.measured) == ("pass", "rows=40 fields=13 errors=0")
    assert "ZIP member taitung_shelters.csv" in f.evidence


@pytest.mark.parametrize(("body", "outcome", "measured"), [
    (json.dumps([{"名稱": "甲", "數量": 1}, {"名稱": "乙", "數量": 2}], ensure_ascii=False), "pass", "rows=2 fields=2 errors=0"),
    (json.dumps({"success": True, "result": {"records": [{"a": "1"}, {"a": "2"}, {"a": "3"}]}}), "pass", "rows=3 fields=1 errors=0"),
    (json.dumps([["a", "b"], [1, 2], [3, 4]]), "pass", "rows=2 fields=2 errors=0"),
    (json.dumps([{"a": 1, "b": {"c": 2}}]), "warn", "well-formed JSON, not a flat table"),
    (json.dumps({"a": 1}), "warn", "well-formed JSON, not a flat table"),
    ('[{"a": 1},', "fail", "errors=1 (JSON does not parse)"),
    (json.dumps({"type": "FeatureCollection", "features": []}), "pass", "well-formed GEOJSON"),
])
def test_json(tmp_path: Path, body: str, outcome: str, measured: str) -> None:
    p = Portal(tmp_path)
    p.add(body.encode(), fmt="JSON", content_type="application/json")
    f = one(p, "structure")
    assert (f.outcome, f.measured) == (outcome, measured), f


XML_TABLE = """<?xml version="1.0" encoding="UTF-8"?>
<Data><Meta><Updated>2025-09-23</Updated></Meta>
<Toilet><Country>基隆市</Country><Name>公廁A</Name><Type>男</Type></Toilet>
<Toilet><Country>基隆市</Country><Name>公廁B</Name><Type>女</Type><Type2>x</Type2></Toilet>
<Toilet><Country>基隆市</Country><Name>公廁C</Name><Type>男</Type></Toilet>
</Data>"""


@pytest.mark.parametrize(("body", "fmt", "outcome", "measured"), [
    (XML_TABLE, "XML", "pass", "rows=3 fields=4 errors=0"),
    ('<?xml version="1.0"?><a><b>text</b></a>', "XML", "warn", "well-formed XML, not a flat table"),
    ("<a><b></a>", "XML", "fail", "errors=1 (XML does not parse)"),
    ('<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark/></Document></kml>', "KML", "pass", "well-formed KML"),
])
def test_xml(tmp_path: Path, body: str, fmt: str, outcome: str, measured: str) -> None:
    p = Portal(tmp_path)
    p.add(body.encode(), fmt=fmt, content_type="application/xml")
    f = one(p, "structure")
    assert (f.outcome, f.measured) == (outcome, measured), f


def test_not_tabular_formats_skip(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add(b"%PDF-1.4\n", fmt="PDF")
    p.add("landing_page.html", fmt="CSV")
    r = p.results()
    assert r[("structure", "0")].outcome == "skip" and "PDF is not a tabular" in r[("structure", "0")].evidence
    assert r[("structure", "1")].outcome == "skip" and "HTML page" in r[("structure", "1")].evidence


def test_truncated_body_ignores_the_torn_last_row(tmp_path: Path) -> None:
    data = fixture("taitung_shelters_utf8bom_slice.csv")
    cut = data[: len(data) - 40]
    p = Portal(tmp_path)
    p.add(cut, truncated=True, rows="40")
    p.add(cut, truncated=True, rows="12")
    r = p.results()
    f = r[("structure", "0")]
    assert f.outcome == "pass" and f.measured == "rows=39 fields=13 errors=0"
    assert "truncated" in f.evidence
    assert r[("consistency", "0")].outcome == "skip"  # 40 declared, ≥ 39 seen: cannot tell
    assert r[("consistency", "1")].outcome == "fail"  # 12 declared, ≥ 39 seen


def test_row_limit_is_applied_and_said(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("wra_reservoir_utf8bom.csv", rows="518")
    f = one(p, "structure", row_limit=100)
    assert f.measured == "rows=100 fields=16 errors=0"
    assert "row limit: only the first 100 rows checked" in f.evidence
    assert one(p, "consistency", row_limit=100).outcome == "skip"


def test_header_only_and_empty(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("名稱,地址\n".encode())
    p.add(b"")
    r = p.results()
    assert r[("structure", "0")].measured == "rows=0 fields=2 errors=0"
    assert r[("structure", "1")].outcome == "skip"


def test_memory_does_not_grow_with_rows(tmp_path: Path) -> None:
    def peak(n: int) -> int:
        path = tmp_path / f"big{n}.csv"
        rnd = random.Random(n)
        with open(path, "w", encoding="utf-8", newline="") as fh:
            fh.write("id,站名,時間,雨量\n")
            fh.writelines(f"{i},測站{i % 50},2024-01-{1 + i % 28:02d}T{i % 24:02d}:00:00,{rnd.random() * 100:.2f}\n" for i in range(n))
        tracemalloc.start()
        scan = ours(path, "utf-8")
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert scan.rows == n and scan.error_total == 0
        return top

    small, large = peak(40_000), peak(160_000)
    assert large < small * 1.5 + 2_000_000, (small, large)
