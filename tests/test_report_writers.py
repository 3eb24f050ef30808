"""The report writers that work on distinct values (report/csvwrite.py, report/jsonld.py, report/coded.py)
write the bytes the cell-by-cell writers they replaced wrote: those are kept here, as they were, as
the oracle, and both are given hostile text, odd numbers and the edges (no rows, a lone column)."""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import numpy as np
import pandas as pd
import pytest

from odaudit.report import coded
from odaudit.report.csvwrite import write_csv
from odaudit.report.jsonld import METRICS, _iri, metric_iri, write_findings_jsonld
from odaudit.report.safe import neutralise
from odaudit.text import UNSAFE, visible

HOSTILE = ["", "plain", "=1+1", "-2", "+x", "@a", "\tt", "\rr", "a,b", 'say "hi"', "two\nlines", "cr\rin", "crlf\r\n",
           "esc\x1b[2J", "nul\x00", "rlo\u202etxt.exe", "c1\x85", "ls\u2028", "nonchar\ufffe", "lone\ud800", "全形\u3000空白",
           "水庫每日營運狀況", "back\\slash", "\\x1b literally", "trailing ", " leading", "'quoted", "-", ",", '"']


# --- the oracles: the writers as they were before they worked on distinct values -------------------

def old_cell(v: object) -> object:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, str):
        v = visible(v, keep="\n\r\t")
        return "'" + v if v and v[0] in "=+-@\t\r" else v
    return v


def old_csv(frame: pd.DataFrame) -> bytes:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = np.array([old_cell(v) for v in out[col].to_numpy(dtype=object)] + [""], dtype=object)[:-1]
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8-sig")


def old_line(fh, node: dict, first: bool) -> None:
    text = UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(node, ensure_ascii=False, sort_keys=True))
    fh.write(("" if first else ",\n") + text)


def old_jsonld(datasets: pd.DataFrame, findings: pd.DataFrame) -> bytes:
    from odaudit.report.jsonld import CONTEXT, _metric

    d = datasets.drop_duplicates("key").set_index("key")
    pages = d["page"] if "page" in d else {}
    names = d["name"] if "name" in d else {}
    ds = {key: _iri(str(pages.get(key, "") or "")) or f"odaudit:dataset/{quote(key, safe='')}"
          for key in (findings["dataset"].astype(str).unique() if len(findings) else [])}
    checks = set(findings["check"].astype(str).unique()) if len(findings) else set()
    fh = io.StringIO()
    fh.write('{"@context": ' + json.dumps(CONTEXT, sort_keys=True) + ',\n"@graph": [\n')
    nodes = [_metric(c) for c in [*METRICS, *sorted(checks - set(METRICS))] if c in checks]
    nodes += [{"@id": iri, "@type": "dcat:Dataset", "dcterms:identifier": key, "dcterms:title": str(names.get(key, "") or "")} for key, iri in ds.items()]
    for i, node in enumerate(nodes):
        old_line(fh, node, i == 0)
    first, iris, tied = not nodes, {}, set()
    cols = list(findings.columns)
    for values in zip(*(findings[c].tolist() for c in cols), strict=True):
        f = {c: ("" if v is None else str(v)) for c, v in zip(cols, values, strict=True)}
        url = f["url"] if f["resource"] else ""
        if url not in iris:
            iris[url] = _iri(url) if url else None
        dist = iris[url]
        if dist and (dist, f["dataset"]) not in tied:
            tied.add((dist, f["dataset"]))
            old_line(fh, {"@id": dist, "@type": "dcat:Distribution", "dcat:downloadURL": {"@id": dist}, "dcterms:isPartOf": {"@id": ds[f["dataset"]]}}, first)
            first = False
        node = {"@type": "dqv:QualityMeasurement", "dqv:isMeasurementOf": {"@id": metric_iri(f["check"])},
                "dqv:computedOn": {"@id": dist or ds[f["dataset"]]}, "dqv:value": f["measured"] or f["outcome"], "odaudit:outcome": f["outcome"]}
        for key in ("expected", "evidence", "provenance"):
            if f.get(key):
                node[f"odaudit:{key}"] = f[key]
        if f["resource"]:
            node["odaudit:resource"] = f["resource"]
        if f["resource"] and not dist and f["url"]:
            node["odaudit:url"] = f["url"]
        old_line(fh, node, first)
        first = False
    fh.write("]}\n" if first else "\n]}\n")
    return fh.getvalue().encode("utf-8")


# --- CSV -----------------------------------------------------------------------------------------

def written(tmp_path: Path, frame: pd.DataFrame, encoding: str = "utf-8-sig") -> bytes:
    return write_csv(tmp_path / "t.csv", frame, encoding).read_bytes()


def hostile_frame(n: int = 0) -> pd.DataFrame:
    texts = HOSTILE * max(1, n // len(HOSTILE))
    k = len(texts)
    rng = np.random.default_rng(7)
    floats = np.array([0.0, -0.0, 0.1, 1 / 3, 1e-7, 1e16, 123.456, np.nan, np.inf, -np.inf, 2.5, -1.0])
    return pd.DataFrame({
        "text": pd.Series(texts, dtype=object),  # a lone surrogate: no Arrow string can hold one
        "str": pd.array([None if i % 5 == 0 or "\ud800" in t else t for i, t in enumerate(texts)], dtype="str"),
        "obj": np.array([[None, np.nan, 3, 2.5, True, "=x", "", b"bytes", pd.NA][i % 9] for i in range(k)], dtype=object),
        "int": rng.integers(-5, 5, k),
        "float": floats[np.arange(k) % len(floats)],
        "Int64": pd.array([None if i % 4 == 0 else i % 3 for i in range(k)], dtype="Int64"),
        "bool": np.arange(k) % 3 == 0,
        "repeat": pd.Series([texts[i % 3] for i in range(k)], dtype=object),
    })


def test_write_csv_matches_neutralise_then_to_csv(tmp_path):
    frame = hostile_frame()
    assert written(tmp_path, frame) == old_csv(frame)
    buf = io.StringIO()
    neutralise(frame).to_csv(buf, index=False, lineterminator="\n")
    assert buf.getvalue().encode("utf-8-sig") == old_csv(frame)
    assert written(tmp_path, frame, "utf-8") == old_csv(frame)[3:]  # without the byte-order mark


def test_write_csv_merges_repeating_columns_and_writes_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(coded, "ROWS", 7)
    frame = hostile_frame(600)
    assert written(tmp_path, frame) == old_csv(frame)
    assert written(tmp_path, frame[["repeat", "bool", "text"]]) == old_csv(frame[["repeat", "bool", "text"]])


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"a": pd.Series(HOSTILE, dtype=object)}),  # one column: a lone empty field is written ""
    pd.DataFrame({"a": HOSTILE[:3], "when": pd.to_datetime(["2024-01-01", "2024-01-02", None])}),  # dates: their whole column's format
    pd.DataFrame({"a": HOSTILE[:3], "cat": pd.Categorical(["x", "=y", "x"])}),
    pd.DataFrame({"a": pd.Series([], dtype=object), "b": pd.Series([], dtype=float)}),
    pd.DataFrame({"a": ["x", None], "b": [np.nan, np.nan]}),
], ids=["one-column", "datetime", "categorical", "no-rows", "all-missing"])
def test_write_csv_edges(tmp_path, frame):
    assert written(tmp_path, frame) == old_csv(frame)


def test_only_delimiter_quote_and_line_ends_make_csv_writer_quote():
    """csvwrite.py writes text without `, " \\n \\r` as it is: csv.writer (as pandas calls it) agrees for every character."""
    for start in range(0, sys.maxunicode + 1, 4096):
        fields = [f"x{chr(c)}x" for c in range(start, min(start + 4096, sys.maxunicode + 1)) if chr(c) not in ',"\n\r']
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n", delimiter=",", quoting=csv.QUOTE_MINIMAL, doublequote=True, escapechar=None, quotechar='"').writerow(fields)
        assert buf.getvalue() == ",".join(fields) + "\n"


def test_printable_text_holds_nothing_unsafe():
    """safe.py and jsonld.py skip the UNSAFE scan for text that `isprintable()`."""
    printable = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isprintable())
    assert UNSAFE.search(printable) is None


# --- findings.jsonld -----------------------------------------------------------------------------

def findings(n_repeat: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    urls = ["https://example.gov.tw/a.csv", " https://example.gov.tw/a.csv", "https://example.gov.tw/報告 2025.pdf", "ftp://x/y",
            "relative/path.csv", "", "HTTP://UPPER.example/x?q=1&r=[2]", "https://e.example/\u202eexe", "javascript:alert(1)", "https://x/\"q\""]
    rows = []
    for i in range(40 * n_repeat):
        res = "" if i % 6 == 0 else f"tw:{i % 5}#{i % 3}"
        rows.append({
            "dataset": f"tw:{i % 5}", "resource": res, "url": urls[i % len(urls)] if res else "",
            "check": ["link", "format", "free", "custom\u202echeck", "licence"][i % 5], "outcome": ["pass", "fail", "skip", "warn"][i % 4],
            "measured": ["", "200", "CSV", HOSTILE[i % len(HOSTILE)]][i % 4], "expected": ["", "UTF-8", "x\ny"][i % 3],
            "evidence": HOSTILE[(i * 7) % len(HOSTILE)], "name": "n", "provenance": ["", "stand_in", "converted"][i % 3],
        })
    frame = pd.DataFrame(rows, dtype=object)
    frame.loc[3, "evidence"] = None  # a missing cell reads ""
    frame.loc[4, "measured"] = np.nan  # ... and a NaN one "nan", as before
    datasets = pd.DataFrame({"key": ["tw:0", "tw:1", "tw:2", "tw:3", "tw:0"], "name": ["水庫", None, "=evil\u202e", "t", "dup"],
                             "page": ["https://data.gov.tw/dataset/0", "not a url", None, "https://data.gov.tw/dataset/3 x", "x"]})
    return frame, datasets


def jsonld_bytes(tmp_path: Path, frame: pd.DataFrame, datasets: pd.DataFrame) -> bytes:
    return write_findings_jsonld(SimpleNamespace(datasets=datasets), tmp_path / "f.jsonld", frame).read_bytes()


def test_findings_jsonld_matches_the_node_by_node_writer(tmp_path, monkeypatch):
    frame, datasets = findings()
    assert jsonld_bytes(tmp_path, frame, datasets) == old_jsonld(datasets, frame)
    json.loads(jsonld_bytes(tmp_path, frame, datasets))
    monkeypatch.setattr(coded, "ROWS", 9)
    frame, datasets = findings(30)  # repeats enough for adjacent columns to merge
    assert jsonld_bytes(tmp_path, frame, datasets) == old_jsonld(datasets, frame)


def test_findings_jsonld_edges(tmp_path):
    frame, datasets = findings()
    bare = frame.drop(columns=["expected", "evidence", "provenance", "name"])  # optional keys absent
    assert jsonld_bytes(tmp_path, bare, datasets[["key"]]) == old_jsonld(datasets[["key"]], bare)
    assert jsonld_bytes(tmp_path, frame.iloc[:0], datasets) == old_jsonld(datasets, frame.iloc[:0])
    as_str = frame.replace("lone\ud800", "lone").astype({"url": "str", "evidence": "str", "check": "category"})
    assert jsonld_bytes(tmp_path, as_str, datasets) == old_jsonld(datasets, as_str)
