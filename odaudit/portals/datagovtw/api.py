"""The per-dataset v2 API answer: its envelope, its nesting, and where its resource list is."""

from __future__ import annotations

import json
from typing import Any

from ... import nesting
from .export import _issue
from .schema import API_FIELD_KEYS, API_RESOURCE_KEYS, API_RESOURCE_SHAPES, MAX_API_DEPTH, PortalError
from .text import _empty_resource, _text, iso_datetime, parse_fields


def parse_api(data: bytes, source: str) -> dict:
    """The `result` object of a v2 dataset answer. PortalError when unusable."""
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
    except RecursionError:  # nesting deeper than the recursion limit
        raise _too_deep(source) from None
    except ValueError as exc:  # a number of 4,300+ digits
        raise PortalError(f"{source}: unreadable JSON ({type(exc).__name__}: {str(exc)[:120]})",
                          source=source, kind="invalid_json") from None
    if nesting.exceeds(doc, MAX_API_DEPTH):  # parsed, but deep enough to break the journal or a check worker
        raise _too_deep(source)
    if not isinstance(doc, dict):
        raise PortalError(f"{source}: API answer is a JSON {type(doc).__name__}, expected an object",
                          source=source, kind="not_object")
    success = doc.get("success")
    if success is False or (isinstance(success, str) and success.strip().lower() in ("false", "0")) or (
        type(success) is int and success == 0
    ):
        err = doc.get("error") or doc.get("message") or doc.get("msg") or ""
        if isinstance(err, dict):
            err = err.get("error_type") or err.get("message") or json.dumps(err, ensure_ascii=False)
        detail = f" ({_text(err)[:200]})" if err else ""
        raise PortalError(f"{source}: API answered success: false{detail}", source=source, kind="not_success")
    result = doc.get("result")
    if not isinstance(result, dict):
        what = "no result" if result is None else f"a {type(result).__name__} result"
        raise PortalError(f"{source}: API answer has {what}, expected an object", source=source, kind="no_result")
    return result


def _too_deep(source: str) -> PortalError:
    return PortalError(f"{source}: API answer is JSON nested too deep (more than {MAX_API_DEPTH} levels of arrays and objects)",
                       source=source, kind="too_deep")


def api_resource_list(api: Any) -> tuple[str, Any]:
    """(shape, raw list) of a v2 `result`: the first key of API_RESOURCE_SHAPES that holds
    something (an empty `distribution` beside a full `resources` is not the list), else the
    first present. shape is "" when the result has none of them (or is not an object)."""
    if not isinstance(api, dict):
        return "", None
    present = [s for s in API_RESOURCE_SHAPES if s in api]
    full = [s for s in present if api.get(s)]
    shape = (full or present or [""])[0]
    return shape, api.get(shape) if shape else None


def api_shape(api: Any) -> str | None:
    """The resource-list shape a v2 result uses (recorded per dataset as `api_shape`):
    one of API_RESOURCE_SHAPES, "none" when it has no resource list, None without a result."""
    if not isinstance(api, dict):
        return None
    return api_resource_list(api)[0] or "none"


def _api_resources(api: dict, issues: list[dict]) -> list[dict] | None:
    shape, dist = api_resource_list(api)
    if not shape:
        issues.append(_issue("distribution", "missing_field", "API result has no distribution"))
        return None
    if isinstance(dist, dict):
        dist = [dist]
    if dist is None:
        dist = []
    if not isinstance(dist, list):
        issues.append(_issue(shape, "bad_type", f"{shape} is a {type(dist).__name__}, expected a list"))
        return None
    out = []
    for i, d in enumerate(dist):
        if not isinstance(d, dict):
            issues.append(_issue(f"{shape}[{i}]", "bad_type", f"a {type(d).__name__}, expected an object; ignored"))
            continue
        r = _empty_resource()
        used: dict[str, str] = {}
        for key, names in API_RESOURCE_KEYS.items():
            for name in names:
                v = _text(d.get(name)).strip()
                if v:
                    r[key], used[key] = v, name
                    break
        if r["modified"]:
            iso = iso_datetime(r["modified"])
            if iso is None:
                issues.append(_issue(f"{shape}[{i}].{used['modified']}", "bad_date", repr(r["modified"])))
            r["modified"] = iso or ""
        raw_fields = next((d.get(k) for k in API_FIELD_KEYS if d.get(k)), None)
        r["fields"] = parse_fields(raw_fields) if raw_fields else []
        out.append(r)
    return out
