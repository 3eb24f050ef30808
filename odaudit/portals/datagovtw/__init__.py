"""data.gov.tw (政府資料開放平臺) adapter: URLs, bulk export, v2 dataset API, legacy records.

Modules: `schema` (columns, keys, URLs, PortalError), `text` (values, dates, field lists), `export`,
`api`, `normalise`, `legacy`.

Pure functions, no network: the crawler fetches the bytes and hands them over. Parsing is
tolerant: every raw field is kept by the caller, the known ones are normalised here, and
whatever is missing or inconsistent becomes a *parse issue*
(``{"field": ..., "issue": ..., "detail": ...}``) instead of an exception. Only an input
that is unusable as a whole (an export without a 資料集識別碼 column, an API answer that is
not JSON or says ``success: false``) raises :class:`PortalError`, whose message names the
source and, where known, the line.

Interfaces (see docs/snapshot-format.md and the data.gov.tw reference):

* bulk export ``/api/front/dataset/export?format=csv``: one row per dataset, 22 columns,
  UTF-8 with BOM; 檔案格式, 資料下載網址, 編碼格式, 資料量 (and 資料資源更新時間 where present)
  hold one value per resource joined by ``;`` and aligned by position.
* v2 API ``/api/v2/rest/dataset/{id}``: ``{"success": true, "result": {..., "distribution": [...]}}``;
  the resource list is also read as ``distributions``, ``resources`` or ``resource`` with
  CKAN-style keys (``format``, ``url``, …), shapes third-party scripts report (`api_shape`).
* 2017 dataset pages and 2018 scraper records (OpenData-TW/DataPackage-DGTW): converted to
  export rows by :func:`legacy_2017_to_export` and :func:`legacy_2018_to_export`.
"""

from __future__ import annotations

from .api import api_resource_list, api_shape, parse_api
from .export import MAX_EXPORT_ISSUES, ExportParse, ExportRow, parse_export
from .legacy import legacy_2017_to_export, legacy_2018_to_export
from .normalise import normalise
from .schema import (
    API_FIELD_KEYS,
    API_RESOURCE_KEYS,
    API_RESOURCE_SHAPES,
    DATASET_FIELDS,
    DEFAULT_PORTAL,
    EXPORT_COLUMNS,
    ID_COLUMN,
    MAX_API_DEPTH,
    META_KEYS,
    NAME,
    OPTIONAL_COLUMNS,
    RESOURCE_COLUMNS,
    RESOURCE_KEYS,
    PortalError,
    dataset_api_url,
    dataset_page_url,
    export_url,
    row_title,
)
from .text import iso_datetime, parse_fields

#: how the catalogue is read: one bulk export, streamed from the body store (see crawl/export.py)
ENUMERATION = "export"
#: what the --all catalog says the datasets were listed by
LISTING = "bulk export"


def dataset_key(portal: str, dataset_id: str) -> str:
    """The snapshot key of a portal dataset (the same as Catalog.keyed_entries gives)."""
    return f"tw:{dataset_id}"


def wants_api(export_raw: object) -> bool:
    """The v2 API is read for every dataset (with --api): it has the per-resource details."""
    return True


def api_error(data: object) -> str:
    """data.gov.tw's error pages say nothing more than their status."""
    return ""

__all__ = [
    "ENUMERATION", "LISTING", "api_error", "dataset_key", "wants_api",
    "API_FIELD_KEYS", "API_RESOURCE_KEYS", "API_RESOURCE_SHAPES", "DATASET_FIELDS", "DEFAULT_PORTAL", "EXPORT_COLUMNS",
    "ID_COLUMN", "MAX_API_DEPTH", "MAX_EXPORT_ISSUES", "META_KEYS", "NAME", "OPTIONAL_COLUMNS", "RESOURCE_COLUMNS",
    "RESOURCE_KEYS", "ExportParse", "ExportRow", "PortalError", "api_resource_list", "api_shape", "dataset_api_url",
    "dataset_page_url", "export_url", "iso_datetime", "legacy_2017_to_export", "legacy_2018_to_export", "normalise",
    "parse_api", "parse_export", "parse_fields", "row_title",
]
