"""Portal text that tries to steer the terminal or the reader (issue 17, item 9).

An export column named with a terminal escape sequence, titles and agency names holding NUL,
ESC and the right-to-left override, a 1,000,000-character agency name, output paths that look
like rich markup. Whatever odaudit prints or publishes shows such characters as visible escapes
(`\\x1b`), clips long fields in markdown with an ellipsis (the CSV keeps the full value), and
prints paths as written.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import snapfactory as sf
from portal import FakePortal

from odaudit.portals import datagovtw
from odaudit.report.safe import FIELD_LIMIT

csv.field_size_limit(sys.maxsize)  # a 1,000,000-character agency name is one field

#: What must never reach a terminal or a published file raw: C0 but newline, DEL, C1, bidi
#: controls, line/paragraph separators, lone surrogates, U+FFFE/U+FFFF.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
OSC = "\x1b]0;PWNED\x07\x1b[2J"  # set the window title, clear the screen
HOSTILE_TITLE = "水庫\x00每日\x1b[31m營運\u202egpj.exe\u2066"
HUGE_AGENCY = "經濟部\x1b[2J" + "水" * 1_000_000


def odaudit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "odaudit", *args], capture_output=True, text=True, timeout=120, cwd=cwd,
                          encoding="utf-8", errors="surrogateescape")


def raw_chars(text: str) -> list[str]:
    return sorted({repr(c) for c in RAW.findall(text)})


# --------------------------------------------------------------------------- the terminal


@pytest.fixture(scope="module")
def hostile_portal():
    columns = [*datagovtw.EXPORT_COLUMNS, f"備註{OSC}\u202e"]
    with FakePortal(agency_hosts=1, export_columns=columns) as portal:
        url = portal.hosts[1].serve("/ok.csv", b"a,b\n1,2\n", content_type="text/csv")
        portal.add_dataset({"資料集識別碼": "41568", "資料集名稱": HOSTILE_TITLE, "提供機關": "經濟部\x1b[2J水利署",
                            "檔案格式": "CSV", "資料下載網址": url, "編碼格式": "UTF-8"})
        yield portal


def catalog(tmp: Path) -> Path:
    path = tmp / "cat.yaml"
    path.write_text("name: hostile\ntitle: hostile text\nmethod: one dataset\ncategories:\n- id: '1'\n  name: one\n"
                    "  datasets:\n  - {name: 'reservoir', id: '41568'}\n", encoding="utf-8")
    return path


def crawl(portal: FakePortal, tmp: Path, out: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return odaudit("crawl", "--portal", portal.base_url, "--catalog", str(catalog(tmp)), "--out", out, "--check-workers", "0",
                   "--retries", "0", *extra, cwd=tmp)


def test_escape_sequences_in_an_export_header_are_shown_not_obeyed(hostile_portal: FakePortal, tmp_path: Path) -> None:
    res = crawl(hostile_portal, tmp_path, "snap")
    assert res.returncode == 0, res.stderr
    assert raw_chars(res.stderr + res.stdout) == []
    (warning,) = [x for x in res.stderr.splitlines() if x.startswith("odaudit: warning:") and "extra column" in x]
    assert r"extra column 備註\x1b]0;PWNED\x07\x1b[2J\u202e (kept)" in warning


def test_quiet_silences_warnings_which_the_manifest_keeps(hostile_portal: FakePortal, tmp_path: Path) -> None:
    res = crawl(hostile_portal, tmp_path, "snap", "--quiet")
    assert res.returncode == 0 and res.stderr == "" and res.stdout == ""
    manifest = (tmp_path / "snap" / "manifest.json").read_text(encoding="utf-8")
    assert "extra column" in manifest


@pytest.mark.parametrize("out", ["snap[/]", "snap[red]", "snap[bold]x[/bold]"])
def test_output_paths_are_printed_as_written(hostile_portal: FakePortal, tmp_path: Path, out: str) -> None:
    """Not rich markup: `snap[/]` crashed the crawl summary with MarkupError, `snap[red]` printed as `snap`."""
    res = crawl(hostile_portal, tmp_path, out)
    assert res.returncode == 0, res.stderr
    assert f"odaudit crawl: {out}" in res.stderr and "MarkupError" not in res.stderr
    again = odaudit("crawl", "--recheck", out, cwd=tmp_path)
    assert again.returncode == 0 and f"rechecked {out}:" in again.stderr, again.stderr


def test_errors_show_control_characters_visibly(tmp_path: Path) -> None:
    res = odaudit("rubric", "check", f"nope{OSC}\u202e.yaml", cwd=tmp_path)
    assert res.returncode == 2 and raw_chars(res.stderr) == []
    assert res.stderr.strip() == r"odaudit: error: nope\x1b]0;PWNED\x07\x1b[2J\u202e.yaml: no such file"


def test_usage_errors_show_control_characters_visibly(tmp_path: Path) -> None:
    res = odaudit("crawl", f"--nope{OSC}\u202e")  # click quotes the unknown option back
    assert res.returncode == 2 and raw_chars(res.stderr) == [] and r"--nope\x1b]0;PWNED\x07\x1b[2J\u202e" in res.stderr


# --------------------------------------------------------------------------- published files


def hostile_snapshot(root: Path, *, agency: str = HUGE_AGENCY, title: str = HOSTILE_TITLE, status: int = 200) -> Path:
    datasets = [sf.dataset(title, id="41568", category="1.1", agency=agency,
                           checks={"licence": ("fail", f"授權{OSC}", f"licence text: {OSC}\u202e")},
                           resources=[sf.resource("CSV", status=status, checks=sf.PASS_ALL)]),
                sf.dataset("ok", id="2", category="1.1")]
    cat = sf.catalog_dict(datasets, title=f"Catalog\x00{OSC}", categories={"1.1": f"Category\u202e{OSC}"})
    return sf.build_snapshot(root, datasets, catalog=cat)


def published(out: Path) -> dict[str, str]:
    # every file, the site's pages (site/…) included
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8", errors="surrogateescape") for p in sorted(out.rglob("*")) if p.is_file()}


def assert_safe(files: dict[str, str]) -> None:
    for name, text in files.items():
        assert raw_chars(text) == [], name
        if name.endswith(".svg"):
            ET.fromstring(text)  # SVG is XML, which has no place for ESC or NUL at all
        if name.endswith(".md"):
            longest = max(len(line) for line in text.splitlines())
            assert longest < 10_000, (name, longest)


def test_score_reports_escape_and_clip_portal_text(tmp_path: Path) -> None:
    snap = hostile_snapshot(tmp_path / "snap")
    rubric = Path(__file__).resolve().parent.parent / "odaudit" / "data" / "rubrics" / "ocf-2017.yaml"
    res = odaudit("score", str(snap), "--rubric", str(rubric), "--out", str(tmp_path / "out"), "-q")
    assert res.returncode == 0, res.stderr
    files = published(tmp_path / "out")
    assert_safe(files)
    report, appendix = files["report.md"], files["appendix.md"]
    assert r"水庫\\x00每日\\x1b\[31m營運\\u202egpj.exe\\u2066" in report  # markdown source; it renders as 水庫\x00每日\x1b[31m…
    assert r"Catalog\\x00\\x1b\]0;PWNED\\x07\\x1b\[2J" in report
    clipped = "經濟部\\\\x1b\\[2J" + "水" * (FIELD_LIMIT - len("經濟部\x1b[2J") - 1) + "…"
    assert clipped in report and clipped in appendix
    agencies = list(csv.DictReader((tmp_path / "out" / "agencies.csv").open(encoding="utf-8-sig")))
    full = [a["agency"] for a in agencies if a["agency"].startswith("經濟部")]
    assert full == ["經濟部\\x1b[2J" + "水" * 1_000_000]  # the CSV has it whole, ESC shown
    datasets = {d["id"]: d for d in csv.DictReader((tmp_path / "out" / "datasets.csv").open(encoding="utf-8-sig"))}
    assert datasets["41568"]["title"] == r"水庫\x00每日\x1b[31m營運\u202egpj.exe\u2066"
    assert r"Category\u202e\x1b]0;PWNED" in files["chart-categories.svg"]


def test_diff_reports_escape_and_clip_portal_text(tmp_path: Path) -> None:
    old = hostile_snapshot(tmp_path / "old", agency="經濟部", title="水庫")
    new = hostile_snapshot(tmp_path / "new", status=404)
    res = odaudit("diff", str(old), str(new), "--out", str(tmp_path / "out"), "-q")
    assert res.returncode == 1, res.stderr  # differences
    files = published(tmp_path / "out")
    assert_safe(files)
    assert r"水庫\\x00每日\\x1b\[31m營運\\u202egpj.exe\\u2066" in files["diff.md"]
    assert "…" in files["diff.md"] and "水" * 1_000 not in files["diff.md"]
    changes = list(csv.DictReader((tmp_path / "out" / "changes.csv").open(encoding="utf-8-sig")))
    moved = [c for c in changes if c["kind"] == "agency_changed"]
    assert [c["new"] for c in moved] == ["經濟部\\x1b[2J" + "水" * 1_000_000]


def test_links_carry_no_control_characters_and_no_endless_urls() -> None:
    from odaudit.report.safe import URL_LIMIT, md_link

    link = md_link("資料\x1b[2J", "https://data.gov.tw/dataset/1\x1b[2J\u202e")
    assert raw_chars(link) == [] and link == r"[資料\\x1b\[2J](https://data.gov.tw/dataset/1%1B%5B2J%E2%80%AE)"
    long = "https://data.gov.tw/" + "a" * URL_LIMIT
    assert md_link("title", long) == "title"  # shown as text, not linked
    assert md_link("", long).endswith("…") and len(md_link("", long)) == FIELD_LIMIT
