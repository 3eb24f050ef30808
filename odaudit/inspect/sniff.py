"""What a stored body really is, from its bytes (never from headers or the URL).

`sniff_file(path)` returns a `Sniffed` with a canonical format name (see `vocab.STARS`) plus
`EMPTY` (no bytes) and `BIN` (unrecognised binary). Rules, first match wins:

* magic numbers: `%PDF-`, PNG, JPEG, GIF, TIFF, RAR, 7z, gzip, OLE2 (`D0 CF 11 E0`: XLS / DOC / PPT
  told apart by their directory entry names `Workbook`/`Book`, `WordDocument`, `PowerPoint Document`),
  ZIP (`PK`: XLSX / DOCX / PPTX by `[Content_Types].xml` and `xl/`, `word/`, `ppt/`; ODS / ODT / ODP by
  the `mimetype` member; KMZ = zip of `.kml`; SHP = zip holding a `.shp`; otherwise ZIP, with the
  formats of its members);
* text: leading `{`/`[` = JSON (GeoJSON when the object has a GeoJSON `type`), leading `<` = markup:
  HTML by doctype or root element, otherwise XML named by its root (`kml` KML, `rss` RSS, `feed` Atom,
  `rdf:RDF` RDF, `alert` CAP; the root is found past the XML declaration, comments and a DOCTYPE
  of up to 16 MB, its internal subset skipped whole; a longer prolog is XML without a root);
  other text = CSV (TSV) when the first lines split consistently on `,` `;` `|` or tab, else TXT.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .vocab import STARS, format_from_url

HEAD_BYTES = 65536
#: JSON bodies up to this size are parsed completely (validity, GeoJSON, tables).
JSON_PARSE_LIMIT = 16 * 1024 * 1024
#: Markup whose root element is not in the head (a long DOCTYPE, comment or PI before it) is
#: read up to this many bytes to find it.
MARKUP_SCAN_LIMIT = 16 * 1024 * 1024
#: OLE2 files are searched for their directory names up to this many bytes.
OLE_SCAN_LIMIT = 64 * 1024 * 1024

GEOJSON_TYPES = {"FeatureCollection", "Feature", "Point", "MultiPoint", "LineString", "MultiLineString",
                 "Polygon", "MultiPolygon", "GeometryCollection"}
HTML_ROOTS = {"html", "head", "body", "meta", "script", "div", "title", "link", "style", "form", "table", "p", "br"}


@dataclass(frozen=True)
class Sniffed:
    format: str
    detail: str = ""
    #: ZIP member names (at most 50, decoded)
    members: tuple[str, ...] = ()
    #: for ZIP: the best data format inside (ckanext-qa's zipped format), "" if unknown
    inner: str = ""
    #: HTML <title>, when there is one
    title: str = ""
    #: JSON / XML parse status: True ok, False broken, None not checked
    valid: bool | None = None
    parse_error: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def describe(self) -> str:
        return f"{self.format} ({self.detail})" if self.detail else self.format


_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"7z\xbc\xaf\x27\x1c", "7Z"),
    (b"\x1f\x8b", "GZ"),
    (b"MZ", "EXE"),
]
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def sniff_file(path: Path, *, truncated: bool = False) -> Sniffed:
    size = path.stat().st_size
    if size == 0:
        return Sniffed("EMPTY", "0 bytes")
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    if head.startswith(ZIP_SIGS):
        return _sniff_zip(path, truncated)
    if head.startswith(OLE2):
        return _sniff_ole(path)
    for magic, fmt in _MAGIC:
        if head.startswith(magic):
            return Sniffed(fmt)
    return _sniff_text(head, path=path, size=size, truncated=truncated)


def sniff_bytes(data: bytes, name: str = "") -> Sniffed:
    """Sniff an in-memory prefix (ZIP members); falls back to the name's extension."""
    if not data:
        return Sniffed("EMPTY")
    if data.startswith(OLE2):
        return Sniffed(_ole_kind(data))
    if data.startswith(ZIP_SIGS):
        return Sniffed("ZIP")
    for magic, fmt in _MAGIC:
        if data.startswith(magic):
            return Sniffed(fmt)
    got = _sniff_text(data[:HEAD_BYTES], path=None, size=len(data), truncated=True)
    if got.format in ("TXT", "BIN") and name:
        ext = format_from_url(name)
        if ext:
            return Sniffed(ext)
    return got


# -- OLE2 (legacy Office) -----------------------------------------------------

def _ole_kind(data: bytes) -> str:
    def has(name: str) -> bool:
        return name.encode("utf-16-le") in data
    if has("Workbook") or has("Book\x00"):
        return "XLS"
    if has("WordDocument"):
        return "DOC"
    if has("PowerPoint Document"):
        return "PPT"
    return "BIN"


def _sniff_ole(path: Path) -> Sniffed:
    with open(path, "rb") as fh:
        data = fh.read(OLE_SCAN_LIMIT)
    kind = _ole_kind(data)
    return Sniffed(kind, "OLE2 compound file" if kind == "BIN" else "")


# -- ZIP ------------------------------------------------------------------------

def _member_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if info.flag_bits & 0x800:
        return name
    try:  # zipfile decoded it as cp437; Taiwanese archives are often Big5 or UTF-8 without the flag
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for enc in ("utf-8", "cp950"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return name


def _sniff_zip(path: Path, truncated: bool) -> Sniffed:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        why = "truncated body" if truncated else str(exc)
        return Sniffed("ZIP", f"unreadable ZIP: {why}", valid=False)
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        names = [_member_name(i) for i in infos]
        raw_names = [i.filename for i in infos]
        lower = [n.lower() for n in raw_names]
        if "[content_types].xml" in lower:
            if any(n.startswith("xl/") for n in lower):
                return Sniffed("XLSX")
            if any(n.startswith("word/") for n in lower):
                return Sniffed("DOCX")
            if any(n.startswith("ppt/") for n in lower):
                return Sniffed("PPTX")
        if "mimetype" in lower:
            try:
                mt = zf.read(raw_names[lower.index("mimetype")])[:100].decode("ascii", "replace")
            except Exception:  # noqa: BLE001 - a broken member is just not a hint
                mt = ""
            for suffix, fmt in (("spreadsheet", "ODS"), ("text", "ODT"), ("presentation", "ODP"), ("graphics", "ODG")):
                if mt.startswith("application/vnd.oasis.opendocument." + suffix):
                    return Sniffed(fmt)
        shown = tuple(names[:50])
        listing = ", ".join(names[:5]) + (f", … (+{len(names) - 5})" if len(names) > 5 else "")
        if not infos:
            return Sniffed("ZIP", "empty archive", members=shown)
        kinds = []
        for info, name in zip(infos[:20], names[:20], strict=False):
            fmt = format_from_url(name)
            if not fmt:
                try:
                    with zf.open(info) as mh:
                        fmt = sniff_bytes(mh.read(4096), name).format
                except Exception:  # noqa: BLE001
                    fmt = ""
            kinds.append(fmt)
        exts = {n.rsplit(".", 1)[-1].lower() for n in lower if "." in n}
        if "kml" in exts and exts <= {"kml", "png", "jpg", "jpeg", "gif"}:
            return Sniffed("KMZ", f"{len(infos)} members: {listing}", members=shown, inner="KML")
        if "shp" in exts:
            return Sniffed("SHP", f"zipped shapefile: {listing}", members=shown, inner="SHP")
        known = [k for k in kinds if k and k not in ("BIN", "EMPTY")]
        inner = ""
        if known and len(known) == len(kinds):
            inner = max(known, key=lambda k: (STARS.get(k, 1), k))
        detail = f"{len(infos)} member{'s' if len(infos) != 1 else ''}: {listing}"
        return Sniffed("ZIP", detail, members=shown, inner=inner)


# -- text ---------------------------------------------------------------------

_ROOT_RE = re.compile(r"<([A-Za-z_][\w:.\-]*)")
_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _strip_bom(head: bytes) -> tuple[bytes, str]:
    if head.startswith(b"\xef\xbb\xbf"):
        return head[3:], "utf-8"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head, "utf-16"
    return head, ""


def _decode_head(head: bytes, bom: str) -> str:
    if bom == "utf-16":
        return head[: len(head) - len(head) % 2].decode("utf-16", "replace")
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # cut inside a character at the end of the head
            return head[: exc.start].decode("utf-8", "replace")
    try:
        return head.decode("cp950")
    except UnicodeDecodeError:
        return head.decode("utf-8", "replace")


def _markup_root(text: str) -> tuple[str, int] | None:
    """(name, offset) of the root element of XML/HTML text, past the XML declaration, PIs,
    comments and a DOCTYPE; ("", -1) when there is none; None when the text ends first (a cut head)."""
    pos = 0
    n = len(text)
    while pos < n:
        lt = text.find("<", pos)
        if lt < 0:
            return "", -1
        if text.startswith("<?", lt):
            end = text.find("?>", lt)
        elif text.startswith("<!--", lt):
            end = text.find("-->", lt)
        elif text[lt:lt + 9].upper() == "<!DOCTYPE":
            end = _doctype_end(text, lt + 9)
        elif text.startswith("<!", lt):
            end = text.find(">", lt)
        else:
            m = _ROOT_RE.match(text, lt)
            return (m.group(1), lt) if m else ("", -1)
        if end < 0:
            return None
        pos = end + 1
    return "", -1


_DOCTYPE_TOKEN = re.compile(r"[\"'\[>]")
_SUBSET_TOKEN = re.compile(r"[\"'\]]|<!--|<\?")
_SUBSET_CLOSE = {"<!--": "-->", "<?": "?>"}


def _doctype_end(text: str, pos: int) -> int:
    """Offset of the `>` that closes a DOCTYPE, `pos` being just past `<!DOCTYPE`; -1 if the
    text ends first. A quoted system id or an internal subset `[...]` (entity values,
    comments) may hold any `>`, `<` or `]`: they are skipped whole, not searched."""
    while True:
        m = _DOCTYPE_TOKEN.search(text, pos)
        if m is None:
            return -1
        tok = m.group()
        if tok == ">":
            return m.start()
        if tok == "[":
            pos = _subset_end(text, m.end())
        else:
            q = text.find(tok, m.end())
            pos = q + 1 if q >= 0 else -1
        if pos < 0:
            return -1


def _subset_end(text: str, pos: int) -> int:
    """Offset just past the `]` closing a DOCTYPE's internal subset; -1 if the text ends first."""
    while True:
        m = _SUBSET_TOKEN.search(text, pos)
        if m is None:
            return -1
        tok = m.group()
        if tok == "]":
            return m.end()
        close = _SUBSET_CLOSE.get(tok, tok)
        q = text.find(close, m.end())
        if q < 0:
            return -1
        pos = q + len(close)


def _classify_markup(text: str) -> tuple[str, str]:
    """(format, HTML title); format "" when the text ends before its root element."""
    low = text[:4096].lower()
    title_m = _TITLE_RE.search(text[:65536])
    title = re.sub(r"\s+", " ", title_m.group(1)).strip()[:120] if title_m else ""
    if "<!doctype html" in low:
        return "HTML", title
    found = _markup_root(text)
    if found is None:
        return "", ""
    root, at = found
    if at > 0:  # the root's namespace declarations, however long the prolog before it
        low += text[at:at + 4096].lower()
    local = root.split(":")[-1].lower()
    if local in HTML_ROOTS:
        return "HTML", title
    if local == "kml":
        return "KML", ""
    if local == "rss":
        return "RSS", ""
    if local == "feed" and "http://www.w3.org/2005/atom" in low:
        return "ATOM", ""
    if local == "rdf" and root.lower().startswith("rdf"):
        return "RDF", ""
    if local == "alert" and "urn:oasis:names:tc:emergency:cap" in low:
        return "CAP", ""
    if not root:
        return "TXT", ""
    return "XML", ""


def _markup_past_head(path: Path, bom: str) -> Sniffed:
    """Markup whose root element lies beyond the head: classified from a longer prefix."""
    with open(path, "rb") as fh:
        body, _ = _strip_bom(fh.read(MARKUP_SCAN_LIMIT))
    text = _decode_head(body, bom).lstrip("\ufeff \t\r\n\xa0")
    fmt, title = _classify_markup(text)
    if not fmt:  # a prolog (DOCTYPE, comment) longer than the limit: markup by its start
        return Sniffed("XML", f"root element not found in the first {MARKUP_SCAN_LIMIT // 2**20} MB")
    return Sniffed(fmt, title=title, detail=f"<title>{title}</title>" if title else "")


def _looks_csv(text: str, complete: bool) -> str:
    """CSV/TSV when ≥ 80% of the first lines split into ≥ 2 cells and ≥ 50% share one cell count."""
    lines = text.splitlines()
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # may be cut
    lines = [ln for ln in lines[:60] if ln.strip()]
    if not lines:
        return ""
    best = ""
    best_key: tuple[float, float, int] = (0.0, 0.0, 0)
    for delim in (",", "\t", ";", "|"):
        try:
            counts = [len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delim)]
        except csv.Error:
            continue
        if not counts:
            continue
        multi = sum(1 for c in counts if c >= 2) / len(counts)
        if multi < 0.8:
            continue
        mode = max(set(counts), key=lambda c: (counts.count(c), c))
        share = counts.count(mode) / len(counts)
        if share < 0.5:
            continue
        key = (multi, share, mode)
        if key > best_key:
            best, best_key = delim, key
    if not best:
        return ""
    return "TSV" if best == "\t" else "CSV"


def _sniff_text(head: bytes, *, path: Path | None, size: int, truncated: bool) -> Sniffed:
    body, bom = _strip_bom(head)
    if bom != "utf-16" and b"\x00" in body[:8192]:
        return Sniffed("BIN", "binary data (NUL bytes)")
    text = _decode_head(body, bom)
    control = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\r\n\t\f\x1a")
    if control > max(8, len(text[:4096]) // 20):
        return Sniffed("BIN", "binary data (control bytes)")
    stripped = text.lstrip("\ufeff \t\r\n\xa0")
    complete = size <= len(head) and not truncated
    if stripped.startswith(("{", "[")):
        return _sniff_json(stripped, path=path, size=size, truncated=truncated, complete=complete, bom=bom)
    if stripped.startswith("<"):
        fmt, title = _classify_markup(stripped)
        if not fmt and path is not None and size > len(head):
            return _markup_past_head(path, bom)
        if fmt not in ("TXT", ""):
            return Sniffed(fmt, title=title, detail=f"<title>{title}</title>" if title else "")
    low = stripped[:2048].lower()
    if "<html" in low or "<!doctype html" in low:
        title_m = _TITLE_RE.search(stripped)
        title = re.sub(r"\s+", " ", title_m.group(1)).strip()[:120] if title_m else ""
        return Sniffed("HTML", f"<title>{title}</title>" if title else "", title=title)
    kind = _looks_csv(stripped, complete)
    if kind:
        return Sniffed(kind)
    return Sniffed("TXT")


def load_json(path: Path) -> object:
    """Parse a JSON body (UTF-8/16/32 with or without BOM; falls back to cp950 text)."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        return json.loads(data.decode("cp950", "replace"))


def _sniff_json(text: str, *, path: Path | None, size: int, truncated: bool, complete: bool, bom: str) -> Sniffed:
    if path is None or truncated or size > JSON_PARSE_LIMIT:
        why = "truncated body" if truncated else (f"larger than {JSON_PARSE_LIMIT // 2**20} MB" if path else "")
        geo = '"FeatureCollection"' in text[:4096] or '"Feature"' in text[:4096]
        return Sniffed("GEOJSON" if geo else "JSON", f"not parsed: {why}" if why else "", valid=None)
    try:
        obj = load_json(path)
    except (ValueError, RecursionError) as exc:
        jsonish = re.match(r'\s*(\{\s*"|\[\s*[\[{"\]]|\{\s*\})', text) is not None
        kind = "" if jsonish else _looks_csv(text, complete)
        if kind:
            return Sniffed(kind)
        return Sniffed("JSON", "does not parse", valid=False, parse_error=str(exc)[:160])
    if isinstance(obj, dict) and obj.get("type") in GEOJSON_TYPES and (
        "features" in obj or "geometry" in obj or "coordinates" in obj or "geometries" in obj
    ):
        return Sniffed("GEOJSON", valid=True)
    return Sniffed("JSON", valid=True)
