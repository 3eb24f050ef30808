"""授權方式 read as a licence id, open or not (the vocabulary the `licence` check judges by).

See odaudit/checks/licence.py for what each reading means for the check.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .vocab import normalise_text


@dataclass(frozen=True)
class Licence:
    id: str          # "" when missing, "unknown" when unrecognised
    open: bool
    text: str
    note: str = ""


_OGDL = re.compile(r"政府資料開放授權條款[-－—‐]?(第?(1|一|1\.0)版|v?1(\.0)?)$")
_CC = re.compile(
    r"^(?:CREATIVECOMMONS|CC|創用CC)[-_ ]?"
    r"(?P<terms>(?:BY|姓名標示)(?:[-_ ]?(?:SA|NC|ND|相同方式分享|非商業性?|禁止改作))*)[-_ ]?"
    r"(?P<ver>\d\.\d)?(?:國際|TW|台灣|臺灣)?(?:授權條款)?$", re.IGNORECASE)


#: the Open Definition licence list (okfn/licenses, PDDL; see odaudit/data/licences/README.md)
OPEN_DEFINITION = Path(__file__).resolve().parent.parent / "data" / "licences" / "opendefinition.json"

#: CKAN's default licence ids (ckan/model/license.py) → the Open Definition list's ids
CKAN_IDS: dict[str, str] = {
    "cc-by": "CC-BY-4.0", "cc-by-sa": "CC-BY-SA-4.0", "cc-zero": "CC0-1.0", "cc-nc": "CC-BY-NC-4.0",
    "gfdl": "GFDL-1.3-no-cover-texts-no-invariant-sections", "odc-by": "ODC-BY-1.0", "odc-odbl": "ODbL-1.0",
    "odc-pddl": "PDDL-1.0", "uk-ogl": "OGL-UK-2.0",
}


@cache
def open_definition() -> dict[str, tuple[str, str]]:
    """Lower-cased id, legacy id or title → (the list's id, its od_conformance)."""
    doc = json.loads(OPEN_DEFINITION.read_text(encoding="utf-8"))
    out: dict[str, tuple[str, str]] = {}
    for lid, entry in sorted(doc.items()):
        verdict = (lid, str(entry.get("od_conformance") or "not reviewed"))
        for name in [lid, *(entry.get("legacy_ids") or []), entry.get("title") or ""]:
            if name:
                out.setdefault(str(name).strip().lower(), verdict)
    for ckan_id, lid in CKAN_IDS.items():
        out.setdefault(ckan_id, out[lid.lower()])
    return out


def _open_definition_licence(text: str) -> Licence | None:
    """A licence the Open Definition list names (by id, legacy id, title, or CKAN's id): open only
    when the list says `approved`; `not reviewed` and `rejected` are not open."""
    hit = open_definition().get(text.strip().lower())
    if hit is None:
        return None
    lid, conformance = hit
    approved = conformance == "approved"
    return Licence(lid, approved, text, f"Open Definition: {conformance}" + ("" if approved else ", so not counted as open"))


def normalise_licence(value: object) -> Licence:
    text = normalise_text(value)
    if not text:
        return Licence("", False, "")
    t = re.sub(r"\s+", "", text)
    t = re.sub(r"^(依|依據|採用|適用|採)", "", t)
    t = re.sub(r"(辦理|規定|授權)$", "", t)
    up = t.upper()
    if up in ("1", "OGDL", "OGDL-TAIWAN-1.0", "OGDL-TW-1.0") or "OPENGOVERNMENTDATALICENSE" in up.replace(",", ""):
        return Licence("OGDL-Taiwan-1.0", True, text, "CC BY 4.0 compatible")
    if _OGDL.search(t):
        return Licence("OGDL-Taiwan-1.0", True, text, "CC BY 4.0 compatible")
    if t.startswith("政府資料開放授權條款"):
        return Licence("OGDL-Taiwan", True, text, "version not stated")
    if up in ("CC0", "CC0-1.0", "CC01.0", "CCZERO") or up.startswith("CC0"):
        return Licence("CC0-1.0", True, text)
    if "公眾領域" in t or up in ("PUBLICDOMAIN", "PDDL", "PDDL-1.0"):
        return Licence("PDDL-1.0" if "PDDL" in up else "public-domain", True, text)
    if up in ("ODC-BY", "ODC-BY-1.0", "ODBL", "ODBL-1.0"):
        return Licence(up.replace("ODBL", "ODbL"), True, text)
    m = _CC.match(up)
    if m:
        terms = m.group("terms").replace("姓名標示", "BY").replace("相同方式分享", "SA")
        terms = re.sub("非商業性?", "NC", terms).replace("禁止改作", "ND")
        parts = [p for p in re.split(r"[-_ ]", terms) if p] if "-" in terms or "_" in terms or " " in terms else re.findall(r"BY|SA|NC|ND", terms)
        ident = "CC-" + "-".join(parts) + (f"-{m.group('ver')}" if m.group("ver") else "")
        is_open = "NC" not in parts and "ND" not in parts
        return Licence(ident, is_open, text, "" if is_open else "NC/ND terms are not open (Open Definition)")
    return _open_definition_licence(text) or Licence("unknown", False, text, "not a recognised open licence")


def licence_understood(value: object) -> bool:
    """True when a 授權方式 value (or v2 code) is recognised; "" (missing) counts as understood."""
    return normalise_licence(value).id != "unknown"
