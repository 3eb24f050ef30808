"""Export row + API answer → the dataset's normalised metadata and declared resources, with every disagreement noted."""

from __future__ import annotations

import re
from typing import Any

from .api import _api_resources, api_resource_list
from .export import _issue
from .schema import _CODED_API_KEYS, _COMPARED, _DATE_KEYS, DATASET_FIELDS, META_KEYS, RESOURCE_COLUMNS, RESOURCE_KEYS
from .text import _dedupe, _empty_resource, _rejoin_urls, _split_list, _squash, _text, iso_datetime, parse_fields


def _export_resources(ex: dict, issues: list[dict]) -> list[dict]:
    lists: dict[str, list[str]] = {}
    for col in RESOURCE_COLUMNS:
        if col in ex:
            lists[col] = _split_list(_text(ex[col]))
    if "資料下載網址" in lists:
        others = [len(v) for c, v in lists.items() if c != "資料下載網址" and v]
        expected = len(lists["檔案格式"]) if lists.get("檔案格式") else (max(others) if others else 0)
        if expected and len(lists["資料下載網址"]) > expected:
            urls, joined = _rejoin_urls(lists["資料下載網址"], expected)
            if joined:
                issues.append(_issue("資料下載網址", "semicolon_in_url",
                                     f"{joined} `;` inside URLs re-joined ({len(lists['資料下載網址'])} pieces -> {len(urls)} URLs)"))
                lists["資料下載網址"] = urls
    n = max((len(v) for v in lists.values()), default=0)
    counts = ", ".join(f"{c} {len(v)}" for c, v in lists.items())
    for col, values in lists.items():
        if len(values) != n:
            issues.append(_issue(col, "list_length_mismatch", counts))
    resources = [_empty_resource() for _ in range(n)]
    for col, values in lists.items():
        key = RESOURCE_COLUMNS[col]
        for i, v in enumerate(values):
            v = v.strip()
            if key == "modified":
                iso = iso_datetime(v)
                if iso is None:
                    issues.append(_issue(f"{col}[{i}]", "bad_date", repr(v)))
                v = iso or ""
            resources[i][key] = v
    # A `;` at the very end makes an empty last "resource": nothing to drop but noise.
    while resources and not any(resources[-1][k] for k in ("format", "url", "encoding", "rows", "description")):
        resources.pop()
        issues.append(_issue("檔案格式", "empty_resource", f"empty item {len(resources)} (a trailing `;`) ignored"))
    return resources


def _same(key: str, a: str, b: str) -> bool:
    if key in ("format", "encoding"):
        return a.strip().upper().replace("-", "") == b.strip().upper().replace("-", "")
    return a.strip() == b.strip()


def _merge_resources(ex_res: list[dict], api_res: list[dict] | None, issues: list[dict],
                     shape: str = "distribution") -> list[dict]:
    if api_res is None:
        return ex_res
    if not ex_res:
        return api_res
    pairs: list[tuple[dict | None, dict | None]]
    if len(ex_res) == len(api_res):
        pairs = list(zip(ex_res, api_res, strict=True))
    else:
        issues.append(_issue(shape, "resource_count_mismatch",
                             f"export {len(ex_res)} resources, API {len(api_res)}; matched by URL"))
        unused = list(range(len(ex_res)))
        pairs = []
        for a in api_res:
            match = next((i for i in unused if ex_res[i]["url"] and ex_res[i]["url"] == a["url"]), None)
            if match is None:
                match = next((i for i in unused if ex_res[i]["url"] and ex_res[i]["url"].lower() == a["url"].lower()), None)
            if match is not None:
                unused.remove(match)
            pairs.append((ex_res[match] if match is not None else None, a))
        for i in unused:
            issues.append(_issue(f"資料下載網址[{i}]", "resource_not_in_api", f"export resource {i} ({ex_res[i]['url'] or 'no URL'}) not in the API {shape}; kept"))
            pairs.append((ex_res[i], None))
    merged = []
    for pos, (e, a) in enumerate(pairs):
        if e is None or a is None:
            merged.append(dict(e or a or _empty_resource()))
            continue
        r = _empty_resource()
        for key in RESOURCE_KEYS:
            av, ev = a[key], e[key]
            r[key] = av if av else ev
            if key in ("format", "url", "encoding") and av and ev and not _same(key, av, ev):
                issues.append(_issue(f"resource[{pos}].{key}", "export_api_differ", f"export {ev!r}, API {av!r}; API used"))
        merged.append(r)
    return merged


def _frequency_from_api(v: Any) -> str:
    if isinstance(v, dict):
        n = _text(v.get("Frequency") or v.get("frequency")).strip()
        unit = _text(v.get("unittime") or v.get("unitTime")).strip()
        if n and unit:
            return f"每{n}{unit}"
    return _text(v).strip()


def normalise(export_raw: dict | None, api_result: dict | None) -> tuple[dict, list[dict], list[dict]]:
    """(meta, declared_resources, parse_issues) from an export row and/or a v2 API result.

    Dataset-level facts come from the export and fall back to the API; per-resource facts
    come from the API's resource list where it answers (`distribution[]`, or another shape of
    API_RESOURCE_SHAPES; see `api_shape`), matched by position when the counts agree, else by
    URL, and from the `;`-joined export columns otherwise. Never raises.
    """
    issues: list[dict] = []
    meta: dict[str, Any] = dict.fromkeys(META_KEYS, "")
    meta["fields"] = []
    ex = export_raw if isinstance(export_raw, dict) else None
    api = api_result if isinstance(api_result, dict) else None
    if export_raw is not None and ex is None:
        issues.append(_issue("(export)", "bad_type", f"export record is a {type(export_raw).__name__}; ignored"))
    if api_result is not None and api is None:
        issues.append(_issue("(api)", "bad_type", f"API result is a {type(api_result).__name__}; ignored"))
    if ex is None and api is None:
        issues.append(_issue("(dataset)", "no_metadata", "neither an export row nor an API result"))
        return meta, [], issues

    for key, cols, api_keys in DATASET_FIELDS:
        ev = ""
        ecol = cols[0] if cols else ""
        if ex is not None and cols:
            present = [c for c in cols if c in ex]
            if present:
                ecol = present[0]
                ev = _text(ex[ecol]).strip()
            else:
                issues.append(_issue(cols[0], "missing_field", "the export row has no such column"))
        av, akey = "", ""
        if api is not None:
            for k in api_keys:
                v = _frequency_from_api(api.get(k)) if k == "updateFrequency" else _text(api.get(k)).strip()
                if v:
                    av, akey = v, k
                    break
        value, used_api = (ev, False) if ev else (av, bool(av))
        if key in _DATE_KEYS:
            iso = iso_datetime(value)
            if iso is None:
                src = akey if used_api else ecol
                issues.append(_issue(src, "bad_date", repr(value)))
            if ev and av and key in _COMPARED:
                aiso = iso_datetime(av)
                if aiso is not None and iso and aiso != iso:
                    issues.append(_issue(ecol, "export_api_differ", f"export {ev!r}, API {akey} {av!r}; export used"))
            value = iso or ""
        elif ev and av and key in _COMPARED and _squash(ev) != _squash(av):
            issues.append(_issue(ecol, "export_api_differ", f"export {ev!r}, API {akey} {av!r}; export used"))
        if used_api and akey in _CODED_API_KEYS and key not in _DATE_KEYS:
            issues.append(_issue(akey, "coded_value", f"only the API gives {key}: {value!r}, kept as given"))
        meta[key] = value

    if api is not None:
        oid_text = _text(api.get("publisherOID")).strip()
        oid, _, name = oid_text.partition("|")
        if not name and oid and not re.fullmatch(r"[0-9.]+", oid):
            oid, name = "", oid  # a bare name
        meta["agency_oid"] = oid.strip()
        name = name.strip()
        if name:
            if not meta["agency"]:
                meta["agency"] = name
            elif _squash(name) != _squash(meta["agency"]):
                issues.append(_issue("提供機關", "export_api_differ", f"export {meta['agency']!r}, API publisherOID {oid_text!r}; export used"))

    ex_res = _export_resources(ex, issues) if ex is not None else []
    api_res = _api_resources(api, issues) if api is not None else None
    shape = api_resource_list(api)[0] or "distribution"
    if ex is not None and not ex_res and api_res:
        # The export row lists no resource but the API does: the two disagree (see consistency).
        issues.append(_issue("資料下載網址", "resources_only_in_api",
                             f"the export lists no resource, the API {shape} lists {len(api_res)}; API used"))
    resources = _merge_resources(ex_res, api_res, issues, shape)

    meta["fields"] = parse_fields(meta["fields_text"])
    if not meta["fields"]:
        meta["fields"] = _dedupe(f for r in resources for f in r["fields"])
    return meta, resources, issues
