"""The trend site's catalog entries (odaudit/report/i18n_trend.py) are part of the one catalog and
repeat no key of i18n.py; and the site over a hand-made TrendResult: portal text escaped, an agency
absent from a snapshot said so, an agency without a name named by the catalog."""

from __future__ import annotations

import ast
from pathlib import Path

from odaudit.report import i18n
from odaudit.report.i18n_trend import TREND_SITE

ROOT = Path(__file__).resolve().parent.parent


def test_the_trend_site_entries_are_in_the_one_catalog_and_repeat_no_key() -> None:
    tree = ast.parse((ROOT / "odaudit" / "report" / "i18n.py").read_text(encoding="utf-8"))
    table = next(n.value for n in tree.body if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "_T")
    own = {k.value for k in table.keys if isinstance(k, ast.Constant)}
    assert not own & set(TREND_SITE), sorted(own & set(TREND_SITE))
    assert all(i18n.has(k) and i18n.t(k, "zh-TW") == zh for k, (_, zh) in TREND_SITE.items())
    # every placeholder of the English sentence is in the Chinese one, and back
    import string

    for k, (en, zh) in TREND_SITE.items():
        names = [{f for _, f, _, _ in string.Formatter().parse(s) if f} for s in (en, zh)]
        assert names[0] == names[1], k


EVIL = '<script>alert(1)</script>"onmouseover="x\u202e'


def test_hostile_portal_text_an_absent_agency_and_an_agency_without_a_name(tmp_path: Path) -> None:
    """Three built snapshots: an agency named with markup whose resource's URL is `javascript:` and
    whose link breaks in crawl 2; a dataset without an agency, absent from crawl 2. The site escapes
    the text, links no `javascript:` URL, names the nameless agency by the catalog and says where an
    agency was not in a snapshot."""
    import snapfactory as sf
    from test_site import internal, parse, target

    from odaudit.cli import main

    def res(status: int) -> dict:
        return sf.resource("CSV", url="javascript:alert(2)", status=status, error=None if status == 200 else {"kind": "http", "message": f"HTTP {status}"})

    paths = []
    for i, (st, nameless) in enumerate(((200, True), (404, False), (404, True))):
        ds = [sf.dataset(EVIL, id=1, agency=EVIL, resources=[res(st)]), sf.dataset("甲", id=2, agency="機關甲", resources=[res(200)])]
        ds += [sf.dataset("無機關", id=3, agency="", resources=[res(200)])] if nameless else []
        paths.append(sf.build_snapshot(tmp_path / f"s{i}", ds, started_at=f"2025-{i + 1:02d}-01T00:00:00Z"))
    try:
        main(["trend", *map(str, paths), "--out", str(tmp_path / "t"), "-q", "--workers", "0"])
    except SystemExit as exc:
        assert exc.code in (0, None)
    site = tmp_path / "t" / "site"
    pages = sorted(site.rglob("*.html"))
    for p in pages:
        html = p.read_text(encoding="utf-8")
        assert "<script>alert" not in html and 'href="javascript:' not in html.lower(), p
        doc = parse(p)
        for href in doc.links:
            if internal(href):
                file, frag = target(p, href)
                assert file.is_file() and (not frag or frag in parse(file).ids), (p, href)
    texts = {p.relative_to(site).as_posix(): " ".join(parse(p).text) for p in pages}
    nameless = next(k for k, v in texts.items() if k.startswith("agency/") and "(none)" in v)
    assert "not in the snapshot" in texts[nameless]
    assert "（未填機關）" in texts["zh-TW/" + nameless] and "不在快照中" in texts["zh-TW/" + nameless]
    broken = texts["broken.html"]
    assert "javascript:alert(2)" in broken and "HTTP 404" in broken  # the URL shown as text, not linked
