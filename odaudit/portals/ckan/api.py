"""CKAN's action API (`/api/3/action/…`): URLs, the JSON envelope, and the enumeration of a portal.

Pure: the crawler fetches each URL this module names (through odaudit.http, with its per-host
limits, retries and Retry-After) and hands the bytes back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from ... import nesting
from ...errors import ExitCode, OdauditError

NAME = "ckan"
#: there is no one CKAN portal; `--portal` is required with this adapter (the CLI's default is data.gov.tw)
DEFAULT_PORTAL = "https://demo.ckan.org"
#: CKAN's own ceiling for `rows` (ckan.search.rows_max defaults to 1000)
PAGE_ROWS = 1000
#: `name asc` is unique per package, so pages neither overlap nor skip while the count holds
SORT = "name asc"
#: how often an enumeration starts again after the count changed under it, before refusing
MAX_RESTARTS = 2
#: deeper JSON than this is refused (a package is 4 levels deep; extras may nest a little)
MAX_API_DEPTH = 32


class PortalError(OdauditError, ValueError):
    """A CKAN answer unusable as a whole; the message names the URL. `kind` as in datagovtw:
    ``empty``, ``encoding``, ``invalid_json``, ``too_deep``, ``not_object``, ``not_success``, ``no_result``,
    and ``count_changed`` (the enumeration never saw a stable catalogue)."""

    exit_code = ExitCode.INCOMPLETE

    def __init__(self, message: str, *, source: str = "", line: int | None = None, kind: str = "") -> None:
        super().__init__(message)
        self.source = source
        self.line = line
        self.kind = kind


def _action(portal: str, action: str) -> str:
    return f"{portal.rstrip('/')}/api/3/action/{action}"


def status_url(portal: str) -> str:
    """`status_show`: answers on every CKAN (≥ 2.0) without authentication; used to detect one."""
    return _action(portal, "status_show")


def search_url(portal: str, start: int, rows: int = PAGE_ROWS) -> str:
    return _action(portal, "package_search") + f"?q=*:*&rows={rows}&start={start}&sort={quote(SORT)}"


def list_url(portal: str) -> str:
    return _action(portal, "package_list")


def export_url(portal: str) -> str:
    """Where the catalogue comes from (recorded in the --all catalog's method and source)."""
    return _action(portal, "package_search")


def dataset_api_url(portal: str, name: str) -> str:
    return _action(portal, "package_show") + f"?id={quote(name, safe='')}"


def dataset_page_url(portal: str, name: str) -> str:
    return f"{portal.rstrip('/')}/dataset/{quote(name, safe='')}"


def portal_slug(portal: str) -> str:
    """Host (and path) of the portal, as dataset keys carry it: `ckan:<host[/path]>:<name>`.
    CKAN names are lower-case letters, digits, `-` and `_`, so the last `:` ends the portal part."""
    parts = urlsplit(portal)
    return (parts.netloc + parts.path.rstrip("/")).lower()


def dataset_key(portal: str, name: str) -> str:
    return f"ckan:{portal_slug(portal)}:{name}"


def _decode(data: bytes | str, source: str) -> Any:
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PortalError(f"{source}: API answer is not UTF-8 (byte {exc.start})", source=source, kind="encoding") from None
    if not text.strip():
        raise PortalError(f"{source}: empty API answer", source=source, kind="empty")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        start = text.strip()[:60].replace("\n", " ")
        raise PortalError(f"{source}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg}); starts {start!r}",
                          source=source, line=exc.lineno, kind="invalid_json") from None
    except (RecursionError, ValueError) as exc:
        raise PortalError(f"{source}: unreadable JSON ({type(exc).__name__})", source=source, kind="invalid_json") from None
    if nesting.exceeds(doc, MAX_API_DEPTH):
        raise PortalError(f"{source}: JSON nested deeper than {MAX_API_DEPTH} levels", source=source, kind="too_deep")
    return doc


def error_message(doc: Any) -> str:
    """CKAN's error envelope `{"success": false, "error": {"__type": …, "message": …}}` as one line."""
    if not isinstance(doc, dict):
        return ""
    err = doc.get("error")
    if isinstance(err, dict):
        kind = str(err.get("__type") or "").strip()
        msg = str(err.get("message") or "").strip()
        if not msg:  # a validation error (409) lists messages per field
            msg = "; ".join(f"{k}: {v}" for k, v in sorted(err.items()) if not k.startswith("__"))
        return f"{kind}: {msg}" if kind and msg else kind or msg
    return str(err or "").strip()


def envelope(data: bytes | str, source: str) -> Any:
    """The `result` of a CKAN action answer. PortalError when unusable or `success` is not true."""
    doc = _decode(data, source)
    if not isinstance(doc, dict):
        raise PortalError(f"{source}: API answer is a JSON {type(doc).__name__}, expected an object",
                          source=source, kind="not_object")
    if doc.get("success") is not True:
        why = error_message(doc) or "no error given"
        raise PortalError(f"{source}: CKAN says success: false ({why})", source=source, kind="not_success")
    if "result" not in doc:
        raise PortalError(f"{source}: CKAN answer without a result", source=source, kind="no_result")
    return doc["result"]


def api_error(data: bytes | str | None) -> str:
    """The message of an error answer (a 403 / 404 / 409 body), "" when it is not CKAN's envelope."""
    if not data:
        return ""
    try:
        return error_message(_decode(data, ""))
    except PortalError:
        return ""


def is_ckan_status(data: bytes | str | None) -> bool:
    """True when `status_show` answered as CKAN does: success true and a result with `ckan_version`."""
    if not data:
        return False
    try:
        result = envelope(data, "status_show")
    except PortalError:
        return False
    return isinstance(result, dict) and "ckan_version" in result


def parse_api(data: bytes | str, source: str) -> dict:
    """`package_show`'s package. PortalError when unusable."""
    result = envelope(data, source)
    if not isinstance(result, dict):
        raise PortalError(f"{source}: package_show result is a JSON {type(result).__name__}, expected an object",
                          source=source, kind="not_object")
    return result


@dataclass
class Row:
    """One package as the enumeration saw it: the `package_search` result (None from `package_list`)."""

    raw: dict[str, Any] | None
    title: str


@dataclass
class Enumeration:
    """The catalogue, page by page. The crawler asks `next_url()`, fetches it, and hands the answer
    to `feed()` until `next_url()` is None; then `rows` (name → Row) and `issues` hold the result.

    `package_search` pages of PAGE_ROWS sorted by `name asc`; if the `count` changes between pages
    (a package added or removed mid-way, so pages may overlap or skip), the enumeration starts again,
    at most MAX_RESTARTS times, then refuses (PortalError `count_changed`). When the first search page
    is refused (search disabled, an old CKAN), `package_list` gives the names instead."""

    portal: str
    page_rows: int = PAGE_ROWS
    method: str = "package_search"
    rows: dict[str, Row] = field(default_factory=dict)
    issues: list[dict[str, str]] = field(default_factory=list)
    count: int | None = None
    restarts: int = 0
    pages: int = 0
    _start: int = 0
    _done: bool = False

    def next_url(self) -> str | None:
        if self._done:
            return None
        if self.method == "package_list":
            return list_url(self.portal)
        return search_url(self.portal, self._start, self.page_rows)

    def feed(self, url: str, status: int | None, data: bytes | None, error: str = "") -> None:
        """The answer to `next_url()`: HTTP status (None when the fetch failed: `error` says why) and body."""
        self.pages += 1
        if self.method == "package_list":
            self._feed_list(url, status, data, error)
            return
        try:
            if status != 200:
                raise PortalError(f"{url}: {error or f'HTTP {status}'}" + (f" ({api_error(data)})" if api_error(data) else ""),
                                  source=url, kind="not_success")
            result = envelope(data or b"", url)
        except PortalError as exc:
            if self._start == 0 and not self.rows and self.restarts == 0 and status is not None:
                self.issues.append({"field": "package_search", "issue": "search_unavailable",
                                    "detail": f"{exc}; enumerated with package_list"})
                self.method = "package_list"
                return
            raise
        self._feed_search(url, result)

    def _feed_search(self, url: str, result: Any) -> None:
        if not isinstance(result, dict) or not isinstance(result.get("results"), list) or not isinstance(result.get("count"), int):
            raise PortalError(f"{url}: package_search result without `count` and `results`", source=url, kind="no_result")
        count, results = result["count"], result["results"]
        if self.count is not None and count != self.count:
            self._restart(url, self.count, count)
            return
        self.count = count
        for pkg in results:
            if isinstance(pkg, dict) and isinstance(pkg.get("name"), str) and pkg["name"]:
                self.rows[pkg["name"]] = Row(pkg, str(pkg.get("title") or pkg["name"]))
            else:
                self.issues.append({"field": "package_search", "issue": "bad_package", "detail": f"{url}: a result without a name; ignored"})
        self._start += len(results)
        if not results or self._start >= count:
            if len(self.rows) != count and results:
                # The same count but other packages (one renamed, one added and one removed): pages slid.
                self._restart(url, count, len(self.rows), what="packages read")
                return
            self._done = True

    def _restart(self, url: str, before: int, now: int, what: str = "") -> None:
        if self.restarts >= MAX_RESTARTS:
            raise PortalError(f"{url}: the portal's package count kept changing during the enumeration "
                              f"(count {before} then {now}{' ' + what if what else ''}, {self.restarts + 1} tries); no consistent list of packages, "
                              "nothing crawled (rerun later)", source=url, kind="count_changed")
        self.restarts += 1
        self.issues.append({"field": "package_search", "issue": "count_changed",
                            "detail": f"count {before} then {now}{' ' + what if what else ''} mid-enumeration; started again"})
        self.rows, self.count, self._start = {}, None, 0

    def _feed_list(self, url: str, status: int | None, data: bytes | None, error: str) -> None:
        if status != 200:
            raise PortalError(f"{url}: {error or f'HTTP {status}'}", source=url, kind="not_success")
        result = envelope(data or b"", url)
        if not isinstance(result, list):
            raise PortalError(f"{url}: package_list result is not a list", source=url, kind="no_result")
        for name in result:
            if isinstance(name, str) and name:
                self.rows[name] = Row(None, name)
        self.count = len(self.rows)
        self._done = True

    def summary(self) -> dict[str, Any]:
        """What the manifest records of the enumeration."""
        return {"method": self.method, "count": self.count, "packages": len(self.rows), "pages": self.pages,
                "restarts": self.restarts, "page_rows": self.page_rows, "sort": SORT}


def row_title(row: Row) -> str:
    return row.title


def wants_api(export_raw: dict | None) -> bool:
    """package_show is fetched where the search result lacks the resources (package_list, or an index
    that returns partial packages): a full package_search result is the package itself."""
    return not (isinstance(export_raw, dict) and isinstance(export_raw.get("resources"), list))
