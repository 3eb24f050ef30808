"""Vocabularies: declared 檔案格式 / 編碼格式 values and what we know about each real format.

Declared values come from data.gov.tw (2025: upper case `CSV`, `壓縮檔`, `WEBSERVICES`, `其他`; 2017:
lower case `csv`, `utf-8`) and from local portals (`UTF-8,utf-8`, `BIG-5碼`, `ANSI`, `Unicode`).
Real formats are the canonical names `sniff.py` produces.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# ---------------------------------------------------------------------------
# Formats

#: ckanext-qa default openness scores (`resource_format_openness_scores.json`, methodology §5).
STARS: dict[str, int] = {
    # 0: likely not data
    "HTML": 0, "EXE": 0, "JS": 0,
    # 1: obtainable, not machine-readable
    "PDF": 1, "DOC": 1, "DOCX": 1, "ODT": 1, "PPT": 1, "PPTX": 1, "ODP": 1, "TXT": 1,
    "ZIP": 1, "RAR": 1, "7Z": 1, "TAR": 1, "GZ": 1, "BIN": 1,
    # 2: machine-readable, proprietary
    "XLS": 2, "XLSX": 2, "MDB": 2, "SHP": 2, "BMP": 2, "GIF": 2, "TIFF": 2,
    # 3: open, standardised
    "CSV": 3, "TSV": 3, "JSON": 3, "GEOJSON": 3, "XML": 3, "KML": 3, "KMZ": 3, "ODS": 3,
    "ODG": 3, "RSS": 3, "ATOM": 3, "WMS": 3, "WFS": 3, "WMTS": 3, "PNG": 3, "JPEG": 3,
    "SVG": 3, "ICS": 3, "CAP": 3,
    # 5: linked data
    "RDF": 5, "TTL": 5, "N3": 5,
}

#: Structured data a program can read without a human (the badge's 結構化 / 易於被處理).
#: Narrower than ckanext-qa's >= 2 stars: images are not data tables.
MACHINE_READABLE: frozenset[str] = frozenset(
    {"CSV", "TSV", "JSON", "GEOJSON", "XML", "KML", "KMZ", "ODS", "RSS", "ATOM", "CAP", "RDF",
     "TTL", "N3", "XLS", "XLSX", "MDB", "SHP", "ICS", "WMS", "WFS", "WMTS"}
)

#: Formats with a public, vendor-neutral specification.
NON_PROPRIETARY: frozenset[str] = frozenset(
    {"CSV", "TSV", "JSON", "GEOJSON", "XML", "KML", "KMZ", "ODS", "ODT", "ODP", "ODG", "RSS",
     "ATOM", "CAP", "RDF", "TTL", "N3", "PNG", "JPEG", "GIF", "SVG", "TXT", "PDF", "HTML",
     "ZIP", "GZ", "TAR", "7Z", "ICS", "WMS", "WFS", "WMTS"}
)

#: Formats whose bytes are text (the encoding check applies).
TEXT_FORMATS: frozenset[str] = frozenset(
    {"CSV", "TSV", "JSON", "GEOJSON", "XML", "KML", "RSS", "ATOM", "CAP", "RDF", "TTL", "N3",
     "HTML", "TXT", "SVG", "ICS"}
)

#: Formats that can be validated as a table by the structure check.
TABULAR: frozenset[str] = frozenset({"CSV", "TSV", "XLS", "XLSX", "ODS", "JSON", "XML"})

#: Machine-readable service responses (declared WEBSERVICES / API).
SERVICE_RESPONSES: frozenset[str] = frozenset(
    {"JSON", "GEOJSON", "XML", "CSV", "TSV", "KML", "RSS", "ATOM", "CAP", "RDF", "TTL", "N3"}
)

_FORMAT_ALIASES: dict[str, str] = {
    "壓縮檔": "ZIP", "壓縮": "ZIP", "ZIP壓縮檔": "ZIP",
    "WEBSERVICES": "SERVICE", "WEBSERVICE": "SERVICE", "WEB SERVICES": "SERVICE",
    "WEB SERVICE": "SERVICE", "API": "SERVICE", "REST": "SERVICE", "RESTFUL": "SERVICE",
    "OPENAPI": "SERVICE", "SOAP": "SERVICE",
    "其他": "UNKNOWN", "OTHER": "UNKNOWN", "OTHERS": "UNKNOWN", "無": "UNKNOWN",
    "JPG": "JPEG", "TIF": "TIFF", "GEO JSON": "GEOJSON", "TEXT": "TXT", "XLSM": "XLSX",
    "SHAPEFILE": "SHP", "SHAPE": "SHP", "7-ZIP": "7Z", "GZIP": "GZ", "TGZ": "GZ",
    "OPENDOCUMENT SPREADSHEET": "ODS", "RDF/XML": "RDF", "TURTLE": "TTL",
}

KNOWN_FORMATS: frozenset[str] = frozenset(STARS) | {"SERVICE", "UNKNOWN"}


def normalise_text(value: object) -> str:
    """NFKC, stripped; full-width letters become ASCII."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


@dataclass(frozen=True)
class DeclaredFormat:
    text: str                 # as published
    formats: tuple[str, ...]  # canonical names; ("UNKNOWN",) for 其他/empty; "?" + text if unrecognised

    @property
    def unknown(self) -> bool:
        return all(f == "UNKNOWN" or f.startswith("?") for f in self.formats)

    @property
    def label(self) -> str:
        return self.text if self.text else "(none)"


def declared_format(value: object) -> DeclaredFormat:
    text = normalise_text(value)
    parts = [p.strip() for p in re.split(r"[,;、/|]", text) if p.strip()] if text else []
    out: list[str] = []
    for p in parts or [""]:
        key = p.upper().lstrip(".")
        canon = _FORMAT_ALIASES.get(p, _FORMAT_ALIASES.get(key, key))
        if canon == "":
            canon = "UNKNOWN"
        if canon not in KNOWN_FORMATS:
            canon = "?" + p
        if canon not in out:
            out.append(canon)
    return DeclaredFormat(text=text, formats=tuple(out))


def format_from_url(url: str) -> str:
    """Canonical format from a URL's file extension ("" when none is recognised)."""
    path = re.split(r"[?#]", url or "", maxsplit=1)[0]
    name = path.rsplit("/", 1)[-1]
    if "." not in name:
        return ""
    ext = name.rsplit(".", 1)[-1].upper()
    ext = _FORMAT_ALIASES.get(ext, ext)
    return ext if ext in STARS else ""


# ---------------------------------------------------------------------------
# Encodings

#: Families a declared 編碼格式 can name.
ENC_UTF8, ENC_BIG5, ENC_UTF16, ENC_ASCII, ENC_OTHER = "UTF-8", "BIG5", "UTF-16", "ASCII", "OTHER"

_ENCODING_ALIASES: dict[str, tuple[str, ...]] = {
    "UTF-8": (ENC_UTF8,), "UTF8": (ENC_UTF8,), "UTF-8-SIG": (ENC_UTF8,), "UTF-8 BOM": (ENC_UTF8,),
    "UTF 8": (ENC_UTF8,),
    "BIG5": (ENC_BIG5,), "BIG-5": (ENC_BIG5,), "BIG 5": (ENC_BIG5,), "BIG5碼": (ENC_BIG5,),
    "BIG-5碼": (ENC_BIG5,), "CP950": (ENC_BIG5,), "MS950": (ENC_BIG5,), "BIG5-HKSCS": (ENC_BIG5,),
    "BIG5HKSCS": (ENC_BIG5,), "繁體中文": (ENC_BIG5,),
    "UTF-16": (ENC_UTF16,), "UTF16": (ENC_UTF16,), "UCS-2": (ENC_UTF16,),
    "ASCII": (ENC_ASCII,), "US-ASCII": (ENC_ASCII,),
    # Windows vocabulary: "Unicode" is UTF-16LE in Notepad but often means UTF-8; "ANSI" is the
    # system code page, cp950 on zh-TW Windows.
    "UNICODE": (ENC_UTF8, ENC_UTF16),
    "ANSI": (ENC_BIG5,),
}
AMBIGUOUS_ENCODINGS = {"UNICODE": "“Unicode” may mean UTF-16 or UTF-8",
                       "ANSI": "“ANSI” is the Windows code page (cp950 on zh-TW Windows)"}


@dataclass(frozen=True)
class DeclaredEncoding:
    text: str
    families: tuple[str, ...]   # accepted families; () when unknown (其他 / empty / unrecognised)
    ambiguous: tuple[str, ...]  # notes about vague terms
    several: bool               # more than one distinct family declared

    @property
    def unknown(self) -> bool:
        return not self.families


def declared_encoding(value: object) -> DeclaredEncoding:
    text = normalise_text(value)
    parts = [p.strip() for p in re.split(r"[,;、/|]", text) if p.strip()] if text else []
    fams: list[str] = []
    notes: list[str] = []
    distinct: set[tuple[str, ...]] = set()
    for p in parts:
        key = p.upper()
        got = _ENCODING_ALIASES.get(key)
        if got is None and key.endswith("碼"):
            got = _ENCODING_ALIASES.get(key[:-1])
        if got is None:
            continue  # 其他 or unrecognised: adds nothing
        distinct.add(got)
        if key in AMBIGUOUS_ENCODINGS:
            notes.append(AMBIGUOUS_ENCODINGS[key])
        for f in got:
            if f not in fams:
                fams.append(f)
    return DeclaredEncoding(text=text, families=tuple(fams), ambiguous=tuple(notes), several=len(distinct) > 1)


#: The 品質檢測 levels the `badge` check compares with what was measured, lowest first.
BADGE_LEVELS = ("銅", "銀", "金")
#: Every 品質檢測 value odaudit understands (datagovtw.md §2): the levels, 白金, and the two
#: "no badge" values. Anything else is reported, never mapped (see understood.py).
KNOWN_BADGES: frozenset[str] = frozenset({*BADGE_LEVELS, "白金", "無", "無(白名單)"})


def badge_known(value: object) -> bool:
    """True when `value` (as published; "" = no badge) is a 品質檢測 value odaudit understands."""
    claimed = normalise_text(value)
    return claimed == "" or claimed in KNOWN_BADGES
