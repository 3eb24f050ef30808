"""JSON and XML read as tables, and archive members extracted for the scan."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from ...nesting import exceeds
from ..sniff import JSON_PARSE_LIMIT, load_json
from .common import TableScan, _short
from .jsonstream import MAX_JSON_DEPTH, JsonBroken, JsonTooDeep, records, survey
from .scan import scan_inline

XML_TABLE_LIMIT = 16 * 1024 * 1024


ZIP_MEMBER_LIMIT = 512 * 1024 * 1024


_SCALAR = (str, int, float, bool, type(None))


def _find_records(obj: Any, depth: int = 0, path: str = "") -> tuple[str, list[Any]] | None:
    """The list of records: the top-level array, or the largest array of objects/arrays within 3 levels."""
    if isinstance(obj, list):
        return path, obj
    if isinstance(obj, dict) and depth < 3:
        best: tuple[str, list[Any]] | None = None
        for k, v in obj.items():
            if isinstance(v, (list, dict)):
                got = _find_records(v, depth + 1, f"{path}.{k}" if path else str(k))
                if (got and got[1] and all(isinstance(x, (dict, list)) for x in got[1][:50])
                        and (best is None or len(got[1]) > len(best[1]))):
                    best = got
        return best
    return None


def json_table(obj: Any) -> tuple[list[list[Any]], str, str]:
    """(rows with header first, path, why-not) for a JSON document; rows == [] when not a flat table."""
    found = _find_records(obj)
    if found is None:
        return [], "", "no array of records"
    path, records = found
    if not records:
        return [], path, "empty array"
    if all(isinstance(r, dict) for r in records):
        keys: dict[str, None] = {}
        for r in records:
            for k, v in r.items():
                if not isinstance(v, _SCALAR):
                    return [], path, f"nested value under key {k!r} (not a flat table)"
                keys.setdefault(str(k), None)
        labels = list(keys)
        return [labels] + [[r.get(k) for k in labels] for r in records], path, ""
    if all(isinstance(r, list) for r in records):
        for r in records:
            for v in r:
                if not isinstance(v, _SCALAR):
                    return [], path, "nested arrays (not a flat table)"
        return [list(r) for r in records], path, ""
    return [], path, "array of scalars or mixed items (not a table of records)"


def scan_json(path: Path, *, truncated: bool, row_limit: int | None, ref: datetime) -> TableScan:
    """A JSON body read as a table: loaded whole up to JSON_PARSE_LIMIT, streamed beyond."""
    size = path.stat().st_size
    if truncated:
        return TableScan(kind="document", format="JSON", complete=False, notes=("body truncated: JSON not parsed",))
    if size > JSON_PARSE_LIMIT:
        return _scan_json_stream(path, row_limit=row_limit, ref=ref)
    try:
        obj = load_json(path)
    except RecursionError:  # json gives up near 1000 levels: the nesting cap's answer
        return _too_deep("")
    except ValueError as exc:
        return TableScan(kind="invalid", format="JSON", errors={"format-error": 1},
                         examples=(f"format-error: JSON does not parse: {_short(exc, 120)}",))
    rows, where, why = json_table(obj)
    if not rows:
        if exceeds(obj, MAX_JSON_DEPTH):
            return _too_deep("")
        return TableScan(kind="document", format="JSON", notes=(f"well-formed JSON; {why}",))
    notes = [f"records at {where!r}"] if where else []
    return scan_inline(rows, "JSON", "json+frictionless", row_limit=row_limit, ref=ref, notes=notes)


def _too_deep(where: str) -> TableScan:
    """Unmeasured, not failed: odaudit does not read past its nesting cap (the structure check skips)."""
    return TableScan(kind="document", format="JSON", complete=False,
                     notes=(f"JSON nested deeper than {MAX_JSON_DEPTH} levels{where}: not parsed further (odaudit's nesting cap)",))


def _scan_json_stream(path: Path, *, row_limit: int | None, ref: datetime) -> TableScan:
    """A JSON body over JSON_PARSE_LIMIT: surveyed, then its records streamed (jsonstream.py)."""
    try:
        found, legacy = survey(path)
    except JsonTooDeep as exc:
        return _too_deep(f" (within the first {exc.offset} bytes)")
    except JsonBroken as exc:
        return TableScan(kind="invalid", format="JSON", errors={"format-error": 1},
                         examples=(f"format-error: JSON does not parse at byte {exc.offset}: {_short(exc, 120)}",))
    streamed = f"streamed: larger than {JSON_PARSE_LIMIT // 2**20} MB"
    if found.why:
        return TableScan(kind="document", format="JSON", notes=(f"well-formed JSON; {found.why}", streamed))
    notes = [f"records at {found.path!r}"] if found.path else []
    notes.append(streamed)
    return scan_inline(lambda: records(path, found, legacy), "JSON", "json+frictionless", row_limit=row_limit,
                       ref=ref, notes=notes)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def xml_table(root: ET.Element) -> tuple[list[list[Any]], str]:
    """Rows (header first) from the most repeated (≥ 2) record element whose children are all leaves."""
    best: tuple[int, int, ET.Element, str] | None = None
    frontier = [(root, 0)]
    while frontier:
        elem, depth = frontier.pop(0)
        groups: dict[str, list[ET.Element]] = {}
        for child in elem:
            groups.setdefault(_local(child.tag), []).append(child)
        for tag, items in groups.items():
            if len(items) < 2 or not all(len(c) > 0 and all(len(g) == 0 for g in c) for c in items[:50]):
                continue
            score = (len(items), -depth)
            if best is None or score > (best[0], best[1]):
                best = (len(items), -depth, elem, tag)
        if depth < 4:
            frontier.extend((c, depth + 1) for c in elem if len(c) > 0)
    if best is None:
        return [], ""
    _, _, parent, tag = best
    records = [c for c in parent if _local(c.tag) == tag]
    keys: dict[str, None] = {}
    for r in records:
        for g in r:
            keys.setdefault(_local(g.tag), None)
    labels = list(keys)
    rows: list[list[Any]] = [labels]
    for r in records:
        vals: dict[str, Any] = {}
        for g in r:
            vals.setdefault(_local(g.tag), (g.text or "").strip())
        rows.append([vals.get(k) for k in labels])
    return rows, tag


def scan_xml(path: Path, fmt: str, *, truncated: bool, row_limit: int | None, ref: datetime) -> TableScan:
    size = path.stat().st_size
    if truncated:
        return TableScan(kind="document", format=fmt, complete=False, notes=("body truncated: XML not parsed",))
    if size > XML_TABLE_LIMIT:
        try:
            for _event, elem in ET.iterparse(str(path), events=("end",)):
                elem.clear()
        except ET.ParseError as exc:
            return TableScan(kind="invalid", format=fmt, errors={"format-error": 1},
                             examples=(f"format-error: XML is not well-formed: {exc}",))
        return TableScan(kind="document", format=fmt, notes=(f"well-formed; larger than {XML_TABLE_LIMIT // 2**20} MB: not read as a table",))
    try:
        root = ET.parse(str(path)).getroot()
    except ET.ParseError as exc:
        return TableScan(kind="invalid", format=fmt, errors={"format-error": 1},
                         examples=(f"format-error: XML is not well-formed: {exc}",))
    if fmt != "XML":
        return TableScan(kind="document", format=fmt, notes=(f"well-formed {fmt}",))
    rows, tag = xml_table(root)
    if not rows or len(rows) < 2:
        return TableScan(kind="document", format=fmt, notes=("well-formed XML; no repeated record elements with leaf fields",))
    return scan_inline(rows, "XML", "xml+frictionless", row_limit=row_limit, ref=ref, notes=[f"records: <{tag}> elements"])


def extract_member(path: Path, member: str, dest_dir: str) -> Path | None:
    with zipfile.ZipFile(path) as zf:
        info = next((i for i in zf.infolist() if i.filename == member), None)
        if info is None or info.file_size > ZIP_MEMBER_LIMIT:
            return None
        out = Path(dest_dir) / "member"
        with zf.open(info) as src, open(out, "wb") as dst:
            while True:
                block = src.read(1 << 20)
                if not block:
                    break
                dst.write(block)
    return out
