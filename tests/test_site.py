"""The site (DIR/site/) of `odaudit score`, without a browser: every page of both editions parsed
with html.parser, every internal link and anchor resolved, nothing loaded from the network, any
dataset within two clicks of index.html, evidence on the dataset and agency pages, portal text
escaped, byte-identical reruns. tests/test_site_browser.py drives a real browser over the same site."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import snapfactory as sf
from typer.testing import CliRunner

from odaudit.cli import app
from odaudit.report.site.slugs import slug_map

EVIL = '<script>alert(1)</script>"onmouseover="x\u202e'
RUBRIC = """\
name: site-test
catalog: test
method: odb
readiness:
  components:
    - {id: policies, name: Policies, items: [{id: C2, name: 政策, score: 6, evidence: "policy adopted", links: ["https://example.gov.tw/policy"]}]}
impact:
  components:
    - {id: political, name: Political, items: [{id: I1, name: 效率, score: 4}]}
datasets:
  "100":
    answers:
      linked: {answer: yes, reason: "uses 統一編號 as identifiers", evidence: ["https://example.gov.tw/ids"]}
"""


class Page(HTMLParser):
    """The links, resources, ids and language of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []  # <a href>
        self.loads: list[str] = []  # what a browser would load: src, stylesheet and icon hrefs
        self.ids: set[str] = set()
        self.lang = ""
        self.alts: list[str | None] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "html":
            self.lang = a.get("lang") or ""
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "link" and a.get("href") and a.get("rel") != "alternate":
            self.loads.append(a["href"])
        if a.get("src"):
            self.loads.append(a["src"])
        if tag == "img":
            self.alts.append(a.get("alt"))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> Page:
    p = Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def internal(href: str) -> bool:
    return not urlsplit(href).scheme and not href.startswith("//")


def target(page: Path, href: str) -> tuple[Path, str]:
    parts = urlsplit(href)
    file = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
    return file, parts.fragment


def score(snap: Path | None, rubric: str, out: Path, *extra: str) -> Path:
    args = ["score", *([str(snap)] if snap else []), "--rubric", rubric, "--out", str(out), "-q", *extra]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output + str(res.exception)
    return out / "site"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site of the bundled demo (a recording of real data.gov.tw records), zh-TW first."""
    tmp = tmp_path_factory.mktemp("site")
    res = CliRunner().invoke(app, ["crawl", "--catalog", "demo-datagovtw", "--replay", "demo", "--out", str(tmp / "snap"), "--check-workers", "0", "-q"])
    assert res.exit_code == 0, res.output
    return score(tmp / "snap", "demo-datagovtw", tmp / "report", "--lang", "zh-TW")


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot with passing and failing resources, hostile portal text and a Chinese agency."""
    tmp_path = tmp_path_factory.mktemp("measured")
    ds = [
        sf.dataset("好資料", id=100, category="1.1", agency="經濟部水利署", checks=sf.DATASET_PASS,
                   resources=[sf.resource("CSV", url="https://data.example.gov.tw/good.csv", checks=sf.PASS_ALL),
                              sf.resource("PDF", url="https://data.example.gov.tw/scan.pdf",
                                          checks={"link": "pass", "format": {"outcome": "fail", "measured": "PDF", "expected": "CSV", "evidence": "a scanned PDF, not machine-readable"}})]),
        sf.dataset(EVIL, id=200, category="1.1", agency=EVIL,
                   checks={"licence": "pass", "free": "pass", "freshness": ("fail", "900 days", "stale: 900 days"),
                           "badge": ("fail", "金", "badge 金, measured not machine-readable")},
                   resources=[sf.resource("XLS", url="javascript:alert(2)", checks={"link": "pass", "structure": ("fail", "merged cells", "merged <b>cells</b>")})]),
        sf.dataset("機關外", url="https://other.example.gov.tw/x", category="2.1"),
    ]
    snap = sf.build_snapshot(tmp_path / "snap", ds, categories={"1.1": "選舉與罷免", "2.1": {"name": "普查資料", "rationale": "census"}})
    rub = tmp_path / "rubric.yaml"
    rub.write_text(RUBRIC, encoding="utf-8")
    return score(snap, str(rub), tmp_path / "report")


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_both_editions_have_the_same_pages_and_declare_their_language(demo: Path) -> None:
    top = {p.relative_to(demo).as_posix() for p in pages(demo) if not p.relative_to(demo).as_posix().startswith("en/")}
    en = {p.relative_to(demo / "en").as_posix() for p in pages(demo / "en")}
    assert top == en and {"index.html", "method.html", "datasets.html", "agencies.html", "badges.html"} <= top
    assert len([p for p in top if p.startswith("dataset/")]) == 47  # one page per dataset of the demo
    assert len([p for p in top if p.startswith("agency/")]) == 31 and len([p for p in top if p.startswith("category/")]) == 3
    for p in pages(demo):
        assert parse(p).lang == ("en" if p.is_relative_to(demo / "en") else "zh-TW"), p
    for p in pages(demo):  # safe names: no colon, nothing but ASCII letters, digits, . _ -
        assert re.fullmatch(r"[A-Za-z0-9._/-]+", p.relative_to(demo).as_posix()), p


def test_every_internal_link_and_anchor_resolves_and_nothing_is_loaded_from_the_network(demo: Path) -> None:
    broken, remote = [], []
    parsed = {p.resolve(): parse(p) for p in pages(demo)}
    for page, doc in parsed.items():
        for href in doc.links + doc.loads:
            if href.startswith("data:") and href in doc.loads:
                continue  # the empty icon (so a browser does not ask a server for /favicon.ico)
            if not internal(href):
                if href in doc.loads or not href.startswith(("http://", "https://")):
                    remote.append((page, href))  # only plain outbound links are allowed, never a load
                continue
            file, frag = target(page, href)
            if not file.is_file() or not file.is_relative_to(demo.resolve()):
                broken.append((page, href))
            elif frag and file.suffix == ".html" and frag not in parsed[file].ids:
                broken.append((page, href))
    assert broken == [] and remote == []
    css = (demo / "static" / "site.css").read_text(encoding="utf-8") + (demo / "static" / "site.js").read_text(encoding="utf-8")
    assert "url(" not in css and "http" not in css and "@import" not in css and "fetch(" not in css


def test_the_language_switch_goes_to_the_same_page_in_the_other_language(demo: Path) -> None:
    assert len(pages(demo)) > 150
    for p in pages(demo):
        doc = parse(p)
        rel = p.relative_to(demo).as_posix()
        twin = rel.removeprefix("en/") if rel.startswith("en/") else "en/" + rel
        switches = [h for h in doc.links if internal(h) and target(p, h)[0] == (demo / twin).resolve()]
        assert switches, f"{rel} has no link to {twin}"


def test_every_dataset_is_at_most_two_clicks_from_the_start_page(demo: Path) -> None:
    start = (demo / "index.html").resolve()
    depth = {start: 0}
    queue = deque([start])
    while queue:
        page = queue.popleft()
        if depth[page] == 2:
            continue
        for href in parse(page).links:
            if internal(href):
                file = target(page, href)[0]
                if file.suffix == ".html" and file.is_file() and file not in depth:
                    depth[file] = depth[page] + 1
                    queue.append(file)
    datasets = {p.resolve() for p in (demo / "dataset").glob("*.html")}
    assert datasets and datasets <= set(depth)


def test_the_dataset_page_shows_every_answer_its_points_and_evidence(measured: Path) -> None:
    page = measured / "dataset" / "tw-100.html"
    doc = parse(page)
    html = page.read_text(encoding="utf-8")
    for q in ("exists", "online", "machine_readable", "bulk", "free", "open_licence", "up_to_date", "sustained", "findable", "linked"):
        assert f'id="q-{q}"' in html
    assert "https://data.gov.tw/dataset/100" in doc.links  # the portal page
    assert {"https://data.example.gov.tw/good.csv", "https://data.example.gov.tw/scan.pdf"} <= set(doc.links)  # every resource
    text = " ".join(doc.text)
    assert "a scanned PDF, not machine-readable" in text and "PDF" in text and "CSV" in text  # evidence, measured and expected
    assert "uses 統一編號 as identifiers" in text and "https://example.gov.tw/ids" in doc.links  # the researcher's reason and link
    assert "https://example.gov.tw/policy" in parse(measured / "method.html").links  # a judged item's source


def test_the_agency_page_is_a_notice_with_stars_and_each_failing_resource(measured: Path) -> None:
    ag = slug_map(["經濟部水利署"], prefix="a-")["經濟部水利署"]
    page = measured / "agency" / f"{ag}.html"
    doc = parse(page)
    text = " ".join(doc.text)
    assert doc.ids >= {"datasets", "failing", "stars"}
    assert "經濟部水利署" in text and "★" in text
    assert "https://data.example.gov.tw/scan.pdf" in doc.links and "a scanned PDF, not machine-readable" in text
    assert "good.csv" not in text  # what passes is not listed as failing
    assert any(h.endswith("dataset/tw-100.html") for h in doc.links)


def test_portal_text_is_escaped_and_only_http_urls_are_linked(measured: Path) -> None:
    for p in pages(measured):
        html = p.read_text(encoding="utf-8")
        assert "<script>alert" not in html and "<b>cells" not in html, p
        assert "javascript:" not in " ".join(parse(p).links), p
        assert "\u202e" not in html, p  # bidi override shown as an escape
    text = " ".join(parse(measured / "dataset" / "tw-200.html").text)
    assert "<script>alert(1)</script>" in text and "\\u202e" in text  # shown as text, as published


def test_a_rerun_gives_a_byte_identical_site(measured: Path, tmp_path: Path) -> None:
    inputs = measured.parent.parent
    again = score(inputs / "snap", str(inputs / "rubric.yaml"), tmp_path / "again")
    first = {p.relative_to(measured): p.read_bytes() for p in measured.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys() and len(first) > 20
    assert [k for k in first if first[k] != second[k]] == []


def test_the_edition_rendered_in_a_forked_process_is_the_same_as_in_process(measured: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The second edition, findings.csv and findings.jsonld are written by forked children on
    Linux (report/forked.py); with ODAUDIT_SITE_WORKERS=1 everything is written in-process: the
    same files, the same bytes, and the report's manifest hashes every file either way."""
    from odaudit.report import forked

    assert forked.can_fork(), "this test compares the forked path with the in-process one"
    inputs = measured.parent.parent
    monkeypatch.setenv(forked.ENV, "1")
    assert not forked.can_fork()
    serial = score(inputs / "snap", str(inputs / "rubric.yaml"), tmp_path / "serial").parent
    report = measured.parent
    first = {p.relative_to(report): p.read_bytes() for p in report.rglob("*") if p.is_file() and p.name != "manifest.json"}
    second = {p.relative_to(serial): p.read_bytes() for p in serial.rglob("*") if p.is_file() and p.name != "manifest.json"}
    assert first.keys() == second.keys() and [k for k in first if first[k] != second[k]] == []

    hashed = json.loads((report / "manifest.json").read_text(encoding="utf-8"))["files"]
    child = [k for k in first if k.parts[:2] == ("site", "zh-TW")]  # the other edition of an English-first site
    assert len(child) > 10 and {"findings.csv", "findings.jsonld"} <= {k.as_posix() for k in first}
    assert hashed.keys() == {k.as_posix() for k in first}
    assert [k for k in first if hashed[k.as_posix()] != hashlib.sha256(first[k]).hexdigest()] == []


def test_a_failure_in_the_forked_process_is_raised_in_the_parent() -> None:
    from odaudit.report.forked import Forked

    assert Forked(lambda: [1, 2]).result() == [1, 2]

    def full_disk() -> None:
        raise OSError(28, "No space left on device", "/site/en/index.html")

    with pytest.raises(OSError, match="No space left") as err:
        Forked(full_disk).result()
    assert err.value.filename == "/site/en/index.html"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text().split("State:", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its parent's reaping is left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_killed_parent_takes_its_forked_child_with_it(tmp_path: Path) -> None:
    """A child left writing after its parent was killed (kill -9, the OOM killer) would write on
    into a staging folder that the next run clears away: it dies with the parent."""
    script = ("import os, pathlib, sys, time\nfrom odaudit.report.forked import Forked\n"
              "def work():\n    pathlib.Path(sys.argv[1]).write_text(str(os.getpid()))\n    time.sleep(120)\n"
              "Forked(work, 'a test').result()\n")
    marker = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", script, str(marker)])
    deadline = time.monotonic() + 60
    while not marker.is_file() or not marker.read_text():
        assert parent.poll() is None and time.monotonic() < deadline, "the child never started"
        time.sleep(0.02)
    child = int(marker.read_text())
    assert _alive(child)
    parent.kill()
    parent.wait()
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(child)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forking is Linux's")
def test_a_parent_interrupted_while_waiting_stops_its_forked_child(tmp_path: Path) -> None:
    """Ctrl-C while the parent waits for the child: the child is stopped before the error goes on
    (the staging folder is cleared next, and a child still writing would put files back)."""
    import signal

    from odaudit.report.forked import Forked

    marker = tmp_path / "child.pid"

    def work() -> None:
        marker.write_text(str(os.getpid()))
        time.sleep(120)

    class Interrupted(Exception):
        pass

    def interrupt(signum, frame):
        if marker.is_file() and marker.read_text():
            raise Interrupted

    child = Forked(work, "a test")
    old = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.2, 0.2)
    try:
        with pytest.raises(Interrupted):
            child.result()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert not _alive(int(marker.read_text()))


def test_charts_are_in_each_language_with_alternative_text(demo: Path) -> None:
    for edition in (demo, demo / "en"):
        assert {p.name for p in (edition / "charts").glob("*.svg")} == {"chart-categories.svg", "chart-quality.svg", "chart-agencies.svg"}
        doc = parse(edition / "index.html")
        assert len(doc.alts) == 3 and all(a and len(a) > 20 for a in doc.alts)
    assert (demo / "charts" / "chart-categories.svg").read_bytes() != (demo / "en" / "charts" / "chart-categories.svg").read_bytes()


def test_page_names_are_safe_distinct_and_stable() -> None:
    keys = ["tw:41568", "tw-41568", "none:起訴書", "ext:http://x/a b", "Tw:1", "tw:1", "../../etc/passwd", ""]
    names = slug_map(keys)
    assert names == slug_map(list(reversed(keys)))  # order does not matter
    assert len({n.casefold() for n in names.values()}) == len(keys)  # distinct, even on case-insensitive file systems
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", n) for n in names.values()), names
    assert slug_map(["tw:9"])["tw:9"] == "tw-9"
    agencies = slug_map(["經濟部水利署", "經濟部"], prefix="a-")
    assert len(set(agencies.values())) == 2 and all(re.fullmatch(r"a-[0-9a-f]{10}", n) for n in agencies.values())


def test_a_report_without_a_snapshot_still_has_a_site(tmp_path: Path) -> None:
    site = score(None, "ocf-2016-survey", tmp_path / "r")
    assert (site / "index.html").is_file() and (site / "zh-TW" / "index.html").is_file()
    assert len(list((site / "dataset").glob("*.html"))) > 50
