"""The public API: run_checks, CHECK_IDS, RULES_VERSION, the registry, error isolation, determinism."""

from __future__ import annotations

import pickle
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from test_checks_helpers import CRAWL, Portal

from odaudit import checks
from odaudit.checks import CHECK_IDS, REGISTRY, RULES_VERSION, run_checks
from odaudit.checks.base import CheckSpec
from odaudit.model.findings import OUTCOMES, Finding


def _portal(tmp_path: Path) -> Portal:
    p = Portal(tmp_path, badge="金", fields=["主管機關", "收容所編號", "收容所名稱"])
    p.add("taitung_shelters_utf8bom_slice.csv", rows="40")
    p.add("yilan_catalog_big5_slice.csv", rows="60")  # Big5 declared UTF-8
    p.add("landing_page.html", content_type="text/html")
    p.add(None, status=404, error={"kind": "http", "message": "404 Not Found"})
    return p


def test_constants() -> None:
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", RULES_VERSION)
    assert CHECK_IDS == (
        "link", "downloadable", "format", "encoding", "structure", "fields", "machine_readable", "stars",
        "licence", "free", "freshness", "metadata", "badge", "consistency",
    )
    assert {i for s in REGISTRY for i in s.ids} == set(CHECK_IDS)
    assert REGISTRY[-1].ids == ("badge",)  # reads the findings of all the others
    assert isinstance(REGISTRY, tuple) and all(isinstance(s, CheckSpec) for s in REGISTRY)


def test_every_check_runs_and_outcomes_are_valid(tmp_path: Path) -> None:
    out = _portal(tmp_path).run()
    assert {f.check for f in out} == set(CHECK_IDS)
    for f in out:
        assert isinstance(f, Finding) and f.outcome in OUTCOMES
        assert f.outcome != "error", f
        assert f.evidence or f.outcome == "pass", f
        if f.check in ("licence", "free", "freshness", "metadata", "badge"):
            assert f.resource == "" and f.url == ""
        if f.resource:
            assert f.url.startswith("https://")


def test_same_inputs_give_identical_findings(tmp_path: Path) -> None:
    p = _portal(tmp_path)
    first = p.run()
    second = p.run()
    assert first == second
    assert [f.as_row_list() for f in first] == [f.as_row_list() for f in second]


def test_no_wall_clock(tmp_path: Path) -> None:
    p = _portal(tmp_path)
    a = {f.check: f for f in p.run("2017-12-20T00:00:00Z") if not f.resource}
    b = {f.check: f for f in p.run("2030-01-01T00:00:00Z") if not f.resource}
    assert a["freshness"].outcome == "pass" and b["freshness"].outcome == "fail"


def test_a_crashing_check_becomes_an_error_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(ctx, res):
        raise RuntimeError("kaboom")

    def dboom(ctx):
        raise ValueError("dataset kaboom")

    patched = tuple(
        CheckSpec(s.ids, s.scope, boom, s.metadata) if s.ids == ("encoding",)
        else CheckSpec(s.ids, s.scope, dboom, s.metadata) if s.ids == ("free",) else s
        for s in REGISTRY
    )
    monkeypatch.setattr(checks, "REGISTRY", patched)
    p = _portal(tmp_path)
    out = p.run()
    enc = [f for f in out if f.check == "encoding"]
    assert len(enc) == 4 and all(f.outcome == "error" for f in enc)
    assert enc[0].measured == "RuntimeError" and "kaboom" in enc[0].evidence
    free = [f for f in out if f.check == "free"]
    assert len(free) == 1 and free[0].outcome == "error" and free[0].resource == ""
    # everything else still ran
    assert {f.check for f in out} == set(CHECK_IDS)
    assert any(f.check == "structure" and f.outcome == "pass" for f in out)


def test_a_failing_shared_fact_errors_each_dependent_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from odaudit.checks import base

    def broken_detect(path, truncated=False):
        raise OSError("disk on fire")

    monkeypatch.setattr(base, "detect_encoding", broken_detect)
    p = Portal(tmp_path)
    p.add("taitung_shelters_utf8bom_slice.csv")
    r = p.results()
    assert r[("encoding", "0")].outcome == "error"
    assert r[("structure", "0")].outcome == "error"  # needs the encoding
    assert r[("format", "0")].outcome == "pass"      # does not


def test_multi_id_module_error_covers_both_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from odaudit.checks import stars

    monkeypatch.setattr(stars, "real_format", lambda ctx, res: 1 / 0)
    p = Portal(tmp_path)
    p.add("taitung_shelters_utf8bom_slice.csv")
    r = p.results()
    assert r[("machine_readable", "0")].outcome == "error"
    assert r[("stars", "0")].outcome == "error"


def test_missing_dataset_gives_one_link_skip(tmp_path: Path) -> None:
    p = Portal(tmp_path, key="none:abc", kind="missing")
    out = p.run()
    assert out == [Finding("none:abc", "", "", "link", "skip", "", "", "not found online")]


def test_external_dataset_runs_body_checks_and_skips_metadata(tmp_path: Path) -> None:
    p = Portal(tmp_path, key="ext:1", kind="external")
    p.add("taitung_shelters_utf8bom_slice.csv", fmt="", encoding="")
    r = p.results()
    for cid in ("link", "downloadable", "format", "encoding", "structure", "machine_readable", "stars"):
        assert (cid, "0") in r
    assert r[("structure", "0")].outcome == "pass"
    assert r[("stars", "0")].measured == "3"
    assert "licence not applied" in r[("stars", "0")].evidence
    for cid in ("fields", "licence", "free", "freshness", "metadata", "consistency", "badge"):
        f = r[(cid, "")]
        assert f.outcome == "skip" and "external" in f.evidence


def test_dataset_without_resources(tmp_path: Path) -> None:
    p = Portal(tmp_path)
    r = p.results()
    assert r[("link", "")].outcome == "fail"
    assert r[("licence", "")].outcome == "pass"


def test_picklable_for_a_process_pool(tmp_path: Path) -> None:
    p = _portal(tmp_path)
    assert pickle.loads(pickle.dumps(run_checks)) is run_checks
    with ProcessPoolExecutor(max_workers=1) as pool:
        remote = pool.submit(run_checks, p.dataset(), p.resources, str(tmp_path), CRAWL).result()
    assert remote == p.run()
