"""`trend_snapshots` on built snapshots: absences, comebacks, duplicate findings of one unit, and the
memory model (only failed or changed units are kept per snapshot)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import snapfactory as sf

from odaudit.model.findings import Finding
from odaudit.store import Snapshot, rewrite_findings
from odaudit.trend import History, trend_snapshots
from odaudit.trend.history import observe


def res(status: int) -> dict:
    return sf.resource("CSV", status=status, error=None if status == 200 else {"kind": "http", "message": f"HTTP {status}"})


def build(tmp: Path, states: list[dict[int, int]]) -> list[Path]:
    """One snapshot per state {dataset id: HTTP status of its one resource}, a month apart."""
    out = []
    for i, state in enumerate(states):
        ds = [sf.dataset(f"D{n}", id=n, agency=f"機關{n % 2}", resources=[res(st)]) for n, st in sorted(state.items())]
        out.append(sf.build_snapshot(tmp / f"s{i}", ds, started_at=f"2025-{i + 1:02d}-01T00:00:00Z"))
    return out


def links(paths: list[Path]) -> dict[str, dict]:
    h = trend_snapshots(paths, workers=0).history
    return {r["resource"]: r for r in h[h["check"] == "link"].to_dict("records")}


def test_absent_then_back_then_broken(tmp_path: Path) -> None:
    paths = build(tmp_path, [{1: 200, 2: 200, 3: 200}, {1: 200, 3: 404}, {1: 200, 2: 200, 3: 404}, {1: 200, 2: 404}])
    got = links(paths)
    assert "tw:1#0" not in got
    assert got["tw:2#0"]["history"] == "pass - pass fail"  # its absence in crawl 2 survives the late failure
    assert (got["tw:2#0"]["since"], got["tw:2#0"]["streak"], got["tw:2#0"]["last_passed"]) == ("2025-04-01T00:00:00Z", 1, "2025-03-01T00:00:00Z")
    assert got["tw:3#0"]["history"] == "pass fail fail -"  # gone in the latest crawl
    assert (got["tw:3#0"]["outcome"], got["tw:3#0"]["since"], got["tw:3#0"]["streak"]) == ("-", "2025-04-01T00:00:00Z", 1)
    assert got["tw:3#0"]["first_failed"] == "2025-02-01T00:00:00Z"


def test_a_unit_that_comes_back_unchanged_is_not_history(tmp_path: Path) -> None:
    paths = build(tmp_path, [{1: 200, 2: 200}, {1: 200}, {1: 200, 2: 200}, {1: 200, 2: 200}])
    assert "tw:2#0" not in links(paths)


def test_several_findings_of_one_unit_count_as_the_worst(tmp_path: Path) -> None:
    f = pd.DataFrame.from_records([("tw:1", "tw:1#0", "u", "fields", "pass", "", "", "a"), ("tw:1", "tw:1#0", "u", "fields", "fail", "", "", "b"),
                                   ("tw:1", "", "", "licence", "pass", "", "", "")],
                                  columns=["dataset", "resource", "url", "check", "outcome", "measured", "expected", "evidence"])
    h = History(1)
    h.add(observe(f, {"tw:1#0": "https://x/0.csv"}, {"tw:1": "https://portal/1"}))
    out = h.frame(["2025-01-01"])
    assert out[["resource", "check", "outcome", "url", "evidence"]].to_records(index=False).tolist() == [("tw:1#0", "fields", "fail", "https://x/0.csv", "b")]


def test_only_hot_units_get_a_row_of_the_matrix(tmp_path: Path) -> None:
    h = History(50)
    keys = [f"tw:{i}" for i in range(1000)]
    for k in range(50):
        outcome = ["fail" if (i == 7 or (i == 9 and k == 30)) else "pass" for i in range(1000)]
        f = pd.DataFrame({"dataset": keys, "resource": "", "url": "", "check": "licence", "outcome": outcome,
                          "measured": "", "expected": "", "evidence": ""})
        h.add(observe(f, {}, {}))
    assert h.hot == 2 and len(h.ids) == 1000
    out = h.frame([f"t{k:02d}" for k in range(50)]).set_index("dataset")
    assert out.at["tw:9", "history"].split() == ["pass"] * 30 + ["fail"] + ["pass"] * 19
    assert (out.at["tw:9", "outcome"], out.at["tw:9", "since"], out.at["tw:9", "streak"]) == ("pass", "t31", 19)
    assert (out.at["tw:7", "streak"], out.at["tw:7", "since"], out.at["tw:7", "last_passed"]) == (50, "t00", "")


def test_rechecked_and_reused_findings_give_one_history(tmp_path: Path) -> None:
    paths = build(tmp_path, [{1: 200}, {1: 404}])
    want = links(paths)
    s = Snapshot.open(paths[0])
    rewrite_findings(s, [Finding("tw:1", "tw:1#0", "", "link", "fail", "999", "", "made up by old rules")], {"rules_version": "2019.1"})
    assert links(paths)["tw:1#0"]["history"] == want["tw:1#0"]["history"] == "pass fail"
