"""The columnar CSV reader (odaudit/inspect/tables/columnar.py) against `frictionless validate`.

Messy files, hand-made and property-based: quoted newlines (LF and CRLF), ragged rows, blank rows,
BOMs, Big5, mixed line ends, type errors after the rows frictionless infers types from, an
unterminated quote at the end, empty and header-only files. The columnar reader, the stdlib reader it
falls back to, and frictionless must give the same row count, error counts by type and first errors.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_checks_structure import frictionless_reference, messy_csv, ours

from odaudit.inspect.charset import detect_encoding
from odaudit.inspect.tables import columnar

PROPS = settings(max_examples=150, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

HEADER = ["編號", "站名", "日期", "數量", "比率", "備註"]
#: cells for every column: valid values of the inferred types, values that are not, and the awkward ones
CELLS = ["1", "42", "-7", "", "3.5", "N/A", "2024-01-05", "2024-02-30", "2024/01/05", "true", "臺北市", "站A",
         "多行\n文字", "多行\r\n文字", "a,b", 'say "hi"', " 7", "１", "00012", "1e5", "\u3000"]
ENDS = ["\n", "\r\n", "\r"]


def clean_row(i: int) -> list[str]:
    return [str(i), f"站{i % 7}", f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", str(i * 3 % 101), f"{i / 7:.3f}", ""]


def row_text(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()


@st.composite
def messy_files(draw: st.DrawFn) -> tuple[bytes, str, bool]:
    """(body, codec to write it in, whether it ends inside an unterminated quote)."""
    width = draw(st.integers(1, len(HEADER)))
    clean = draw(st.sampled_from([0, 3, 105]))  # frictionless infers the types from the first 100 rows
    rows = [clean_row(i)[:width] for i in range(clean)]
    rows += draw(st.lists(st.lists(st.sampled_from(CELLS), max_size=width + 2), max_size=25))
    ends = draw(st.lists(st.sampled_from(ENDS), min_size=len(rows) + 1, max_size=len(rows) + 1))
    body = "".join(row_text(r) + e for r, e in zip([HEADER[:width], *rows], ends, strict=True))
    open_quote = draw(st.booleans()) and draw(st.booleans())
    if open_quote:
        body += '1,"unterminated\n'
    if not draw(st.booleans()):
        body = body.rstrip("\r\n")
    codec = draw(st.sampled_from(["utf-8", "utf-8-sig", "big5"]))
    return body.encode(codec), codec, open_quote


def agree(path: Path) -> str:
    """Both readers equal frictionless; returns the reader the default path used."""
    codec = detect_encoding(path).codec
    scan = ours(path, codec)
    expected = frictionless_reference(path, codec)
    assert (scan.rows, scan.errors, scan.first_errors) == expected
    if scan.engine == "odaudit-csv":
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(columnar.READER_ENV, "stdlib")
            old = ours(path, codec)
        assert old.reader == "stdlib"
        assert (old.rows, old.errors, old.first_errors) == expected
    return scan.reader


@PROPS
@given(messy_files())
def test_columnar_reader_equals_frictionless_on_messy_files(tmp_path_factory: pytest.TempPathFactory,
                                                            messy: tuple[bytes, str, bool]) -> None:
    body, _, _ = messy
    path = tmp_path_factory.mktemp("messy") / "messy.csv"
    path.write_bytes(body)
    agree(path)


@pytest.mark.parametrize(("seed", "options"), [
    (11, {}), (12, {"bom": True, "crlf": True}), (13, {"delim": ";"}), (14, {"delim": "\t"}), (15, {"delim": "|"}),
])
def test_the_columnar_reader_reads_the_messy_parity_files(tmp_path: Path, seed: int, options: dict) -> None:
    path = tmp_path / "messy.csv"
    path.write_bytes(messy_csv(seed, **options))
    assert agree(path) == "columnar"


def test_quoted_crlf_big5_mixed_line_ends_and_ragged_rows(tmp_path: Path) -> None:
    lines = [row_text(HEADER)] + [row_text(clean_row(i)) for i in range(120)]
    lines += [row_text(["121", "站\r\n二", "2024-01-01", "N/A", "1.5", "多行\n文字"]),  # quoted CRLF and LF
              "", row_text(["122", "站"]), row_text([*clean_row(123), "多", "餘"]), row_text(["", "", "", "", "", ""]),
              row_text(["124", "站", "2024-02-30", "7", "x", ""])]
    ends = ["\r\n", "\n", "\r"]
    text = "".join(line + ends[k % 3] for k, line in enumerate(lines))
    path = tmp_path / "big5.csv"
    path.write_bytes(text.encode("big5"))
    assert agree(path) == "columnar"
    scan = ours(path, detect_encoding(path).codec)
    assert set(scan.errors) == {"blank-row", "extra-cell", "missing-cell", "type-error"}, scan.errors  # all exercised


def test_empty_and_header_only_files(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "header.csv").write_bytes("名稱,地址\r\n".encode())
    for name in ("empty.csv", "header.csv"):
        agree(tmp_path / name)


@pytest.mark.parametrize(("tail", "why"), [
    ('9,"unterminated,x\n', "an unterminated quote in an odd last row"),
    ('9,"lone\rcr",x,y\n', "a lone CR inside a quoted cell"),
])
def test_what_the_columnar_reader_is_not_sure_of_goes_to_the_stdlib_reader(tmp_path: Path, tail: str, why: str) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(("a,b,c\n" + "".join(f"{i},{i},{i}\n" for i in range(5)) + tail).encode())
    assert agree(path) == "stdlib", why


def test_row_numbers_hold_across_many_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columnar, "BLOCK_SIZE", 4096)  # the 150 KB file below spans ~40 blocks
    path = tmp_path / "blocks.csv"
    path.write_bytes(messy_csv(21, n=3000, crlf=True))
    assert agree(path) == "columnar"


def test_a_record_longer_than_a_block_goes_to_the_stdlib_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columnar, "BLOCK_SIZE", 4096)
    path = tmp_path / "long.csv"
    rows = [row_text(clean_row(i)) for i in range(150)] + [row_text(["151", "站", "2024-01-01", "1", "0.5", "長" * 5000])]
    path.write_bytes(("\n".join([row_text(HEADER), *rows]) + "\n").encode())
    assert agree(path) == "stdlib"
