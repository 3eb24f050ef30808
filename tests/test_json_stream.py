"""JSON tables over the 16 MB parse limit are streamed (ijson) and validated, not skipped; the nesting
cap and malformed documents give findings, not tracebacks; small tables are read as before."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import ijson
import pytest
from test_checks_helpers import Portal, one

import odaudit.inspect.tables.documents as documents
import odaudit.inspect.tables.jsonstream as jsonstream
from odaudit.inspect.sniff import JSON_PARSE_LIMIT
from odaudit.inspect.tables import scan_json

REF = datetime(2026, 1, 1, tzinfo=UTC)
PAD = "臺北市信義區市府路一號" * 8


def big_table(n: int = 65_000) -> tuple[bytes, dict[str, int]]:
    """An array of arrays over 16 MB with known errors: every 1000th row lacks its last cell,
    every 5000th has one cell too many, every 2000th has text in the integer column."""
    rows = ['["id","count","place"]']
    want = {"missing-cell": 0, "extra-cell": 0, "type-error": 0}
    for i in range(1, n + 1):
        count = '"many"' if i % 2000 == 7 else str(i * 3)
        want["type-error"] += i % 2000 == 7
        if i % 1000 == 1:
            rows.append(f"[{i},{count}]")
            want["missing-cell"] += 1
        elif i % 5000 == 3:
            rows.append(f'[{i},{count},"{PAD}",9]')
            want["extra-cell"] += 1
        else:
            rows.append(f'[{i},{count},"{PAD}"]')
    body = ("[" + ",\n".join(rows) + "]").encode("utf-8")
    assert len(body) > JSON_PARSE_LIMIT
    return body, want


def test_json_over_the_parse_limit_is_validated(tmp_path: Path) -> None:
    body, want = big_table()
    p = Portal(tmp_path)
    p.add(body, fmt="JSON", content_type="application/json")
    f = one(p, "structure")
    assert (f.outcome, f.measured) == ("fail", "rows=65000 fields=3 errors=" + str(sum(want.values()))), f
    for etype, n in want.items():
        assert f"{etype} {n}" in f.evidence, f.evidence
    assert "missing-cell at row 2 field 3" in f.evidence  # data row 1 is row 2 (the header is row 1)
    assert "streamed: larger than 16 MB" in f.evidence


def test_big_keyed_records_under_a_wrapper(tmp_path: Path) -> None:
    recs = [{"id": i, "name": PAD, **({"note": "x"} if i == 5 else {})} for i in range(60_000)]
    body = json.dumps({"success": True, "result": {"records": recs}}, ensure_ascii=False).encode()
    assert len(body) > JSON_PARSE_LIMIT
    p = Portal(tmp_path)
    p.add(body, fmt="JSON", content_type="application/json")
    f = one(p, "structure")
    assert (f.outcome, f.measured) == ("pass", "rows=60000 fields=3 errors=0"), f
    assert "records at 'result.records'" in f.evidence


@pytest.mark.parametrize("big", [False, True])
def test_nesting_bomb_is_a_finding_not_a_crash(tmp_path: Path, big: bool) -> None:
    depth = JSON_PARSE_LIMIT + 10 if big else 5000
    body = b'{"a":' + b"[" * depth + b"]" * depth + b"}"
    p = Portal(tmp_path)
    p.add(body, fmt="JSON", content_type="application/json")
    f = one(p, "structure")
    assert f.outcome == "skip", f
    assert "nested deeper than 64 levels" in f.evidence and "nesting cap" in f.evidence


def test_65_levels_is_past_the_cap_and_64_is_not(tmp_path: Path) -> None:
    pad = b" " * JSON_PARSE_LIMIT  # over the limit: the streaming path
    for depth, capped in ((64, False), (65, True)):
        path = tmp_path / f"d{depth}.json"
        path.write_bytes(b"[" * depth + b"]" * depth + pad)
        scan = scan_json(path, truncated=False, row_limit=None, ref=REF)
        assert any("nested deeper" in n for n in scan.notes) is capped, scan


def test_truncated_big_json_names_the_byte(tmp_path: Path) -> None:
    body, _ = big_table()
    cut = body[: JSON_PARSE_LIMIT + 1001]  # cut mid-record, past the parse limit
    p = Portal(tmp_path)
    p.add(cut, fmt="JSON", content_type="application/json")
    f = one(p, "structure")
    assert (f.outcome, f.measured) == ("fail", "errors=1 (JSON does not parse)"), f
    assert f"JSON does not parse at byte {len(cut)}" in f.evidence


def test_malformed_byte_mid_stream_is_located(tmp_path: Path) -> None:
    body, _ = big_table()
    at = body.index(b"]", 10_000_000)  # a row's closing bracket, deep in the stream
    broken = body[:at] + b"}" + body[at + 1:]
    path = tmp_path / "b.json"
    path.write_bytes(broken)
    scan = scan_json(path, truncated=False, row_limit=None, ref=REF)
    assert scan.kind == "invalid" and scan.errors == {"format-error": 1}
    assert scan.examples[0].startswith(f"format-error: JSON does not parse at byte {at}:"), scan.examples


SHAPES = [
    [{"a": 1, "b": "x"}, {"a": "y", "b": "z", "c": 3}, {"a": 2}],
    {"meta": {"n": 2}, "result": {"records": [{"id": 1, "v": 1.5}, {"id": 2, "v": "bad"}]}},
    {"data": [[1, 2], [3, 4, 5], [6]]},
    [["h1", "h2"], [1, 2], [3]],
    [], {"x": []}, [1, 2, 3], [{"a": [1]}], [[1, [2]]], {"a": 1}, 5, [{"a": 1}, [1]],
    {"a": [{"x": 1}], "b": {"c": [{"y": 1}, {"y": 2}]}},
    {"a": {"b": {"c": {"d": [{"x": 1}]}}}}, {"a": {"b": {"c": [{"x": 1}]}}},
    {"a": [1, 2], "b": [{"k": 1}]},
    [{"a": {"b": 1}}, {"a": 2}],
    [{"名稱": "臺北", "值": 1.0e3, "日期": "2025-01-02"}, {"名稱": "高雄", "值": None, "ok": True, "日期": "2025-03-04"}],
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp950"])
@pytest.mark.parametrize("shape", range(len(SHAPES)))
def test_streamed_scan_equals_the_loaded_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shape: int,
                                              encoding: str) -> None:
    """The same document read whole and streamed (limit lowered to 0) gives the same scan."""
    path = tmp_path / "t.json"
    path.write_bytes(json.dumps(SHAPES[shape], ensure_ascii=False).encode(encoding))
    loaded = scan_json(path, truncated=False, row_limit=None, ref=REF)
    monkeypatch.setattr(documents, "JSON_PARSE_LIMIT", 0)
    streamed = scan_json(path, truncated=False, row_limit=None, ref=REF)
    assert streamed.notes[-1] == "streamed: larger than 0 MB"
    streamed.notes = streamed.notes[:-1]
    assert streamed == loaded


@pytest.mark.parametrize("backend", ["python", jsonstream.BACKEND])
def test_either_ijson_backend_gives_the_same_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str) -> None:
    """The C backend when installed, the pure-Python one otherwise: same scans, same messages' offsets."""
    monkeypatch.setattr(documents, "JSON_PARSE_LIMIT", 0)
    monkeypatch.setattr(jsonstream, "PARSER", ijson.get_backend(backend))
    cases = {
        "table": json.dumps(SHAPES[1]).encode(),
        "bomb": b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "broken": b"[[1,2],[3,}]",
        "cut": b"[[1,2],[3,4]",
        "cp950": '[{"a":"臺北"}]'.encode("cp950"),
    }
    got = {}
    for name, body in cases.items():
        path = tmp_path / f"{name}.json"
        path.write_bytes(body)
        got[name] = scan_json(path, truncated=False, row_limit=None, ref=REF)
    assert (got["table"].kind, got["table"].rows, got["cp950"].kind) == ("table", 2, "table")
    assert "nested deeper than 64 levels" in got["bomb"].notes[0]
    assert got["broken"].examples[0].startswith("format-error: JSON does not parse at byte 10: ")
    assert got["cut"].examples[0].startswith("format-error: JSON does not parse at byte 12: ")
    assert "\n" not in got["broken"].examples[0]
