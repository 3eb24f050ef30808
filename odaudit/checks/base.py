"""Shared context of one `run_checks` call: the records, lazily computed facts about each body.

Facts (sniffed format, detected encoding, the table scan) are computed at most once per resource and
shared by the checks that need them; a fact that raised re-raises in every check that asks for it, so
each of those checks reports its own `error` finding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from ..inspect.charset import Detected, detect_encoding
from ..inspect.dates import parse_crawl_time
from ..inspect.sniff import Sniffed, sniff_file
from ..inspect.tables import (
    TableScan,
    extract_member,
    scan_delimited,
    scan_json,
    scan_spreadsheet,
    scan_xml,
    temp_dir,
)
from ..inspect.vocab import (
    TABULAR,
    TEXT_FORMATS,
    DeclaredFormat,
    declared_format,
    format_from_url,
)
from ..model.bodies import BODIES, BodyProblem, BodyStore
from ..model.findings import Finding
from .limits import FACT_STAGES, FACT_TEXT, Guard

Scope = Literal["resource", "dataset"]

#: longest evidence text kept (characters); longer text is cut with "…"
MAX_EVIDENCE = 400


def short(text: str, n: int = MAX_EVIDENCE) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


@dataclass(frozen=True)
class CheckSpec:
    """One registry entry: the check ids a module emits, its scope, and its function.

    Resource-scope functions are called once per resource as `run(ctx, resource)`; dataset-scope
    functions once as `run(ctx)`. Both return a list of findings. `metadata` marks checks that need
    the portal's metadata (skipped for external datasets).
    """

    ids: tuple[str, ...]
    scope: Scope
    run: Callable[..., list[Finding]]
    metadata: bool = False


class ResourceFacts:
    def __init__(self, ctx: Context, res: dict[str, Any]) -> None:
        self.ctx = ctx
        self.res = res
        self._cache: dict[str, tuple[bool, Any]] = {}
        self._resolved: tuple[Path | None, BodyProblem | None] | None = None

    def _memo(self, name: str, fn: Callable[[], Any]) -> Any:
        hit = self._cache.get(name)
        if hit is None:
            guard, what = self.ctx.guard, FACT_TEXT[name]
            try:
                guard.enter(self.ctx.ordinal(self.res), FACT_STAGES[name], what)
                try:
                    hit = (True, fn())
                finally:
                    guard.leave()
            except Exception as exc:  # noqa: BLE001 - re-raised to each check that asks
                # without its traceback: the frames would keep what the failed fact had built
                hit = (False, guard.translate(exc, what).with_traceback(None))
            self._cache[name] = hit
        ok, value = hit
        if not ok:
            raise value
        return value

    # -- body ------------------------------------------------------------------
    def _body(self) -> tuple[Path | None, BodyProblem | None]:
        """The verified body file, or why it cannot be used; resolved and hashed once per resource."""
        if self._resolved is None:
            rel = self.res.get("body")
            store = self.ctx.bodies
            if not rel or store is None:
                self._resolved = (None, None)
            else:
                try:
                    self._resolved = (store.path(rel, self.res.get("sha256"), self.res.get("bytes")), None)
                except BodyProblem as p:
                    self._resolved = (None, p)
        return self._resolved

    @property
    def body_path(self) -> Path | None:
        return self._body()[0]

    @property
    def body_problem(self) -> BodyProblem | None:
        """Why a stored body cannot be read (missing, altered, a link, not a body name), else None."""
        return self._body()[1]

    @property
    def truncated(self) -> bool:
        return bool(self.res.get("truncated"))

    def sniffed(self) -> Sniffed | None:
        def run() -> Sniffed | None:
            p = self.body_path
            return sniff_file(p, truncated=self.truncated) if p is not None else None
        return self._memo("sniff", run)

    def declared(self) -> DeclaredFormat:
        return declared_format((self.res.get("declared") or {}).get("format", ""))

    def encoding(self) -> Detected | None:
        def run() -> Detected | None:
            p = self.body_path
            return detect_encoding(p, truncated=self.truncated) if p is not None else None
        return self._memo("encoding", run)

    def table_format(self) -> str:
        """The format the structure scan reads the body as ("" = not tabular)."""
        sn = self.sniffed()
        if sn is None:
            return ""
        fmt = sn.format
        if fmt == "TXT" and "CSV" in self.declared().formats:
            return "CSV"  # one-column CSV is indistinguishable from text
        if fmt in TABULAR or fmt in ("GEOJSON", "KML", "RSS", "ATOM", "CAP", "RDF"):
            return fmt
        if fmt == "ZIP" and sn.inner in TABULAR:
            return "ZIP"
        return ""

    def table(self) -> TableScan | None:
        return self._memo("table", self._scan)

    def _scan(self) -> TableScan | None:
        fmt = self.table_format()
        p = self.body_path
        if not fmt or p is None:
            return None
        ctx = self.ctx
        if fmt == "ZIP":
            return self._scan_zip(p)
        return scan_body(p, fmt, truncated=self.truncated, row_limit=ctx.row_limit, ref=ctx.crawl_time,
                         encoding=self.encoding if fmt in ("CSV", "TSV") else None)

    def _scan_zip(self, p: Path) -> TableScan | None:
        sn = self.sniffed()
        assert sn is not None
        tabular = [m for m in sn.members if format_from_url(m) in TABULAR]
        if not tabular:
            return None
        import zipfile

        with zipfile.ZipFile(p) as zf:
            raw = [i.filename for i in zf.infolist() if not i.is_dir()]
        by_shown = dict(zip(sn.members, raw, strict=False))
        member = min(tabular)
        with temp_dir() as tmp:
            mp = extract_member(p, by_shown.get(member, member), tmp)
            if mp is None:
                return None
            msn = sniff_file(mp)
            fmt = msn.format
            if fmt == "TXT" and format_from_url(member) == "CSV":
                fmt = "CSV"
            if fmt not in TABULAR:
                return None
            enc = detect_encoding(mp) if fmt in TEXT_FORMATS else None
            scan = scan_body(mp, fmt, truncated=False, row_limit=self.ctx.row_limit, ref=self.ctx.crawl_time,
                             encoding=(lambda: enc) if enc is not None else None)
        scan.member = member
        if len(tabular) > 1:
            scan.notes = scan.notes + (f"1 of {len(tabular)} tabular members checked",)
        return scan


def scan_body(path: Path, fmt: str, *, truncated: bool, row_limit: int | None, ref: datetime,
              encoding: Callable[[], Detected | None] | None) -> TableScan:
    if fmt in ("CSV", "TSV"):
        det = encoding() if encoding is not None else None
        codec = det.codec if det is not None else "utf-8"
        return scan_delimited(path, fmt, codec, truncated=truncated, row_limit=row_limit, ref=ref)
    if fmt in ("XLS", "XLSX", "ODS"):
        if truncated:
            return TableScan(kind="invalid", format=fmt, complete=False, errors={"source-error": 1},
                             examples=("source-error: truncated spreadsheet cannot be read",))
        return scan_spreadsheet(path, fmt, row_limit=row_limit, ref=ref)
    if fmt == "JSON":
        return scan_json(path, truncated=truncated, row_limit=row_limit, ref=ref)
    if fmt == "GEOJSON":
        scan = scan_json(path, truncated=truncated, row_limit=row_limit, ref=ref)
        if scan.kind != "invalid":
            return TableScan(kind="document", format="GEOJSON", complete=scan.complete, notes=("well-formed GeoJSON",))
        scan.format = "GEOJSON"
        return scan
    return scan_xml(path, fmt, truncated=truncated, row_limit=row_limit, ref=ref)


class Context:
    def __init__(self, dataset: dict[str, Any], resources: list[dict[str, Any]], bodies: str | BodyStore | None,
                 crawl_time: str, row_limit: int | None, guard: Guard | None = None) -> None:
        self.dataset = dataset
        self.key: str = dataset.get("key", "")
        self.kind: str = dataset.get("kind", "portal")
        self.meta: dict[str, Any] = dataset.get("meta") or {}
        self.resources = sorted(resources, key=lambda r: (r.get("index", 0), r.get("key", "")))
        # A plain path is a snapshot directory holding its own bodies/ (tests, benchmarks).
        self.bodies = BodyStore(Path(bodies) / BODIES) if isinstance(bodies, (str, Path)) and bodies else bodies or None
        self.crawl_time_text = crawl_time
        self.crawl_time = parse_crawl_time(crawl_time)
        self.row_limit = row_limit
        self.findings: list[Finding] = []
        self._facts: dict[str, ResourceFacts] = {}
        self.guard = guard or Guard()
        self._ordinals = {str(r.get("key", "")): i for i, r in reversed(list(enumerate(self.resources)))}

    def ordinal(self, res: dict[str, Any]) -> int:
        """The resource's place among the dataset's resources (how a bounded runner names it)."""
        return self._ordinals.get(str(res.get("key", "")), 0)

    def not_offered(self, key: str) -> bool:
        """True when the portal's software has no such field at all (the adapter lists them in
        `meta.not_offered`; CKAN has no 計費方式, 主要欄位說明 or declared encoding): its absence is
        not the publisher's gap, so the checks that read it say "not measured" instead of judging."""
        listed = self.meta.get("not_offered")
        return isinstance(listed, list) and key in listed

    def metadata_missing(self) -> str:
        """Why this dataset has no portal metadata to check ("" when it has)."""
        if self.kind == "external":
            return "external dataset: no portal metadata"
        if self.kind == "missing":
            return "dataset not found online"
        fetch = self.dataset.get("fetch") or {}
        has_values = any(v not in ("", [], None) for v in self.meta.values())
        if not has_values and (fetch.get("status") not in (None, "ok") or not fetch.get("sources")):
            err = fetch.get("error") or fetch.get("status") or "no source"
            return f"portal metadata not fetched ({err})"
        return ""

    def facts(self, res: dict[str, Any]) -> ResourceFacts:
        k = res.get("key", "")
        f = self._facts.get(k)
        if f is None:
            f = self._facts[k] = ResourceFacts(self, res)
        return f

    def finding(self, check: str, outcome: str, measured: str = "", expected: str = "", evidence: str = "",
                res: dict[str, Any] | None = None) -> Finding:
        res = res or {}
        return Finding(
            dataset=self.key,
            resource=str(res.get("key") or ""),
            url=str(res.get("url") or ""),
            check=check, outcome=outcome, measured=short(measured, 200), expected=short(expected, 200),
            evidence=short(evidence),
        )

    def skip(self, check: str, reason: str, res: dict[str, Any] | None = None, *, expected: str = "") -> Finding:
        return self.finding(check, "skip", "", expected, reason, res)

    # -- shared gates -------------------------------------------------------------
    def unreachable(self, res: dict[str, Any]) -> str:
        """Why the resource could not be fetched ("" when it was)."""
        ok, _measured, why = reachability(res)
        return "" if ok else (why or "link not reachable")

    def body_skip(self, res: dict[str, Any]) -> str:
        """Reason a body-based check cannot run ("" when it can)."""
        if not_fetched(res):
            return not_fetched(res)
        why = self.unreachable(res)
        if why:
            return f"link not reachable: {why}"
        f = self.facts(res)
        if f.body_problem is not None:
            return f.body_problem.reason()
        if f.body_path is None:
            return "no body stored"
        return ""

    def data_skip(self, res: dict[str, Any]) -> str:
        """Like body_skip, and also skip when the body is an HTML page served instead of data."""
        why = self.body_skip(res)
        if why:
            return why
        sn = self.facts(res).sniffed()
        if sn is not None and sn.format == "HTML" and "HTML" not in self.facts(res).declared().formats:
            return "an HTML page was served instead of the data"
        if sn is not None and sn.format == "EMPTY":
            return "empty body"
        return ""


#: Fetch "errors" that say the crawl chose not to fetch (or could not replay) a URL: they say
#: nothing about the resource, so checks skip instead of failing.
NOT_FETCHED = {
    "not_recorded": "not recorded by the crawl",
    "not_sampled": "not in the crawl's --sample",
    # an answer that refuses this client (a firewall page, "come back tomorrow"): it measures the
    # client, not the data (see odaudit/blocked.py); run the crawl again from another network
    "blocked": "blocked: the server refused this client, not the data (not measured; try from another network)",
}


def not_fetched(res: dict[str, Any]) -> str:
    """Reason the crawl did not fetch this resource on purpose ("" when it tried)."""
    err = res.get("error") or {}
    kind = err.get("kind") if isinstance(err, dict) else None
    return NOT_FETCHED.get(kind or "", "")


def reachability(res: dict[str, Any]) -> tuple[bool, str, str]:
    """(reachable, measured, evidence) from the HTTP facts alone."""
    err = res.get("error") or None
    status = res.get("status")
    if res.get("not_modified") or status == 304:
        return True, "304", "304 Not Modified: the body of the previous crawl was reused"
    if err:
        kind = err.get("kind", "error") if isinstance(err, dict) else "error"
        msg = err.get("message", "") if isinstance(err, dict) else str(err)
        measured = f"{status} {kind}" if status else kind
        return False, measured, f"{kind}: {msg}" if msg else kind
    if status is None:
        return False, "no response", "no HTTP response recorded"
    if 200 <= int(status) < 300:
        return True, str(status), ""
    if int(status) == 401:
        return False, "401", "HTTP 401: login required; data behind a login is not open"
    return False, str(status), f"HTTP {status}"
