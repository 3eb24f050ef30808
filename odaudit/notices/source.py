"""What a notice is made of, read from a score report folder and the snapshot it scored.

The report's manifest.json must say `odaudit score` wrote it; its datasets.csv, resources.csv,
findings.csv and agencies.csv must be there with the columns `score` writes and the hashes the
manifest seals. Contacts are not in the report (they are people's names and addresses): they are
read from the snapshot the manifest names (its path as given to `score`, found from the current
folder or from the report's parent folder), or from `--snapshot`, whose manifest must be the one
that was scored.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import sha256_file
from ..errors import InputError
from ..store.folders import REPORT_FORMAT, REPORT_MANIFEST, folder_manifest

NEEDED = {
    "datasets.csv": ("key", "name", "agency", "page", "kind"),
    "resources.csv": ("key", "dataset", "index", "format", "url"),
    "findings.csv": ("dataset", "resource", "url", "check", "outcome", "measured", "expected", "evidence"),
    "agencies.csv": ("agency", "datasets"),
}


@dataclass
class Failure:
    check: str
    measured: str
    expected: str
    evidence: str


@dataclass
class Resource:
    key: str
    index: str
    format: str
    url: str
    failures: list[Failure] = field(default_factory=list)


@dataclass
class Dataset:
    key: str
    name: str
    page: str
    contact_name: str = ""
    contact_email: str = ""
    resources: list[Resource] = field(default_factory=list)
    record: list[Failure] = field(default_factory=list)  # failing dataset-level checks


@dataclass
class Agency:
    name: str
    datasets: list[Dataset] = field(default_factory=list)

    @property
    def resources(self) -> int:
        return sum(len(d.resources) for d in self.datasets)

    @property
    def findings(self) -> int:
        return sum(len(d.record) + sum(len(r.failures) for r in d.resources) for d in self.datasets)


@dataclass
class Source:
    report: Path
    manifest: dict[str, Any]
    snapshot: Path
    snapshot_manifest: dict[str, Any]
    agencies: list[Agency]
    #: agencies of agencies.csv with nothing failing
    passing: list[str]


def _table(report: Path, name: str, manifest: dict[str, Any]) -> list[dict[str, str]]:
    path = report / name
    if not path.is_file():
        raise InputError(f"{path}: missing (a score report has {', '.join(NEEDED)})")
    sealed = (manifest.get("files") or {}).get(name)
    if sealed != sha256_file(path):
        raise InputError(f"{path}: not the file `odaudit score` wrote (its sha256 differs from {report / REPORT_MANIFEST}); score again")
    with path.open(encoding="utf-8-sig", newline="") as fh:  # a score report's CSVs start with a BOM
        reader = csv.DictReader(fh)
        missing = [c for c in NEEDED[name] if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{path}:1: no column {', '.join(missing)}")
        return list(reader)


def _snapshot(report: Path, manifest: dict[str, Any], given: Path | None) -> tuple[Path, dict[str, Any]]:
    snap_in = (manifest.get("inputs") or {}).get("snapshot")
    if not snap_in:
        raise InputError(f"{report}: this report scored no snapshot (answers from the rubric only): there are no findings to notify")
    candidates = [given] if given is not None else [Path(snap_in["path"]), report.resolve().parent / snap_in["path"]]
    for p in candidates:
        doc = folder_manifest(p)
        if doc is None:
            continue
        if sha256_file(p / REPORT_MANIFEST) != snap_in.get("manifest_sha256"):
            raise InputError(f"{p}: not the snapshot this report scored (its manifest.json changed); give the scored one with --snapshot")
        return p, doc
    tried = " or ".join(str(c) for c in candidates)
    raise InputError(f"{report}: the snapshot it scored is not at {tried}; give it with --snapshot (contacts come from its metadata)")


def _contacts(snapshot: Path) -> dict[str, tuple[str, str]]:
    from ..store import DATASETS, read_jsonl

    out = {}
    for r in read_jsonl(snapshot / DATASETS):
        meta = r.get("meta") or {}
        out[str(r.get("key"))] = (str(meta.get("contact_name") or ""), str(meta.get("contact_email") or ""))
    return out


def read_source(report: Path, snapshot: Path | None = None) -> Source:
    manifest = folder_manifest(report)
    if manifest is None:
        raise InputError(f"{report}: no readable {REPORT_MANIFEST}; give the folder of an `odaudit score` report")
    if manifest.get("format") != REPORT_FORMAT or manifest.get("command") != "score":
        raise InputError(f"{report}: {REPORT_MANIFEST} says it is {manifest.get('format')!r} of `odaudit {manifest.get('command')}`, "
                         "not a report of `odaudit score`")
    tables = {name: _table(report, name, manifest) for name in NEEDED}
    snap, snap_manifest = _snapshot(report, manifest, snapshot)
    contacts = _contacts(snap)
    res_by_key = {r["key"]: r for r in tables["resources.csv"]}
    failing: dict[str, list[dict[str, str]]] = {}
    for f in tables["findings.csv"]:
        if f["outcome"] == "fail":
            failing.setdefault(f["dataset"], []).append(f)
    agencies: dict[str, Agency] = {}
    seen: set[str] = set()
    for d in tables["datasets.csv"]:
        if d["key"] in seen or d["key"] not in failing:
            continue
        seen.add(d["key"])
        name, email = contacts.get(d["key"], ("", ""))
        ds = Dataset(d["key"], d["name"], d["page"], name, email)
        by_res: dict[str, Resource] = {}
        for f in failing[d["key"]]:
            fail = Failure(f["check"], f["measured"], f["expected"], f["evidence"])
            if not f["resource"]:
                ds.record.append(fail)
                continue
            r = res_by_key.get(f["resource"], {})
            res = by_res.setdefault(f["resource"], Resource(f["resource"], r.get("index", ""), r.get("format", ""), r.get("url") or f["url"]))
            res.failures.append(fail)
        ds.resources = sorted(by_res.values(), key=lambda x: (int(x.index) if x.index.isdigit() else 0, x.key))
        agencies.setdefault(d["agency"], Agency(d["agency"])).datasets.append(ds)
    passing = sorted({a["agency"] for a in tables["agencies.csv"]} - set(agencies))
    ordered = sorted(agencies.values(), key=lambda a: (a.name == "", a.name))
    return Source(report, manifest, snap, snap_manifest, ordered, passing)
