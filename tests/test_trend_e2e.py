"""End to end: three crawls of a fake data.gov.tw (each `odaudit crawl --since` the previous one),
then `odaudit trend` over them.

* tw:1's file is fine in every crawl (never in resource_history.csv);
* tw:2's file answers 404 from crawl 2 on (broken in 2, still broken in 3);
* tw:3's file answers 404 in crawl 3 only;
* tw:4's file answers 404 in crawl 2 and is repaired in crawl 3.

Each crawl's clock is moved a month on (its crawl time is its reference time).
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from portal import FakePortal
from test_diff_e2e import CSV_TEXT, row

from odaudit.cli import main
from odaudit.crawl import options as crawl_module  # where the crawl reads the clock
from odaudit.store.folders import folder_manifest
from odaudit.trend import HISTORY_COLUMNS, SERIES_COLUMNS

BROKEN = b"<html><body><h1>404 Not Found</h1></body></html>"


def cli(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def crawl(portal: FakePortal, out: Path, months: int, since: Path | None) -> str:
    """`odaudit crawl --all` of the fake portal with the clock moved `months` × 30 days on; its crawl time."""
    at = (datetime.now(UTC) + timedelta(days=30 * months)).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(crawl_module, "utc_now", lambda: at)
        args = ["crawl", "--all", "--portal", portal.base_url, "--out", str(out), "--check-workers", "0", "-q",
                "--retries", "0", "--timeout", "2"]
        assert cli(args + (["--since", str(since)] if since else [])) == 0
    return at


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], list[str]]:
    base = tmp_path_factory.mktemp("trend-e2e")
    paths = [base / f"c{i}" for i in (1, 2, 3)]
    with FakePortal(agency_hosts=1) as portal:
        h = portal.hosts[1]
        urls = {i: h.serve(f"/files/d{i}.csv", CSV_TEXT.encode("utf-8"), content_type="text/csv") for i in range(1, 5)}
        for i in urls:
            portal.add_dataset(row(i, urls[i]))
        times = [crawl(portal, paths[0], 0, None)]
        for i in (2, 4):
            h.serve(f"/files/d{i}.csv", BROKEN, status=404, content_type="text/html")
        times.append(crawl(portal, paths[1], 1, paths[0]))
        h.serve("/files/d3.csv", BROKEN, status=404, content_type="text/html")
        h.serve("/files/d4.csv", CSV_TEXT.encode("utf-8"), content_type="text/csv")
        times.append(crawl(portal, paths[2], 2, paths[1]))
    return paths, times


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_how_long_each_resource_has_been_broken(crawls: tuple[list[Path], list[str]], tmp_path: Path) -> None:
    paths, times = crawls
    out = tmp_path / "trend"
    # given out of order: taken in crawl order, and said so
    assert cli(["trend", str(paths[2]), str(paths[0]), str(paths[1]), "--out", str(out), "-q"]) == 0
    with open(out / "resource_history.csv", encoding="utf-8-sig", newline="") as fh:
        assert next(csv.reader(fh)) == list(HISTORY_COLUMNS)
    link = {r["resource"]: r for r in read_csv(out / "resource_history.csv") if r["check"] == "link"}
    assert "tw:1#0" not in link  # never failed, never changed
    assert (link["tw:2#0"]["outcome"], link["tw:2#0"]["since"], link["tw:2#0"]["streak"]) == ("fail", times[1], "2")
    assert link["tw:2#0"]["history"] == "pass fail fail"
    assert (link["tw:2#0"]["first_failed"], link["tw:2#0"]["last_passed"]) == (times[1], times[0])
    assert (link["tw:3#0"]["outcome"], link["tw:3#0"]["since"], link["tw:3#0"]["streak"]) == ("fail", times[2], "1")
    assert link["tw:3#0"]["history"] == "pass pass fail"
    assert (link["tw:4#0"]["outcome"], link["tw:4#0"]["history"], link["tw:4#0"]["streak"]) == ("pass", "pass fail pass", "1")
    assert (link["tw:4#0"]["first_failed"], link["tw:4#0"]["last_passed"], link["tw:4#0"]["since"]) == (times[1], times[2], times[2])
    assert link["tw:4#0"]["url"].endswith("/files/d4.csv")

    series = read_csv(out / "series.csv")
    assert list(series[0]) == list(SERIES_COLUMNS)
    links = {r["snapshot"]: float(r["value"]) for r in series if (r["level"], r["id"], r["measure"]) == ("check", "link", "resources_share")}
    assert links == {"1": 100.0, "2": 50.0, "3": 50.0}  # 2 of 4 broken in crawl 2 (tw:2, tw:4), 2 in crawl 3 (tw:2, tw:3)
    assert {r["crawled_at"] for r in series} == set(times)

    report = (out / "trend.md").read_text(encoding="utf-8")
    # the snapshots' table: each column under its header (the findings' count, then why they were used)
    snaps = [line.split(" | ") for line in report.split("\n## ", 1)[0].split("\n") if line.startswith("|")]
    head, first = snaps[0], snaps[2]
    assert len(head) == len(first) == 8 and head[-2:] == ["Findings", "Findings used |"] and first[-1].startswith("stored findings reused")
    broken = report.split("## Longest-broken resources", 1)[1].split("##", 1)[0]
    assert broken.index("tw:2#0") < broken.index("tw:3#0") and "tw:4#0" not in broken  # longest first; the repaired one is not broken
    assert "`pass fail fail`" in broken and "2 of 3" in broken
    # the agencies declining, each with the links behind its change: URL, history, latest evidence
    behind = report.split("### Declined most", 1)[1].split("Behind 機關2:", 1)[1].split("\n\n", 2)[1]
    assert "tw:2#0" in behind and "/files/d2.csv" in behind and "`pass fail fail`" in behind and "HTTP 404" in behind
    manifest = folder_manifest(out)
    assert manifest["command"] == "trend"
    assert [s["path"] for s in manifest["inputs"]["snapshots"]] == [str(p) for p in paths]  # crawl order
    assert {f for f in manifest["files"] if not f.startswith("site/")} == {"trend.md", "resource_history.csv", "series.csv", "chart-quantity-quality.svg"}
    assert {"site/index.html", "site/broken.html", "site/agencies.html", "site/zh-TW/index.html"} <= set(manifest["files"])


def test_the_order_warning_and_the_same_output_for_the_same_input(crawls: tuple[list[Path], list[str]], tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    paths, _ = crawls
    assert cli(["trend", *map(str, paths), "--out", str(tmp_path / "a"), "-q"]) == 0
    assert "not given in crawl order" not in capsys.readouterr().err
    assert cli(["trend", str(paths[1]), str(paths[0]), str(paths[2]), "--out", str(tmp_path / "b"), "-q"]) == 0
    assert "not given in crawl order; they are taken in crawl order" in capsys.readouterr().err
    for name in ("resource_history.csv", "series.csv", "chart-quantity-quality.svg"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    a, b = ((tmp_path / d / "trend.md").read_text(encoding="utf-8") for d in "ab")
    assert "## Warnings" not in a and b.replace(b.split("## Warnings", 1)[1].split("## ", 1)[0], "").replace("## Warnings", "") == a


def test_bad_input_is_named_and_nothing_is_written(crawls: tuple[list[Path], list[str]], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    paths, _ = crawls
    out = tmp_path / "t"
    assert cli(["trend", str(paths[0]), str(paths[0]), "--out", str(out)]) == 2
    assert "given twice" in capsys.readouterr().err and not out.exists()
    assert cli(["trend", str(paths[0]), str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert "no such snapshot directory" in capsys.readouterr().err and not out.exists()
    assert cli(["trend", str(paths[0]), "--out", str(paths[1])]) == 2  # a snapshot is never an --out
    assert "is an odaudit snapshot" in capsys.readouterr().err
    assert json.loads((paths[1] / "manifest.json").read_text(encoding="utf-8"))["format"] == "odaudit-snapshot"


def _site_pages(site: Path) -> set[Path]:
    return {p.resolve() for p in site.rglob("*.html")}


def test_the_trend_writes_a_bilingual_site_with_the_evidence_behind_each_figure(crawls: tuple[list[Path], list[str]], tmp_path: Path) -> None:
    """DIR/site/: zh-TW at the top (`--lang zh-TW`), English in en/; every page reachable from
    index.html by its links, each page's twin one link away, `<html lang>` right, nothing loaded from
    elsewhere; the longest-broken table and the agencies' pages show the resources, the check, the
    history and the latest evidence; a second run writes the same bytes."""
    from test_site import internal, parse, target

    paths, times = crawls
    for out in ("one", "two"):
        assert cli(["trend", str(paths[1]), str(paths[0]), str(paths[2]), "--out", str(tmp_path / out), "-q", "--lang", "zh-TW"]) == 0
    site = tmp_path / "one" / "site"
    en = site / "en"
    pages = _site_pages(site)
    parsed = {p: parse(p) for p in pages}
    assert {p.relative_to(site.resolve()).as_posix() for p in pages if not p.is_relative_to(en.resolve())} >= {"index.html", "broken.html", "agencies.html"}
    # reachable: from index.html along the links, every page of both editions; every link and anchor resolves
    seen, todo, broken = {(site / "index.html").resolve()}, [(site / "index.html").resolve()], []
    while todo:
        page = todo.pop()
        for href in parsed[page].links:
            if not internal(href):
                continue
            file, frag = target(page, href)
            if file.suffix == ".html" and file not in parsed or (frag and frag not in parsed[file].ids):
                broken.append((page, href))
            elif file.suffix == ".html" and file not in seen:
                seen.add(file)
                todo.append(file)
    assert broken == [] and seen == pages
    for page, doc in parsed.items():
        rel = page.relative_to(site.resolve()).as_posix()
        assert doc.lang == ("en" if rel.startswith("en/") else "zh-TW"), rel
        assert all(internal(h) or h.startswith("data:") for h in doc.loads), doc.loads  # nothing from elsewhere
        twin = rel.removeprefix("en/") if rel.startswith("en/") else "en/" + rel
        assert any(internal(h) and target(page, h)[0] == (site / twin).resolve() for h in doc.links), rel
        assert all(alt for alt in doc.alts), rel  # every chart has its alternative text
    index = " ".join(parsed[(en / "index.html").resolve()].text)
    assert "not given in crawl order" in index  # the order warning, as trend.md says it
    zh = " ".join(parsed[(site / "index.html").resolve()].text)
    assert "快照並未依擷取順序給定" in zh and "crawl order" not in zh  # and in the edition's language
    assert "快照並未依擷取順序給定；已改依擷取順序處理：" in (tmp_path / "one" / "trend.md").read_text(encoding="utf-8")
    # the longest broken: tw:2 (broken in crawls 2 and 3) first, streak 2 since crawl 2; tw:3 then; the repaired tw:4 not
    rows = _rows((en / "broken.html").read_text(encoding="utf-8"))
    assert [r[0].split()[-1] for r in rows] == ["tw:2", "tw:3"]  # dataset, agency, resource and URL, check, now, since, streak, history, evidence
    tw2 = rows[0]
    assert tw2[4:7] == ["fail", times[1], "2 of 3"] and tw2[7] == "pass fail fail"
    assert tw2[2].endswith("/files/d2.csv") and "404" in tw2[8]
    assert _rows((site / "broken.html").read_text(encoding="utf-8"))[0][4:7] == ["未通過", times[1], "3 個中的 2 個"]
    # from "agency X declined" down to the resource: the declined list links to the agency page, which lists the failing resource
    agencies = (en / "agencies.html").read_text(encoding="utf-8")
    declined = agencies.split('id="declined"', 1)[1].split('id="all"', 1)[0]
    assert "機關2" in declined and "機關0" in declined
    slug = declined.split('href="agency/', 1)[1].split(".html", 1)[0]
    agency_rows = _rows((en / "agency" / f"{slug}.html").read_text(encoding="utf-8"))
    link_rows = [r for r in agency_rows if r[2] == "link"]  # dataset, resource and URL, check, now, since, streak, history, evidence
    assert link_rows and all("404" in r[7] and "/files/d" in r[1] for r in link_rows) and link_rows[0][3] == "fail"
    # the agency whose link broke and was repaired lists it with its history
    a1 = next(p for p in en.glob("agency/*.html") if "<h1>機關1</h1>" in p.read_text(encoding="utf-8"))
    assert any(r[0].endswith("tw:4") and r[2] == "link" and r[6] == "pass fail pass" for r in _rows(a1.read_text(encoding="utf-8")))
    again = tmp_path / "two"
    first = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*") if p.is_file()}
    assert first == {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}


def _rows(html: str) -> list[list[str]]:
    """The cells' text of every body row of the units tables (id broken / units-table)."""
    import re

    out = []
    for table in re.findall(r'<table id="(?:broken|units-table)".*?</table>', html, re.S):
        for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S):
            tr = tr.replace('</span><wbr><span class="nw">', "")  # a crawl time's break opportunity: no text
            cells = re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
            out.append([" ".join(re.sub(r"<[^>]+>", " ", c).split()).replace("&#39;", "'").replace("&amp;", "&") for c in cells])
    return out
