"""Helpers for the check tests: records in the documented snapshot schema, bodies in a tmp bodies/ dir.

Imported by the other tests/test_checks_*.py modules (pytest puts tests/ on sys.path).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from odaudit.checks import run_checks
from odaudit.model.findings import Finding

FIXTURES = Path(__file__).parent / "fixtures" / "bodies"
SAMPLES = Path("/work/shared/datagovtw/samples")
CRAWL = "2025-09-23T12:00:00Z"

META_KEYS = (
    "title", "description", "agency", "agency_oid", "contact_name", "contact_phone", "contact_email",
    "frequency", "licence", "cost", "published", "modified", "badge", "fields", "fields_text",
    "service_category", "provision", "upload_method", "related_url", "notes",
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def full_meta(**over: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "title": "臺東縣收容所", "description": "臺東縣各鄉鎮市災害避難收容所之名稱、地址、管理人與收容人數等資料",
        "agency": "臺東縣政府", "agency_oid": "2.16.886.101.20003.20006", "contact_name": "劉先生",
        "contact_phone": "089-325301", "contact_email": "", "frequency": "每年",
        "licence": "政府資料開放授權條款-第1版", "cost": "免費", "published": "2017-09-12T15:49:25",
        "modified": "2025-02-05T16:08:38", "badge": "", "fields": [], "fields_text": "",
        "service_category": "生活安全及品質", "provision": "檔案資料", "upload_method": "原始資料",
        "related_url": "", "notes": "",
    }
    meta.update(over)
    return meta


class Portal:
    """Builds one dataset and its resources; bodies go to `root/bodies/ab/<sha256>` as in a snapshot."""

    def __init__(self, root: Path, key: str = "tw:1", kind: str = "portal", **meta: Any) -> None:
        self.root = root
        self.key = key
        self.kind = kind
        self.meta = full_meta(**meta) if kind == "portal" else {k: ([] if k == "fields" else "") for k in META_KEYS}
        self.parse_issues: list[dict[str, str]] = []
        self.resources: list[dict[str, Any]] = []

    def store(self, body: bytes) -> tuple[str, str]:
        digest = hashlib.sha256(body).hexdigest()
        rel = f"bodies/{digest[:2]}/{digest}"
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        return digest, rel

    def add(self, body: bytes | str | None = None, *, fmt: str = "CSV", encoding: str = "UTF-8", rows: str = "",
            url: str | None = None, status: int | None = 200, error: dict[str, str] | None = None,
            redirects: list[dict[str, Any]] | None = None, content_type: str = "text/csv",
            last_modified: str = "", truncated: bool = False, not_modified: bool = False,
            declared_modified: str = "", final_url: str | None = None) -> dict[str, Any]:
        index = len(self.resources)
        if isinstance(body, str):
            body = fixture(body)
        digest, rel = self.store(body) if body is not None else ("", None)
        url = url or f"https://opendata.example.gov.tw/resource/{index}.{fmt.lower() if fmt.isascii() else 'bin'}"
        rec = {
            "key": f"{self.key}#{index}", "dataset_key": self.key, "index": index,
            "declared": {"format": fmt, "encoding": encoding, "rows": rows, "description": "", "modified": declared_modified},
            "url": url, "request_url": url, "final_url": final_url or url, "redirects": redirects or [],
            "status": status, "content_type": content_type if status else "", "content_length": str(len(body or b"")),
            "content_encoding": "", "content_disposition": "", "last_modified": last_modified, "etag": "",
            "bytes": len(body) if body is not None else 0, "truncated": truncated, "sha256": digest, "body": rel,
            "elapsed_ms": 12, "attempts": 1, "not_modified": not_modified, "error": error,
        }
        self.resources.append(rec)
        return rec

    def dataset(self) -> dict[str, Any]:
        ident = self.key.split(":", 1)[1] if self.kind == "portal" else ""
        return {
            "key": self.key, "kind": self.kind, "id": ident, "name": self.meta.get("title") or "x", "category": "3.3",
            "url": f"https://data.gov.tw/dataset/{ident}" if self.kind == "portal" else "",
            "fetch": {"status": "ok" if self.kind == "portal" else ("external" if self.kind == "external" else "not_online"),
                      "sources": ["export"] if self.kind == "portal" else [], "error": ""},
            "raw": {"export": None, "api": None}, "meta": self.meta, "parse_issues": self.parse_issues,
            "resources": [r["key"] for r in self.resources],
        }

    def run(self, crawl: str = CRAWL, **kw: Any) -> list[Finding]:
        return run_checks(self.dataset(), self.resources, str(self.root), crawl, **kw)

    def results(self, crawl: str = CRAWL, **kw: Any) -> dict[tuple[str, str], Finding]:
        """{(check, resource index or "" for dataset level): finding}."""
        out: dict[tuple[str, str], Finding] = {}
        for f in self.run(crawl, **kw):
            idx = f.resource.rsplit("#", 1)[1] if f.resource else ""
            out[(f.check, idx)] = f
        return out


def one(portal: Portal, check: str, index: int | str = 0, **kw: Any) -> Finding:
    return portal.results(**kw)[(check, str(index) if index != "" else "")]


def test_portal_records_follow_the_snapshot_schema(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    rec = p.add("taitung_shelters_utf8bom_slice.csv")
    ds = p.dataset()
    assert set(ds) == {"key", "kind", "id", "name", "category", "url", "fetch", "raw", "meta", "parse_issues", "resources"}
    assert set(ds["meta"]) == set(META_KEYS)
    assert set(rec["declared"]) == {"format", "encoding", "rows", "description", "modified"}
    assert (tmp_path / rec["body"]).read_bytes() == fixture("taitung_shelters_utf8bom_slice.csv")
    assert rec["body"].startswith(f"bodies/{rec['sha256'][:2]}/")


def test_fixtures_are_small() -> None:
    for path in FIXTURES.iterdir():
        assert path.stat().st_size < 100 * 1024, path.name
