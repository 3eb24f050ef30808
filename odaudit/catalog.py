"""Catalog selection lists: which datasets are assessed, in which categories, and why."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from . import bundled
from .errors import InputError
from .yamlsrc import load_yaml, validate, where

#: Catalogs shipped with odaudit (package data, found from any directory).
BUNDLED_DIR = bundled.CATALOGS
DEFAULT_CATALOG = "ocf-2017"
#: The catalog name of a whole-portal (`crawl --all`) snapshot. In a rubric, `catalog: all`
#: names the whole portal, whose datasets only the snapshot knows.
ALL_CATALOG = "all"
DEFAULT_PORTAL = "https://data.gov.tw"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CatalogDataset(_Strict):
    name: str = Field(min_length=1)
    #: data.gov.tw dataset id (資料集識別碼), for datasets on the portal.
    id: str | None = None
    #: For key data published off the portal.
    url: str | None = None
    note: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, v: object) -> object:
        return str(v) if isinstance(v, int) else v

    @field_validator("id")
    @classmethod
    def _id_digits(cls, v: str | None) -> str | None:
        if v is not None and not v.isdigit():
            raise ValueError("a portal dataset id is digits only, e.g. 41568")
        return v

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str | None) -> str | None:
        if v is not None and not v.lower().startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return v

    @model_validator(mode="after")
    def _one_of(self) -> CatalogDataset:
        if self.id and self.url:
            raise ValueError("give either id (a portal dataset) or url (an external one), not both")
        return self

    @property
    def kind(self) -> Literal["portal", "external", "missing"]:
        if self.id:
            return "portal"
        return "external" if self.url else "missing"


class Category(_Strict):
    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    tier: str = ""
    rationale: str = ""
    datasets: list[CatalogDataset] = Field(default_factory=list)


class Catalog(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    title: str = Field(min_length=1)
    portal: str = "https://data.gov.tw"
    method: str = Field(min_length=1, description="why these datasets were chosen; printed in reports")
    source: str = ""
    categories: list[Category] = Field(min_length=1)

    def entries(self) -> list[tuple[Category, CatalogDataset]]:
        return [(c, d) for c in self.categories for d in c.datasets]

    def keyed_entries(self) -> list[tuple[Category, CatalogDataset, int, str]]:
        """(category, dataset, position in its category, snapshot key) of every entry.

        Entries that share a URL under different names are different datasets (the OCF catalog
        lists the law and the regulation files of one download page), so they get keys of their
        own; the same URL and name listed again is the same dataset, as a repeated id is.
        """
        names_by_url: dict[str, set[str]] = {}
        for _, d in self.entries():
            if d.url and not d.id:
                names_by_url.setdefault(d.url, set()).add(d.name)
        return [(c, d, pos, dataset_key(d, c.id, pos, shared_url=len(names_by_url.get(d.url or "", ())) > 1))
                for c in self.categories for pos, d in enumerate(c.datasets)]


def whole_portal_catalog(portal: str = DEFAULT_PORTAL) -> Catalog:
    """Stand-in for the whole portal where no catalog file lists it: one category, no datasets
    (a `crawl --all` snapshot takes its datasets from the portal's bulk export)."""
    return Catalog(name=ALL_CATALOG, title="data.gov.tw (whole portal)", portal=portal,
                   method="Every dataset listed on the portal (crawl --all).",
                   categories=[Category(id="all", name="whole portal", datasets=[])])


def dataset_key(d: CatalogDataset, category_id: str, position: int, *, shared_url: bool = False) -> str:
    """Stable key of a catalog entry inside a snapshot.

    Portal datasets are keyed by their id; external ones by a hash of the URL (and of the name,
    when other entries of the catalog share that URL: `Catalog.keyed_entries`); datasets not
    found online by category and name. The key never comes from server text.
    """
    if d.id:
        return f"tw:{d.id}"
    if d.url:
        text = f"{d.url}\n{d.name}" if shared_url else d.url
        return "ext:" + hashlib.sha256(text.encode()).hexdigest()[:12]
    return "none:" + hashlib.sha256(f"{category_id}/{d.name}".encode()).hexdigest()[:12]


def resolve_catalog_path(name_or_path: str | None) -> Path:
    """A path to a catalog YAML, or the name of a bundled one (default: ocf-2017)."""
    return bundled.resolve(name_or_path or DEFAULT_CATALOG, BUNDLED_DIR, "catalog")


def load_catalog(path: Path) -> Catalog:
    tree = load_yaml(path)
    cat = validate(path, tree, Catalog)
    # Checked here rather than in the model so the error can point at the line.
    cat_ids: set[str] = set()
    for ci, c in enumerate(cat.categories):
        if c.id in cat_ids:
            raise InputError(f"{where(path, tree, ('categories', ci, 'id'))}: category id {c.id!r} appears twice")
        cat_ids.add(c.id)
    # Duplicate datasets inside one category would be scored twice.
    seen: dict[str, tuple[int, int]] = {}
    for ci, c in enumerate(cat.categories):
        for di, d in enumerate(c.datasets):
            if d.id:
                if d.id in seen and seen[d.id][0] == ci:
                    raise InputError(f"{where(path, tree, ('categories', ci, 'datasets', di))}: dataset id {d.id} listed twice in category {c.id}")
                seen[d.id] = (ci, di)
    return cat


def catalog_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
