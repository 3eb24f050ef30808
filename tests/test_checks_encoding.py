"""encoding: strict decoding first, Big5 family incl. cp950/HKSCS/EUDC, the declared vocabulary."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from test_checks_helpers import FIXTURES, SAMPLES, Portal, fixture, one

from odaudit.inspect.charset import EUDC_CODEC, detect_encoding, eudc_codepoint
from odaudit.inspect.vocab import ENC_BIG5, ENC_UTF8, ENC_UTF16, declared_encoding


def test_real_big5_declared_utf8_fails(tmp_path: Path) -> None:
    """The 2017 checker's 46448: declared UTF-8, the file is Big5 (encoding_match 0)."""
    p = Portal(tmp_path)
    p.add("yilan_catalog_big5_slice.csv", encoding="UTF-8")
    f = one(p, "encoding")
    assert (f.outcome, f.measured, f.expected) == ("fail", "cp950", "UTF-8")
    assert "strict UTF-8 fails at byte 0 (0xB8 0xEA)" in f.evidence
    assert "decodes fully as cp950" in f.evidence


def test_strict_big5_fails_but_cp950_decodes_the_slice() -> None:
    data = fixture("yilan_catalog_big5_slice.csv")
    with pytest.raises(UnicodeDecodeError):
        data.decode("big5")
    data.decode("cp950")
    det = detect_encoding(FIXTURES / "yilan_catalog_big5_slice.csv")
    assert (det.codec, det.label, det.family, det.method) == ("cp950", "cp950", ENC_BIG5, "strict")


@pytest.mark.parametrize("declared", ["BIG5", "Big5", "big5", "BIG-5碼", "BIG-5", "cp950", "ANSI"])
def test_big5_declarations_match_cp950(tmp_path: Path, declared: str) -> None:
    p = Portal(tmp_path)
    p.add("yilan_catalog_big5_slice.csv", encoding=declared)
    f = one(p, "encoding")
    assert f.outcome == ("warn" if declared == "ANSI" else "pass"), f
    assert f.measured == "cp950"


def test_utf8_bom_reports_utf8_sig_and_passes(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("taitung_shelters_utf8bom_slice.csv", encoding="UTF-8")
    p.add("wra_reservoir_utf8bom.csv", encoding="utf-8")
    p.add("taitung_shelters_utf8bom_slice.csv", encoding="UTF-8,utf-8")
    r = p.results()
    for i in "01":
        f = r[("encoding", i)]
        assert (f.outcome, f.measured) == ("pass", "utf-8-sig")
        assert "BOM" in f.evidence
    assert r[("encoding", "2")].outcome == "pass"  # same family twice is not "several"


def test_utf8_bom_declared_big5_fails(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("taitung_shelters_utf8bom_slice.csv", encoding="BIG5")
    f = one(p, "encoding")
    assert (f.outcome, f.measured) == ("fail", "utf-8-sig")


def test_eudc_bytes_are_still_big5(tmp_path: Path) -> None:
    det = detect_encoding(FIXTURES / "yilan_catalog_big5_eudc.csv")
    assert det.family == ENC_BIG5 and det.label == "cp950" and det.method == "tolerant"
    assert det.eudc == 2 and det.codec == EUDC_CODEC
    assert "0xFA 0x40" in det.note and "0x81 0x40" in det.note
    p = Portal(tmp_path)
    p.add("yilan_catalog_big5_eudc.csv", encoding="BIG5", rows="60")
    r = p.results()
    assert r[("encoding", "0")].outcome == "pass"
    s = r[("structure", "0")]
    assert s.outcome == "pass" and s.measured == "rows=60 fields=5 errors=0"


def test_eudc_codec_maps_to_private_use() -> None:
    assert eudc_codepoint(0xFA, 0x40) == 0xE000
    assert eudc_codepoint(0x8E, 0x40) == 0xE311
    assert eudc_codepoint(0x81, 0x40) == 0xEEB8
    assert eudc_codepoint(0xC6, 0xA1) == 0xF6B1
    assert eudc_codepoint(0xA4, 0x40) is None  # 一 is not EUDC (lead 0xA4)
    text = fixture("yilan_catalog_big5_eudc.csv").decode(EUDC_CODEC)
    assert "宜\ue000縣" in text and "宜\ueeb8縣" in text
    assert codecs.lookup("x-odaudit-cp950-eudc").name == EUDC_CODEC


def test_hkscs_only_file_is_big5hkscs(tmp_path: Path) -> None:
    body = "名稱,地址\n".encode("cp950") + b"\x87\x40" + "站,基隆\n".encode("cp950")  # 0x8740 is HKSCS, not cp950
    path = tmp_path / "b"
    path.write_bytes(body)
    det = detect_encoding(path)
    assert det.label == "big5hkscs" and det.family == ENC_BIG5


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared samples not available")
def test_whole_taipei_catalog_is_cp950() -> None:
    det = detect_encoding(SAMPLES / "data.taipei_catalog_big5_2018.csv")
    assert det.label == "cp950"


def test_ascii_matches_either(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add(b"id,value\n1,2\n3,4\n", encoding="BIG5")
    p.add(b"id,value\n1,2\n3,4\n", encoding="UTF-8")
    r = p.results()
    assert r[("encoding", "0")].outcome == r[("encoding", "1")].outcome == "pass"
    assert r[("encoding", "0")].measured == "ascii"


def test_declared_other_or_nothing_warns(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("taitung_shelters_utf8bom_slice.csv", encoding="其他")
    p.add("taitung_shelters_utf8bom_slice.csv", encoding="")
    r = p.results()
    assert r[("encoding", "0")].outcome == "warn" and "其他" in r[("encoding", "0")].evidence
    assert r[("encoding", "1")].outcome == "warn"


def test_binary_formats_skip(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add("taitung_shelters.xls", fmt="XLS")
    p.add("taitung_shelters_csv.zip", fmt="ZIP")
    p.add(b"%PDF-1.4\n...", fmt="PDF")
    r = p.results()
    for i in "012":
        assert r[("encoding", i)].outcome == "skip" and "binary" in r[("encoding", i)].evidence


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "u16"
    path.write_bytes("名稱,地址\n甲,乙\n".encode("utf-16"))
    det = detect_encoding(path)
    assert det.family == ENC_UTF16 and det.bom
    assert declared_encoding("Unicode").families == (ENC_UTF8, ENC_UTF16)


def test_truncated_body_ending_inside_a_character(tmp_path: Path) -> None:
    data = "名稱,地址\n臺東市,文化里\n".encode()
    path = tmp_path / "t"
    path.write_bytes(data[:-5])  # cuts 里 in half
    assert detect_encoding(path, truncated=True).label == "utf-8"
    assert detect_encoding(path, truncated=False).label != "utf-8"


def test_latin1_is_not_mistaken_for_big5(tmp_path: Path) -> None:
    path = tmp_path / "l1"
    path.write_bytes("name,city\nJosé,Zürich\nRenée,Genève\n".encode("latin-1"))
    det = detect_encoding(path)
    assert det.family != ENC_BIG5
    assert det.method == "charset-normalizer"


def test_xml_prolog_is_mentioned(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    p.add(b'<?xml version="1.0" encoding="big5"?><root><r><a>1</a></r></root>', fmt="XML", encoding="UTF-8")
    f = one(p, "encoding")
    assert f.outcome == "pass" and "encoding=big5" in f.evidence


@pytest.mark.parametrize(("text", "families", "vague", "several"), [
    ("UTF-8", (ENC_UTF8,), False, False), ("utf-8", (ENC_UTF8,), False, False),
    ("UTF-8,utf-8", (ENC_UTF8,), False, False), ("BIG5", (ENC_BIG5,), False, False),
    ("Big5", (ENC_BIG5,), False, False), ("BIG-5碼", (ENC_BIG5,), False, False),
    ("BIG-5 ", (ENC_BIG5,), False, False), ("ANSI", (ENC_BIG5,), True, False),
    ("Unicode", (ENC_UTF8, ENC_UTF16), True, False), ("Big5,utf-8", (ENC_BIG5, ENC_UTF8), False, True),
    ("其他", (), False, False), ("", (), False, False), ("UTF8,UTF-8", (ENC_UTF8,), False, False),
])
def test_declared_encoding_vocabulary(text: str, families: tuple[str, ...], vague: bool, several: bool) -> None:
    d = declared_encoding(text)
    assert d.families == families
    assert bool(d.ambiguous) == vague
    assert d.several == several
