"""JSON tables too large to load whole: two streaming passes with ijson, memory bounded by one record.

Pass 1 (`survey`) reads parse events only (no values are built) and finds what `json_table` finds on
a loaded document: the array of records (the top-level array, or the largest array of objects/arrays
under at most three wrapping objects), whether it is a flat table, and its labels (the union of the
records' keys in first-seen order). It also proves the document well-formed, naming the byte where a
malformed one breaks, and stops at the nesting cap (a deeper document is reported, not recursed
into). Pass 2 (`records`) streams the chosen array's items with `ijson.items` as rows, which
frictionless reads lazily as inline data: the same row semantics as `scan_inline`.

ijson picks its fastest backend (the yajl2 C extension when it is installed, else pure Python);
`BACKEND` names it. Bodies are fed as UTF-8: a UTF-8 BOM is skipped, UTF-16/32 (by BOM) is
transcoded, and a body that is not UTF-8 is read again as cp950, like `load_json`.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import ijson
from ijson.common import JSONError

#: the parser: ijson's default backend, the fastest installed (yajl2_c, else ... python)
PARSER: Any = ijson
#: its name ("yajl2_c" or "python", ...)
BACKEND: str = ijson.backend

#: Deepest nesting of arrays/objects read (a scalar is level 0, `[1]` level 1); the project's cap,
#: as the portal adapter's MAX_API_DEPTH. A document nested deeper is not read further.
MAX_JSON_DEPTH = 64

CHUNK = 1 << 16
#: records of which only the first ones must be objects or arrays to count as records (json_table)
RECORD_PROBE = 50
#: labels (distinct keys) beyond which the records are not read as a table (memory bound)
MAX_LABELS = 10_000

_STARTS = ("start_map", "start_array")
_ENDS = ("end_map", "end_array")


class JsonBroken(Exception):
    """The document is malformed at byte `offset` (0-based, in the body as stored)."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset


class JsonTooDeep(Exception):
    """The document nests deeper than MAX_JSON_DEPTH; `offset` is the end of the chunk where it did."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"nested deeper than {MAX_JSON_DEPTH} levels")
        self.offset = offset


@dataclass
class _Array:
    """An array that may hold the records, with what json_table needs to know about its items."""

    #: keys from the top joined by "." (json_table's path, and ijson's prefix)
    path: str
    top: bool = False
    items: int = 0
    containers: bool = True   # the first RECORD_PROBE items are all objects or arrays
    maps: int = 0
    lists: int = 0
    nested: str | None = None  # why-not of the first nested value, json_table's wording
    keys: dict[str, None] = field(default_factory=dict)


@dataclass(frozen=True)
class Survey:
    path: str = ""
    labels: tuple[str, ...] = ()
    keyed: bool = False
    rows: int = 0
    why: str = ""


# -- bytes to UTF-8 chunks -------------------------------------------------------

def _utf8_chunks(fh: BinaryIO, legacy: bool) -> Iterator[tuple[int, bytes]]:
    """(offset in the stored body, UTF-8 chunk). Offsets are exact for UTF-8 bodies; for
    transcoded ones they are those of the source chunk."""
    head = fh.read(4)
    start = 0
    enc = "cp950" if legacy else ""
    if head.startswith(codecs.BOM_UTF8):
        start = 3
    elif head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        enc = "utf-32"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16"
    fh.seek(start)
    offset = start
    dec = codecs.getincrementaldecoder(enc)("replace") if enc else None
    while True:
        block = fh.read(CHUNK)
        if not block:
            if dec is not None:
                tail = dec.decode(b"", final=True).encode("utf-8")
                if tail:
                    yield offset, tail
            return
        yield offset, (dec.decode(block).encode("utf-8") if dec is not None else block)
        offset += len(block)


def _locate(path: Path, legacy: bool, upto: int) -> int:
    """Exact offset of the byte that breaks the parser: a fresh parse up to the failing chunk
    (at C speed, events discarded), then that chunk byte by byte."""
    sink: list[Any] = []
    coro = PARSER.basic_parse_coro(_Discard(sink))
    try:
        with open(path, "rb") as fh:
            for offset, chunk in _utf8_chunks(fh, legacy):
                if offset < upto:
                    coro.send(chunk)
                    continue
                for i in range(len(chunk)):
                    try:
                        coro.send(chunk[i:i + 1])
                    except (JSONError, UnicodeDecodeError):
                        return offset + i
                break
        return upto
    finally:
        _close_quietly(coro)


def _close_quietly(coro: Any) -> None:
    """End a parser coroutine that will get no more input (the pure-Python backend raises at close
    when the document is incomplete; that is already known, or beside the point)."""
    try:
        coro.close()
    except (JSONError, UnicodeDecodeError):
        pass


def _first_line(exc: Exception) -> str:
    """yajl's messages go on with a multi-line excerpt of the document: the first line says it."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class _Discard:
    """A coroutine target that drops events (ijson only needs `send`)."""

    def __init__(self, sink: list[Any]) -> None:
        self.sink = sink

    def send(self, _event: Any) -> None:
        return None


# -- pass 1 ----------------------------------------------------------------------

class _Walker:
    """Follows parse events with an explicit stack (no recursion): depth, the path of wrapping
    objects, and the candidate arrays of records with their items' shape."""

    def __init__(self) -> None:
        # per open container: (is_map, map-chain level or -1 when not reached through objects only)
        self.stack: list[tuple[bool, int]] = []
        self.keys: list[str] = []        # current key of each open object on the map chain
        self.arrays: list[_Array] = []
        self.active: _Array | None = None
        self.adepth = 0                  # stack depth of the active array's items
        self.item_map = False
        self.item_key = ""              # the key being read in the current record

    def event(self, ev: str, val: Any) -> bool:
        """Follow one event; False when the nesting cap is passed."""
        depth = len(self.stack)
        active = self.active
        if active is not None and depth >= self.adepth:
            self._in_records(active, depth - self.adepth, ev, val)
        if ev in _STARTS:
            if depth + 1 > MAX_JSON_DEPTH:
                return False
            self._open(ev == "start_map", depth)
        elif ev in _ENDS:
            self.stack.pop()
            if active is not None and len(self.stack) < self.adepth:
                self.active = None
        elif ev == "map_key" and self.stack and self.stack[-1][1] >= 0:
            self.keys[self.stack[-1][1]] = val
        return True

    def _open(self, is_map: bool, depth: int) -> None:
        parent = self.stack[-1] if self.stack else None
        level = -1
        if parent is None:
            if is_map:
                level = 0
            else:
                self._candidate("", top=True, depth=depth)
        elif parent[0] and parent[1] >= 0:  # a value of an object on the map chain
            if is_map and parent[1] < 2:
                level = parent[1] + 1
            elif not is_map:
                self._candidate(".".join(self.keys[:parent[1] + 1]), top=False, depth=depth)
        if is_map and level >= 0:
            del self.keys[level:]
            self.keys.append("")
        self.stack.append((is_map, level))

    def _candidate(self, path: str, *, top: bool, depth: int) -> None:
        arr = _Array(path=path, top=top)
        self.arrays.append(arr)
        self.active = arr
        self.adepth = depth + 1

    def _in_records(self, arr: _Array, rel: int, ev: str, val: Any) -> None:
        if rel == 0:  # an item
            if ev in _ENDS:
                return
            arr.items += 1
            is_map, is_list = ev == "start_map", ev == "start_array"
            arr.maps += is_map
            arr.lists += is_list
            self.item_map = is_map
            if arr.items <= RECORD_PROBE and not (is_map or is_list):
                arr.containers = False
        elif rel == 1 and arr.nested is None:  # a member of an item
            if self.item_map:
                if ev == "map_key":
                    self.item_key = str(val)
                    if len(arr.keys) < MAX_LABELS or val in arr.keys:
                        arr.keys.setdefault(str(val), None)
                    else:
                        arr.nested = f"more than {MAX_LABELS} distinct keys (not read as a table)"
                elif ev in _STARTS:
                    arr.nested = f"nested value under key {self.item_key!r} (not a flat table)"
            elif ev in _STARTS:
                arr.nested = "nested arrays (not a flat table)"


def _walk(path: Path, legacy: bool) -> _Walker:
    walker = _Walker()
    events = ijson.sendable_list()
    coro = PARSER.basic_parse_coro(events, use_float=True)
    offset = 0
    with open(path, "rb") as fh:
        for offset, chunk in _utf8_chunks(fh, legacy):
            try:
                coro.send(chunk)
            except UnicodeDecodeError as exc:  # the pure-Python backend decodes itself
                raise JsonBroken(offset, f"invalid UTF-8: {exc}") from None
            except JSONError as exc:
                raise JsonBroken(_locate(path, legacy, offset), _first_line(exc)) from None
            for ev, val in events:
                if not walker.event(ev, val):
                    _close_quietly(coro)
                    raise JsonTooDeep(offset + len(chunk))
            del events[:]
        end = fh.tell()
    try:
        coro.close()
    except JSONError as exc:
        raise JsonBroken(end, _first_line(exc)) from None
    return walker


def _is_utf8_error(exc: Exception) -> bool:
    return "utf" in str(exc).lower()


def survey(path: Path) -> tuple[Survey, bool]:
    """What json_table would find, streamed; and whether the body was read as cp950.
    Raises JsonBroken (malformed) or JsonTooDeep (the nesting cap)."""
    legacy = False
    try:
        walker = _walk(path, legacy)
    except JsonBroken as exc:
        if not _is_utf8_error(exc):
            raise
        legacy = True  # like load_json: a body that is not UTF-8 is read as cp950
        walker = _walk(path, legacy)
    return _choose(walker.arrays), legacy


def _choose(arrays: list[_Array]) -> Survey:
    """json_table's choice and verdict, from the arrays' shapes."""
    if arrays and arrays[0].top:
        best: _Array | None = arrays[0]
    else:
        best = None
        for arr in arrays:  # in document order: the first of the largest wins, as in _find_records
            if arr.items and arr.containers and (best is None or arr.items > best.items):
                best = arr
    if best is None:
        return Survey(why="no array of records")
    if not best.items:
        return Survey(path=best.path, why="empty array")
    if sum(1 for a in arrays if a.path == best.path) > 1:
        return Survey(path=best.path, why="two arrays have this path (keys with dots): not read as a table")
    if best.maps == best.items:
        if best.nested:
            return Survey(path=best.path, why=best.nested)
        return Survey(path=best.path, labels=tuple(best.keys), keyed=True, rows=best.items)
    if best.lists == best.items:
        if best.nested:
            return Survey(path=best.path, why="nested arrays (not a flat table)")
        return Survey(path=best.path, rows=best.items)
    return Survey(path=best.path, why="array of scalars or mixed items (not a table of records)")


# -- pass 2 ----------------------------------------------------------------------

class _Utf8Reader:
    """A file-like view of `_utf8_chunks` for ijson.items."""

    def __init__(self, fh: BinaryIO, legacy: bool) -> None:
        self._chunks = _utf8_chunks(fh, legacy)

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson asks for 0 bytes to learn whether the file gives bytes or text
            return b""
        return next(self._chunks, (0, b""))[1]


def records(path: Path, found: Survey, legacy: bool) -> Iterator[list[Any]]:
    """The rows of the surveyed records, header first, one record in memory at a time."""
    labels = list(found.labels)
    if found.keyed:
        yield labels
    prefix = f"{found.path}.item" if found.path else "item"
    with open(path, "rb") as fh:
        for rec in PARSER.items(_Utf8Reader(fh, legacy), prefix, use_float=True):
            yield [rec.get(k) for k in labels] if found.keyed else list(rec)
