"""CKAN adapter: any CKAN portal (data.gov.uk, open.canada.ca, HDX, city portals) read from outside,
through its public action API (`/api/3/action/…`), as a citizen or researcher can.

Modules: `api` (URLs, the JSON envelope and its error answers, the enumeration), `normalise`
(a package → odaudit's normalised metadata). Pure functions, no network: the crawler fetches
each URL named here through odaudit.http and hands the bytes over.

* enumeration (ENUMERATION = "pages"): `package_search?q=*:*&rows=1000&start=N&sort=name asc`,
  the `count` watched across pages (a change starts the enumeration again, and repeated changes
  refuse it), `package_list` when search is refused;
* per dataset: `package_show?id=NAME` only where the search result lacks the resources
  (`wants_api`); a 403 (private), 404 or 409 answer is recorded on that dataset alone;
* keys: `ckan:<host[/path]>:<name>` (`dataset_key`), so several CKAN portals share a body store
  and a history without colliding.
"""

from __future__ import annotations

from .api import (
    DEFAULT_PORTAL,
    MAX_RESTARTS,
    NAME,
    PAGE_ROWS,
    SORT,
    Enumeration,
    PortalError,
    Row,
    api_error,
    dataset_api_url,
    dataset_key,
    dataset_page_url,
    envelope,
    export_url,
    is_ckan_status,
    list_url,
    parse_api,
    portal_slug,
    row_title,
    search_url,
    status_url,
    wants_api,
)
from .normalise import FREQUENCY_EXTRAS, api_shape, extras, frequency_of, licence_of, normalise, utc_datetime

#: how the catalogue is read: page by page through the API (see crawl/export.py)
ENUMERATION = "pages"
#: what the --all catalog says the datasets were listed by
LISTING = "catalogue API (package_search; package_list where search is refused)"

__all__ = [
    "DEFAULT_PORTAL", "ENUMERATION", "LISTING", "FREQUENCY_EXTRAS", "MAX_RESTARTS", "NAME", "PAGE_ROWS", "SORT", "Enumeration",
    "PortalError", "Row", "api_error", "api_shape", "dataset_api_url", "dataset_key", "dataset_page_url", "envelope",
    "export_url", "extras", "frequency_of", "is_ckan_status", "licence_of", "list_url", "normalise", "parse_api",
    "portal_slug", "row_title", "search_url", "status_url", "utc_datetime", "wants_api",
]
