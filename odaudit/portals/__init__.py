"""Portal adapters: everything that knows how one open-data portal publishes its metadata.

An adapter is a module of pure functions (no network): the crawler fetches bytes and hands
them over. Adapters: `datagovtw` (data.gov.tw) and `ckan` (any CKAN portal); another portal is a
new module registered here, not edits elsewhere.

An adapter module provides:

    NAME, DEFAULT_PORTAL
    ENUMERATION                                   "export" or "pages": how the catalogue is read
    export_url(portal) -> str                     where the catalogue comes from (the bulk export,
                                                  or the search API), as the --all catalog names it
    parse_export(data, source, ids=) -> ExportParse    ENUMERATION "export": the streamed bulk export
    Enumeration(portal)                           ENUMERATION "pages": next_url() / feed(url, status,
                                                  body, error) until next_url() is None; then .rows,
                                                  .issues and .summary()
    row_title(row) -> str                         a catalogue row's title
    dataset_key(portal, dataset_id) -> str        the snapshot key ("tw:41568", "ckan:host:name")
    dataset_api_url(portal, dataset_id) -> str    per-dataset metadata
    dataset_page_url(portal, dataset_id) -> str   the human page
    wants_api(row_raw) -> bool                    whether the per-dataset API is needed beside the row
    parse_api(data, source) -> dict
    api_error(body) -> str                        the message of an error answer ("" if none)
    api_shape(api_result) -> str | None           where the API's resource list was read
    normalise(export_raw, api_result) -> (meta, declared_resources, parse_issues)
    PortalError                                   raised when a whole input is unusable
"""

from __future__ import annotations

import importlib
from types import ModuleType
from urllib.parse import urlsplit

from ..errors import InputError

#: adapter name -> module (relative to this package)
ADAPTERS: dict[str, str] = {
    "datagovtw": ".datagovtw",
    "ckan": ".ckan",
}
DEFAULT_ADAPTER = "datagovtw"
#: `crawl --adapter auto` (the CLI's default): known hosts, else ask the portal (crawl/start.py)
AUTO = "auto"
#: hosts whose adapter is known without asking the portal
KNOWN_HOSTS: dict[str, str] = {"data.gov.tw": "datagovtw", "www.data.gov.tw": "datagovtw"}


def adapter_for_host(portal: str) -> str | None:
    """The adapter of a portal known by its host (data.gov.tw), else None."""
    return KNOWN_HOSTS.get((urlsplit(portal).hostname or "").lower())


def get_adapter(name: str = DEFAULT_ADAPTER) -> ModuleType:
    """The adapter module registered under `name` (e.g. "datagovtw")."""
    try:
        module = ADAPTERS[name]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise InputError(f"unknown portal adapter {name!r} (known: {known})") from None
    return importlib.import_module(module, __name__)


def adapter_names() -> list[str]:
    return sorted(ADAPTERS)
