"""A fake CKAN portal on real loopback sockets, built from real demo.ckan.org API answers.

    from ckan_portal import FakeCkan, planted_packages

    with FakeCkan(planted_packages) as ckan:     # the action API on 127.0.0.1, files on 127.0.0.2
        ckan.base_url                             # pass as the crawler's --portal
        ckan.api.count(...), ckan.files.max_in_flight

The action API answers as CKAN 2.x does (tests/fixtures/ckan/README.md says where each answer's
shape comes from): `status_show`; `package_search` with `q`, `rows` (at most 1000), `start` and
`sort` (`name asc`), its `count`; `package_list`; `package_show?id=` (403 with CKAN's error
envelope for a private package, 404 for an unknown one). `search=False` makes `package_search`
answer 400 ("search disabled"); `page_hook(n)` is called after each search page, so a test can
add a package mid-enumeration.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from portal import FakeHost, Route, _pdf

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CKAN_FIXTURES = FIXTURES / "ckan"
BODIES = FIXTURES / "bodies"


def real_packages() -> dict[str, dict]:
    """The three demo.ckan.org packages of tests/fixtures/ckan (package_show answers), by name."""
    out = {}
    for f in sorted(CKAN_FIXTURES.glob("*-*-*-*-*.json")):
        pkg = json.loads(f.read_text(encoding="utf-8"))["result"]
        out[pkg["name"]] = pkg
    return out


def status_answer(base: str) -> dict:
    return {"help": f"{base}/api/3/action/help_show?name=status_show", "success": True,
            "result": {"ckan_version": "2.9.5", "site_url": base, "site_description": "odaudit test portal",
                       "site_title": "Fake CKAN", "error_emails_to": None, "locale_default": "en",
                       "extensions": ["stats", "text_view", "image_view", "recline_view"]}}


def error_answer(base: str, action: str, kind: str, message: str) -> dict:
    """CKAN's error envelope (ckan/views/api.py): success false, `error` with `__type` and `message`."""
    return {"help": f"{base}/api/3/action/help_show?name={action}", "success": False,
            "error": {"__type": kind, "message": message}}


class FakeCkan:
    """A CKAN action API (127.0.0.1) and a file host (127.0.0.2) serving the packages' resources."""

    def __init__(self, build: Callable[[FakeCkan], None] | None = None, *, latency: float = 0.0, search: bool = True,
                 rows_max: int = 1000, file_hosts: int = 1) -> None:
        self.api = FakeHost("127.0.0.1", latency=latency, name="ckan")
        #: resources are served by 127.0.0.2 (and .3, .4 … with file_hosts > 1)
        self.file_hosts = [FakeHost(f"127.0.0.{2 + i}", latency=latency, name=f"files{i + 1}") for i in range(file_hosts)]
        self.files = self.file_hosts[0]
        self.api.fallback = self._route
        self.search = search
        self.rows_max = rows_max
        self.packages: dict[str, dict] = {}
        #: names whose package_show answers 403 (private), listed by search without their resources
        self.private: set[str] = set()
        self.page_hook: Callable[[int], None] | None = None
        #: the first N requests of each API URL answer 429 with Retry-After: 1 (a rate limit)
        self.throttle = 0
        self.pages_served = 0
        if build is not None:
            build(self)

    # lifecycle
    def start(self) -> FakeCkan:
        for h in self.hosts:
            h.start()
        return self

    def stop(self) -> None:
        for h in self.hosts:
            h.stop()

    def __enter__(self) -> FakeCkan:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return self.api.base_url

    @property
    def hosts(self) -> list[FakeHost]:
        return [self.api, *self.file_hosts]

    # content
    def add(self, pkg: dict, private: bool = False) -> dict:
        self.packages[pkg["name"]] = pkg
        if private:
            self.private.add(pkg["name"])
        return pkg

    def serve_file(self, path: str, body: bytes, content_type: str, **options: Any) -> str:
        return self.files.serve(path, body, content_type=content_type, **options)

    # the action API
    def _json(self, doc: Any, status: int = 200) -> Route:
        return Route(body=json.dumps(doc, ensure_ascii=False).encode(), status=status,
                     content_type="application/json;charset=utf-8", fail_times=self.throttle, fail_status=429,
                     retry_after="1" if self.throttle else None)

    def _route(self, key: str) -> Route | None:
        parts = urlsplit(key)
        if not parts.path.startswith("/api/3/action/"):
            return None
        action = parts.path.rsplit("/", 1)[1]
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        base = self.base_url
        if action == "status_show":
            return self._json(status_answer(base))
        if action == "package_list":
            return self._json({"help": f"{base}/api/3/action/help_show?name=package_list", "success": True,
                               "result": sorted(self.packages)})
        if action == "package_search":
            return self._search(query)
        if action == "package_show":
            name = query.get("id", "")
            if name in self.private:
                return self._json(error_answer(base, action, "Authorization Error",
                                               f"Access denied: User  not authorized to read package {name}"), 403)
            if name not in self.packages:
                return self._json(error_answer(base, action, "Not Found Error", "Not found"), 404)
            return self._json({"help": f"{base}/api/3/action/help_show?name=package_show", "success": True,
                               "result": self.packages[name]})
        return self._json(error_answer(base, action, "Not Found Error", f"Action name not known: {action}"), 400)

    def _search(self, query: dict[str, str]) -> Route:
        base = self.base_url
        if not self.search:
            return self._json(error_answer(base, "package_search", "Search Query Error", "Search is disabled on this site"), 400)
        rows = min(int(query.get("rows", 10)), self.rows_max)
        start = int(query.get("start", 0))
        names = sorted(self.packages, reverse=query.get("sort", "") == "name desc")
        page = []
        for name in names[start:start + rows]:
            pkg = copy.deepcopy(self.packages[name])
            if name in self.private:
                pkg.pop("resources", None)  # a stale search index: it knows the name, not the package
            page.append(pkg)
        doc = {"help": f"{base}/api/3/action/help_show?name=package_search", "success": True,
               "result": {"count": len(names), "sort": query.get("sort", "score desc, metadata_modified desc"),
                          "facets": {}, "results": page, "search_facets": {}}}
        route = self._json(doc)
        self.pages_served += 1
        if self.page_hook is not None:
            self.page_hook(self.pages_served)
        return route


# --------------------------------------------------------------------------- planted defects

def _ckan_time(dt: datetime) -> str:
    return dt.astimezone(UTC).replace(tzinfo=None).isoformat()


def package_from(real: dict, name: str, title: str, resources: Iterable[dict], **changes: Any) -> dict:
    """A copy of a real package under a new name, with its resources replaced and fields changed."""
    pkg = copy.deepcopy(real)
    pkg.update({"name": name, "title": title, "id": f"odaudit-{name}"})
    pkg["resources"] = []
    for i, r in enumerate(resources):
        base = copy.deepcopy(real["resources"][0])
        base.update({"position": i, "package_id": pkg["id"], "id": f"{name}-r{i}"}, **r)
        pkg["resources"].append(base)
    pkg["num_resources"] = len(pkg["resources"])
    pkg.update(changes)
    return pkg


#: package name → the check that must find its planted defect, and the outcome
DEFECTS: dict[str, tuple[str, str]] = {
    "dead-link": ("link", "fail"),
    "html-as-csv": ("downloadable", "fail"),
    "closed-licence": ("licence", "fail"),
    "no-licence": ("licence", "fail"),
    "pdf-report": ("machine_readable", "fail"),
    "stale-daily": ("freshness", "fail"),
    "ragged-csv": ("structure", "fail"),
}
CLEAN = ("clean-regione", "clean-species")
PRIVATE = "private-plan"


def planted_packages(ckan: FakeCkan, now: datetime | None = None) -> None:
    """Clean packages, one package per planted defect (DEFECTS), and a private one, all copies of
    the real demo.ckan.org packages with their resources served by `ckan.files`."""
    real = real_packages()
    regione = real["2016-regione-asia-est-oceania-classi-di-eta"]   # organization SDB, cc-by, a CSV
    species = real["100-validated-species-of-plants"]               # no organization, other-open, a CSV
    report = real["1617in10-regulation-of-sale-of-overseas-properties-20170426-c"]  # cc-by, a PDF
    now = now or datetime.now(UTC)
    recent, old = _ckan_time(now - timedelta(days=20)), "2017-07-05T19:29:07.136124"
    clean_csv = (BODIES / "taitung_shelters_utf8bom_slice.csv").read_bytes()
    f = ckan.serve_file
    groups = [{"name": "society", "title": "Society", "display_name": "Society", "description": "", "image_display_url": ""}]
    annual = [{"key": "frequency", "value": "http://publications.europa.eu/resource/authority/frequency/ANNUAL"}]

    def csv(name: str, body: bytes = clean_csv, ctype: str = "text/csv") -> dict:
        return {"url": f(f"/files/{name}.csv", body, ctype), "format": "CSV", "mimetype": "text/csv",
                "name": f"{name}.csv", "last_modified": recent}

    ckan.add(package_from(regione, "clean-regione", "Shelters (clean)", [csv("clean-regione")], metadata_modified=recent,
                          groups=groups, extras=annual, notes="Shelters of Taitung County, one row per shelter, with address and capacity."))
    ckan.add(package_from(species, "clean-species", "Species (clean)", [csv("clean-species")], metadata_modified=recent,
                          groups=groups, extras=[{"key": "accrual_periodicity", "value": "annual"}]))
    ckan.add(package_from(regione, "dead-link", "Dead link", [{"url": ckan.files.url("/files/gone.csv"), "format": "CSV"}],
                          metadata_modified=recent, extras=annual))
    ckan.add(package_from(regione, "html-as-csv", "An HTML page served as CSV",
                          [csv("landing", (BODIES / "landing_page.html").read_bytes(), "text/html; charset=utf-8")],
                          metadata_modified=recent, extras=annual))
    ckan.add(package_from(regione, "closed-licence", "Not open", [csv("closed")], metadata_modified=recent, extras=annual,
                          license_id="other-closed", license_title="Other (Not Open)", isopen=False))
    ckan.add(package_from(regione, "no-licence", "No licence", [csv("nolicence")], metadata_modified=recent, extras=annual,
                          license_id="notspecified", license_title="License not specified", isopen=False))
    ckan.add(package_from(report, "pdf-report", "A PDF", [{"url": f("/files/report.pdf", _pdf("report"), "application/pdf"),
                                                          "format": "PDF", "mimetype": "application/pdf"}],
                          metadata_modified=recent, extras=annual))
    ckan.add(package_from(regione, "stale-daily", "Daily, last updated in 2017", [{**csv("stale"), "last_modified": old}],
                          metadata_modified=old, extras=[{"key": "frequency", "value": "daily"}]))
    ckan.add(package_from(regione, "ragged-csv", "A ragged CSV", [csv("ragged", (BODIES / "keelung_broken.csv").read_bytes())],
                          metadata_modified=recent, extras=annual))
    ckan.add(package_from(species, PRIVATE, "A private package", [csv("private")], private=True), private=True)
