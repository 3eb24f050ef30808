"""A CKAN package → odaudit's normalised metadata (the META_KEYS / RESOURCE_KEYS of data.gov.tw's
adapter, so that the checks run unchanged) and its declared resources.

The package itself is kept whole in the record's `raw` by the crawler; here only the fields the
checks read are mapped, and what is odd becomes a parse issue, never an exception.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..datagovtw.schema import META_KEYS

#: extras (DCAT, ckanext-dcat and national profiles) that carry the update frequency, first wins
FREQUENCY_EXTRAS: tuple[str, ...] = ("frequency", "accrual_periodicity", "accrualPeriodicity", "dct:accrualPeriodicity",
                                     "update_frequency")
#: normalised fields CKAN's software has no place for (data.gov.tw's 計費方式, 主要欄位說明, 品質檢測,
#: declared encoding and row count, …): recorded as `meta.not_offered`, so that a check reading one says
#: "not measured" instead of blaming each publisher for the platform's gap (odaudit/checks/base.py)
NOT_OFFERED: tuple[str, ...] = ("cost", "fields_text", "badge", "encoding", "rows", "provision", "upload_method",
                                "agency_oid", "contact_phone")
#: licence ids that say no licence was chosen: a missing licence, not an unknown one
NO_LICENCE: frozenset[str] = frozenset({"", "notspecified", "not-specified", "none"})


def _text(v: Any) -> str:
    if v is None or isinstance(v, (dict, list)):
        return ""
    return str(v).strip()


def _issue(field: str, issue: str, detail: str) -> dict[str, str]:
    return {"field": field, "issue": issue, "detail": detail}


def utc_datetime(value: Any) -> str | None:
    """CKAN's timestamps (`2017-08-05T03:19:33.886925`) are UTC without a zone: stored with `Z`, so
    the freshness check does not read them as Taiwan time. "" when empty, None when not a date."""
    s = _text(value)
    if not s:
        return ""
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def extras(pkg: dict) -> dict[str, str]:
    """`extras` as a dict (CKAN gives `[{"key": …, "value": …}]`; some portals flatten it into the package)."""
    out: dict[str, str] = {}
    raw = pkg.get("extras")
    if isinstance(raw, list):
        for e in raw:
            if isinstance(e, dict) and isinstance(e.get("key"), str):
                out.setdefault(e["key"], _text(e.get("value")))
    elif isinstance(raw, dict):
        out.update({str(k): _text(v) for k, v in raw.items()})
    return out


def frequency_of(pkg: dict) -> tuple[str, str]:
    """The declared update frequency and where it came from (an extra, or a top-level field)."""
    ex = extras(pkg)
    for key in FREQUENCY_EXTRAS:
        value = ex.get(key) or _text(pkg.get(key))
        if value:
            return value, key
    return "", ""


def licence_of(pkg: dict) -> str:
    """`license_id` where it names a licence (judged against the Open Definition list by the
    licence check), else the title; CKAN's `notspecified` is no licence at all ("")."""
    lid = _text(pkg.get("license_id"))
    if lid.lower() in NO_LICENCE:
        return ""
    return lid or _text(pkg.get("license_title"))


def _names(items: Any, *keys: str) -> list[str]:
    out = []
    for it in items if isinstance(items, list) else []:
        if isinstance(it, dict):
            name = next((_text(it.get(k)) for k in keys if _text(it.get(k))), "")
            if name:
                out.append(name)
    return out


def _date(meta: dict, key: str, value: Any, src: str, issues: list[dict]) -> None:
    iso = utc_datetime(value)
    if iso is None:
        issues.append(_issue(src, "bad_date", repr(_text(value))))
    meta[key] = iso or ""


def _resources(pkg: dict, issues: list[dict]) -> list[dict[str, Any]]:
    res = pkg.get("resources")
    if res is None:
        return []
    if not isinstance(res, list):
        issues.append(_issue("resources", "bad_type", f"resources is a {type(res).__name__}; ignored"))
        return []
    out = []
    for i, r in enumerate(res):
        if not isinstance(r, dict):
            issues.append(_issue(f"resources[{i}]", "bad_type", f"a {type(r).__name__}; ignored"))
            continue
        modified = utc_datetime(r.get("last_modified"))
        if modified is None:
            issues.append(_issue(f"resources[{i}].last_modified", "bad_date", repr(_text(r.get("last_modified")))))
        out.append({"format": _text(r.get("format")), "encoding": "", "rows": "", "url": _text(r.get("url")),
                    "description": _text(r.get("name")) or _text(r.get("description")), "modified": modified or "",
                    "fields": [], "mimetype": _text(r.get("mimetype"))})
    return out


def normalise(export_raw: dict | None, api_result: dict | None) -> tuple[dict, list[dict], list[dict]]:
    """(meta, declared_resources, parse_issues) from a package_search result and/or package_show's
    package (the latter wins: it is the full package). Never raises."""
    issues: list[dict] = []
    meta: dict[str, Any] = dict.fromkeys(META_KEYS, "")
    meta["fields"] = []
    pkg = api_result if isinstance(api_result, dict) else export_raw if isinstance(export_raw, dict) else None
    if pkg is None:  # nothing read: no metadata at all (the checks then say "not fetched")
        issues.append(_issue("(dataset)", "no_metadata", "neither a package_search result nor package_show"))
        return meta, [], issues
    meta["not_offered"] = list(NOT_OFFERED)
    org = pkg.get("organization") if isinstance(pkg.get("organization"), dict) else {}
    meta["title"] = _text(pkg.get("title")) or _text(pkg.get("name"))
    meta["description"] = _text(pkg.get("notes"))
    meta["agency"] = _text(org.get("title")) or _text(org.get("name"))
    meta["contact_name"] = _text(pkg.get("maintainer")) or _text(pkg.get("author"))
    meta["contact_email"] = _text(pkg.get("maintainer_email")) or _text(pkg.get("author_email"))
    meta["frequency"], _ = frequency_of(pkg)
    meta["licence"] = licence_of(pkg)
    meta["related_url"] = _text(pkg.get("url"))
    # CKAN groups are the portal's themes: the closest thing to data.gov.tw's 服務分類
    meta["service_category"] = "; ".join(_names(pkg.get("groups"), "title", "display_name", "name"))
    meta["tags"] = _names(pkg.get("tags"), "display_name", "name")
    _date(meta, "published", pkg.get("metadata_created"), "metadata_created", issues)
    _date(meta, "modified", pkg.get("metadata_modified"), "metadata_modified", issues)
    if pkg.get("private") is True:
        issues.append(_issue("private", "private_package", "the package is private: the public cannot see it"))
    return meta, _resources(pkg, issues), issues


def api_shape(api: Any) -> str | None:
    """Where the resource list was read (recorded per dataset): CKAN's is always `resources`."""
    if not isinstance(api, dict):
        return None
    return "resources" if isinstance(api.get("resources"), list) else "none"
