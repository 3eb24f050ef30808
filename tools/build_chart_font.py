"""Build odaudit/data/fonts/OdauditSansTC-Regular.otf: a subset of Noto Sans CJK TC Regular.

Charts convert their text to paths with this font (odaudit/report/charts.py), so Chinese
labels render on a machine with no CJK font installed and the SVG needs no font from the
reader's machine. The subset holds the characters odaudit can need:

- printable ASCII, Latin-1, general punctuation, arrows, and the symbols the charts use;
- the CJK symbols and punctuation block and the fullwidth forms;
- every character of Big5's symbol area (0xA140-0xA3BF) and level 1 (0xA440-0xC67E, the
  5,401 commonly used Traditional Chinese characters), enumerated with Python's big5 codec;
- every non-ASCII character in odaudit's own sources and bundled data (catalogs, rubrics,
  surveys, message strings), so that no bundled label falls outside the font.

The subset is renamed (family "Odaudit Sans TC") because the SIL OFL 1.1 asks modified versions
not to pose as the original, and so that matplotlib never confuses it with an installed Noto.
Only what matplotlib uses to draw paths is kept: outlines, metrics, cmap, names; no layout
tables (matplotlib does not shape text), no hints (paths are not hinted), no vertical metrics.

    python tools/build_chart_font.py [--source /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]

The output is byte-identical on a re-run with the same source font and fontTools.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
OUT = ROOT / "odaudit" / "data" / "fonts" / "OdauditSansTC-Regular.otf"
FAMILY = "Odaudit Sans TC"
POSTSCRIPT = "OdauditSansTC-Regular"
#: the folders whose text can end up in a chart: odaudit's sources (messages) and its data
TEXT_ROOTS = (ROOT / "odaudit",)
TEXT_SUFFIXES = {".py", ".yaml", ".yml", ".json", ".csv", ".md", ".txt"}
RANGES = (
    (0x20, 0x7E), (0xA0, 0xFF),  # ASCII, Latin-1
    (0x2000, 0x206F), (0x2190, 0x21FF),  # general punctuation, arrows
    (0x2200, 0x22FF),  # mathematical operators (≈, ≤, ≥, −)
    (0x2460, 0x24FF), (0x2500, 0x257F), (0x25A0, 0x25FF), (0x2600, 0x26FF),  # enclosed, boxes, shapes, ★
    (0x3000, 0x303F), (0x3100, 0x312F),  # CJK symbols and punctuation, Bopomofo
    (0xFF00, 0xFFEF),  # fullwidth forms
)
EXTRA = "ΔΣαβγμπ×÷±°№"


def big5_characters() -> set[str]:
    """Big5's symbols (lead bytes 0xA1-0xA3) and level 1 hanzi (0xA440-0xC67E)."""
    chars: set[str] = set()
    for lead in range(0xA1, 0xC7):
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            code = lead << 8 | trail
            if 0xA3C0 <= code < 0xA440 or code > 0xC67E:
                continue
            try:
                chars.add(bytes((lead, trail)).decode("big5"))
            except UnicodeDecodeError:
                continue
    return chars


def bundled_characters() -> set[str]:
    chars: set[str] = set()
    for root in TEXT_ROOTS:
        for path in sorted(root.rglob("*")):
            if path.suffix in TEXT_SUFFIXES and path.is_file() and "recordings" not in path.parts:
                chars.update(c for c in path.read_text(encoding="utf-8", errors="ignore") if ord(c) > 0x7E)
    return chars


def wanted() -> list[int]:
    chars = big5_characters() | bundled_characters() | set(EXTRA)
    for lo, hi in RANGES:
        chars.update(chr(c) for c in range(lo, hi + 1))
    return sorted(ord(c) for c in chars if c.isprintable() or c == "\u3000")


def tc_face(source: Path):
    """The Traditional Chinese face of the collection (its cmap prefers the Taiwanese glyph forms)."""
    for font in TTCollection(str(source)).fonts:
        if font["name"].getDebugName(1) == "Noto Sans CJK TC":
            return font
    raise SystemExit(f"{source}: no face named 'Noto Sans CJK TC'")


def rename(font) -> None:
    """The subset's own name (OFL 1.1 §3: a modified version does not use the original's name);
    the copyright and licence records are kept as they are."""
    name = font["name"]
    version = name.getDebugName(5) or ""
    for rec in list(name.names):
        if rec.nameID in (1, 3, 4, 6, 16, 17, 18):
            name.removeNames(nameID=rec.nameID)
    for pid, eid, lid in ((3, 1, 0x409), (1, 0, 0)):
        name.setName(FAMILY, 1, pid, eid, lid)
        name.setName("Regular", 2, pid, eid, lid)
        name.setName(f"{POSTSCRIPT};{version}; subset of Noto Sans CJK TC by odaudit", 3, pid, eid, lid)
        name.setName(f"{FAMILY} Regular", 4, pid, eid, lid)
        name.setName(POSTSCRIPT, 6, pid, eid, lid)
    cff = font["CFF "].cff
    cff.fontNames = [POSTSCRIPT]
    top = cff.topDictIndex[0]
    for key in ("FullName", "FamilyName"):
        if hasattr(top, key):
            setattr(top, key, FAMILY if key == "FamilyName" else f"{FAMILY} Regular")


def build(source: Path, out: Path) -> None:
    font = tc_face(source)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG", "JSTF", "MATH"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    sub = subset.Subsetter(options)
    sub.populate(unicodes=wanted())
    sub.subset(font)
    rename(font)
    font.recalcTimestamp = False  # keep head.modified: the same source gives the same bytes
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    font.save(str(tmp))
    tmp.replace(out)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()[:16]
    print(f"{out.relative_to(ROOT)}: {len(font.getGlyphOrder()):,} glyphs, {out.stat().st_size:,} bytes, sha256 {digest}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=SOURCE, help="NotoSansCJK-Regular.ttc (Debian: fonts-noto-cjk)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if not args.source.is_file():
        print(f"{args.source}: not found (install Debian's fonts-noto-cjk, or pass --source)", file=sys.stderr)
        return 2
    build(args.source, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
