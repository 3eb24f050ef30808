"""Build valid odaudit snapshot directories from compact Python descriptions (for tests and benchmarks).

    from snapfactory import dataset, resource, build_snapshot, PASS_ALL

    snap = build_snapshot(tmp_path / "snap", [
        dataset("水庫每日營運狀況", id="41568", category="3.3", agency="經濟部水利署",
                checks={"licence": "pass", "free": "pass", "freshness": ("fail", "412 days", "stale")},
                resources=[resource("CSV", checks=PASS_ALL), resource("PDF", checks={"link": "pass", "format": "fail"})]),
        dataset("起訴書", category="0.3"),                        # not online: a "none:" key
        dataset("裁判書查詢", url="http://jirs.judicial.gov.tw/FJUD/", category="0.3"),   # external
    ])

A check spec is `{check: outcome}`, `{check: (outcome, measured, evidence)}` or
`{check: {"outcome": …, "measured": …, "expected": …, "evidence": …}}`. Dataset-level `checks`
become findings with an empty resource; resource `checks` become resource-level findings.
The catalog.yaml is derived from the datasets (or given), keys come from
`odaudit.catalog.dataset_key`, the manifest from `odaudit.store.new_manifest`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from odaudit.atomic import atomic_write_json, atomic_write_text
from odaudit.catalog import CatalogDataset, catalog_sha256, dataset_key
from odaudit.model.findings import Finding
from odaudit.store import (
    CATALOG_COPY,
    DATASETS,
    FINDINGS,
    MANIFEST,
    RESOURCES,
    file_hashes,
    new_manifest,
    write_findings,
    write_records,
)

PORTAL = "https://data.gov.tw"
STARTED = "2026-01-15T02:00:00Z"
FINISHED = "2026-01-15T02:30:00Z"

#: resource-level checks of a clean, machine-readable, directly downloadable CSV
PASS_ALL: dict[str, Any] = dict.fromkeys(("link", "downloadable", "format", "encoding", "structure", "fields", "machine_readable"), "pass")
PASS_ALL["stars"] = ("pass", "3", "CSV: three stars")
#: dataset-level checks of a well-described, openly licensed, free and fresh dataset
DATASET_PASS: dict[str, Any] = dict.fromkeys(("licence", "free", "freshness", "metadata", "badge", "consistency"), "pass")

DEFAULT_META: dict[str, Any] = {
    "title": "", "description": "", "agency": "", "agency_oid": "", "contact_name": "", "contact_phone": "",
    "contact_email": "", "frequency": "每1月", "licence": "政府資料開放授權條款-第1版", "cost": "免費",
    "published": "2017-01-02T03:04:05", "modified": "2025-12-01T00:00:00", "badge": "金", "fields": [],
    "fields_text": "", "service_category": "公共資訊", "provision": "檔案資料", "upload_method": "原始資料",
    "related_url": "", "notes": "",
}


def resource(format: str = "CSV", *, url: str | None = None, status: int | None = 200, checks: Mapping[str, Any] | None = None,
             encoding: str = "UTF-8", error: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    """A resource description; `extra` goes into the record as is (e.g. bytes=…, content_type=…)."""
    return {"format": format, "url": url, "status": status, "checks": dict(checks or {}), "encoding": encoding,
            "error": error, "extra": extra}


def dataset(name: str, *, id: str | int | None = None, url: str | None = None, category: str = "1.1",
            agency: str = "測試機關", resources: Iterable[dict[str, Any]] = (), checks: Mapping[str, Any] | None = None,
            fetch_status: str | None = None, in_snapshot: bool = True, sources: list[str] | None = None, **meta: Any) -> dict[str, Any]:
    """A dataset description. `id` = portal dataset, `url` = external, neither = not online.

    `meta` overrides fields of the record's `meta` (frequency=…, licence=…, published=…, badge=…).
    `in_snapshot=False` puts the dataset in the catalog only (as after a partial crawl).
    `sources` replaces the record's metadata sources (default ["export"] for a portal dataset).
    """
    return {"name": name, "id": None if id is None else str(id), "url": url, "category": category, "agency": agency,
            "resources": list(resources), "checks": dict(checks or {}), "fetch_status": fetch_status,
            "in_snapshot": in_snapshot, "sources": sources, "meta": meta}


def _kind(spec: dict[str, Any]) -> str:
    return "portal" if spec["id"] else ("external" if spec["url"] else "missing")


def catalog_dict(datasets: Iterable[dict[str, Any]], *, name: str = "test", title: str = "Test catalog", portal: str = PORTAL,
                 categories: Mapping[str, Any] | None = None,
                 method: str = "Test selection: a few datasets per category.") -> dict[str, Any]:
    """The catalog a list of dataset descriptions implies. `categories` maps id → name, or
    id → {"name", "tier", "rationale"}; categories without datasets may be listed there too."""
    cats: dict[str, dict[str, Any]] = {}
    for cid, info in (categories or {}).items():
        info = {"name": info} if isinstance(info, str) else dict(info)
        cats[cid] = {"id": cid, "name": info.get("name", f"Category {cid}"), "tier": info.get("tier", ""),
                     "rationale": info.get("rationale", ""), "datasets": []}
    for d in datasets:
        cat = cats.setdefault(d["category"], {"id": d["category"], "name": f"Category {d['category']}", "tier": "",
                                              "rationale": "", "datasets": []})
        entry: dict[str, Any] = {"name": d["name"]}
        if d["id"]:
            entry["id"] = d["id"]
        elif d["url"]:
            entry["url"] = d["url"]
        cat["datasets"].append(entry)
    return {"name": name, "title": title, "portal": portal, "method": method, "source": "tests/snapfactory.py",
            "categories": list(cats.values())}


def write_catalog(path: Path, catalog: Mapping[str, Any]) -> Path:
    """Write a catalog (JSON is YAML 1.2) and return its path."""
    atomic_write_text(path, json.dumps(catalog, ensure_ascii=False, indent=2) + "\n")
    return path


def _finding(ds_key: str, res_key: str, url: str, check: str, spec: Any) -> Finding:
    if isinstance(spec, str):
        spec = {"outcome": spec}
    elif isinstance(spec, tuple | list):
        spec = dict(zip(("outcome", "measured", "evidence", "expected"), spec, strict=False))
    outcome = spec["outcome"]
    return Finding(dataset=ds_key, resource=res_key, url=url, check=check, outcome=outcome,
                   measured=str(spec.get("measured", outcome)), expected=str(spec.get("expected", "")),
                   evidence=str(spec.get("evidence", f"{check}: {outcome}")))


def keyed(datasets: Iterable[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(snapshot key, description) of each dataset, keys computed as the crawler does."""
    out = []
    datasets = list(datasets)
    position: dict[str, int] = {}
    names_by_url: dict[str, set[str]] = {}
    for d in datasets:
        if d["url"] and not d["id"]:
            names_by_url.setdefault(d["url"], set()).add(d["name"])
    for d in datasets:
        pos = position.get(d["category"], 0)
        position[d["category"]] = pos + 1
        entry = CatalogDataset(name=d["name"], id=d["id"], url=d["url"])
        shared = len(names_by_url.get(d["url"] or "", ())) > 1
        out.append((dataset_key(entry, d["category"], pos, shared_url=shared), d))
    return out


def build_snapshot(
    root: str | Path,
    datasets: Iterable[dict[str, Any]],
    *,
    catalog: Mapping[str, Any] | None = None,
    catalog_name: str | None = None,
    portal: str = PORTAL,
    started_at: str = STARTED,
    status: str = "complete",
    extra_findings: Iterable[Finding] = (),
    rules_version: str = "test-1",
    options: Mapping[str, Any] | None = None,
    categories: Mapping[str, Any] | None = None,
) -> Path:
    """Write a sealed snapshot directory and return its path."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    datasets = list(datasets)
    catalog = dict(catalog) if catalog is not None else catalog_dict(datasets, portal=portal, categories=categories)
    catalog_name = catalog_name or catalog["name"]
    write_catalog(root / CATALOG_COPY, catalog)

    ds_records: list[dict[str, Any]] = []
    res_records: list[dict[str, Any]] = []
    findings: list[Finding] = list(extra_findings)
    for key, d in keyed(datasets):
        if not d["in_snapshot"]:
            continue
        kind = _kind(d)
        meta = {**DEFAULT_META, "title": d["name"], "agency": d["agency"], **d["meta"]}
        if kind != "portal":
            meta = {**{k: ("" if not isinstance(v, list) else []) for k, v in DEFAULT_META.items()}, **d["meta"]}
        res_keys = []
        for i, r in enumerate(d["resources"]):
            rkey = f"{key}#{i}"
            res_keys.append(rkey)
            rurl = r["url"] or (f"https://example.gov.tw/{key.replace(':', '_')}/{i}.{r['format'].lower()}")
            res_records.append({
                "key": rkey, "dataset_key": key, "index": i,
                "declared": {"format": r["format"], "encoding": r["encoding"], "rows": "", "description": "", "modified": ""},
                "url": rurl, "request_url": rurl, "final_url": rurl, "redirects": [], "status": r["status"],
                "content_type": "", "content_length": "", "content_encoding": "", "content_disposition": "",
                "last_modified": "", "etag": "", "bytes": 0, "truncated": False, "sha256": None, "body": None,
                "elapsed_ms": 1, "attempts": 1, "not_modified": False, "error": r["error"], **r["extra"],
            })
            findings.extend(_finding(key, rkey, rurl, c, s) for c, s in r["checks"].items())
        findings.extend(_finding(key, "", "", c, s) for c, s in d["checks"].items())
        fetch = d["fetch_status"] or {"portal": "ok", "external": "external", "missing": "not_online"}[kind]
        ds_records.append({
            "key": key, "kind": kind, "id": d["id"] or "", "name": d["name"], "category": d["category"],
            "url": f"{portal}/dataset/{d['id']}" if d["id"] else (d["url"] or ""),
            "fetch": {"status": fetch, "sources": d.get("sources") or (["export"] if kind == "portal" else []), "error": ""},
            "raw": {"export": None, "api": None}, "meta": meta, "parse_issues": [], "resources": res_keys,
        })
    return seal(root, ds_records, res_records, findings, catalog_name=catalog_name, portal=portal, started_at=started_at,
                status=status, rules_version=rules_version, options=options)


def seal(root: Path, ds_records: Iterable[dict[str, Any]], res_records: Iterable[dict[str, Any]], findings: list[Finding], *,
         catalog_name: str, portal: str = PORTAL, started_at: str = STARTED, status: str = "complete",
         rules_version: str = "test-1", options: Mapping[str, Any] | None = None) -> Path:
    """Write records, findings and the manifest of a snapshot whose catalog.yaml is already in `root`."""
    ds_records, res_records = list(ds_records), list(res_records)
    write_records(root / DATASETS, ds_records)
    write_records(root / RESOURCES, res_records)
    write_findings(root / FINDINGS, findings)
    (root / "bodies").mkdir(exist_ok=True)
    manifest = new_manifest(portal=portal, catalog_name=catalog_name, catalog_sha256=catalog_sha256(root / CATALOG_COPY),
                            options={"all": catalog_name == "all", "replay": False, "seed": 0, **(options or {})}, started_at=started_at)
    outcomes: dict[str, int] = {}
    for f in findings:
        outcomes[f.outcome] = outcomes.get(f.outcome, 0) + 1
    manifest.update({
        "finished_at": FINISHED, "status": status, "rules_version": rules_version,
        "counts": {"datasets": len(ds_records), "resources": len(res_records), "findings": len(findings), "bodies": 0, **outcomes},
        "files": file_hashes(root),
    })
    atomic_write_json(root / MANIFEST, manifest)
    return root
