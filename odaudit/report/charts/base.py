"""What every chart shares: the bundled font, the style, labels that fit, and the SVG writer.

Text becomes paths (`svg.fonttype: path`) drawn from a subset of Noto Sans CJK TC shipped in
odaudit/data/fonts/ (built by tools/build_chart_font.py, SIL OFL 1.1). Paths rather than an
embedded @font-face because the drawing is then exactly the one matplotlib measured when it
laid the chart out, and every SVG viewer shows it, including those that ignore CSS fonts
(librsvg, image converters, some markdown previews); the SVG needs no font of the reader's.
The text itself stays in the SVG, as a comment beside each drawing and in its <title>.

The layout is matplotlib's constrained layout, which keeps titles, tick labels, axis labels and
legends placed outside the axes inside the figure; labels are wrapped or ellipsised beforehand
so that no label is wider than its room. The output is byte-identical on a re-run: a fixed
`svg.hashsalt`, no date, one font file.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from ...atomic import atomic_write_text  # noqa: E402
from ...bundled import DATA_DIR  # noqa: E402
from ...text import ELLIPSIS, visible  # noqa: E402

FONT_FILE = DATA_DIR / "fonts" / "OdauditSansTC-Regular.otf"
FONT_FAMILY = "Odaudit Sans TC"
#: installed fonts that draw what the bundled subset lacks (a rare hanzi in a portal's text);
#: DejaVu Sans ships with matplotlib, so the list never ends empty
FALLBACK_FAMILIES = ("Noto Sans CJK TC", "Noto Sans TC", "Microsoft JhengHei", "PingFang TC", "DejaVu Sans")
BAR = "#3b6ea5"
LIGHT = "#b9cde4"
_GLYPH_MISSING = re.compile(r"Glyph (\d+) ")
#: closing punctuation stays with the character before it (no line starts with "，" or ")")
_CLOSING_CHARS = "，。、；：！？）」』】》〉,.;:!?)]}%"


@functools.cache
def font_families() -> tuple[str, ...]:
    """Register the bundled font with matplotlib (once per process); the family list to draw with."""
    font_manager.fontManager.addfont(str(FONT_FILE))
    installed = {f.name for f in font_manager.fontManager.ttflist}
    # only installed fallbacks: a missing family would make matplotlib log a warning per chart
    return (FONT_FAMILY, *(f for f in FALLBACK_FAMILIES if f in installed))


@functools.cache
def bundled_characters() -> frozenset[str]:
    """The characters the bundled font draws."""
    from matplotlib.ft2font import FT2Font

    return frozenset(chr(c) for c in FT2Font(str(FONT_FILE)).get_charmap())


def rc() -> dict[str, object]:
    return {
        "svg.hashsalt": "odaudit",
        "svg.fonttype": "path",
        "text.parse_math": False,
        "font.family": list(font_families()),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.dpi": 72,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "figure.constrained_layout.h_pad": 0.06,
        "figure.constrained_layout.w_pad": 0.06,
    }


# -- labels ---------------------------------------------------------------------------------

def display_width(text: str) -> int:
    """Columns on screen: wide and fullwidth characters (CJK) count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in text)


_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff"
_TOKEN = re.compile(f"[^\\s{_CJK}]+\\s*|\\S\\s*|\\s+")


def _tokens(text: str) -> list[str]:
    """Unbreakable pieces: a Latin word with the space after it, or one CJK character (a line may
    break between any two CJK characters), closing punctuation kept with what precedes it."""
    out: list[str] = []
    for part in _TOKEN.findall(text):
        lead = len(part) - len(part.lstrip(_CLOSING_CHARS))
        if out and lead and not out[-1][-1].isspace():
            out[-1], part = out[-1] + part[:lead], part[lead:]
        if part:
            out.append(part)
    return out


def _cut(token: str, width: int) -> str:
    """A token wider than a whole line: as many characters as fit, then an ellipsis."""
    kept = ""
    for c in token:
        if display_width(kept + c) > width - 1:
            break
        kept += c
    return kept + ELLIPSIS


def _ellipsise(row: str, width: int) -> str:
    """The last line of a label that goes on: its whole words that fit, then an ellipsis."""
    if row.endswith(ELLIPSIS):
        return row
    toks = _tokens(row)
    while toks and display_width("".join(toks).rstrip() + ELLIPSIS) > width:
        toks.pop()
    kept = "".join(toks).rstrip().rstrip(",;:，、；：")
    return (kept or _cut(row, width)[:-1]) + ELLIPSIS


def fit_label(text: str, width: int = 30, lines: int = 2) -> str:
    """`text` wrapped on word boundaries (CJK between characters) into at most `lines` lines of at
    most `width` display columns; what does not fit ends in an ellipsis after the last whole word.
    Control characters are shown as escapes (SVG is XML, which cannot hold most of them)."""
    rows: list[str] = []
    line = ""
    for tok in _tokens(" ".join(visible(text).split())):
        if display_width((line + tok).rstrip()) <= width:
            line += tok
            continue
        if line.strip():
            rows.append(line.rstrip())
        if len(rows) == lines:
            rows[-1] = _ellipsise(rows[-1], width)
            return "\n".join(rows)
        line = tok if display_width(tok.rstrip()) <= width else _cut(tok.rstrip(), width) + " "
    if line.strip():
        rows.append(line.rstrip())
    return "\n".join(rows)


def chart_label(text: str, width: int = 30) -> str:
    """An axis label: wrapped into two lines of `width` display columns at most."""
    return fit_label(text, width)


def category_label(node_id: str, name: str, width: int = 30) -> str:
    """"3 Education" from a node "cat/3" named "Education"; just the name when it already begins
    with the id (a category "2017" named "2017 sample" is not "2017 2017 sample")."""
    short = node_id.split("/", 1)[-1]
    name = name.strip()
    starts = name == short or re.match(re.escape(short) + r"[\s:：.、)）]", name) is not None
    return fit_label(name if starts or not short else f"{short} {name}", width)


# -- axes -----------------------------------------------------------------------------------

def count_axis(axis: matplotlib.axis.Axis) -> None:
    """Counts have integer ticks only (no 2.5 datasets)."""
    axis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))


def legend_below(fig: plt.Figure, ncols: int = 2) -> None:
    """The legend under the plot, outside the axes: never over the data."""
    fig.legend(loc="outside lower center", ncols=ncols, frameon=False, fontsize=8)


# -- writing --------------------------------------------------------------------------------

@contextmanager
def figure(width: float, height: float) -> Iterator[tuple[plt.Figure, plt.Axes]]:
    """A figure in odaudit's style with constrained layout; closed afterwards."""
    with plt.rc_context(rc()):
        fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
        try:
            yield fig, ax
        finally:
            plt.close(fig)


def missing_note(codes: Sequence[int]) -> str:
    if not codes:
        return ""
    listed = " ".join(f"U+{c:04X}" for c in codes)
    return f"Characters in no available font, drawn as empty boxes: {listed}."


def fallback_note(text: str) -> str:
    extra = sorted({c for c in text if c not in bundled_characters() and not c.isspace() and c.isprintable()})
    if not extra:
        return ""
    return "Characters outside the bundled font, drawn with an installed font if one has them: " + " ".join(f"U+{ord(c):04X}" for c in extra) + "."


def _texts(fig: plt.Figure) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_visible())


def save_svg(fig: plt.Figure, path: Path, title: str = "") -> Path:
    """Write a figure as deterministic SVG, atomically, with its title as the SVG's <title> (what
    screen readers say) and, in <desc>, which characters were not drawn from the bundled font."""
    buf = io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches=None)
    missing = sorted({int(m.group(1)) for w in caught if (m := _GLYPH_MISSING.match(str(w.message)))})
    notes = " ".join(n for n in (fallback_note(_texts(fig)), missing_note(missing)) if n)
    plt.close(fig)
    head = f'<svg role="img" aria-label="{escape(visible(title), {chr(34): "&quot;"})}" '
    extra = f"<title>{escape(visible(title))}</title>\n" + (f"<desc>{escape(notes)}</desc>\n" if notes else "")
    svg = buf.getvalue().replace("<svg ", head, 1)
    svg = re.sub(r"(<svg [^>]*>\n)", lambda m: m.group(1) + extra, svg, count=1)
    atomic_write_text(path, svg)
    return path


def room(labels: Sequence[str]) -> int:
    """Lines of the tallest label."""
    return max((lab.count("\n") + 1 for lab in labels), default=1)
