"""The site of `odaudit diff A B --out DIR` (DIR/site/): both editions, every internal link and
anchor resolves, nothing loaded from the network, every changed dataset within two clicks with its
changes and their evidence, agencies, byte-identical reruns. The snapshots are test_diff_e2e's
(a loopback FakePortal crawled twice, with a broken link, a re-encoding, a licence change, …)."""

from __future__ import annotations

from pathlib import Path

from test_diff_e2e import cli, rounds  # noqa: F401  (the fixture)
from test_site import internal, pages, parse, target


def test_the_diff_writes_a_bilingual_site_whose_links_resolve_and_which_shows_the_evidence(rounds: dict[str, Path], tmp_path: Path) -> None:  # noqa: F811
    for out in ("one", "two"):
        assert cli(["diff", str(rounds["r1"]), str(rounds["r2"]), "-q", "--lang", "zh-TW", "--out", str(tmp_path / out)]) == 1
    site = tmp_path / "one" / "site"
    top = {p.relative_to(site).as_posix() for p in pages(site) if not p.is_relative_to(site / "en")}
    assert top == {p.relative_to(site / "en").as_posix() for p in pages(site / "en")}
    assert {"index.html", "datasets.html", "agencies.html", "dataset/tw-4.html", "dataset/tw-2.html", "dataset/tw-3.html"} <= top
    parsed = {p.resolve(): parse(p) for p in pages(site)}
    broken = []
    for page, doc in parsed.items():
        assert doc.lang == ("en" if page.is_relative_to((site / "en").resolve()) else "zh-TW")
        assert all(internal(h) or h.startswith("data:") for h in doc.loads), doc.loads  # nothing loaded from elsewhere
        for href in doc.links:
            if internal(href):
                file, frag = target(page, href)
                if not file.is_file() or (frag and frag not in parsed[file].ids):
                    broken.append((page, href))
        rel = page.relative_to(site.resolve()).as_posix()
        twin = rel.removeprefix("en/") if rel.startswith("en/") else "en/" + rel
        assert any(internal(h) and target(page, h)[0] == (site / twin).resolve() for h in doc.links), rel
    assert broken == []
    index = parsed[(site / "index.html").resolve()]
    listing = parsed[(site / "datasets.html").resolve()]
    assert any(h.endswith("datasets.html") for h in index.links) and any(h.endswith("dataset/tw-4.html") for h in listing.links)
    text = " ".join(parsed[(site / "en" / "dataset" / "tw-4.html").resolve()].text)
    assert "link broke" in text and "HTTP 404" in text and "HTTP 200" in text  # the change, the evidence old and new
    assert "-40.0" in text
    again = tmp_path / "two" / "site"
    first = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert first == {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
