"""`odaudit doctor`, the core: has the portal changed under the adapter?

A handful of requests (CKAN's ``status_show``, the bulk export, the v2 dataset API for a seeded
sample of datasets, one dataset page) are compared with what the data.gov.tw adapter expects.
Every difference is an *observation*: what changed, and what odaudit will do about it, with a
severity:

* ``info``: worth knowing, changes nothing (new API keys odaudit ignores, the date formats seen);
* ``drift``: odaudit copes, but the crawl will read less, or differently, than it was built for;
* ``unusable``: odaudit cannot crawl this portal as it is.

The verdict is the worst severity (``ok`` when nothing is worse than info). The analysis
functions (`probe_export`, `probe_api`, `probe_vocabulary`, `probe_dates`, `probe_ckan`) are pure;
`run_doctor` does the requests through the Fetcher, and the crawl feeds the same functions its
own first responses (`CrawlProbe`). Everything returned is plain data (JSON-ready).
"""

from __future__ import annotations

import difflib
import json
import random
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from .errors import IncompleteError
from .http import Fetcher, FetchResult
from .inspect.understood import VOCABULARIES, not_understood
from .portals import datagovtw as tw

SEVERITY_ORDER = ("info", "drift", "unusable")
VERDICT = {"info": "ok", "drift": "drift", "unusable": "unusable"}
#: exit code per verdict (README "Exit codes")
EXIT_CODES = {"ok": 0, "drift": 1, "unusable": 2}
DEFAULT_SAMPLE = 5
#: at most this many example values per observation
EXAMPLES = 5
#: network failures that mean "the portal could not be reached", not "it answered oddly"
UNREACHABLE = {"connect", "timeout", "read", "too_slow", "invalid_url", "scheme"}
CKAN_STATUS = "/api/3/action/status_show"
CKAN_SEARCH = "/api/3/action/package_search?rows=0"

#: v2 envelope keys: read by the adapter, and seen in real answers (help)
ENVELOPE_KEYS = frozenset({"success", "result", "help", "error", "message", "msg", "code"})
#: v2 result keys the adapter reads (besides the resource list)
API_READ_KEYS: tuple[str, ...] = tuple(dict.fromkeys(
    [k for _, _, keys in tw.DATASET_FIELDS for k in keys] + ["publisherOID"]))
#: documented or seen, not read (datagovtw.md §1.3; the 6100 answer in tests/fixtures/drift)
API_OTHER_KEYS = frozenset({"identifier", "datasetId", "datasetid", "categoryDataset", "dataProvider",
                            "coverageStartedDate", "coverageEndedDate", "spatialCoverage", "language", "keyword"})
#: resource-item keys: read by the adapter, or seen in the real 6100 item and not needed
RESOURCE_KEYS_KNOWN = frozenset({k for keys in tw.API_RESOURCE_KEYS.values() for k in keys} | set(tw.API_FIELD_KEYS) | {
    "qcLevel", "resourceQualityCheckTime", "resourceNotes", "resourceRequestMethod", "resourceOasUrl",
    "resourceRequestParameters", "resourcePathParameters", "resourceId", "resourceReleaseDate", "id"})
_URL_KEYS = tw.API_RESOURCE_KEYS["url"]
_DATE_COLUMNS = ("上架日期", "詮釋資料更新時間", "資料資源更新時間")
_DATE_API_KEYS = ("publishedDate", "modifiedDate")
_DATE_LIKE = re.compile(r"\d{1,4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")


@dataclass(frozen=True)
class Observation:
    area: str      # ckan | export | encoding | api | vocabulary | dates | pages
    severity: str  # info | drift | unusable
    what: str      # what is different, in one line
    action: str    # what odaudit does about it

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def verdict_of(observations: Iterable[Observation | dict]) -> str:
    worst = 0
    for o in observations:
        sev = o.severity if isinstance(o, Observation) else o["severity"]
        worst = max(worst, SEVERITY_ORDER.index(sev))
    return VERDICT[SEVERITY_ORDER[worst]]


def _examples(values: Iterable[str]) -> str:
    vals = list(values)
    shown = ", ".join(vals[:EXAMPLES])
    return shown + (f" (+{len(vals) - EXAMPLES})" if len(vals) > EXAMPLES else "")


# --------------------------------------------------------------------------- the export


def _column_use(column: str) -> str:
    """What the adapter makes of an export column (for "what odaudit will do")."""
    if column in tw.RESOURCE_COLUMNS:
        return f"each resource's {tw.RESOURCE_COLUMNS[column]} comes from the API where it answers, else stays empty"
    for key, cols, api_keys in tw.DATASET_FIELDS:
        if column in cols:
            fallback = f", else from the API's {api_keys[0]}" if api_keys else ""
            return f"meta.{key} is read as missing{fallback}"
    return "not read by odaudit"


def _renames(missing: list[str], new: list[str]) -> list[tuple[str, str, float]]:
    """Pairs (expected, found, similarity) of a missing column and the new column most like it."""
    pairs = []
    free = list(new)
    for m in missing:
        scored = sorted(((difflib.SequenceMatcher(None, m, c).ratio(), c) for c in free), reverse=True)
        if scored and scored[0][0] >= 0.5:
            pairs.append((m, scored[0][1], round(scored[0][0], 2)))
            free.remove(scored[0][1])
    return pairs


def _delimiter(data: bytes) -> str:
    head = data[:65536].decode("utf-8-sig", errors="replace").splitlines()
    line = head[0] if head else ""
    counts = {d: line.count(d) for d in (",", "\t", ";", "|")}
    return max(counts, key=lambda d: (counts[d], d == ",")) if any(counts.values()) else ","


def _export_columns(columns: list[str]) -> tuple[dict[str, Any], list[Observation]]:
    present = set(columns)
    aliases = {"資資料集上架方式": ("資料集上架方式", "資料集類型")}
    missing, old_names = [], []
    for c in tw.EXPORT_COLUMNS:
        if c in present:
            continue
        alias = next((a for a in aliases.get(c, ()) if a in present), None)
        (old_names.append((c, alias)) if alias else missing.append(c))
    known = set(tw.EXPORT_COLUMNS) | set(tw.OPTIONAL_COLUMNS) | {a for al in aliases.values() for a in al}
    new = [c for c in columns if c and c not in known]
    renamed = _renames(missing, new)
    gone = [m for m in missing if m not in {r[0] for r in renamed}]
    added = [c for c in new if c not in {r[1] for r in renamed}]
    obs = [Observation("export", "drift", f"column {m} seems renamed to {n} (similarity {s:.2f})",
                       f"not guessed: {m} is treated as missing ({_column_use(m)}); if the rename is right, "
                       f"add {n} to the adapter's names for it (odaudit/portals/datagovtw/schema.py)") for m, n, s in renamed]
    obs += [Observation("export", "drift", f"column {m} is missing", _column_use(m)) for m in gone]
    obs += [Observation("export", "drift", f"new column {c}", "kept in every dataset record's raw.export; no check reads it")
            for c in added]
    obs += [Observation("export", "info", f"column {c} is named {a}, its older name", "read under that name")
            for c, a in old_names]
    section = {"columns": len(columns), "missing": gone, "renamed": [{"expected": m, "found": n, "similarity": s}
                                                                    for m, n, s in renamed], "new": added}
    return section, obs


def probe_export(data: bytes, source: str, parsed: tw.ExportParse | None = None, *,
                 size: int | None = None) -> tuple[dict[str, Any], list[Observation], tw.ExportParse | None]:
    """The export's bytes against what the adapter expects: UTF-8 with BOM, commas, 22 columns.

    With `parsed` (the crawl has parsed it already), `data` need only be the file's start."""
    bom = data.startswith(b"\xef\xbb\xbf")
    section: dict[str, Any] = {"url": source, "bytes": len(data) if size is None else size, "bom": bom,
                               "delimiter": _delimiter(data)}
    obs: list[Observation] = []
    try:
        parsed = parsed if parsed is not None else tw.parse_export(data, source)
    except tw.PortalError as exc:
        delim = section["delimiter"]
        why = (f"its fields are separated by {delim!r}, not commas" if delim != "," else str(exc))
        obs.append(Observation("export", "unusable", f"the bulk export is unreadable: {why}",
                               "no dataset list: `crawl --all` cannot run, and a catalog crawl describes datasets from the API alone"))
        return section, obs, None
    section.update(encoding=parsed.encoding, rows=len(parsed.rows))
    if not bom and parsed.encoding == "utf-8":
        obs.append(Observation("encoding", "drift", "the export has no UTF-8 byte order mark (BOM)", "read as UTF-8 all the same"))
    elif parsed.encoding not in ("utf-8-sig", "utf-8"):
        obs.append(Observation("encoding", "drift", f"the export is not UTF-8: decoded as {parsed.encoding}",
                               "read that way; each record keeps the text as decoded (check a few titles)"))
    cols, col_obs = _export_columns(parsed.columns)
    section.update(cols)
    broken = [i for i in parsed.issues if i.get("issue") in ("broken_row", "duplicate_id", "no_id")]
    if broken:
        obs.append(Observation("export", "drift", f"{len(broken)} rows of the export are broken or duplicated "
                               f"(e.g. {broken[0]['detail']})", "skipped; those datasets are described by their API answers"))
    return section, obs + col_obs, parsed


# --------------------------------------------------------------------------- the dataset API


def _envelope(data: bytes) -> dict | None:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None


def _answer_keys(result: dict, shapes: Counter, item_keys: Counter, urlless: list[str], ds_id: str) -> None:
    shape = tw.api_shape(result)
    shapes[shape] += 1
    items = tw.api_resource_list(result)[1]
    items = [items] if isinstance(items, dict) else items if isinstance(items, list) else []
    for item in items:
        if not isinstance(item, dict):
            continue
        item_keys.update(item.keys())
        if not any(str(item.get(k) or "").strip() for k in _URL_KEYS):
            urlless.append(ds_id)


def probe_api(answers: list[tuple[str, FetchResult | None, bytes]],
              export: tw.ExportParse | None) -> tuple[dict[str, Any], list[Observation], list[tuple[str, dict]]]:
    """Sampled v2 answers ((id, fetch result, body)) against the adapter's expectations.
    Also returns the usable (id, `result`) pairs (for the vocabulary and dates probes)."""
    shapes: Counter[str] = Counter()
    item_keys: Counter[str] = Counter()
    envelope_new: Counter[str] = Counter()
    result_keys: Counter[str] = Counter()
    failed: list[str] = []
    urlless: list[str] = []
    disagree: list[str] = []
    results: list[dict] = []
    for ds_id, res, data in answers:
        url = res.url if res is not None else ds_id
        if res is None or res.error or res.status != 200:
            failed.append(f"{ds_id} ({res.error['kind'] if res and res.error else f'HTTP {res.status}' if res else 'not fetched'})")
            continue
        env = _envelope(data)
        if env is not None:
            envelope_new.update(k for k in env if k not in ENVELOPE_KEYS)
        try:
            result = tw.parse_api(data, url)
        except tw.PortalError as exc:
            failed.append(f"{ds_id} ({exc.kind or 'unreadable'})")
            continue
        results.append((ds_id, result))
        result_keys.update(result.keys())
        _answer_keys(result, shapes, item_keys, urlless, ds_id)
        row = export.rows.get(ds_id) if export is not None else None
        if row is not None:
            _, _, issues = tw.normalise(row.raw, result)
            if any(i["issue"] in ("resource_count_mismatch", "resource_not_in_api", "resources_only_in_api") for i in issues):
                disagree.append(ds_id)
    section = {"sampled": [a[0] for a in answers], "answered": len(results), "shapes": dict(sorted(shapes.items())),
               "failed": failed}
    return section, _api_observations(len(answers), results, shapes, item_keys, envelope_new, result_keys,
                                      failed, urlless, disagree), results


def _api_observations(n: int, results: list[tuple[str, dict]], shapes: Counter, item_keys: Counter, envelope_new: Counter,
                      result_keys: Counter, failed: list[str], urlless: list[str], disagree: list[str]) -> list[Observation]:
    obs: list[Observation] = []
    if failed:
        obs.append(Observation("api", "drift", f"{len(failed)} of {n} dataset API answers are unusable: {_examples(failed)}",
                               "those datasets are described by the bulk export alone"))
    for shape, count in sorted(shapes.items()):
        if shape == "distribution":
            continue
        if shape == "none":
            obs.append(Observation("api", "drift", f"{count} of {len(results)} API answers have no resource list "
                                   f"(none of result.{', result.'.join(tw.API_RESOURCE_SHAPES)})",
                                   "their resources come from the export's columns alone"))
        else:
            obs.append(Observation("api", "drift", f"{count} of {len(results)} API answers list resources as result.{shape}, "
                                   "not result.distribution", f"read tolerantly (CKAN-style keys too); each dataset record "
                                   f"says which shape was used (api_shape: {shape})"))
    if urlless:
        obs.append(Observation("api", "drift", f"API resources without a URL under any known key, in {_examples(sorted(set(urlless)))}",
                               "the export's URL is used where the resource lists line up"))
    new_items = sorted(k for k in item_keys if k not in RESOURCE_KEYS_KNOWN)
    if new_items:
        obs.append(Observation("api", "info", f"resource keys odaudit does not know: {_examples(new_items)}", "ignored"))
    if envelope_new:
        obs.append(Observation("api", "drift", f"new keys around the API's result: {_examples(sorted(envelope_new))}", "ignored"))
    unknown = sorted(k for k in result_keys if k not in API_READ_KEYS and k not in API_OTHER_KEYS and k not in tw.API_RESOURCE_SHAPES)
    if unknown:
        obs.append(Observation("api", "info", f"dataset keys odaudit does not know: {_examples(unknown)}", "ignored (kept in raw.api)"))
    absent = [k for k in API_READ_KEYS if results and k not in result_keys]
    if absent:
        obs.append(Observation("api", "info", f"keys odaudit reads that no sampled answer had: {_examples(absent)}",
                               "the export's columns are used for them"))
    if disagree:
        obs.append(Observation("api", "info", f"the API and the export disagree about the resources of {_examples(disagree)}",
                               "the crawl records it as a consistency finding for each such dataset"))
    return obs


# --------------------------------------------------------------------------- vocabulary and dates


def _record_values(meta: dict, resources: list[dict]) -> list[tuple[str, object]]:
    """A dataset's vocabulary values as the crawl records them (meta, declared resources)."""
    out: list[tuple[str, object]] = [(v, meta.get(k, "")) for v, k in VOCABULARIES.items() if k != "format"]
    return out + [("檔案格式", r.get("format", "")) for r in resources]


def _vocabulary_values(export: tw.ExportParse | None, results: list[tuple[str, dict]]) -> list[tuple[str, object]]:
    """Per dataset, the values the crawl would record: the export row's, or, for the sampled
    datasets, what `normalise` makes of the export row and the API answer together."""
    cols = ("品質檢測", "更新頻率", "授權方式")  # the export column is named as the vocabulary
    per_id: dict[str, list[tuple[str, object]]] = {}
    for ds_id, row in (export.rows.items() if export is not None else ()):
        per_id[ds_id] = [(c, row.raw.get(c, "")) for c in cols] + [("檔案格式", f) for f in row.raw.get("檔案格式", "").split(";")]
    for ds_id, result in results:
        row = export.rows.get(ds_id) if export is not None else None
        meta, resources, _ = tw.normalise(row.raw if row is not None else None, result)
        per_id[ds_id] = _record_values(meta, resources)
    return [v for ds_id in per_id for v in per_id[ds_id]]


_VOCAB_ACTION = {
    "品質檢測": "the badge check warns 'not understood' instead of judging the badge",
    "更新頻率": "the freshness check skips those datasets (no expected age)",
    "授權方式": "the licence check skips those datasets: a researcher answers open_licence by hand",
    "檔案格式": "the format check has nothing to compare (warn); the real format is still sniffed",
}


def probe_vocabulary(export: tw.ExportParse | None, results: list[tuple[str, dict]]) -> tuple[list[dict], list[Observation]]:
    rows = not_understood(_vocabulary_values(export, results))
    obs = []
    for vocab in VOCABULARIES:
        mine = [r for r in rows if r["vocabulary"] == vocab]
        if mine:
            obs.append(Observation("vocabulary", "drift", f"{vocab}: {len(mine)} value{'s' if len(mine) != 1 else ''} odaudit does not "
                                   f"understand: {_examples(repr(r['value']) + ' ×' + str(r['count']) for r in mine)}",
                                   _VOCAB_ACTION[vocab] + "; listed in the report as not understood"))
    return rows, obs


def _date_pattern(value: str) -> str:
    return re.sub(r"[0-9]", "9", value.strip())


def probe_dates(export: tw.ExportParse | None,
                results: list[tuple[str, dict]]) -> tuple[dict[str, dict[str, int]], list[Observation]]:
    """Date formats seen, per source (export, API), as patterns (`9999/99/99 99:99`)."""
    values: list[tuple[str, str]] = []
    for row in (export.rows.values() if export is not None else ()):
        for col in _DATE_COLUMNS:
            values += [("export", v) for v in row.raw.get(col, "").split(";") if v.strip()]
    for _, r in results:
        values += [("API", str(r.get(k))) for k in _DATE_API_KEYS if r.get(k)]
    readable: Counter[tuple[str, str]] = Counter()
    unread: Counter[tuple[str, str]] = Counter()
    junk: list[str] = []
    for (source, v), n in Counter(values).items():  # each distinct value once
        if tw.iso_datetime(v):
            readable[(source, _date_pattern(v))] += n
        elif _DATE_LIKE.search(v) or re.fullmatch(r"[0-9]{6,8}", v.strip()):
            unread[(source, _date_pattern(v))] += n
        else:
            junk += [v.strip()] * n
    obs = []
    if unread:
        obs.append(Observation("dates", "drift", "dates in formats odaudit cannot read: "
                               + _examples(f"{p} ×{n} ({src})" for (src, p), n in unread.most_common()),
                               "recorded as unreadable (a bad_date parse issue); freshness uses the other dates it has"))
    if junk:
        obs.append(Observation("dates", "info", f"{len(junk)} date cells hold no date: {_examples(repr(j[:30]) for j in junk)}",
                               "recorded as unreadable (a bad_date parse issue)"))
    if readable:
        obs.append(Observation("dates", "info", "date formats seen: "
                               + _examples(f"{p} ×{n} ({src})" for (src, p), n in readable.most_common()), "read"))
    formats: dict[str, dict[str, int]] = {}
    for (src, p), n in sorted(readable.items()):
        formats.setdefault(src, {})[p] = n
    return formats, obs


# --------------------------------------------------------------------------- CKAN


def probe_ckan(status: bytes | None, search: bytes | None) -> dict[str, Any] | None:
    """A CKAN `status_show` answer -> {version, search, datasets}; None when it is not CKAN."""
    doc = _envelope(status or b"")
    result = doc.get("result") if doc else None
    if not doc or doc.get("success") is not True or not isinstance(result, dict) or "ckan_version" not in result:
        return None
    found = _envelope(search or b"")
    count = (found or {}).get("result", {}).get("count") if isinstance((found or {}).get("result"), dict) else None
    enabled = bool(found and found.get("success") is True and isinstance(count, int))
    return {"version": str(result.get("ckan_version")), "site": str(result.get("site_title") or ""),
            "search": enabled, "datasets": count if enabled else None}


def _ckan_observation(ckan: dict[str, Any]) -> Observation:
    search = f"search enabled, {ckan['datasets']} datasets" if ckan["search"] else "search not enabled"
    return Observation("ckan", "unusable", f"a CKAN portal (CKAN {ckan['version']}, {search})",
                       "odaudit reads data.gov.tw's interfaces only (bulk export, v2 dataset API); CKAN support does not exist yet")


# --------------------------------------------------------------------------- assembling


def sample_ids(export: tw.ExportParse | None, n: int, seed: int) -> list[str]:
    """N dataset ids drawn with `seed` from the export (the same seed draws the same ids)."""
    if export is None or n <= 0:
        return []
    ids = sorted(export.rows, key=lambda i: (len(i), i))
    return sorted(random.Random(seed).sample(ids, min(n, len(ids))), key=lambda i: (len(i), i))


def report(portal: str, observations: list[Observation], **sections: Any) -> dict[str, Any]:
    """The plain-data result of a probe: verdict, every observation, and the sections measured."""
    return {"portal": portal, "adapter": tw.NAME, "verdict": verdict_of(observations),
            "observations": [o.as_dict() for o in observations], **sections}


def analyse(portal: str, export_section: dict[str, Any] | None, export_obs: list[Observation],
            export: tw.ExportParse | None, answers: list[tuple[str, FetchResult | None, bytes]],
            **sections: Any) -> dict[str, Any]:
    """Everything but the requests: the export's and the API answers' observations, then the
    vocabulary and the dates of both."""
    api_section, api_obs, results = probe_api(answers, export)
    vocab, vocab_obs = probe_vocabulary(export, results)
    dates, date_obs = probe_dates(export, results)
    obs = [*export_obs, *api_obs, *vocab_obs, *date_obs, *sections.pop("extra_observations", [])]
    return report(portal, obs, export=export_section, api=api_section, vocabulary_not_understood=vocab,
                  date_formats=dates, **sections)


def _unreachable(res: FetchResult) -> bool:
    return bool(res.error) and res.error["kind"] in UNREACHABLE


def run_doctor(portal: str, fetcher: Fetcher, *, sample: int = DEFAULT_SAMPLE, seed: int = 0,
               on_request: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Probe `portal` with sample + 3 requests at most (CKAN status, export, API per sampled
    dataset, one dataset page). Raises IncompleteError when the portal cannot be reached at all."""
    base = portal.rstrip("/")
    done: list[str] = []

    def get(url: str, max_bytes: int) -> tuple[FetchResult, bytes]:
        done.append(url)
        if on_request is not None:
            on_request(url)
        return fetcher.get_bytes(url, max_bytes=max_bytes)

    status_res, status = get(base + CKAN_STATUS, 1 << 20)
    if probe_ckan(status if status_res.status == 200 else None, None) is not None:
        search_res, search = get(base + CKAN_SEARCH, 1 << 20)
        ckan = probe_ckan(status, search if search_res.status == 200 else None)
        assert ckan is not None
        return report(base, [_ckan_observation(ckan)], kind="ckan", ckan=ckan, requests=len(done))
    url = tw.export_url(base)
    res, data = get(url, 512 << 20)
    if res.error or res.status != 200:
        if _unreachable(res) and _unreachable(status_res):
            raise IncompleteError(f"{url}: could not reach the portal ({res.error['message']}); nothing was probed")  # type: ignore[index]
        why = res.error["message"] if res.error else f"HTTP {res.status}"
        section, obs, export = {"url": url, "error": why}, [Observation(
            "export", "unusable", f"the bulk export could not be fetched ({why})",
            "no dataset list: `crawl --all` cannot run, and a catalog crawl describes datasets from the API alone")], None
    else:
        section, obs, export = probe_export(data, url)
    ids = sample_ids(export, sample, seed)
    answers = [(i, *get(tw.dataset_api_url(base, i), 20 << 20)) for i in ids]
    extra = []
    if ids:
        page_url = tw.dataset_page_url(base, ids[0])
        page, _ = get(page_url, 4 << 20)
        if page.error or page.status != 200:
            extra.append(Observation("pages", "drift", f"the dataset page {page_url} answers "
                                     f"{page.error['message'] if page.error else f'HTTP {page.status}'}",
                                     "the crawl does not read these pages, but the report's links to them may be broken"))
    out = analyse(base, section, obs, export, answers, kind="datagovtw", ckan=None,
                  sample={"n": sample, "seed": seed, "ids": ids}, extra_observations=extra)
    out["requests"] = len(done)
    return out


class CrawlProbe:
    """The crawl's own probe: the export it has parsed, and the API answers of the first
    `n` datasets of its work list (work order, not arrival order: the same crawl keeps the
    same answers). Thread-safe; `report` gives what `doctor` would say of them."""

    def __init__(self, keys: Iterable[str], n: int = DEFAULT_SAMPLE) -> None:
        self.order = list(keys)[:n]
        self._answers: dict[str, tuple[str, FetchResult | None, bytes]] = {}
        self._lock = threading.Lock()

    def offer(self, key: str, ds_id: str, res: FetchResult | None, data: bytes) -> None:
        if res is not None and res.error and res.error["kind"] == "not_recorded":
            return  # a replay without API answers: nothing was asked of the portal
        if key in self.order:
            with self._lock:
                self._answers[key] = (ds_id, res, data)

    def report(self, portal: str, export_head: bytes | None, export_url: str, export: tw.ExportParse | None,
               export_error: str = "", size: int | None = None) -> dict[str, Any]:
        if export_head is not None and export is not None:
            section, obs, _ = probe_export(export_head, export_url, export, size=size)
        else:
            section = {"url": export_url, "error": export_error}
            obs = [Observation("export", "unusable", f"the bulk export could not be read ({export_error})",
                               "no dataset list: `crawl --all` cannot run, and a catalog crawl describes datasets from the API alone")]
        answers = [self._answers[k] for k in self.order if k in self._answers]
        out = analyse(portal, section, obs, export, answers, kind="datagovtw", ckan=None)
        out["api"]["note"] = ("the first answers of this run" if answers else
                              "no API answer was probed in this run (--no-api, nothing left to fetch on resume, or a replay without them)")
        return out
