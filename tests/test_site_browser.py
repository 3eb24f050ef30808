"""The site in a real browser: Playwright driving Debian's /usr/bin/chromium (never a downloaded
browser), over the site of the bundled demo (a recording of real data.gov.tw records).

Every page of both editions loads from file:// without a console error, every link resolves,
no request leaves the machine, the other language is one click away, the tables sort and filter
with the keyboard, and the site also works from a static HTTP host on 127.0.0.1. Screenshots of the
overview and of one dataset page in both languages go to $ODAUDIT_ARTIFACTS (default
tests/artifacts/, ignored by git) for a reader to look at.

Without chromium (or Playwright) this test FAILS, so CI cannot pass silently without a browser;
ODAUDIT_SKIP_BROWSER=1 skips it on purpose.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from test_trend_e2e import crawls  # noqa: F401  (the fixture: three crawls of a loopback portal)
from typer.testing import CliRunner

from odaudit.cli import app

CHROMIUM = os.environ.get("ODAUDIT_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("ODAUDIT_ARTIFACTS") or Path(__file__).parent / "artifacts")
LOCAL_HOSTS = ("127.0.0.1", "localhost")

pytestmark = pytest.mark.timeout(240)


def _need_browser() -> None:
    if os.environ.get("ODAUDIT_SKIP_BROWSER") == "1":
        pytest.skip("ODAUDIT_SKIP_BROWSER=1")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("Playwright is not installed (pip install -e '.[test]'); set ODAUDIT_SKIP_BROWSER=1 to skip on purpose")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium), or set ODAUDIT_SKIP_BROWSER=1 to skip on purpose")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _need_browser()
    tmp = tmp_path_factory.mktemp("browser")
    runner = CliRunner()
    res = runner.invoke(app, ["crawl", "--catalog", "demo-datagovtw", "--replay", "demo", "--out", str(tmp / "snap"), "--check-workers", "0", "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["score", str(tmp / "snap"), "--rubric", "demo-datagovtw", "--out", str(tmp / "report"), "-q"])
    assert res.exit_code == 0, res.output
    return tmp / "report" / "site"


def _local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("file", "data", "about", "blob"):
        return True
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and (host.startswith("127.") or host in LOCAL_HOSTS)


@pytest.fixture(scope="module")
def browser(site: Path) -> Iterator[tuple[object, list[str]]]:
    """A Chromium context with a fresh profile; every request that would leave the machine is
    recorded and aborted."""
    from playwright.sync_api import sync_playwright

    outside: list[str] = []

    def guard(route, request) -> None:
        if _local(request.url):
            route.continue_()
        else:
            outside.append(request.url)
            route.abort()

    profile = tempfile.mkdtemp(prefix="odaudit-chromium-")
    try:
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True, args=FLAGS,
                                                       viewport={"width": 1200, "height": 900}, service_workers="block")
            ctx.route("**/*", guard)
            try:
                yield ctx, outside
            finally:
                ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    return errors


def _open(ctx, url: str) -> tuple[object, list[str]]:
    page = ctx.new_page()
    errors = _watch(page)
    page.goto(url, wait_until="load")
    return page, errors


def _file(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


def test_every_page_of_both_editions_loads_cleanly_links_resolve_and_nothing_leaves_the_machine(site: Path, browser) -> None:
    ctx, outside = browser
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 150  # both editions: 5 pages, 3 categories, 31 agencies, 47 datasets each
    problems: list[str] = []
    ids: dict[Path, set[str]] = {}
    links: list[tuple[Path, str]] = []
    other_edition: list[Path] = []
    page = ctx.new_page()
    errors = _watch(page)
    for path in pages:
        errors.clear()
        page.goto(path.as_uri(), wait_until="load")
        rel = path.relative_to(site).as_posix()
        want = "zh-TW" if rel.startswith("zh-TW/") else "en"
        if page.evaluate("document.documentElement.lang") != want:
            problems.append(f"{rel}: lang is not {want}")
        ids[path.resolve()] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
        links += [(path, h) for h in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")]
        switch = page.get_attribute("header .lang a", "href")
        twin = rel.removeprefix("zh-TW/") if want == "zh-TW" else "zh-TW/" + rel
        if switch is None or (path.parent / switch).resolve() != (site / twin).resolve():
            problems.append(f"{rel}: the language switch goes to {switch}, not {twin}")
        other_edition.append((path.parent / (switch or "")).resolve())
        if page.locator("h1").count() != 1:
            problems.append(f"{rel}: {page.locator('h1').count()} h1 headings")
        problems += [f"{rel}: {e}" for e in errors]
        # a URL in a table cell breaks anywhere: it must still get a column (15+ characters a line), not a few
        problems += [f"{rel}: URL {t!r} on {n} lines" for t, n in page.evaluate(LINES, "td .url") if n > max(2, -(-len(t) // 15))]
    page.close()
    for path, href in links:
        if href.startswith("file:"):
            target = _file(href).resolve()
            frag = urlsplit(href).fragment
            if not target.is_file():
                problems.append(f"{path.relative_to(site)}: broken link {href}")
            elif frag and target.suffix == ".html" and frag not in ids.get(target, set()):
                problems.append(f"{path.relative_to(site)}: no #{frag} in {target.relative_to(site.resolve())}")
    assert problems == []
    assert outside == []  # no request left the machine
    assert set(other_edition) == {p.resolve() for p in pages}  # every page is some page's other language


def test_the_language_switch_and_the_tables_work_with_the_keyboard(site: Path, browser) -> None:
    ctx, outside = browser
    page, errors = _open(ctx, (site / "datasets.html").as_uri())
    page.focus("header .lang a")
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.lang") == "zh-TW" and page.url.endswith("/zh-TW/datasets.html")
    box = page.locator("input[data-filter]")
    assert box.is_visible()  # shown only when the script runs
    rows = page.locator("#ds tbody tr")
    assert rows.count() == 47
    box.fill("基隆市")
    visible = [r for r in rows.all() if r.is_visible()]
    assert 0 < len(visible) < 47 and all("基隆市" in r.inner_text() for r in visible)
    box.fill("")
    header = page.locator("#ds thead th[data-sort=num] button").first
    header.focus()
    page.keyboard.press("Enter")
    assert page.locator("#ds thead th[aria-sort=ascending]").count() == 1
    scores = [float(v) for v in page.eval_on_selector_all("#ds tbody tr td[data-v]:nth-of-type(4)", "els => els.map(e => e.dataset.v)")]
    assert scores == sorted(scores) and len(scores) == 47
    page.keyboard.press("Enter")
    assert page.locator("#ds thead th[aria-sort=descending]").count() == 1
    assert errors == [] and outside == []
    page.close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_the_site_works_from_a_static_http_host(site: Path, browser) -> None:
    ctx, outside = browser
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}/"
        dataset = sorted((site / "dataset").glob("*.html"))[0].relative_to(site).as_posix()
        for rel in ("index.html", "zh-TW/index.html", dataset, "zh-TW/" + dataset, "datasets.html"):
            page, errors = _open(ctx, base + rel)
            assert errors == [], (rel, errors)
            assert page.locator("link[rel=stylesheet]").count() == 1
            assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # the stylesheet applied
            page.close()
    finally:
        server.shutdown()
        server.server_close()
    assert outside == []


#: [text, number of lines it is laid out on] of each element matching a selector: the height of
#: its content in lines of its font (a line is about 1.2 font sizes; two are 2.4)
LINES = """sel => Array.from(document.querySelectorAll(sel)).map(c => {
    const r = document.createRange(); r.selectNodeContents(c);
    const size = parseFloat(getComputedStyle(c).fontSize);
    return [c.textContent, Math.max(1, Math.round(r.getBoundingClientRect().height / (1.2 * size)))]; })"""


def test_screenshots_of_the_overview_and_a_dataset_in_both_languages(site: Path, browser) -> None:
    ctx, _ = browser
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = {"overview-en.png": "index.html", "overview-zh-TW.png": "zh-TW/index.html",
             "dataset-en.png": "dataset/tw-41568.html", "dataset-zh-TW.png": "zh-TW/dataset/tw-41568.html"}
    for name, rel in shots.items():
        page, errors = _open(ctx, (site / rel).as_uri())
        # every chart image decoded (an SVG that fails to parse has naturalWidth 0)
        assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"), rel
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
        assert (ARTIFACTS / name).stat().st_size > 10_000 and errors == []
        if rel.endswith("41568.html"):  # the answers table: headings, answers and sources on one line each
            lines = page.evaluate(LINES, ".answers thead th, .answers td:nth-child(2), .answers td:nth-child(3)")
            assert len(lines) > 10 and [t for t, n in lines if n != 1] == [], (rel, lines)
        page.close()


@pytest.fixture(scope="module")
def trend_site(crawls: tuple[list[Path], list[str]], tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """The site of `odaudit trend` over test_trend_e2e's three crawls of a loopback portal (a link
    broken in crawls 2 and 3, one in 3 only, one broken in 2 and repaired in 3), given out of order."""
    _need_browser()
    paths, _ = crawls
    out = tmp_path_factory.mktemp("trend-browser") / "trend"
    res = CliRunner().invoke(app, ["trend", str(paths[2]), str(paths[0]), str(paths[1]), "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    return out / "site"


def test_every_page_of_the_trend_site_loads_cleanly_and_screenshots(trend_site: Path, browser) -> None:
    """Both editions of the trend's site: no console error, no failed request, nothing leaves the
    machine, every image decodes, every file: link resolves; screenshots of the overview, the
    longest broken and a declining agency in both languages."""
    ctx, outside = browser
    pages = sorted(trend_site.rglob("*.html"))
    assert len(pages) >= 12  # 3 pages and 3 agencies, in both editions
    problems: list[str] = []
    page = ctx.new_page()
    errors = _watch(page)
    for path in pages:
        errors.clear()
        page.goto(path.as_uri(), wait_until="load")
        rel = path.relative_to(trend_site).as_posix()
        if page.evaluate("document.documentElement.lang") != ("zh-TW" if rel.startswith("zh-TW/") else "en"):
            problems.append(f"{rel}: wrong lang")
        if not page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"):
            problems.append(f"{rel}: an image did not decode")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            if href.startswith("file:") and not _file(href).is_file():
                problems.append(f"{rel}: broken link {href}")
        problems += [f"{rel}: {e}" for e in errors]
        problems += [f"{rel}: column heading {t!r} on {n} lines" for t, n in page.evaluate(LINES, "thead th") if n != 1]
        # the resource tables: an outcome on one line, a crawl time on at most two, a URL of the
        # fixture (about 35 characters) on at most two (its column once shrank to 8 a line)
        for what, sel, most in (("outcome", ".units .o", 1), ("since", ".units td.since", 2), ("URL", ".units .url", 2)):
            laid = page.evaluate(LINES, sel) if page.locator(".units tbody tr").count() else [("", 1)]
            problems += [f"{rel}: {what} {t!r} on {n} lines" for t, n in laid if n > most] + ([f"{rel}: no {sel}"] if not laid else [])
        if rel.endswith("index.html"):  # the snapshots' table: a crawl time's date and time each whole
            laid = page.evaluate(LINES, "#snapshots + .scroll td.since .nw")
            problems += [f"{rel}: crawl time part {t!r} on {n} lines" for t, n in laid if n > 1] + ([] if laid else [f"{rel}: no crawl times"])
    page.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # the screenshots first: they show what a failed layout check saw
    declined = (trend_site / "agencies.html").read_text(encoding="utf-8").split('id="declined"', 1)[1].split('href="agency/', 1)[1].split('"', 1)[0]
    for lang, prefix in (("en", ""), ("zh-TW", "zh-TW/")):
        for name, rel in (("trend-overview", "index.html"), ("trend-broken", "broken.html"), ("trend-agency", "agency/" + declined.split("#")[0])):
            page, errors = _open(ctx, (trend_site / (prefix + rel)).as_uri())
            shot = ARTIFACTS / f"{name}-{lang}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000 and errors == [], (rel, errors)
            page.close()
    assert problems == [] and outside == []
