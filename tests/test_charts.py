"""Charts that read well (issue 11): nothing clipped, labels broken between words, legends off the
data, integer count axes, diff series named by crawl, Chinese drawn from the bundled font.

Reports are written through the CLI in-process (`odaudit.cli.main`); every figure the charts save
is measured as it is saved (matplotlib's own layout: each text's window extent), whatever module
drew it. The SVGs are checked as files."""

from __future__ import annotations

import functools
import os
import re
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import snapfactory as sf
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.legend import Legend
from matplotlib.text import Text

from odaudit.cli import main

RUBRIC = str(Path(__file__).resolve().parent.parent / "odaudit" / "data" / "rubrics" / "ocf-2017.yaml")
FONT = Path(__file__).resolve().parent.parent / "odaudit" / "data" / "fonts" / "OdauditSansTC-Regular.otf"
LONG_EN = "Judiciary and Judgment of the Supreme Court and the Administrative Courts of Taiwan"
LONG_ZH = "中央政府各機關年度預算及決算與財政收支之統計資料彙編暨附屬單位預算"
BILINGUAL = "司法及判決 Judiciary and Judgment"


class Measured:
    """What one saved figure shows: its texts' extents, axes, legends and tick positions."""

    def __init__(self, fig: Figure) -> None:
        renderer = fig.canvas.get_renderer()
        self.size = (fig.bbox.width, fig.bbox.height)
        # what was drawn: tick labels of ticks outside the view are not (matplotlib keeps them, unplaced)
        drawn = set()
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                lo, hi = sorted(axis.get_view_interval())
                locs = axis.get_majorticklocs()
                for loc, tick in zip(locs, axis.get_major_ticks(len(locs)), strict=True):
                    if lo - 1e-9 <= loc <= hi + 1e-9:
                        drawn.update((id(tick.label1), id(tick.label2)))
        ticks = {id(t) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) for t in axis.get_ticklabels(which="both")}
        self.texts = [(t.get_text(), t.get_window_extent(renderer)) for t in fig.findobj(Text)
                      if t.get_visible() and t.get_text().strip() and (id(t) in drawn or id(t) not in ticks)]
        self.tight = fig.get_tightbbox(renderer).transformed(fig.dpi_scale_trans)
        self.axes = [ax.get_window_extent(renderer) for ax in fig.axes]
        self.legends = [lg.get_window_extent(renderer) for lg in fig.findobj(Legend)]
        self.legend_labels = [t.get_text() for lg in fig.findobj(Legend) for t in lg.get_texts()]
        ax = fig.axes[0]
        self.title = ax.get_title() or (fig._suptitle.get_text() if fig._suptitle else "")
        lo, hi = ax.get_ylim()
        self.yticks = [v for v in ax.yaxis.get_majorticklocs() if min(lo, hi) <= v <= max(lo, hi)]
        self.ylabels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
        self.xlabels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        self.ylabel_boxes = [t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()]


@pytest.fixture
def saved(monkeypatch: pytest.MonkeyPatch) -> list[Measured]:
    """Every figure saved while the test runs, measured right after it was drawn for saving."""
    out: list[Measured] = []
    original = Figure.savefig

    def savefig(self: Figure, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        out.append(Measured(self))
    monkeypatch.setattr(Figure, "savefig", savefig)
    # both site editions in this process: a forked child's figures would be measured in the child (report/forked.py)
    monkeypatch.setenv("ODAUDIT_SITE_WORKERS", "1")
    return out


def snapshot(root: Path, names: dict[str, str], *, agencies: int = 2, started_at: str = sf.STARTED,
             failing: int = 0) -> Path:
    """One dataset per category `names` (id → name); the first `failing` datasets have broken links."""
    datasets = []
    for i, cid in enumerate(names):
        checks = dict(sf.PASS_ALL, link="fail") if i < failing else sf.PASS_ALL
        datasets.append(sf.dataset(f"資料集 {i}", id=str(1000 + i), category=cid, agency=f"機關 {i % agencies}",
                                   checks=sf.DATASET_PASS, resources=[sf.resource("CSV", checks=checks)]))
    return sf.build_snapshot(root, datasets, catalog=sf.catalog_dict(datasets, categories=names), started_at=started_at)


def score(snap: Path, out: Path, lang: str = "en") -> Path:
    main(["score", str(snap), "--rubric", RUBRIC, "--out", str(out), "--lang", lang, "-q"])
    return out


def forty() -> dict[str, str]:
    names = [LONG_EN, LONG_ZH, BILINGUAL, "Environment"]
    return {f"{i // 10}.{i % 10}": names[i % 4] for i in range(40)}


def inside(box: object, size: tuple[float, float], slack: float = 0.5) -> bool:
    return box.x0 >= -slack and box.y0 >= -slack and box.x1 <= size[0] + slack and box.y1 <= size[1] + slack  # type: ignore[attr-defined]


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# --------------------------------------------------------------------------- layout

@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_forty_long_categories_fit_inside_the_figure(tmp_path: Path, saved: list[Measured], lang: str) -> None:
    score(snapshot(tmp_path / "snap", forty()), tmp_path / "out", lang)
    assert len(saved) == 9  # categories, quality by year, agencies by stars: the report's and each site edition's
    for m in saved:
        outside = [(text, box) for text, box in m.texts if not inside(box, m.size)]
        assert outside == [] and inside(m.tight, m.size), (m.title, outside, m.tight)
    cats = next(m for m in saved if len(m.ylabels) == 40)
    boxes = sorted(cats.ylabel_boxes, key=lambda b: b.y0)
    assert all(a.y1 <= b.y0 + 0.5 for a, b in zip(boxes, boxes[1:], strict=False)), "category labels overlap"


def test_one_category_keeps_its_title(tmp_path: Path, saved: list[Measured]) -> None:
    score(snapshot(tmp_path / "snap", {"1.1": "Environment"}), tmp_path / "out")
    cats = next(m for m in saved if m.ylabels)
    assert cats.ylabels == ["1.1 Environment"]
    title = [box for text, box in cats.texts if text == cats.title]
    assert title and all(inside(b, cats.size) for b in title)
    assert all(inside(box, m.size) for m in saved for _, box in m.texts)


def _words(text: str) -> list[str]:
    """Latin words, single CJK characters and commas: the pieces a label may be broken between."""
    return re.findall(r"[\u3400-\u9fff\uf900-\ufaff]|,|[^\s,\u3400-\u9fff\uf900-\ufaff]+", text)


def test_labels_break_between_words_and_say_each_thing_once(tmp_path: Path, saved: list[Measured]) -> None:
    names = {"1.1": LONG_EN, "1.2": LONG_ZH, "1.3": BILINGUAL, "2017": "2017 sample: Keelung City and national agencies"}
    score(snapshot(tmp_path / "snap", names), tmp_path / "out")
    labels = next(m for m in saved if m.ylabels).ylabels
    assert len(labels) == 4
    for label in labels:
        cid, name = next((k, v) for k, v in names.items() if label.startswith(k) or label.startswith(v[:4]))
        whole = _words(f"{cid} {name}") if not name.startswith(cid) else _words(name)
        shown = _words(label.replace("…", " "))
        assert shown == whole[: len(shown)], label  # a prefix, whole words only: no "Judiciary and Judg"
        lines = label.split("\n")
        assert len(lines) <= 2 and all(display_width(line) <= 34 for line in lines), label
        if len(shown) < len(whole):
            assert label.endswith("…"), label
    assert not any("2017 2017" in label.replace("\n", " ") for label in labels), labels


def _cjk(c: str) -> bool:
    return unicodedata.east_asian_width(c) in "WF"


def _boundary(text: str, i: int) -> bool:
    """A line may end before text[i]: at a space, at the end, next to a CJK character, or after the
    punctuation that closes one."""
    return (i >= len(text) or text[i] == " " or _cjk(text[i]) or (i > 0 and _cjk(text[i - 1]))
            or (text[:i] != text[:i].rstrip(",)") and _cjk((text[:i].rstrip(",)") or " ")[-1])))


@given(st.text(st.sampled_from(list("ab cd 資料集 開放-,()，")), max_size=120), st.integers(6, 40), st.integers(1, 3))
@settings(max_examples=300, deadline=None)
def test_fit_label_breaks_only_between_words(text: str, width: int, lines: int) -> None:
    from odaudit.report.charts import fit_label

    label = fit_label(text, width, lines)
    rows = label.split("\n") if label else []
    assert len(rows) <= lines and all(display_width(r) <= width for r in rows), (text, label)
    norm, pos, cut = " ".join(text.split()), 0, False
    for k, row in enumerate(rows):
        body = row.removesuffix("…")
        if cut:  # the rest of a word wider than a line was dropped, and nothing else
            start = norm.find(body, pos)
            assert start >= pos and " " not in norm[pos:start].strip(), (text, label)
            pos, cut = start, False
        assert norm[pos:pos + len(body)] == body, (text, label)  # the text in order, nothing invented
        end = pos + len(body)
        if not row.endswith("…"):
            assert _boundary(norm, end), (text, label, k)
        elif k == len(rows) - 1:  # the rest left out: after whole words (a comma may go), or cut
            # inside the first word only when no whole word fits
            cut_ok = not any(_boundary(norm, j) and norm[pos:j].strip(" ,，") for j in range(pos + 1, end))
            assert _boundary(norm, end) or norm[end] in ",，" or cut_ok, (text, label)
        else:  # a word wider than a whole line, cut; the next line goes on after it
            cut = True
        pos = end + 1 if end < len(norm) and norm[end] == " " else end
    assert pos >= len(norm) or label.endswith("…"), (text, label)  # whatever is left out, the label says so


def test_legends_are_clear_of_the_data(tmp_path: Path, saved: list[Measured]) -> None:
    score(snapshot(tmp_path / "snap", {"1.1": "Environment", "1.2": "Budgets"}, failing=1), tmp_path / "out")
    with_legend = [m for m in saved if m.legends]
    assert with_legend, "the quality chart has a legend"
    for m in with_legend:
        for lg in m.legends:
            assert not any(lg.overlaps(ax) for ax in m.axes), (m.title, lg, m.axes)


def test_count_axes_have_integer_ticks(tmp_path: Path, saved: list[Measured]) -> None:
    score(snapshot(tmp_path / "snap", {"1.1": "Environment", "1.2": "Budgets", "1.3": "Trade"}, agencies=3, failing=1),
          tmp_path / "out")
    counts = [m for m in saved if not m.ylabels or not any(c.isalpha() for c in "".join(m.ylabels))]
    assert len(counts) == 6  # quality by year, agencies by stars: in the report and each site edition
    for m in counts:
        assert m.yticks and all(float(v).is_integer() for v in m.yticks), (m.title, m.yticks)


# --------------------------------------------------------------------------- diff

def _diff(tmp_path: Path, lang: str) -> Path:
    names = {"1.1": LONG_EN, "1.2": "Environment", "1.3": BILINGUAL}
    old = snapshot(tmp_path / "2026-01" / "snap", names, started_at="2026-01-15T02:00:00Z")
    new = snapshot(tmp_path / "2026-06" / "snap", names, started_at="2026-06-15T02:00:00Z", failing=2)
    out = tmp_path / f"diff-{lang}"
    with pytest.raises(SystemExit) as exit:  # like diff(1): 1, there are differences
        main(["diff", str(old), str(new), "--rubric", RUBRIC, "--out", str(out), "--lang", lang, "-q"])
    assert exit.value.code == 1
    return out


@pytest.mark.parametrize("lang", ["en", "zh-TW"])
def test_diff_charts_name_each_series_and_read_well(tmp_path: Path, saved: list[Measured], lang: str) -> None:
    _diff(tmp_path, lang)
    assert len(saved) == 6  # quantity and categories: in diff's folder and each site edition
    for m in saved:
        assert all(inside(box, m.size) for _, box in m.texts), m.title
        assert m.legends and not any(lg.overlaps(ax) for lg in m.legends for ax in m.axes), m.title
        old, new = m.legend_labels
        assert old != new
        # each crawl's date, and its snapshot's name (the two folders are both "snap": their parents tell them apart)
        assert "2026-01-15" in old and "2026-01/snap" in old and "2026-06-15" in new and "2026-06/snap" in new
    quantity = next(m for m in saved if not m.ylabels or m.ylabels[0][0].isdigit())
    assert all(float(v).is_integer() for v in quantity.yticks), quantity.yticks


# --------------------------------------------------------------------------- Chinese without system fonts

@functools.cache
def _bundled() -> frozenset[str]:
    from fontTools.ttLib import TTFont

    return frozenset(chr(c) for c in TTFont(FONT)["cmap"].getBestCmap())


def test_chinese_is_drawn_from_the_bundled_font(tmp_path: Path) -> None:
    """The zh-TW charts need no font of the reader's: no SVG text, no font reference, every glyph
    drawn is the bundled font's, and every CJK character shown is one it has."""
    out = score(snapshot(tmp_path / "snap", {"1.1": BILINGUAL, "1.2": LONG_ZH}, failing=1), tmp_path / "out", "zh-TW")
    for svg_path in sorted(out.glob("*.svg")):
        svg = svg_path.read_text(encoding="utf-8")
        assert "<text" not in svg and "font-family" not in svg and "@font-face" not in svg, svg_path.name
        glyphs = [g for g in re.findall(r'<path id="([^"]+)"', svg) if not re.fullmatch(r"m[0-9a-f]{10}", g)]  # not tick marks
        assert glyphs and all(g.startswith("OdauditSansTC-Regular-") for g in glyphs), (svg_path.name, glyphs[:5])
        shown = "".join(re.findall(r"<!-- (.*?) -->", svg, re.S))
        cjk = {c for c in shown if unicodedata.east_asian_width(c) in "WF"}
        assert cjk and cjk <= _bundled(), (svg_path.name, sorted(cjk - _bundled()))
        assert "<desc>" not in svg  # nothing fell back to another font
    assert "各類別分數" in (out / "chart-categories.svg").read_text(encoding="utf-8")  # the title, for readers and search


def test_chart_bytes_are_identical_on_a_rerun(tmp_path: Path) -> None:
    snap = snapshot(tmp_path / "snap", {"1.1": BILINGUAL, "1.2": LONG_EN}, failing=1)
    a, b = score(snap, tmp_path / "a", "zh-TW"), score(snap, tmp_path / "b", "zh-TW")
    for svg in sorted(a.glob("*.svg")):
        assert svg.read_bytes() == (b / svg.name).read_bytes(), svg.name


def test_a_character_outside_the_bundled_font_is_reported_in_the_chart(tmp_path: Path) -> None:
    rare = "\U0002000b"  # 𠀋, CJK extension B: not in Big5, not in the subset
    out = score(snapshot(tmp_path / "snap", {"1.1": f"罕見字{rare}類別"}), tmp_path / "out")
    svg = (out / "chart-categories.svg").read_text(encoding="utf-8")
    desc = re.search(r"<desc>(.*?)</desc>", svg, re.S)
    assert desc and "U+2000B" in desc.group(1), svg[:800]
    assert rare not in _bundled()


def test_the_bundled_font_is_small_and_licensed() -> None:
    assert FONT.stat().st_size < 4_000_000
    licence = (FONT.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    bundled = _bundled()
    big5_level1 = {bytes((0xA4, 0x40)).decode("big5"), bytes((0xC6, 0x7E)).decode("big5")}  # its first and last
    assert big5_level1 <= bundled and "★" in bundled



# --------------------------------------------------------------------------- in a real browser, with no fonts at all

CHROMIUM = Path("/usr/bin/chromium")


def _screenshot(svg: Path, png: Path, env: dict[str, str]) -> np.ndarray:
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--user-data-dir={png.parent / 'profile'}", f"--screenshot={png}", "--window-size=700,500",
                    svg.as_uri()], env=env, capture_output=True, timeout=120, check=True)
    return imread(png)


def _without_text(svg: Path, out: Path) -> Path:
    """The chart with every text drawing removed (matplotlib groups each text as id="text_N")."""
    ET.register_namespace("", "http://www.w3.org/2000/svg")
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    tree = ET.parse(svg)
    for parent in tree.iter():
        for child in list(parent):
            if child.get("id", "").startswith("text_"):
                parent.remove(child)
    tree.write(out)
    return out


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_chinese_chart_renders_in_chromium_with_no_fonts(tmp_path: Path) -> None:
    """Chromium with fontconfig pointed at an empty folder draws the zh-TW chart pixel for pixel as
    it does with the machine's fonts, and the text is there (it differs from the chart without text)."""
    out = score(snapshot(tmp_path / "snap", {"1.1": BILINGUAL, "1.2": LONG_ZH}), tmp_path / "out", "zh-TW")
    svg = out / "chart-categories.svg"
    (tmp_path / "empty").mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?><fontconfig><dir>{tmp_path / "empty"}</dir>'
                    f'<cachedir>{tmp_path / "fc-cache"}</cachedir></fontconfig>', encoding="utf-8")
    env = dict(os.environ)
    bare = _screenshot(svg, tmp_path / "bare.png", {**env, "FONTCONFIG_FILE": str(conf)})
    usual = _screenshot(svg, tmp_path / "usual.png", env)
    blank = _screenshot(_without_text(svg, tmp_path / "blank.svg"), tmp_path / "blank.png", env)
    assert np.array_equal(bare, usual)
    text_pixels = int((np.abs(bare - blank).sum(axis=-1) > 0.3).sum())
    assert text_pixels > 2_000, text_pixels  # the title and four label lines, not tofu or nothing
