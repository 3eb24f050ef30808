"""The work list of a crawl: one item per dataset, from a catalog or from the portal's export."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..catalog import Catalog


@dataclass
class WorkItem:
    key: str
    kind: str  # portal | external | missing
    id: str
    name: str
    category: str
    url: str
    entries: list[dict[str, str]]
    fetch_resources: bool = True


def catalog_items(catalog: Catalog, portal: str, adapter: ModuleType) -> list[WorkItem]:
    """One item per distinct snapshot key; entries listed twice share one record."""
    items: dict[str, WorkItem] = {}
    for cat, d, _pos, key in catalog.keyed_entries():
        entry = {"category": cat.id, "name": d.name}
        if key in items:
            items[key].entries.append(entry)
            continue
        url = adapter.dataset_page_url(portal, d.id) if d.id else (d.url or "")
        items[key] = WorkItem(key, d.kind, d.id or "", d.name, cat.id, url, [entry])
    return list(items.values())


def all_items(export: Any, portal: str, sample: int | None, seed: int, adapter: ModuleType) -> list[WorkItem]:
    """Every dataset of the export; with `sample`, only a seeded random sample fetches resources."""
    ids = sorted(export.rows, key=lambda i: (len(i), i))
    chosen = set(ids) if sample is None else set(random.Random(seed).sample(ids, min(sample, len(ids))))
    return [
        WorkItem(adapter.dataset_key(portal, i), "portal", i, adapter.row_title(export.rows[i]), "", adapter.dataset_page_url(portal, i), [],
                 fetch_resources=i in chosen)
        for i in ids
    ]


def whole_portal_catalog_text(portal: str, export_url: str, sample: int | None, seed: int,
                              listing: str = "bulk export") -> str:
    """The catalog of an --all crawl: one category holding whatever the portal lists (its bulk
    export, or its catalogue API: the adapter's `LISTING`)."""
    sampled = (f"Resources were fetched and checked for a random sample of {sample} datasets "
               f"(seed {seed}; the same seed draws the same sample); the others were judged on metadata only."
               if sample is not None else "Resources were fetched and checked for every dataset.")
    method = f"Every dataset listed in the portal's {listing} ({export_url}) at crawl time. {sampled}"
    doc = {"name": "all", "title": f"{portal}: the whole portal", "portal": portal, "method": method, "source": export_url,
           "categories": [{"id": "all", "name": "whole portal", "tier": "",
                           "rationale": "All datasets the portal lists; no selection.", "datasets": []}]}
    # JSON is valid YAML 1.2, and this one is written by a program, not edited by people.
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
