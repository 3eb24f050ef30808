"""Anything odaudit writes, odaudit reads back (issue 17, item 11): `rubric init` on arbitrary
catalogs and snapshots, then `rubric check` and `score` accept the file it wrote.

Arbitrary means names, titles, categories, agency names and evidence with NUL, ESC, bidi
overrides, quotes, YAML syntax (`: `, `#`, `&a`, `*a`, `!!str`, `---`), CJK, and catalogs of
any name (a bundled one, a custom one, the whole portal of a `crawl --all` snapshot).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
import snapfactory as sf
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from odaudit.cli import main
from odaudit.scoring import load_inputs, score_snapshot
from odaudit.scoring.rubric import load_rubric
from odaudit.scoring.template import comment, q

#: About 0.8 s an example (a snapshot, init, check, score), so few; the text property runs more.
SETTINGS = settings(max_examples=15, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TEXT_SETTINGS = settings(max_examples=300, deadline=None, database=None)

HOSTILE = ["\x00", "\x1b[2J", "\x1b]0;PWNED\x07", "\u202e", "\u2066", "\u200f", "\t", "\r\n", "\n", '"', "'", "\\",
           "# ", ": ", "- ", "&a ", "*a", "!!str ", "---", "...", "{", "}", "[", "]", "|", ">", "%", "@", "`", "~", "null",
           "NO", "yes", "水庫每日營運狀況", "經濟部水利署", " ", "\u3000"]
#: Text a researcher's catalog file can hold as odaudit's test factory writes it (JSON with raw
#: non-ASCII): no DEL, C1 controls, U+FFFE/U+FFFF or YAML line breaks (NEL, U+2028/9), which
#: a YAML file cannot hold raw; odaudit reads such a catalog the same as the crawl did.
CATALOG_CHAR = st.characters(exclude_categories=("Cs",),
                             exclude_characters=["\u2028", "\u2029", "\ufffe", "\uffff", *map(chr, range(0x7F, 0xA0))])
#: Text from a portal or a server: anything a str holds but lone surrogates.
PORTAL_CHAR = st.characters(exclude_categories=("Cs",))


def text(chars: st.SearchStrategy[str], pieces: list[str] = HOSTILE) -> st.SearchStrategy[str]:
    part = st.sampled_from(pieces) | st.text(chars, min_size=1, max_size=8)
    return st.lists(part, min_size=1, max_size=4).map("".join)


CATALOG_TEXT = text(CATALOG_CHAR).filter(lambda s: s.strip() != "")
PORTAL_TEXT = text(PORTAL_CHAR)
OUTCOMES = st.sampled_from(["pass", "fail", "skip", "error"])


@st.composite
def datasets(draw: st.DrawFn, categories: list[str], whole_portal: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    ids = iter(range(1, 10_000))
    for cat in categories:
        names: set[str] = set()
        for _ in range(draw(st.integers(1, 3))):
            name = draw(PORTAL_TEXT if whole_portal else CATALOG_TEXT.filter(lambda n, names=names: n not in names))
            names.add(name)
            kind = "portal" if whole_portal else draw(st.sampled_from(["portal", "portal", "external", "missing"]))
            evidence = draw(PORTAL_TEXT)
            n = next(ids)
            spec = {"id": str(n)} if kind == "portal" else {"url": f"https://example.gov.tw/{n}/" + draw(CATALOG_TEXT)} \
                if kind == "external" else {}
            resources = [sf.resource("CSV", checks={"link": draw(OUTCOMES), "format": (draw(OUTCOMES), draw(PORTAL_TEXT), evidence)})]
            out.append(sf.dataset(name, category=cat, agency=draw(PORTAL_TEXT),
                                  checks={"licence": (draw(OUTCOMES), draw(PORTAL_TEXT), evidence)},
                                  resources=resources if kind == "portal" else [],
                                  in_snapshot=whole_portal or draw(st.booleans()), **spec))
    return out


@st.composite
def snapshots(draw: st.DrawFn) -> dict[str, Any]:
    whole = draw(st.booleans())
    if whole:  # `crawl --all`: one catalog category "all", no datasets listed; the snapshot's have category ""
        ds = draw(datasets([""], whole_portal=True))
        catalog = sf.catalog_dict([], name="all", title=draw(CATALOG_TEXT), categories={"all": "whole portal"})
    else:
        cats = draw(st.lists(CATALOG_TEXT, min_size=1, max_size=3, unique=True))
        ds = draw(datasets(cats, whole_portal=False))
        name = draw(st.sampled_from(["ocf-2017", "demo-datagovtw", "test"]) | st.from_regex(r"[A-Za-z0-9_.-]{1,12}", fullmatch=True)
                    .filter(lambda n: n != "all"))
        catalog = sf.catalog_dict(ds, name=name, title=draw(CATALOG_TEXT), method=draw(CATALOG_TEXT),
                                  categories={c: draw(CATALOG_TEXT) for c in cats})
    return {"datasets": ds, "catalog": catalog, "status": draw(st.sampled_from(["complete", "partial"])),
            "method": draw(st.sampled_from(["flat", "odb"])), "stdout": draw(st.booleans())}


def odaudit(*args: str, cwd: Path) -> tuple[int, str, str]:
    """`odaudit ARGS` in-process, from `cwd`, through main (its exit codes and one-line errors)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), contextlib.chdir(cwd):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@SETTINGS
@given(snapshots())
def test_rubric_init_writes_what_check_and_score_accept(spec: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        snap = sf.build_snapshot(root / "snaps" / "one", spec["datasets"], catalog=spec["catalog"], status=spec["status"])
        (root / "rubrics").mkdir()
        rubric = root / "rubrics" / "r.yaml"
        if spec["stdout"]:  # to stdout, from the folder the file is then saved in
            code, out, err = odaudit("rubric", "init", str(snap), "--method", spec["method"], cwd=rubric.parent)
            rubric.write_text(out, encoding="utf-8")
        else:
            code, out, err = odaudit("rubric", "init", str(snap), "--method", spec["method"], "--out", str(rubric), cwd=root)
        assert code == 0, err

        code, out, err = odaudit("rubric", "check", str(rubric), cwd=root)
        assert code == 0 and ": ok: rubric" in out, err

        snapshot, rub, catalog = load_inputs(str(snap), str(rubric))
        result = score_snapshot(snapshot, rub, catalog)
        assert not [w for w in result.warnings if "names catalog" in w]  # the rubric names the snapshot's own catalog
        written = {k: e.name for k, e in rub.datasets.items()}
        names = {row["key"].removeprefix("tw:"): row["name"] for _, row in result.datasets.iterrows()}
        assert written == {k: names[k] for k in written}  # every name reads back as the catalog has it


@TEXT_SETTINGS
@given(text(PORTAL_CHAR))
@example("\x00\x1b\x7f\x85\x9b\u2028\u202e\ufffe\uffff")
def test_yaml_text_reads_back_exactly(value: str) -> None:
    """q() is a YAML scalar that loads as the same string; comment() is one line a YAML reader
    accepts (control characters shown, not raw)."""
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)
    doc = yaml.load(f"# {comment(value)}\nx: {q(value)}  # {comment(value)}\n")
    assert doc["x"] == value


def test_whole_portal_rubric_checks(tmp_path: Path) -> None:
    """`rubric init` on a `crawl --all` snapshot writes `catalog: "all"`, which `score` always
    took and `rubric check` refused ("no such catalog"); check takes it now, and a manual answer
    in it is checked for form (its key is matched with the snapshot by `score`)."""
    ds = [sf.dataset("水庫", id="41568", category="", resources=[sf.resource("CSV", checks=sf.PASS_ALL)])]
    snap = sf.build_snapshot(tmp_path / "snap", ds, catalog=sf.catalog_dict([], name="all", categories={"all": "whole portal"}))
    code, _, err = odaudit("rubric", "init", str(snap), "--out", "r.yaml", cwd=tmp_path)
    assert code == 0, err
    text = (tmp_path / "r.yaml").read_text(encoding="utf-8")
    assert '\ncatalog: "all"' in text
    text = text.replace("datasets: {}", 'datasets:\n  "41568": {answers: {free: {answer: no, reason: "a fee page"}}}')
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    code, out, err = odaudit("rubric", "check", "r.yaml", cwd=tmp_path)
    assert code == 0 and "1 manual answers on 1 datasets (whole portal" in out, err
    snapshot, rub, catalog = load_inputs(str(snap), str(tmp_path / "r.yaml"))
    answers = score_snapshot(snapshot, rub, catalog).answers
    assert answers[(answers["key"] == "tw:41568") & (answers["question"] == "free")]["source"].tolist() == ["manual"]
    (tmp_path / "bad.yaml").write_text(text.replace("reason: \"a fee page\"", "reason: \"\""), encoding="utf-8")
    code, _, err = odaudit("rubric", "check", "bad.yaml", cwd=tmp_path)
    assert code == 2 and "needs a reason" in err


@pytest.mark.parametrize("name", ["水庫\x00營運", "水庫\x1b[2J營運", "a\u202eb\u2066c"])
def test_control_characters_in_catalog_text_do_not_break_the_rubric(tmp_path: Path, name: str) -> None:
    """The two examples of the issue, by hand: NUL and ESC in a catalog's title, category and
    dataset names were copied raw into YAML comments, and `rubric check` refused the file."""
    ds = [sf.dataset(name, id="41568", category="1.1", agency=f"{name}\x7f\x9b", resources=[sf.resource("CSV", checks=sf.PASS_ALL)]),
          sf.dataset(name + " 2", category="1.1")]
    snap = sf.build_snapshot(tmp_path / "snap", ds, catalog=sf.catalog_dict(ds, name="test", title=name, categories={"1.1": name}))
    code, _, err = odaudit("rubric", "init", str(snap), "--out", "r.yaml", cwd=tmp_path)
    assert code == 0, err
    code, out, err = odaudit("rubric", "check", "r.yaml", cwd=tmp_path)
    assert code == 0 and "ok:" in out, err
    missing_key = sf.keyed(ds)[1][0]
    assert load_rubric(tmp_path / "r.yaml").datasets[missing_key].name == name + " 2"
