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
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from ..atomic import atomic_open
from ..scoring.model import ScoreResult
from ..text import UNSAFE

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


def metric_iri(check: str) -> str:
    return f"odaudit:check/{quote(check, safe='')}"


def _iri(url: str) -> str | None:
    """An absolute http(s) IRI for a URL, with spaces and other unsafe characters percent-encoded;
    None for anything else (a relative or garbled link is not a node we can name)."""
    url = url.strip()
    if not url.lower().startswith(("http://", "https://")):
        return None
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def _metric(check: str) -> dict[str, Any]:
    en, zh, definition, dim = METRICS.get(check, (check, check, f"odaudit's `{check}` check.", "accuracy"))
    return {"@id": metric_iri(check), "@type": "dqv:Metric", "dcterms:identifier": check,
            "skos:prefLabel": [{"@value": en, "@language": "en"}, {"@value": zh, "@language": "zh-TW"}],
            "skos:definition": {"@value": definition, "@language": "en"},
            "dqv:expectedDataType": {"@id": "xsd:string"}, "dqv:inDimension": {"@id": f"ldqd:{dim}"}}


def _measurement(f: dict[str, Any], target: str) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": "dqv:QualityMeasurement", "dqv:isMeasurementOf": {"@id": metric_iri(f["check"])},
                            "dqv:computedOn": {"@id": target}, "dqv:value": f["measured"] or f["outcome"],
                            "odaudit:outcome": f["outcome"]}
    for key in ("expected", "evidence", "provenance"):
        if f.get(key):
            node[f"odaudit:{key}"] = f[key]
    if f["resource"]:
        node["odaudit:resource"] = f["resource"]
    return node


def _line(fh: IO[str], node: dict[str, Any], first: bool) -> None:
    # Bidi overrides and the like in portal text become \\u escapes: the same string, shown harmless.
    text = UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(node, ensure_ascii=False, sort_keys=True))
    fh.write(("" if first else ",\n") + text)


def _rows(findings: Any, chunk: int = 20_000):
    """The frame's rows as dicts, a chunk of columns at a time: a million findings never become a
    million dicts, and pandas is not asked for one cell at a time (slow on Arrow strings)."""
    cols = list(findings.columns)
    for start in range(0, len(findings), chunk):
        part = findings.iloc[start:start + chunk]
        for values in zip(*(part[c].tolist() for c in cols), strict=True):
            yield {c: ("" if v is None else str(v)) for c, v in zip(cols, values, strict=True)}


def write_findings_jsonld(r: ScoreResult, path: Path, findings: Any) -> Path:
    """Write `findings` (the frame findings.csv is written from) as DQV JSON-LD to `path`."""
    d = r.datasets.drop_duplicates("key").set_index("key")
    pages = d["page"] if "page" in d else {}
    names = d["name"] if "name" in d else {}
    datasets: dict[str, str] = {}  # key -> the IRI of its node, in order of first finding
    for key in findings["dataset"].astype(str).unique() if len(findings) else []:
        datasets[key] = _iri(str(pages.get(key, "") or "")) or f"odaudit:dataset/{quote(key, safe='')}"
    checks = set(findings["check"].astype(str).unique()) if len(findings) else set()
    with atomic_open(path, "w") as fh:
        fh.write('{"@context": ' + json.dumps(CONTEXT, sort_keys=True) + ',\n"@graph": [\n')
        nodes = [_metric(c) for c in [*METRICS, *sorted(checks - set(METRICS))] if c in checks]
        nodes += [{"@id": iri, "@type": "dcat:Dataset", "dcterms:identifier": key, "dcterms:title": str(names.get(key, "") or "")}
                  for key, iri in datasets.items()]
        for i, node in enumerate(nodes):
            _line(fh, node, i == 0)
        first = not nodes
        iris: dict[str, str | None] = {}  # resource URL -> its IRI (a resource has several findings)
        tied: set[tuple[str, str]] = set()  # (distribution, dataset) already written
        for f in _rows(findings):
            url = f["url"] if f["resource"] else ""
            if url not in iris:
                iris[url] = _iri(url) if url else None
            dist = iris[url]
            if dist and (dist, f["dataset"]) not in tied:  # each distribution once per dataset it is part of
                tied.add((dist, f["dataset"]))
                _line(fh, {"@id": dist, "@type": "dcat:Distribution", "dcat:downloadURL": {"@id": dist},
                           "dcterms:isPartOf": {"@id": datasets[f["dataset"]]}}, first)
                first = False
            node = _measurement(f, dist or datasets[f["dataset"]])
            if f["resource"] and not dist and f["url"]:
                node["odaudit:url"] = f["url"]  # a URL that is no http(s) IRI stays as text
            _line(fh, node, first)
            first = False
        fh.write("]}\n" if first else "\n]}\n")
    return path
