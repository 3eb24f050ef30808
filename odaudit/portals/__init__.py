"""Portal adapters: everything that knows how one open-data portal publishes its metadata.

An adapter is a module of pure functions (no network): the crawler fetches bytes and hands
them over. Only data.gov.tw exists today; another portal is a new module registered here,
not edits elsewhere.

An adapter module provides at least:

    NAME, DEFAULT_PORTAL
    export_url(portal) -> str                     the bulk catalogue export
    dataset_api_url(portal, dataset_id) -> str    per-dataset metadata
    dataset_page_url(portal, dataset_id) -> str   the human page
    parse_export(data, source) -> ExportParse
    parse_api(data, source) -> dict
    normalise(export_raw, api_result) -> (meta, declared_resources, parse_issues)
    PortalError                                   raised when a whole input is unusable
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import InputError

#: adapter name -> module (relative to this package)
ADAPTERS: dict[str, str] = {
    "datagovtw": ".datagovtw",
}
DEFAULT_ADAPTER = "datagovtw"


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
