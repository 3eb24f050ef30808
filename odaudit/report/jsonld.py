"""findings.jsonld: the findings as W3C Data Quality Vocabulary (DQV) in JSON-LD, for reuse.

One `dqv:QualityMeasurement` per finding (the rows of findings.csv, in the same order): what it
measured (`dqv:isMeasurementOf`, a `dqv:Metric` per check, defined once in the file with a label,
a definition and its `dqv:inDimension`), what it was computed on (`dqv:computedOn`: the resource's
URL as a `dcat:Distribution`, or the dataset's portal page as a `dcat:Dataset`), `dqv:value` (the
measured value, or the outcome where nothing was measured) and odaudit's outcome, expected value
and evidence. Dimensions are those of the Linked Data quality dimensions that the DQV
specification uses in its examples (ldqd:, Zaveri et al.).

The file is written one graph node per line, so that it streams (a national crawl has over a
million findings) and diffs well; the same findings give the same bytes. Without findings (a
rubric scored without a snapshot) the graph is empty: nothing was measured.
"""

from __future__ import annotations

import json
import re
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from ..atomic import atomic_open
from ..scoring.model import ScoreResult
from ..text import UNSAFE
from .coded import Coded, rows

#: odaudit's own terms (outcome, expected, evidence, the metrics). odaudit has no web address to
#: serve a vocabulary from, so its terms are URNs: stable names, not links.
NS = "urn:odaudit:"
CONTEXT = {
    "dqv": "http://www.w3.org/ns/dqv#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "ldqd": "http://www.w3.org/2016/05/ldqd#",
    "odaudit": NS,
}

#: check id -> (English label, zh-TW label, definition, ldqd dimension). In CHECK_IDS order.
METRICS: dict[str, tuple[str, str, str, str]] = {
    "link": ("Link works", "連結有效", "The resource's URL answers with the file (HTTP 2xx) rather than an error, a timeout or a redirect loop.", "availability"),
    "downloadable": ("Direct download", "可直接下載", "The URL serves the file itself, not an HTML landing or error page.", "availability"),
    "format": ("Declared format is the real format", "宣告格式與實際相符", "The format read from the bytes matches the declared 檔案格式, and is machine-readable.", "interoperability"),
    "encoding": ("Declared encoding is the real encoding", "宣告編碼與實際相符", "The character encoding detected in the body matches the declared 編碼格式.", "interpretability"),
    "structure": ("Tabular structure", "表格結構", "A table reads as one header row and consistent rows, without merged cells, notes or sub-totals inside the data.", "representationalConciseness"),
    "fields": ("Declared fields are the columns", "欄位說明與實際相符", "The declared 主要欄位說明 names the columns the file has.", "consistency"),
    "machine_readable": ("Machine-readable", "機器可讀", "The file is in a machine-readable format and its content can be read as data.", "interoperability"),
    "stars": ("Five-star open data level", "開放資料星級", "Tim Berners-Lee's 5-star level of the resource, from its real format and licence.", "interlinking"),
    "licence": ("Open licence", "開放授權", "The dataset states a licence that meets the Open Definition.", "licensing"),
    "free": ("Free of charge", "免費", "The dataset's 計費方式 says it is free.", "licensing"),
    "freshness": ("Up to date", "資料為最新", "The data is as recent as its declared 更新頻率 requires at the crawl's time.", "timeliness"),
    "metadata": ("Complete metadata", "詮釋資料完整", "The portal record has the metadata a reader needs to find and use the dataset.", "completeness"),
    "badge": ("Portal badge matches the measurement", "平臺標章與實測相符", "The quality badge the portal shows agrees with what odaudit measured.", "trustworthiness"),
    "consistency": ("Consistent metadata and data", "詮釋資料與資料一致", "The metadata agrees with itself and with the data (dates, counts, formats).", "consistency"),
}


#: A URL of only these characters is its own IRI: `quote` keeps ASCII letters, digits and `_.-~` and its `safe` ones.
_PLAIN = re.compile(r"[A-Za-z0-9_.~:/?#\[\]@!$&'()*+,;=%-]*")


def metric_iri(check: str) -> str:
    return f"odaudit:check/{quote(check, safe='')}"


def _iri(url: str) -> str | None:
    """An absolute http(s) IRI for a URL, with spaces and other unsafe characters percent-encoded;
    None for anything else (a relative or garbled link is not a node we can name)."""
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        return None
    return url if _PLAIN.fullmatch(url) else quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def _metric(check: str) -> dict[str, Any]:
    en, zh, definition, dim = METRICS.get(check, (check, check, f"odaudit's `{check}` check.", "accuracy"))
    return {"@id": metric_iri(check), "@type": "dqv:Metric", "dcterms:identifier": check,
            "skos:prefLabel": [{"@value": en, "@language": "en"}, {"@value": zh, "@language": "zh-TW"}],
            "skos:definition": {"@value": definition, "@language": "en"},
            "dqv:expectedDataType": {"@id": "xsd:string"}, "dqv:inDimension": {"@id": f"ldqd:{dim}"}}


def _line(node: dict[str, Any]) -> str:
    # Bidi overrides and the like in portal text become \\u escapes: the same string, shown harmless.
    return UNSAFE.sub(_u_escape, json.dumps(node, ensure_ascii=False, sort_keys=True))


def _u_escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group()):04x}"


def _js(texts: list[str]) -> list[bytes]:
    """Each string as `_line` writes it inside a node (json.dumps' own string encoder, UNSAFE
    characters as \\u escapes), UTF-8 encoded; in bulk, since a column has 120,000 distinct URLs."""
    out = [encode_basestring(t) for t in texts]
    if not "".join(out).isprintable():  # printable text holds nothing UNSAFE matches
        out = [t if t.isprintable() else UNSAFE.sub(_u_escape, t) for t in out]
    return "\n".join(out).encode("utf-8").split(b"\n") if out else []  # encoded JSON holds no raw line break


def _text_codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """The column as codes into its distinct values, each as the writer reads a cell: `str(v)`, ""
    for None (a missing string is NaN, which reads "nan")."""
    if isinstance(column.dtype, pd.StringDtype):  # encoded by Arrow, without a Python string per cell
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        texts = [str(t) for t in uniques.tolist()]
        if (codes < 0).any():
            missing = str(column.dtype.na_value)
            codes[codes < 0] = texts.index(missing) if missing in texts else len(texts)
            texts += [] if missing in texts else [missing]
        return codes, texts
    values = column.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=False) not in ("string", "empty"):
        values = np.array(["" if v is None else str(v) for v in values.tolist()], dtype=object)
    codes, uniques = pd.factorize(values)
    return codes, uniques.tolist()


def _lookup(frame: pd.DataFrame, column: str, keys: list[str]) -> list[str]:
    """frame[column] at each key (the frame's index) as text, "" where there is none."""
    if column not in frame:
        return [""] * len(keys)
    at = frame.index.get_indexer(keys)
    values = frame[column].to_numpy(dtype=object).tolist()
    return [str((values[i] if i >= 0 else "") or "") for i in at.tolist()]


#: The columns of the findings frame that its nodes are made of.
_COLUMNS = ("dataset", "resource", "url", "check", "outcome", "measured", "expected", "evidence", "provenance")


def _optional(key: str, texts: list[str], end: bytes = b"") -> np.ndarray:
    """The piece `, "odaudit:key": value` of each text, none for an empty one."""
    prefix = f', "odaudit:{key}": '.encode()
    return np.array([(prefix + j if t else b"") + end for t, j in zip(texts, _js(texts), strict=True)], dtype=object)


def _pieces(coded: dict[str, tuple[np.ndarray, list[str]]], datasets: list[bytes], n: int) -> list[Coded]:
    """The lines of n findings as coded pieces (report/coded.py): each finding's dqv:QualityMeasurement
    (its keys sorted as json.dumps sorts them; the optional ones only when not empty), after the
    dcat:Distribution of its resource the first time a finding ties that distribution to that dataset.
    `coded` holds each column as codes into its distinct texts; `datasets` the dataset IRIs, encoded."""
    ds, res, (url, urls) = coded["dataset"][0], coded["resource"], coded["url"]
    has_res = np.array([bool(t) for t in res[1]], dtype=bool)[res[0]]
    url_iris = [_iri(u) if u else None for u in urls]
    dists: dict[str, int] = {}  # distribution IRI -> its code (two URLs may name one IRI)
    iri_of = np.array([-1 if i is None else dists.setdefault(i, len(dists)) for i in url_iris], dtype=np.int64)
    dist = np.where(has_res, iri_of[url], -1)
    dist_js = _js(list(dists))
    first = np.flatnonzero((dist >= 0) & ~pd.Series(np.where(dist >= 0, dist * len(datasets) + ds, -1)).duplicated().to_numpy())
    ties = [b'{"@id": ' + dist_js[i] + b', "@type": "dcat:Distribution", "dcat:downloadURL": {"@id": ' + dist_js[i]
            + b'}, "dcterms:isPartOf": {"@id": ' + datasets[k] + b'}},\n' for i, k in zip(dist[first].tolist(), ds[first].tolist(), strict=True)]
    tie = np.zeros(n, dtype=np.intp)
    tie[first] = np.arange(1, len(first) + 1)
    on = [b'{"@type": "dqv:QualityMeasurement", "dqv:computedOn": {"@id": ' + j + b"}, " for j in dist_js + datasets]
    metrics = [b'"dqv:isMeasurementOf": {"@id": ' + j + b'}, "dqv:value": ' for j in _js([metric_iri(c) for c in coded["check"][1]])]
    (meas, measured), (out, outcomes) = coded["measured"], coded["outcome"]
    value = np.where(np.array([bool(t) for t in measured], dtype=bool)[meas], meas, len(measured) + out)
    pieces = [(tie, np.array([b"", *ties], dtype=object)), (np.where(dist >= 0, dist, len(dists) + ds), np.array(on, dtype=object)),
              (coded["check"][0], np.array(metrics, dtype=object)), (value, np.array(_js(measured) + _js(outcomes), dtype=object))]
    pieces += [(coded[key][0], _optional(key, coded[key][1])) for key in ("evidence", "expected") if key in coded]
    pieces.append((out, _optional("outcome", outcomes)))
    pieces += [(coded[key][0], _optional(key, coded[key][1])) for key in ("provenance", "resource") if key in coded]
    # A URL that is no http(s) IRI stays as text, on a finding of a resource.
    as_text = _optional("url", [u if i is None else "" for u, i in zip(urls, url_iris, strict=True)], b"}")
    pieces.append((np.where(has_res, url, len(urls)), np.append(as_text, b"}")))
    return pieces


def _nodes(r: ScoreResult, findings: Any) -> tuple[list[bytes], list[Coded]]:
    """The lines before the findings' (each metric, each dataset), and the findings' as coded pieces."""
    coded = {c: _text_codes(findings[c]) for c in _COLUMNS if c in findings} if len(findings) else {}
    checks = set(coded["check"][1]) if coded else set()
    keys = coded["dataset"][1] if coded else []  # in order of first finding
    d = r.datasets.drop_duplicates("key").set_index("key")
    iris = _js([_iri(page) or f"odaudit:dataset/{quote(key, safe='')}" for key, page in zip(keys, _lookup(d, "page", keys), strict=True)])
    head = [_line(_metric(c)).encode("utf-8") for c in [*METRICS, *sorted(checks - set(METRICS))] if c in checks]
    head += [b'{"@id": ' + i + b', "@type": "dcat:Dataset", "dcterms:identifier": ' + k + b', "dcterms:title": ' + t + b"}"
             for i, k, t in zip(iris, _js(keys), _js(_lookup(d, "name", keys)), strict=True)]
    return head, (_pieces(coded, iris, len(findings)) if coded else [])


def write_findings_jsonld(r: ScoreResult, path: Path, findings: Any) -> Path:
    """Write `findings` (the frame findings.csv is written from) as DQV JSON-LD to `path`."""
    head, pieces = _nodes(r, findings)
    with atomic_open(path, "wb") as fh:
        fh.write(('{"@context": ' + json.dumps(CONTEXT, sort_keys=True) + ',\n"@graph": [\n').encode())
        fh.write(b",\n".join(head))
        for chunk in rows(pieces, len(findings)):
            fh.write(b",\n")  # after the head: a finding's check has its metric there
            fh.write(b",\n".join(chunk))
        fh.write(b"\n]}\n" if head else b"]}\n")
    return path
