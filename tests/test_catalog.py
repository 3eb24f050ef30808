"""The bundled ocf-2017 catalog, and file:line:col errors for malformed catalogs.

No network: catalogs are only read here (crawls in tests use the fake portal on 127.0.0.1).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from odaudit.catalog import BUNDLED_DIR, dataset_key, load_catalog, resolve_catalog_path
from odaudit.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def test_bundled_catalog_counts():
    path = resolve_catalog_path("ocf-2017")
    assert path == BUNDLED_DIR / "ocf-2017.yaml"
    cat = load_catalog(path)
    assert cat.name == "ocf-2017" and cat.portal == "https://data.gov.tw"
    assert len(cat.categories) == 20
    entries = cat.entries()
    kinds = [d.kind for _, d in entries]
    assert len(entries) == 89
    assert (kinds.count("portal"), kinds.count("external"), kinds.count("missing")) == (49, 37, 3)
    assert [c.id for c in cat.categories] == [
        "0.1", "0.2", "0.3", "1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4",
        "3.1", "3.2", "3.3", "4.1", "4.2", "4.3", "5.1", "5.2", "5.3", "5.4"]
    assert len({c.tier for c in cat.categories}) == 6
    for c in cat.categories:
        assert 3 <= len(c.datasets) <= 5, c.id
        assert c.rationale and c.tier
        assert any("\u4e00" <= ch <= "\u9fff" for ch in c.name) and any(ch.isascii() and ch.isalpha() for ch in c.name)
    for _, d in entries:
        if d.kind == "missing":
            assert d.note
    assert "OCF" in cat.method and "89" in cat.method and "g0v" in cat.method


def test_bundled_catalog_content():
    cat = load_catalog(resolve_catalog_path("ocf-2017"))
    by_name = {d.name: (c.id, d) for c, d in cat.entries()}
    assert by_name["水質資訊"][0] == "3.3" and by_name["水質資訊"][1].id == "6308"
    assert by_name["空氣品質監測小時值資料(一般污染物,每日更新)"][1].id == "28178"
    assert by_name["起訴書"][1].kind == "missing"
    assert by_name["裁判書查詢"][1].url == "http://jirs.judicial.gov.tw/FJUD/"
    keys = [dataset_key(d, c.id, i) for c in cat.categories for i, d in enumerate(c.datasets)]
    assert len({k for k in keys if k.startswith("tw:")}) == 49


def test_bundled_catalog_starts_with_generation_comment():
    text = (BUNDLED_DIR / "ocf-2017.yaml").read_text(encoding="utf-8")
    assert text.startswith("# ocf-2017:") and "tools/build_ocf_catalog.py" in text.split("\nname:", 1)[0]


@pytest.mark.skipif(not (SHARED / "catalog-seeds").is_dir(), reason="needs the shared reference folder")
def test_build_tool_reproduces_the_bundled_catalog(tmp_path):
    out = tmp_path / "ocf.yaml"
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_ocf_catalog.py"), "--shared", str(SHARED),
                    "--out", str(out)], check=True, capture_output=True)
    assert out.read_bytes() == (BUNDLED_DIR / "ocf-2017.yaml").read_bytes()


HEAD = 'name: t\ntitle: T\nmethod: m\ncategories:\n  - id: "1"\n    name: A\n'


def load_text(tmp_path: Path, text: str):
    path = tmp_path / "cat.yaml"
    path.write_text(text, encoding="utf-8")
    return path, load_catalog(path)


@pytest.mark.parametrize(("text", "line", "col", "words"), [
    # YAML syntax errors
    (HEAD.replace("name: A", "name: A: B"), 6, 12, "mapping values are not allowed"),
    (HEAD + "    name: B\n", 7, 5, "duplicate key"),
    (HEAD + "   datasets: []\n", 7, 4, "expected <block end>"),
    ("name: t\n\ttitle: T\n", 2, 1, "'\\t'"),
    # wrong types
    (HEAD + "    datasets: 5\n", 7, 15, "categories.0.datasets: Input should be a valid list"),
    ("name: t\ntitle: T\nmethod: m\ncategories: {}\n", 4, 1, "categories: Input should be a valid list"),
    # unknown key
    (HEAD + "    datasets:\n      - name: x\n        idd: '1'\n", 9, 14, "categories.0.datasets.0.idd: Extra inputs"),
    (HEAD + "    weight: 2\n", 7, 13, "categories.0.weight: Extra inputs"),
    # bad ids, urls, both
    (HEAD + "    datasets:\n      - name: x\n        id: 12a\n", 9, 13, "digits only"),
    (HEAD + "    datasets:\n      - name: x\n        id: NO\n", 9, 13, "digits only"),
    (HEAD + "    datasets:\n      - name: x\n        url: ftp://a\n", 9, 14, "http:// or https://"),
    (HEAD + "    datasets:\n      - name: a\n      - name: x\n        id: '1'\n        url: http://a\n", 9, 9,
     "either id"),
    # missing fields, empty file, repeated dataset
    ("name: t\ntitle: T\nmethod: m\n", 1, 1, "categories: Field required"),
    ("name: t\ntitle: T\nmethod: m\ncategories:\n  - id: '1'\n    datasets: []\n", 5, 5, "categories.0.name: Field required"),
    ("", 1, 1, "the file is empty"),
    (HEAD + "    datasets:\n      - name: x\n        id: '1'\n      - name: y\n        id: '1'\n", 10, 9, "listed twice"),
])
def test_malformed_catalog_points_at_the_line(tmp_path, text, line, col, words):
    with pytest.raises(InputError) as err:
        load_text(tmp_path, text)
    msg = str(err.value)
    assert msg.startswith(f"{tmp_path / 'cat.yaml'}:{line}:{col}: "), msg
    assert words in msg


def test_duplicate_category_id_points_at_the_second_id(tmp_path):
    with pytest.raises(InputError) as err:
        load_text(tmp_path, HEAD + "  - id: '1'\n    name: B\n")
    assert str(err.value).startswith(f"{tmp_path / 'cat.yaml'}:7:")


def test_duplicate_category_id_is_an_error(tmp_path):
    with pytest.raises(InputError, match=r":\d+:\d+: .*category id '1' appears twice"):
        load_text(tmp_path, HEAD + "  - id: '1'\n    name: B\n")


def test_no_stays_a_string(tmp_path):
    _, cat = load_text(tmp_path, "name: t\ntitle: T\nmethod: m\ncategories:\n  - id: NO\n    name: NO\n"
                                 "    tier: yes\n    datasets:\n      - name: NO\n        note: off\n")
    c = cat.categories[0]
    assert (c.id, c.name, c.tier) == ("NO", "NO", "yes")
    assert c.datasets[0].name == "NO" and c.datasets[0].note == "off"


def test_integer_id_is_accepted(tmp_path):
    _, cat = load_text(tmp_path, HEAD + "    datasets:\n      - name: x\n        id: 41568\n")
    assert cat.categories[0].datasets[0].id == "41568"


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_catalog(tmp_path / "nope.yaml")
