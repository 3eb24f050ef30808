"""scoring.tables reads resources.jsonl with Arrow when the file is plain and with Python
otherwise: both readings give the same frame, and anything unusual goes to Python (its errors,
its line numbers)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from odaudit.errors import SnapshotError
from odaudit.scoring.tables import _arrow_resource_table, _python_resource_table

PLAIN = {"key": "tw:1#0", "dataset_key": "tw:1", "index": 0, "declared": {"format": " csv ", "rows": "", "fields": ["a"]},
         "url": "https://example.gov.tw/a.csv", "status": 200, "error": None, "bytes": 42, "redirects": [{"url": "x", "status": 301}],
         "provenance": {"kind": "replay", "note": "n", "extra": 1}}


def lines(*records: object) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def write(tmp_path: Path, data: bytes) -> Path:
    p = tmp_path / "resources.jsonl"
    p.write_bytes(data)
    return p


def test_a_plain_file_is_read_by_arrow_as_python_reads_it(tmp_path: Path) -> None:
    other = {"key": "tw:1#1", "index": None, "declared": {"format": "ｊｓｏｎ"}, "status": None, "error": {"kind": "timeout", "message": "m"},
             "url": "https://example.gov.tw/ß"}
    p = write(tmp_path, lines(PLAIN, other, {"key": "tw:2#0", "dataset_key": "tw:2"}))
    fast = _arrow_resource_table(p)
    assert fast is not None
    pd.testing.assert_frame_equal(fast, _python_resource_table(p))
    assert fast["format"].tolist() == ["CSV", "ＪＳＯＮ", ""] and fast["status"].tolist() == ["200", "", ""]
    assert fast["error"].tolist() == ["", "timeout", ""] and fast["index"].tolist() == [0, 0, 0]


@pytest.mark.parametrize("change", [
    {"status": "timeout"}, {"declared": "CSV"}, {"index": 1.0}, {"index": "1"}, {"error": "refused"}, {"provenance": "x"},
    {"url": "https://example.gov.tw/\ud800"}, {"bytes": 10**30}, {"key": 7}, {"dataset_key": True},
])
def test_anything_unusual_is_left_to_python(tmp_path: Path, change: dict) -> None:
    record = {**PLAIN, **change}
    try:
        data = lines(PLAIN, record)
    except UnicodeEncodeError:  # a lone surrogate: written as the JSON escape a portal could send
        data = lines(PLAIN) + json.dumps(record).encode() + b"\n"
    p = write(tmp_path, data)
    assert _arrow_resource_table(p) is None
    if "url" not in change:  # (a lone surrogate cannot be a pandas string: the crawl never stores one)
        assert len(_python_resource_table(p)) == 2


def test_torn_blank_and_broken_files_get_pythons_answer(tmp_path: Path) -> None:
    torn = write(tmp_path, lines(PLAIN) + b'{"key": "tw:9')
    assert _arrow_resource_table(torn) is None and len(_python_resource_table(torn)) == 1  # the torn line skipped
    for bad in (lines(PLAIN) + b"\n", lines(PLAIN) + b"[1]\n", lines(PLAIN) + b'{"dataset_key": "tw:1"}\n'):
        p = write(tmp_path, bad)
        assert _arrow_resource_table(p) is None
    with pytest.raises(SnapshotError, match=r"resources.jsonl:2: not a JSON record"):
        _python_resource_table(write(tmp_path, lines(PLAIN) + b"\n"))
