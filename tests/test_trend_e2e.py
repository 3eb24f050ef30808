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
    broken = report.split("## Longest-broken resources", 1)[1].split("##", 1)[0]
    assert broken.index("tw:2#0") < broken.index("tw:3#0") and "tw:4#0" not in broken  # longest first; the repaired one is not broken
    assert "`pass fail fail`" in broken and "2 of 3" in broken
    manifest = folder_manifest(out)
    assert manifest["command"] == "trend"
    assert [s["path"] for s in manifest["inputs"]["snapshots"]] == [str(p) for p in paths]  # crawl order
    assert set(manifest["files"]) == {"trend.md", "resource_history.csv", "series.csv", "chart-quantity-quality.svg"}


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
